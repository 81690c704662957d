'use strict';
// SMART Backend Services and the other auth modes: discovery, the token
// endpoint's checks of the client assertion (alg, key, iss/sub/aud, exp,
// jti replay), token lifetime and early expiry, scopes, bearer and basic.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const jose = require('jose');
const { poll } = require('../../support');
const { startPeer } = require('./helpers');

const CLIENT = 'wasl-hub';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

async function keyPair(alg) {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = await jose.exportJWK(publicKey);
  jwk.kid = `${alg}-key`;
  jwk.alg = alg;
  return { alg, privateKey, jwk, kid: jwk.kid, publicPem: await jose.exportSPKI(publicKey) };
}

async function assertion(key, aud, overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: CLIENT, sub: CLIENT, aud, jti: crypto.randomUUID(), exp: now + 240, iat: now, ...overrides };
  return new jose.SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

async function token(s, jwt, { scope = 'system/*.read system/Encounter.write system/DocumentReference.cruds system/Appointment.rs', grant = 'client_credentials' } = {}) {
  const res = await fetch(s.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: grant, client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, scope }),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

test('SMART Backend Services', async (t) => {
  const rsa = await keyPair('RS384');
  const ec = await keyPair('ES384');
  const stranger = await keyPair('RS384');
  const s = await startPeer({ auth: 'smart', clientId: CLIENT, jwks: { keys: [rsa.jwk, ec.jwk] }, seed: 'demo' });
  t.after(() => s.close());

  await t.test('discovery names the token endpoint and the algorithms', async () => {
    const r = await s.fhir('GET', '.well-known/smart-configuration');
    assert.equal(r.status, 200);
    assert.equal(r.body.token_endpoint, s.tokenUrl);
    assert.deepEqual(r.body.token_endpoint_auth_signing_alg_values_supported, ['RS384', 'ES384']);
    assert.ok(r.body.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
  });

  await t.test('metadata needs no token', async () => {
    const r = await s.fhir('GET', 'metadata');
    assert.equal(r.status, 200);
    assert.equal(r.body.fhirVersion, '4.0.1');
  });

  await t.test('no token, or an unknown one: 401 with WWW-Authenticate', async () => {
    let r = await s.fhir('GET', 'Patient/fatimah-alzahrani');
    assert.equal(r.status, 401);
    assert.equal(r.body.resourceType, 'OperationOutcome');
    assert.match(r.headers.get('www-authenticate'), /^Bearer/);
    r = await s.fhir('GET', 'Patient/fatimah-alzahrani', { headers: { Authorization: 'Bearer made-up' } });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate'), /invalid_token/);
  });

  for (const key of [rsa, ec]) {
    await t.test(`an ${key.alg} assertion gets a token that reads and writes within its scopes`, async () => {
      const r = await token(s, await assertion(key, s.tokenUrl));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.token_type, 'bearer');
      assert.equal(r.body.expires_in, 300);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      const auth = { Authorization: `Bearer ${r.body.access_token}` };
      assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani', { headers: auth })).status, 200);
      const enc = {
        resourceType: 'Encounter', status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
      };
      assert.equal((await s.fhir('POST', 'Encounter', { body: enc, headers: auth })).status, 201);
      const denied = await s.fhir('POST', 'Patient', { body: { resourceType: 'Patient' }, headers: auth });
      assert.equal(denied.status, 403);
      assert.match(denied.headers.get('www-authenticate'), /insufficient_scope/);
    });
  }

  await t.test('refused assertions: HS256, a key not registered, wrong aud, iss or sub, expired, too long, no jti', async () => {
    const hs = await new jose.SignJWT({ iss: CLIENT, sub: CLIENT, aud: s.tokenUrl, jti: 'h', exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('a shared secret of enough length!'));
    const now = Math.floor(Date.now() / 1000);
    const cases = {
      hs256: hs,
      'unregistered key': await assertion(stranger, s.tokenUrl),
      'wrong aud': await assertion(rsa, `${s.base}/token`),
      'unknown iss': await assertion(rsa, s.tokenUrl, { iss: 'someone', sub: 'someone' }),
      'sub not iss': await assertion(rsa, s.tokenUrl, { sub: 'someone' }),
      expired: await assertion(rsa, s.tokenUrl, { exp: now - 60, iat: now - 120 }),
      'exp over 5 minutes': await assertion(rsa, s.tokenUrl, { exp: now + 600 }),
      'no jti': await assertion(rsa, s.tokenUrl, { jti: undefined }),
      'not a JWT': 'a.b',
    };
    for (const [name, jwt] of Object.entries(cases)) {
      const r = await token(s, jwt);
      assert.equal(r.status, 400, name);
      assert.equal(r.body.error, 'invalid_client', name);
      assert.ok(!r.body.error_description.includes('BEGIN'), name);
    }
    const effects = (await s.control('GET', '/_peer/effects')).body;
    assert.ok(effects.tokens.refused >= Object.keys(cases).length);
  });

  await t.test('a replayed jti is refused', async () => {
    const jwt = await assertion(rsa, s.tokenUrl);
    assert.equal((await token(s, jwt)).status, 200);
    const again = await token(s, jwt);
    assert.equal(again.status, 400);
    assert.match(again.body.error_description, /jti/);
  });

  await t.test('the request itself: grant type, assertion type and scopes', async () => {
    assert.equal((await token(s, await assertion(rsa, s.tokenUrl), { grant: 'password' })).body.error, 'unsupported_grant_type');
    assert.equal((await token(s, await assertion(rsa, s.tokenUrl), { scope: 'patient/*.read' })).body.error, 'invalid_scope');
    assert.equal((await token(s, await assertion(rsa, s.tokenUrl), { scope: '' })).body.error, 'invalid_scope');
    const res = await fetch(s.tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 400);
  });

  await t.test('tokens expire after their lifetime, or all at once on request', async () => {
    assert.equal((await s.control('POST', '/_peer/auth', { tokenLifetimeSeconds: 1 })).status, 200);
    let r = await token(s, await assertion(ec, s.tokenUrl));
    assert.equal(r.body.expires_in, 1);
    const auth = { Authorization: `Bearer ${r.body.access_token}` };
    assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani', { headers: auth })).status, 200);
    // The lifetime is a second: poll until the peer refuses it.
    await poll(async () => (await s.fhir('GET', 'Patient/fatimah-alzahrani', { headers: auth })).status === 401, 5000);
    assert.equal((await s.control('POST', '/_peer/auth', { tokenLifetimeSeconds: 300 })).status, 200);
    r = await token(s, await assertion(ec, s.tokenUrl));
    const fresh = { Authorization: `Bearer ${r.body.access_token}` };
    assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani', { headers: fresh })).status, 200);
    const expired = await s.control('POST', '/_peer/tokens/expire');
    assert.ok(expired.body.expired >= 1);
    const refused = await s.fhir('GET', 'Patient/fatimah-alzahrani', { headers: fresh });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate'), /expired/);
  });

  await t.test('a token refusal fault answers invalid_client; a 503 fault is temporarily_unavailable with Retry-After', async () => {
    await s.control('POST', '/_peer/faults', [{ operation: 'token', status: 401 }, { operation: 'token', status: 503, retryAfterSeconds: 2 }]);
    let r = await token(s, await assertion(rsa, s.tokenUrl));
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_client');
    r = await token(s, await assertion(rsa, s.tokenUrl));
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.equal((await token(s, await assertion(rsa, s.tokenUrl))).status, 200);
  });

  await t.test('a client registered by its PEM public key through the control API', async () => {
    const other = await keyPair('ES384');
    let r = await s.control('POST', '/_peer/auth', { clientId: 'second-hospital', publicKeyPem: other.publicPem });
    assert.equal(r.status, 200);
    assert.ok(r.body.clients.includes('second-hospital'));
    const jwt = await assertion(other, s.tokenUrl, { iss: 'second-hospital', sub: 'second-hospital' });
    assert.equal((await token(s, jwt)).status, 200);
    r = await s.control('POST', '/_peer/auth', { clientId: 'x', publicKeyPem: 'not a key' });
    assert.equal(r.status, 400);
    r = await s.control('POST', '/_peer/auth', { clientId: 'x', jwks: { keys: [{ kty: 'oct', k: 'abc' }] } });
    assert.equal(r.status, 400);
  });
});

test('bearer and basic modes', async (t) => {
  const s = await startPeer({ auth: 'bearer', bearerToken: 'static-token', seed: 'demo' });
  t.after(() => s.close());
  assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani')).status, 401);
  assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani', { headers: { Authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani', { headers: { Authorization: 'Bearer static-token' } })).status, 200);

  assert.equal((await s.control('POST', '/_peer/auth', { mode: 'basic', basicUser: 'wasl', basicPassword: 'p@ss:word' })).status, 200);
  const basic = (user, password) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani', { headers: basic('wasl', 'p@ss:word') })).status, 200);
  const wrong = await s.fhir('GET', 'Patient/fatimah-alzahrani', { headers: basic('wasl', 'nope') });
  assert.equal(wrong.status, 401);
  assert.match(wrong.headers.get('www-authenticate'), /^Basic/);
  assert.equal((await s.control('POST', '/_peer/auth', { mode: 'kerberos' })).status, 400);

  await s.control('POST', '/_peer/reset');
  assert.equal((await s.control('GET', '/_peer/auth')).body.mode, 'bearer');
});
