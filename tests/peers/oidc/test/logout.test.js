// Logout at the peer: RP-initiated (end_session with id_token_hint and
// post_logout_redirect_uri, no confirmation to click) and the control API's
// POST /_peer/logout?sub=…; both send the client a back-channel logout
// token, checked here as the hub checks it, and both end the IdP session
// (the next authorization asks for the password again).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  CookieJar, POST_LOGOUT_URI, USERS, exchangeCode, secretClient, signIn, startLogoutReceiver, startPeer,
  verifyJwt,
} from './helpers.js';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

describe('logout', () => {
  let env;
  let receiver;

  before(async () => {
    receiver = await startLogoutReceiver();
    env = await startPeer({ clients: [secretClient({ backchannel_logout_uri: receiver.url })], users: USERS });
  });
  after(async () => {
    await env.close();
    await receiver.close();
  });

  // Signs `username` in with `jar`; returns the verified ID token's claims and the token.
  async function signedIn(jar, username) {
    const flow = await signIn(jar, env.origin, { username, password: `${username}-password` });
    assert.ok(flow.callback, JSON.stringify(flow.page));
    const token = await exchangeCode(env.origin, {
      code: flow.callback.searchParams.get('code'), verifier: flow.request.verifier, auth: { secret: 'wasl-secret' },
    });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    return { idToken: token.body.id_token, claims: verifyJwt(token.body.id_token, await env.jwks()).payload };
  }

  // The logout token as the hub must check it: signed by the provider, for
  // the client, the event, no nonce, sub and sid.
  async function checkLogoutToken(logoutToken, { sub, sid }) {
    const { header, payload } = verifyJwt(logoutToken, await env.jwks());
    assert.equal(header.typ, 'logout+jwt');
    assert.equal(payload.iss, env.origin);
    assert.equal(payload.aud, 'wasl');
    assert.deepEqual(payload.events, { [BACKCHANNEL_EVENT]: {} });
    assert.equal(payload.nonce, undefined);
    assert.equal(payload.sub, sub);
    if (sid === undefined) assert.ok(payload.sid);
    else assert.equal(payload.sid, sid);
    assert.ok(payload.jti);
    return payload;
  }

  test('RP-initiated logout: a form that posts itself, then the post-logout redirect and a back-channel token', async () => {
    const jar = new CookieJar();
    const { idToken, claims } = await signedIn(jar, 'nora');
    const before = receiver.received.length;

    const endSession = new URL((await env.discovery()).end_session_endpoint);
    endSession.search = new URLSearchParams({
      id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'after-logout', client_id: 'wasl',
    });
    const page = await jar.fetch(endSession.href);
    assert.equal(page.status, 200);
    const html = await page.text();
    // One form, its action and fields; a browser submits it at once.
    const action = /<form id="op\.logoutForm" method="post" action="([^"]+)"/.exec(html)[1];
    const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    assert.equal(fields.logout, 'yes');
    assert.ok(fields.xsrf);
    assert.match(html, /document\.getElementById\("op\.logoutForm"\)\.submit\(\)/);

    const confirmed = await jar.fetch(new URL(action, env.origin).href, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    assert.equal(confirmed.status, 303);
    const location = new URL(confirmed.headers.get('location'));
    assert.equal(location.origin + location.pathname, POST_LOGOUT_URI);
    assert.equal(location.searchParams.get('state'), 'after-logout');

    // oidc-provider has delivered the token before it answered.
    assert.equal(receiver.received.length, before + 1);
    const delivered = receiver.received.at(-1);
    assert.equal(delivered.path, '/signin/hospital/backchannel-logout');
    assert.equal(delivered.contentType, 'application/x-www-form-urlencoded');
    await checkLogoutToken(delivered.logoutToken, { sub: 'sub-nora', sid: claims.sid });
    const records = (await env.control('GET', '/_peer/received/backchannel')).body.records;
    assert.deepEqual(
      { ...records.at(-1).item },
      { via: 'end_session', client_id: 'wasl', uri: receiver.url, sub: 'sub-nora', sid: claims.sid, ok: true },
    );

    // The IdP session is gone: the same browser is asked for its password again.
    const again = await signIn(jar, env.origin, { username: 'nora', password: 'wrong' });
    assert.match(again.page.html, /Wrong username or password/);
  });

  test('without a logout the IdP session signs the user in again without the form', async () => {
    const jar = new CookieJar();
    await signedIn(jar, 'omar');
    const again = await signIn(jar, env.origin, { username: 'unused', password: 'unused' });
    assert.ok(again.redirect, 'no login form the second time');
    assert.ok(new URL(again.redirect).searchParams.get('code'));
  });

  test('POST /_peer/logout?sub= ends every session of the user and tells the client of each, with the status it answered', async () => {
    const first = new CookieJar();
    const second = new CookieJar();
    const a = await signedIn(first, 'huda');
    const b = await signedIn(second, 'huda');
    assert.notEqual(a.claims.sid, b.claims.sid);
    const sessions = (await env.control('GET', '/_peer/sessions')).body.sessions.filter((s) => s.sub === 'sub-huda');
    assert.deepEqual(sessions.map((s) => s.clients.wasl).sort(), [a.claims.sid, b.claims.sid].sort());

    const before = receiver.received.length;
    const answer = await env.control('POST', '/_peer/logout?sub=sub-huda');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.sessions_ended, 2);
    assert.deepEqual(answer.body.deliveries.map((d) => [d.client_id, d.uri, d.status, d.ok]), [
      ['wasl', receiver.url, 200, true], ['wasl', receiver.url, 200, true]]);
    assert.equal(receiver.received.length, before + 2);
    const sids = [];
    for (const delivered of receiver.received.slice(before)) {
      sids.push((await checkLogoutToken(delivered.logoutToken, { sub: 'sub-huda' })).sid);
    }
    assert.deepEqual(sids.sort(), [a.claims.sid, b.claims.sid].sort());

    // Both browsers are asked for the password again; nobody else was touched.
    for (const jar of [first, second]) {
      const again = await signIn(jar, env.origin, { username: 'huda', password: 'wrong' });
      assert.match(again.page.html, /Wrong username or password/);
    }
    assert.equal((await env.control('GET', '/_peer/sessions')).body.sessions.filter((s) => s.sub === 'sub-huda').length, 0);
  });

  test('a client that answers an error is reported with its status; a user with no session gets nothing sent', async () => {
    await signedIn(new CookieJar(), 'omar');
    receiver.status = 500;
    try {
      const answer = await env.control('POST', '/_peer/logout?sub=sub-omar');
      assert.equal(answer.status, 200);
      assert.ok(answer.body.sessions_ended >= 1);
      assert.ok(answer.body.deliveries.every((d) => d.status === 500 && d.ok === false));
    } finally {
      receiver.status = 200;
    }
    const none = await env.control('POST', '/_peer/logout?sub=sub-omar');
    assert.deepEqual(none.body, { sub: 'sub-omar', sessions_ended: 0, deliveries: [] });
    assert.equal((await env.control('POST', '/_peer/logout?sub=nobody')).status, 404);
    assert.equal((await env.control('POST', '/_peer/logout')).status, 400);
  });

  test('a back-channel URI that cannot be reached, or is not on loopback, is reported without a status', async () => {
    const closed = await startLogoutReceiver();
    await closed.close();
    for (const [uri, error] of [[closed.url, /ECONNREFUSED/], ['http://192.0.2.1/logout', /loopback addresses only/]]) {
      const other = await startPeer({ clients: [secretClient({ backchannel_logout_uri: uri })], users: USERS });
      try {
        const flow = await signIn(new CookieJar(), other.origin, { username: 'nora', password: 'nora-password' });
        assert.ok(flow.callback);
        const answer = await other.control('POST', '/_peer/logout?sub=sub-nora');
        assert.equal(answer.body.sessions_ended, 1);
        assert.equal(answer.body.deliveries.length, 1);
        assert.equal(answer.body.deliveries[0].status, null);
        assert.equal(answer.body.deliveries[0].ok, false);
        assert.match(answer.body.deliveries[0].error, error);
      } finally {
        await other.close();
      }
    }
  });
});
