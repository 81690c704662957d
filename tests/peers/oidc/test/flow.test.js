// The authorization code flow against the peer, as the hub drives it:
// discovery and JWKS, the login form, the code with PKCE, the token
// endpoint (client_secret_basic and private_key_jwt), the ID token's
// signature and claims (MFA and not), userinfo, and the refusals: a wrong
// password, a missing or wrong PKCE verifier, a wrong client secret.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

import {
  CookieJar, REDIRECT_URI, USERS, clientAssertion, exchangeCode, signIn, secretClient, startPeer, verifyJwt,
} from './helpers.js';

describe('code flow', () => {
  let env;
  const clientKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });

  before(async () => {
    env = await startPeer({
      clients: [
        // No logout is sent in these tests: the back-channel URI is what puts sid in its ID tokens.
        secretClient({ backchannel_logout_uri: 'http://127.0.0.1:9/signin/hospital/backchannel-logout' }),
        {
          client_id: 'wasl-jwt',
          token_endpoint_auth_method: 'private_key_jwt',
          public_key_pem: clientKey.publicKey.export({ type: 'spki', format: 'pem' }),
          public_key_kid: 'wasl-jwt-1',
          id_token_signed_response_alg: 'ES256',
          redirect_uris: [REDIRECT_URI],
        },
      ],
      users: USERS,
    });
  });
  after(() => env.close());

  test('discovery names the endpoints, S256 only, both client auth methods and back-channel logout', async () => {
    const d = await env.discovery();
    assert.equal(d.issuer, env.origin);
    for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
      assert.ok(d[key].startsWith(`${env.origin}/`), key);
    }
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(d.token_endpoint_auth_methods_supported, ['client_secret_basic', 'private_key_jwt']);
    assert.deepEqual(d.id_token_signing_alg_values_supported, ['RS256', 'ES256']);
    assert.equal(d.backchannel_logout_supported, true);
    assert.equal(d.backchannel_logout_session_supported, true);
    assert.deepEqual(d.response_types_supported, ['code']);
    const jwks = await env.jwks();
    assert.deepEqual(jwks.keys.map((k) => [k.kty, k.alg, k.use]), [['RSA', 'RS256', 'sig'], ['EC', 'ES256', 'sig']]);
    for (const key of jwks.keys) assert.equal(key.d, undefined, 'no private part in the JWKS');
  });

  test('an MFA user signs in: the ID token is signed, names the user, carries groups, amr mfa and sid', async () => {
    const jar = new CookieJar();
    const flow = await signIn(jar, env.origin, { username: 'nora', password: 'nora-password' });
    assert.ok(flow.callback, JSON.stringify(flow.page));
    assert.equal(flow.callback.origin + flow.callback.pathname, REDIRECT_URI);
    assert.equal(flow.callback.searchParams.get('state'), flow.request.state);
    assert.equal(flow.callback.searchParams.get('iss'), env.origin);
    const token = await exchangeCode(env.origin, {
      code: flow.callback.searchParams.get('code'), verifier: flow.request.verifier, auth: { secret: 'wasl-secret' },
    });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.equal(token.body.token_type, 'Bearer');
    const { header, payload } = verifyJwt(token.body.id_token, await env.jwks());
    assert.equal(header.alg, 'RS256');
    assert.equal(payload.iss, env.origin);
    assert.equal(payload.aud, 'wasl');
    assert.equal(payload.sub, 'sub-nora');
    assert.equal(payload.nonce, flow.request.nonce);
    assert.equal(payload.name, 'Nora Al-Harbi');
    assert.equal(payload.email, 'nora@hospital.example');
    assert.deepEqual(payload.groups, ['wasl-sandbox-integrators']);
    assert.deepEqual(payload.amr, ['pwd', 'mfa']);
    assert.equal(payload.acr, 'mfa');
    assert.match(payload.sid, /^[\w-]{10,}$/);
    assert.equal(payload.exp - payload.iat, 3600);
    assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 60);
    assert.ok(payload.auth_time <= payload.iat);

    const userinfo = await fetch(`${env.origin}/me`, { headers: { Authorization: `Bearer ${token.body.access_token}` } });
    assert.equal(userinfo.status, 200);
    const claims = await userinfo.json();
    assert.equal(claims.sub, 'sub-nora');
    assert.deepEqual(claims.groups, ['wasl-sandbox-integrators']);
    assert.equal(claims.email, 'nora@hospital.example');

    // The code is used once.
    const again = await exchangeCode(env.origin, {
      code: flow.callback.searchParams.get('code'), verifier: flow.request.verifier, auth: { secret: 'wasl-secret' },
    });
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
  });

  test('a user without MFA gets amr ["pwd"] and acr pwd; fhir_user reaches the ID token', async () => {
    const omar = await signIn(new CookieJar(), env.origin, { username: 'omar', password: 'omar-password' });
    const omarToken = await exchangeCode(env.origin, {
      code: omar.callback.searchParams.get('code'), verifier: omar.request.verifier, auth: { secret: 'wasl-secret' },
    });
    const { payload } = verifyJwt(omarToken.body.id_token, await env.jwks());
    assert.deepEqual(payload.amr, ['pwd']);
    assert.equal(payload.acr, 'pwd');
    assert.equal(payload.fhir_user, undefined);

    const huda = await signIn(new CookieJar(), env.origin, { username: 'huda', password: 'huda-password' });
    const hudaToken = await exchangeCode(env.origin, {
      code: huda.callback.searchParams.get('code'), verifier: huda.request.verifier, auth: { secret: 'wasl-secret' },
    });
    const claims = verifyJwt(hudaToken.body.id_token, await env.jwks()).payload;
    assert.equal(claims.fhir_user, 'Practitioner/3');
    assert.equal(claims.name, 'هدى');
    assert.deepEqual(claims.groups, ['wasl-sandbox-b-clinicians']);
    assert.deepEqual(claims.amr, ['pwd', 'mfa']);
  });

  test('a wrong password shows the form again with an error, and no code', async () => {
    const jar = new CookieJar();
    for (const [username, password] of [['nora', 'wrong'], ['nobody', 'nora-password'], ['nora', '']]) {
      const flow = await signIn(jar, env.origin, { username, password });
      assert.equal(flow.callback, undefined);
      assert.equal(flow.page.status, 200);
      assert.match(flow.page.html, /id="error" role="alert">Wrong username or password\./);
      assert.match(flow.page.html, /<form method="post"/);
      assert.match(flow.page.html, /name="password" type="password"/);
    }
    // The right password on the same form then gets through.
    const ok = await signIn(jar, env.origin, { username: 'nora', password: 'nora-password' });
    assert.ok(ok.callback);
  });

  test('PKCE is required: no challenge is refused, and a code needs its verifier', async () => {
    const jar = new CookieJar();
    const refused = await signIn(jar, env.origin, { username: 'nora', password: 'nora-password', pkce: false });
    assert.equal(refused.status, 303);
    const location = new URL(refused.redirect);
    assert.equal(location.origin + location.pathname, REDIRECT_URI);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description'), /PKCE/);

    const flow = await signIn(jar, env.origin, { username: 'nora', password: 'nora-password' });
    const code = flow.callback.searchParams.get('code');
    for (const verifier of [undefined, `${flow.request.verifier.slice(0, -2)}xx`]) {
      const token = await exchangeCode(env.origin, { code, verifier, auth: { secret: 'wasl-secret' } });
      assert.equal(token.status, 400);
      assert.equal(token.body.error, 'invalid_grant');
    }
  });

  test('a wrong client secret is invalid_client', async () => {
    const flow = await signIn(new CookieJar(), env.origin, { username: 'omar', password: 'omar-password' });
    const token = await exchangeCode(env.origin, {
      code: flow.callback.searchParams.get('code'), verifier: flow.request.verifier, auth: { secret: 'not-it' },
    });
    assert.equal(token.status, 401);
    assert.equal(token.body.error, 'invalid_client');
  });

  test('a private_key_jwt client authenticates with a signed assertion and gets an ES256 ID token, without sid', async () => {
    const signed = async (privateKey, kid) => {
      const flow = await signIn(new CookieJar(), env.origin, {
        username: 'huda', password: 'huda-password', clientId: 'wasl-jwt',
      });
      assert.ok(flow.callback, JSON.stringify(flow.page));
      return exchangeCode(env.origin, {
        code: flow.callback.searchParams.get('code'),
        verifier: flow.request.verifier,
        auth: {
          clientId: 'wasl-jwt',
          assertion: clientAssertion({
            clientId: 'wasl-jwt', audience: `${env.origin}/token`, privateKey, kid,
          }),
        },
      });
    };
    const token = await signed(clientKey.privateKey, 'wasl-jwt-1');
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const { header, payload } = verifyJwt(token.body.id_token, await env.jwks());
    assert.equal(header.alg, 'ES256');
    assert.equal(payload.aud, 'wasl-jwt');
    assert.equal(payload.fhir_user, 'Practitioner/3');
    assert.equal(payload.sid, undefined, 'sid only for a client with a back-channel logout URI');

    const stranger = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const refused = await signed(stranger, 'wasl-jwt-1');
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
  });
});
