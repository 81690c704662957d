'use strict';
// AssumeRoleWithWebIdentity as AWS documents it: the form's parameters
// checked, the token verified (signature, issuer, audience, expiry), STS's
// XML for the keys and for errors; the control API's junk and huge answers.
const test = require('node:test');
const assert = require('node:assert');
const { StsPeer } = require('../src/sts_peer');

const ROLE = 'arn:aws:iam::123456789012:role/wasl-archive';

async function withPeer(fn) {
  const peer = new StsPeer({});
  const port = await peer.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${port}`;
  const control = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const assume = async (fields) => {
    const res = await fetch(`${base}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: res.status, text: await res.text() };
  };
  try {
    await fn({ base, control, assume });
  } finally {
    await peer.close();
  }
}

function form(token, extra = {}) {
  return { Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: ROLE, RoleSessionName: 'wasl-hub', WebIdentityToken: token, DurationSeconds: '900', ...extra };
}

test('a valid token gets the keys set on the peer, in STS\'s XML', () => withPeer(async (p) => {
  await p.control('POST', '/_peer/credentials', { sets: [{ accessKeyId: 'ASIA1', secretAccessKey: 's1', token: 't1', expiresInSeconds: 900 }] });
  const { body: { token } } = await p.control('POST', '/_peer/tokens', { sub: 'system:serviceaccount:wasl:hub' });
  const before = Date.now();
  const answer = await p.assume(form(token));
  assert.strictEqual(answer.status, 200, answer.text);
  assert.match(answer.text, /<AccessKeyId>ASIA1<\/AccessKeyId>/);
  assert.match(answer.text, /<SecretAccessKey>s1<\/SecretAccessKey>/);
  assert.match(answer.text, /<SessionToken>t1<\/SessionToken>/);
  assert.match(answer.text, /<SubjectFromWebIdentityToken>system:serviceaccount:wasl:hub<\/SubjectFromWebIdentityToken>/);
  const expiration = Date.parse(answer.text.match(/<Expiration>([^<]+)<\/Expiration>/)[1]);
  assert.ok(expiration >= before + 899000 && expiration <= Date.now() + 900000);
  const { body: received } = await p.control('GET', '/_peer/received/assume');
  assert.strictEqual(received.records.length, 1);
  assert.strictEqual(received.records[0].item.session, 'wasl-hub');
}));

test('bad parameters and bad tokens are STS errors', () => withPeer(async (p) => {
  await p.control('POST', '/_peer/credentials', { sets: [{ accessKeyId: 'ASIA1', secretAccessKey: 's1', token: 't1', expiresInSeconds: 900 }] });
  const { body: { token } } = await p.control('POST', '/_peer/tokens', { sub: 'hub' });
  const code = (answer) => (answer.text.match(/<Code>([^<]+)<\/Code>/) || [])[1];
  assert.strictEqual(code(await p.assume({ ...form(token), Action: '' })), 'MissingAction');
  assert.strictEqual(code(await p.assume(form(token, { Action: 'AssumeRole' }))), 'InvalidAction');
  assert.strictEqual(code(await p.assume(form(token, { RoleSessionName: 'a b' }))), 'ValidationError');
  assert.strictEqual(code(await p.assume(form(token, { DurationSeconds: '60' }))), 'ValidationError');
  assert.strictEqual(code(await p.assume(form('not.a.jwt'))), 'InvalidIdentityToken');
  const [h, c] = token.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(c, 'base64url')), sub: 'root' })).toString('base64url')}.${token.split('.')[2]}`;
  assert.strictEqual(code(await p.assume(form(forged))), 'InvalidIdentityToken');
  const { body: { token: expired } } = await p.control('POST', '/_peer/tokens', { sub: 'hub', expiresInSeconds: -10 });
  assert.strictEqual(code(await p.assume(form(expired))), 'ExpiredTokenException');
  const { body: { token: otherAudience } } = await p.control('POST', '/_peer/tokens', { sub: 'hub', aud: 'someone-else' });
  assert.strictEqual(code(await p.assume(form(otherAudience))), 'InvalidIdentityToken');
  const denied = await p.assume(form(token, { RoleArn: 'arn:aws:iam::123456789012:role/other' }));
  assert.strictEqual(denied.status, 403);
  assert.strictEqual(code(denied), 'AccessDenied');
  const { body: effects } = await p.control('GET', '/_peer/effects');
  assert.strictEqual(effects.assumed, undefined);
}));

test('junk and huge answers on demand', () => withPeer(async (p) => {
  const { body: { token } } = await p.control('POST', '/_peer/tokens', { sub: 'hub' });
  await p.control('POST', '/_peer/answer', { mode: 'junk' });
  const junk = await p.assume(form(token));
  assert.strictEqual(junk.status, 200);
  assert.doesNotMatch(junk.text, /AccessKeyId/);
  await p.control('POST', '/_peer/answer', { mode: 'huge' });
  const huge = await p.assume(form(token));
  assert.ok(huge.text.length > 8 << 20);
}));
