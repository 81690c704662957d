'use strict';
// The IMDSv2 protocol as AWS documents it: a session token first (its TTL
// header required), every metadata read with it, the role's keys as JSON
// with their Expiration; and the control API's keys, junk and huge answers.
const test = require('node:test');
const assert = require('node:assert');
const { ImdsPeer } = require('../src/imds_peer');

const CREDENTIALS = '/latest/meta-data/iam/security-credentials/';

async function withPeer(options, fn) {
  const peer = new ImdsPeer(options);
  const port = await peer.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${port}`;
  const p = {
    base,
    token: async (ttl = '21600', extra = {}) => fetch(`${base}/latest/api/token`, {
      method: 'PUT',
      headers: ttl === null ? extra : { 'X-aws-ec2-metadata-token-ttl-seconds': ttl, ...extra },
    }),
    get: (path, token) => fetch(`${base}${path}`, { headers: token ? { 'X-aws-ec2-metadata-token': token } : {} }),
    control: async (method, path, body) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
  };
  try {
    await fn(p);
  } finally {
    await peer.close();
  }
}

test('a token needs its TTL header and no X-Forwarded-For; reads need the token', () => withPeer({}, async (p) => {
  assert.strictEqual((await p.token(null)).status, 400);
  assert.strictEqual((await p.token('0')).status, 400);
  assert.strictEqual((await p.token('21601')).status, 400);
  assert.strictEqual((await p.token('60', { 'X-Forwarded-For': '10.0.0.1' })).status, 403);
  assert.strictEqual((await fetch(`${p.base}/latest/api/token`)).status, 405);

  assert.strictEqual((await p.get(CREDENTIALS)).status, 401);
  assert.strictEqual((await p.get(CREDENTIALS, 'not-a-token')).status, 401);
  const res = await p.token('21600');
  assert.strictEqual(res.status, 200);
  assert.strictEqual(res.headers.get('x-aws-ec2-metadata-token-ttl-seconds'), '21600');
  const token = await res.text();
  const role = await p.get(CREDENTIALS, token);
  assert.strictEqual(role.status, 200);
  assert.strictEqual(await role.text(), 'wasl-archive');
  assert.strictEqual((await p.get(`${CREDENTIALS}other-role`, token)).status, 404);
  const { body } = await p.control('GET', '/_peer/effects');
  assert.strictEqual(body.tokens, 1);
  assert.strictEqual(body.unauthorized, 2);
}));

test('a token past its TTL is refused', () => withPeer({}, async (p) => {
  const token = await (await p.token('1')).text();
  assert.strictEqual((await p.get(CREDENTIALS, token)).status, 200);
  const deadline = Date.now() + 5000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    status = (await p.get(CREDENTIALS, token)).status;
    if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.strictEqual(status, 401);
}));

test('the role\'s keys with their Expiration; a set marked once is answered once', () => withPeer({}, async (p) => {
  const token = await (await p.token()).text();
  const pending = await (await p.get(`${CREDENTIALS}wasl-archive`, token)).json();
  assert.strictEqual(pending.Code, 'Pending');

  const before = Date.now();
  const set = await p.control('POST', '/_peer/credentials', {
    sets: [
      { accessKeyId: 'BAD', secretAccessKey: 'bad-secret', token: '', expiresInSeconds: 600, once: true },
      { accessKeyId: 'GOOD', secretAccessKey: 'good-secret', token: 'session', expiresInSeconds: 301 },
    ],
  });
  assert.strictEqual(set.status, 200);
  const first = await (await p.get(`${CREDENTIALS}wasl-archive`, token)).json();
  assert.strictEqual(first.Code, 'Success');
  assert.strictEqual(first.Type, 'AWS-HMAC');
  assert.strictEqual(first.AccessKeyId, 'BAD');
  const second = await (await p.get(`${CREDENTIALS}wasl-archive`, token)).json();
  const third = await (await p.get(`${CREDENTIALS}wasl-archive`, token)).json();
  assert.strictEqual(second.AccessKeyId, 'GOOD');
  assert.strictEqual(third.AccessKeyId, 'GOOD');
  assert.strictEqual(third.SecretAccessKey, 'good-secret');
  assert.strictEqual(third.Token, 'session');
  assert.match(third.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const expires = Date.parse(third.Expiration);
  assert.ok(expires >= before + 300000 && expires <= Date.now() + 301000, third.Expiration);

  assert.strictEqual((await p.control('POST', '/_peer/credentials', { sets: [{ accessKeyId: 'X' }] })).status, 400);
}));

test('junk, huge and no role', async () => {
  await withPeer({}, async (p) => {
    const token = await (await p.token()).text();
    await p.control('POST', '/_peer/answer', { mode: 'junk' });
    const junk = await (await p.get(`${CREDENTIALS}wasl-archive`, token)).text();
    assert.throws(() => JSON.parse(junk));
    await p.control('POST', '/_peer/answer', { mode: 'huge' });
    const huge = await (await p.get(`${CREDENTIALS}wasl-archive`, token)).text();
    assert.ok(huge.length > 8 << 20);
    assert.strictEqual((await p.control('POST', '/_peer/answer', { mode: 'odd' })).status, 400);
  });
  await withPeer({ role: '' }, async (p) => {
    const token = await (await p.token()).text();
    assert.strictEqual((await p.get(CREDENTIALS, token)).status, 404);
  });
});
