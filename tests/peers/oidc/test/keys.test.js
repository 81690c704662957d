// Signing keys: generated at start (RS256 and ES256), rotated through the
// control API (the new key signs, the old stays in the JWKS so tokens it
// signed still verify) and retired (then the JWKS has the new keys only).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  CookieJar, USERS, decodeJwt, exchangeCode, secretClient, signIn, startPeer, verifyJwt,
} from './helpers.js';

let env;
before(async () => {
  env = await startPeer({ clients: [secretClient()], users: USERS });
});
after(() => env.close());

async function idToken() {
  const flow = await signIn(new CookieJar(), env.origin, { username: 'omar', password: 'omar-password' });
  const token = await exchangeCode(env.origin, {
    code: flow.callback.searchParams.get('code'), verifier: flow.request.verifier, auth: { secret: 'wasl-secret' },
  });
  assert.equal(token.status, 200, JSON.stringify(token.body));
  return token.body.id_token;
}

test('a rotation signs with a new key and keeps the old in the JWKS until it is retired', async () => {
  const health = (await env.control('GET', '/_peer/health')).body;
  assert.equal(health.ok, true);
  assert.equal(health.issuer, env.origin);
  const startKids = (await env.jwks()).keys.map((k) => k.kid);
  assert.equal(startKids.length, 2);
  const oldToken = await idToken();
  const oldKid = decodeJwt(oldToken).header.kid;
  assert.equal(oldKid, health.keys.signing.find((k) => k.alg === 'RS256').kid);

  const rotated = await env.control('POST', '/_peer/rotate-keys');
  assert.equal(rotated.status, 200);
  const newKids = rotated.body.signing.map((k) => k.kid);
  assert.deepEqual(rotated.body.signing.map((k) => k.alg), ['RS256', 'ES256']);
  assert.equal(newKids.filter((kid) => startKids.includes(kid)).length, 0);
  const jwks = await env.jwks();
  assert.deepEqual(jwks.keys.map((k) => k.kid), [...newKids, ...startKids]);
  verifyJwt(oldToken, jwks);

  const newToken = await idToken();
  assert.equal(decodeJwt(newToken).header.kid, newKids[0]);
  verifyJwt(newToken, jwks);
  // Discovery is unchanged by a rotation.
  assert.equal((await env.discovery()).jwks_uri, `${env.origin}/jwks`);

  const retired = await env.control('POST', '/_peer/retire-old-keys');
  assert.deepEqual(retired.body.retired, startKids);
  const after = await env.jwks();
  assert.deepEqual(after.keys.map((k) => k.kid), newKids);
  assert.throws(() => verifyJwt(oldToken, after), /no key/);
  verifyJwt(newToken, after);
});

test('reset forgets sessions, not keys; the peer takes no fault rules', async () => {
  const jar = new CookieJar();
  await signIn(jar, env.origin, { username: 'omar', password: 'omar-password' });
  assert.ok((await env.control('GET', '/_peer/health')).body.sessions >= 1);
  const kids = (await env.jwks()).keys.map((k) => k.kid);
  assert.equal((await env.control('POST', '/_peer/reset')).status, 200);
  assert.equal((await env.control('GET', '/_peer/health')).body.sessions, 0);
  assert.deepEqual((await env.jwks()).keys.map((k) => k.kid), kids);
  const again = await signIn(jar, env.origin, { username: 'omar', password: 'wrong' });
  assert.match(again.page.html, /Wrong username or password/);
  assert.equal((await env.control('POST', '/_peer/faults')).status, 404);
});
