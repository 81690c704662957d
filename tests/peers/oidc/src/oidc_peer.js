// OidcPeer: an OpenID Connect provider for Wasl's sign-in tests, on
// oidc-provider (see ../README.md). What it adds to the library: the users
// of the config file and their login form (amr/acr by their `mfa`), consent
// granted without a page, PKCE (S256) required of every client, the claims
// in the ID token itself, a logout page that needs no confirmation, and the
// /_peer/ control API: key rotation, ending a user's sessions with the
// back-channel logout tokens that go with it, health. Keys live in memory
// only. A test double: never shipped.

import * as crypto from 'node:crypto';
import { createRequire } from 'node:module';

import Provider from 'oidc-provider';

import { newKeySet } from './keys.js';
import {
  errorPage, loginPage, logoutPage, signedOutPage,
} from './pages.js';
import { Store } from './store.js';

const require = createRequire(import.meta.url);
const {
  PeerServer, ControlError, readBody, sendJson,
} = require('../../support');

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)$/;
const DELIVERY_TIMEOUT_MS = 10000;

// The provider's outgoing calls (back-channel logout tokens): to loopback
// addresses only, where the tests' and the sandbox's receivers are.
// oidc-provider's own fetch refuses exactly those (its SSRF guard), so its
// dispatcher is dropped here.
function loopbackFetch(url, options = {}) {
  const { hostname } = new URL(url);
  if (!(hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname))) {
    return Promise.reject(new Error(`the peer sends to loopback addresses only, not ${hostname}`));
  }
  const { dispatcher, ...rest } = options;
  return fetch(url, rest);
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

function sameSecret(given, expected) {
  const a = crypto.createHash('sha256').update(String(given)).digest();
  const b = crypto.createHash('sha256').update(String(expected)).digest();
  return crypto.timingSafeEqual(a, b);
}

// The claims of a configured user, as the ID token and userinfo carry them
// (the scopes choose which: see `claims` below).
function claimsOf(user) {
  return {
    sub: user.sub,
    name: user.name,
    preferred_username: user.username,
    email: user.email,
    email_verified: user.email === undefined ? undefined : true,
    groups: user.groups,
    fhir_user: user.fhir_user,
  };
}

export class OidcPeer extends PeerServer {
  // config: loadConfig()'s answer; issuer: the issuer to use, else
  // http://<host>:<port> once listening.
  constructor({ config, issuer = '' }) {
    super({ name: 'oidc-peer' });
    this.config = config;
    this.fixedIssuer = issuer;
    this.issuer = '';
    this.users = new Map(config.users.map((u) => [u.username, u]));
    this.usersBySub = new Map(config.users.map((u) => [u.sub, u]));
    this.store = new Store();
    // Signs the provider's cookies; kept across the Provider instances a
    // key rotation builds, so browsers keep their sessions.
    this.cookieKeys = [crypto.randomBytes(32).toString('base64url')];
    // Newest first; the provider signs with the newest of each algorithm.
    this.keySets = [newKeySet()];
    this.provider = null;
    this.providerCallback = null;
    this.control
      .route('GET', '/_peer/health', () => this.health())
      .route('GET', '/_peer/sessions', () => ({ sessions: this.sessions() }))
      .route('POST', '/_peer/rotate-keys', () => {
        this.keySets.unshift(newKeySet());
        this.buildProvider();
        return this.keysView();
      })
      .route('POST', '/_peer/retire-old-keys', () => {
        const retired = this.keySets.slice(1).flat().map((k) => k.kid);
        this.keySets = this.keySets.slice(0, 1);
        this.buildProvider();
        return { ...this.keysView(), retired };
      })
      .route('POST', '/_peer/logout', ({ query }) => this.logoutUser(query.get('sub')))
      .route('POST', '/_peer/faults', () => {
        throw new ControlError(404, 'The OIDC peer takes no fault rules.');
      });
  }

  async listen({ host = '127.0.0.1', port = 0, controlPort = 0 } = {}) {
    const listening = await super.listen({ host, port, controlPort });
    this.issuer = this.fixedIssuer || `http://${host.includes(':') ? `[${host}]` : host}:${listening}`;
    this.buildProvider();
    return listening;
  }

  // A new Provider over the same store, clients, users and cookie keys,
  // with the current key sets (built at start and at every key change:
  // oidc-provider reads its keys once).
  buildProvider() {
    const peer = this;
    const provider = new Provider(this.issuer, {
      adapter: (model) => this.store.adapter(model),
      clients: this.config.clients,
      jwks: { keys: this.keySets.flat() },
      cookies: { keys: this.cookieKeys },
      clientAuthMethods: ['client_secret_basic', 'private_key_jwt'],
      responseTypes: ['code'],
      pkce: { required: () => true },
      // The claims go into the ID token as well as userinfo: the hub reads
      // groups and fhir_user from the ID token. acr, amr and auth_time come
      // with openid, so every ID token says how the user signed in.
      conformIdTokenClaims: false,
      claims: {
        acr: null,
        amr: null,
        auth_time: null,
        iss: null,
        sid: null,
        openid: ['sub', 'groups', 'fhir_user', 'acr', 'amr', 'auth_time'],
        profile: ['name', 'preferred_username'],
        email: ['email', 'email_verified'],
      },
      acrValues: ['pwd', 'mfa'],
      // Seconds. Sessions outlive any test; a sign-in must finish within
      // ten minutes, a code be exchanged within one.
      ttl: {
        AccessToken: 3600,
        AuthorizationCode: 60,
        Grant: 86400,
        IdToken: 3600,
        Interaction: 600,
        Session: 86400,
      },
      features: {
        devInteractions: { enabled: false },
        backchannelLogout: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (ctx, form) => {
            ctx.type = 'html';
            ctx.body = logoutPage(form);
          },
          postLogoutSuccessSource: async (ctx) => {
            ctx.type = 'html';
            ctx.body = signedOutPage();
          },
        },
      },
      findAccount: async (ctx, sub) => {
        const user = peer.usersBySub.get(sub);
        if (!user) return undefined;
        return { accountId: sub, claims: async () => claimsOf(user) };
      },
      interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
      // Consent without a page: every scope and claim the client asks for
      // is granted once the user has signed in.
      loadExistingGrant: async (ctx) => {
        const { client, session } = ctx.oidc;
        if (!session.accountId) return undefined;
        const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
        let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
        if (!grant || grant.accountId !== session.accountId) {
          grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
        }
        grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
        const claims = [...(ctx.oidc.requestParamClaims ?? [])];
        if (claims.length) grant.addOIDCClaims(claims);
        await grant.save();
        return grant;
      },
      fetch: loopbackFetch,
      renderError: async (ctx, out) => {
        ctx.type = 'html';
        ctx.body = errorPage(out.error, out.error_description);
      },
    });
    provider.on('backchannel.success', (ctx, client, accountId, sid) => {
      this.effects.record('backchannel', {
        via: 'end_session', client_id: client.clientId, uri: client.backchannelLogoutUri, sub: accountId, sid, ok: true,
      });
    });
    provider.on('backchannel.error', (ctx, err, client, accountId, sid) => {
      this.effects.record('backchannel', {
        via: 'end_session',
        client_id: client.clientId,
        uri: client.backchannelLogoutUri,
        sub: accountId,
        sid,
        ok: false,
        status: err.response?.status ?? null,
        error: err.message,
      });
    });
    provider.on('server_error', (ctx, err) => {
      process.stderr.write(`oidc-peer: ${err && err.stack ? err.stack : err}\n`);
    });
    this.provider = provider;
    this.providerCallback = provider.callback();
  }

  async handle(req, res, url) {
    if (!this.provider) {
      sendJson(res, 503, { error: 'The provider is starting.' });
      return;
    }
    const interaction = INTERACTION_PATH.exec(url.pathname);
    if (interaction) {
      await this.interaction(req, res, interaction[1]);
      return;
    }
    await this.providerCallback(req, res);
  }

  // GET: the login form of the interaction; POST: its answer. A wrong
  // username or password shows the form again with the error.
  async interaction(req, res, uid) {
    const { provider } = this;
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      sendHtml(res, 400, errorPage('interaction_not_found', 'The sign-in expired or its cookie is missing; start again.'));
      return;
    }
    if (details.uid !== uid) {
      sendHtml(res, 400, errorPage('interaction_mismatch', 'This sign-in page belongs to another sign-in; start again.'));
      return;
    }
    if (details.prompt.name !== 'login') {
      // Consent is granted by loadExistingGrant, so login is the only prompt.
      sendHtml(res, 400, errorPage('unexpected_prompt', `The provider asked for ${details.prompt.name}.`));
      return;
    }
    const clientId = details.params.client_id;
    if (req.method === 'GET') {
      sendHtml(res, 200, loginPage({ clientId }));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'GET, POST', 'Content-Length': 0 });
      res.end();
      return;
    }
    const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'));
    const username = form.get('username') ?? '';
    const user = this.users.get(username);
    // The password is compared even for an unknown user, so both take as long.
    const passwordOk = sameSecret(form.get('password') ?? '', user ? user.password : crypto.randomBytes(16).toString('hex'));
    if (!user || !passwordOk) {
      this.effects.count('loginsRefused');
      sendHtml(res, 200, loginPage({ clientId, username, error: 'Wrong username or password.' }));
      return;
    }
    this.effects.count('logins');
    await provider.interactionFinished(req, res, {
      login: {
        accountId: user.sub,
        amr: user.mfa ? ['pwd', 'mfa'] : ['pwd'],
        acr: user.mfa ? 'mfa' : 'pwd',
        remember: true,
      },
    }, { mergeWithLastSubmission: false });
  }

  keysView() {
    return {
      signing: this.keySets[0].map((k) => ({ kid: k.kid, alg: k.alg })),
      jwks: this.keySets.flat().map((k) => k.kid),
    };
  }

  health() {
    return {
      ok: true,
      issuer: this.issuer,
      keys: this.keysView(),
      users: this.config.users.length,
      sessions: this.store.list('Session').length,
    };
  }

  // The live IdP sessions: [{sub, clients: {client_id: sid}}].
  sessions() {
    return this.store.list('Session').map(({ payload }) => ({
      sub: payload.accountId,
      clients: Object.fromEntries(Object.entries(payload.authorizations ?? {}).map(([id, a]) => [id, a.sid])),
    }));
  }

  // Ends every session of the user `sub` at the provider (its grants and
  // tokens revoked) and sends each client the user used in a session, that
  // has a back-channel logout URI, a logout token naming the user and that
  // session's sid. Answers what was sent where and how each URI answered.
  async logoutUser(sub) {
    if (!sub) throw new ControlError(400, 'Name the user: POST /_peer/logout?sub=<sub>.');
    if (!this.usersBySub.has(sub)) throw new ControlError(404, `No configured user has sub ${JSON.stringify(sub)}.`);
    const sessions = this.store.sessionsOf(sub);
    const deliveries = [];
    for (const { id, payload } of sessions) {
      for (const [clientId, authorization] of Object.entries(payload.authorizations ?? {})) {
        const client = await this.provider.Client.find(clientId);
        if (client?.backchannelLogoutUri) deliveries.push(await this.deliverLogout(client, sub, authorization.sid));
        if (authorization.grantId) this.store.revokeGrant(authorization.grantId);
      }
      this.store.delete('Session', id);
    }
    return { sub, sessions_ended: sessions.length, deliveries };
  }

  // One back-channel logout token to `client`, made as oidc-provider makes
  // them at end_session (typ logout+jwt, the backchannel-logout event, jti,
  // sid, no nonce), POSTed as a form; the answer's status is recorded.
  async deliverLogout(client, sub, sid) {
    const token = new this.provider.IdToken({ sub }, { client, ctx: undefined });
    token.mask = { sub: null };
    token.set('events', { [BACKCHANNEL_EVENT]: {} });
    token.set('jti', crypto.randomUUID());
    token.set('sid', sid);
    const logoutToken = await token.issue({ use: 'logout' });
    const record = {
      via: 'peer', client_id: client.clientId, uri: client.backchannelLogoutUri, sub, sid,
    };
    try {
      const answer = await loopbackFetch(client.backchannelLogoutUri, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: logoutToken }),
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await answer.arrayBuffer();
      record.status = answer.status;
      record.ok = answer.status === 200 || answer.status === 204;
    } catch (err) {
      record.status = null;
      record.ok = false;
      record.error = err.cause?.code ?? err.message;
    }
    this.effects.record('backchannel', record);
    return record;
  }

  reset() {
    super.reset();
    this.store.clear();
  }
}
