// For the OIDC peer's node:test suite: the peer started in this process on
// a free loopback port from a temporary config file, an HTTP client with a
// cookie jar (what a browser keeps between the provider's redirects), the
// code flow driven through the login form, JWT decoding and signature
// checks with node:crypto, client assertions for private_key_jwt, and a
// small server receiving back-channel logout tokens.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadConfig } from '../src/config.js';
import { OidcPeer } from '../src/oidc_peer.js';

export const REDIRECT_URI = 'http://127.0.0.1:9/signin/hospital/callback';
export const POST_LOGOUT_URI = 'http://127.0.0.1:9/console/';

export const USERS = [
  {
    username: 'nora',
    password: 'nora-password',
    sub: 'sub-nora',
    name: 'Nora Al-Harbi',
    email: 'nora@hospital.example',
    groups: ['wasl-sandbox-integrators'],
    mfa: true,
  },
  {
    username: 'omar', password: 'omar-password', sub: 'sub-omar', name: 'Omar', groups: ['wasl-sandbox-integrators'], mfa: false,
  },
  {
    username: 'huda',
    password: 'huda-password',
    sub: 'sub-huda',
    name: 'هدى',
    email: 'huda@hospital.example',
    groups: ['wasl-sandbox-b-clinicians'],
    fhir_user: 'Practitioner/3',
    mfa: true,
  },
];

export function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-peer-'));
}

// The config as a file in `dir`; returns its path.
export function writeConfig(dir, config) {
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

// A client_secret_basic client `wasl` (secret `wasl-secret`), with
// `extra` metadata (backchannel_logout_uri).
export function secretClient(extra = {}) {
  return {
    client_id: 'wasl',
    client_secret: 'wasl-secret',
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [POST_LOGOUT_URI],
    ...extra,
  };
}

// Starts an OidcPeer from `config` (written to a temporary file and loaded
// as main.js loads it). Returns { peer, origin, control(method, path), close }.
export async function startPeer(config) {
  const dir = tempDir();
  const peer = new OidcPeer({ config: loadConfig(writeConfig(dir, config)) });
  const port = await peer.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${port}`;
  return {
    peer,
    origin,
    async control(method, pathAndQuery) {
      const res = await fetch(`${origin}${pathAndQuery}`, { method });
      return { status: res.status, body: await res.json() };
    },
    async discovery() {
      return (await fetch(`${origin}/.well-known/openid-configuration`)).json();
    },
    async jwks() {
      return (await fetch(`${origin}/jwks`)).json();
    },
    async close() {
      await peer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// fetch with the cookies a browser would keep and send (name, path;
// deleted when set empty or expired). Redirects are not followed.
export class CookieJar {
  constructor() {
    this.cookies = new Map();
  }

  async fetch(url, init = {}) {
    const target = new URL(url);
    const cookie = [...this.cookies.values()]
      .filter((c) => target.pathname.startsWith(c.path))
      .map((c) => `${c.name}=${c.value}`).join('; ');
    const headers = { ...(init.headers || {}), ...(cookie ? { Cookie: cookie } : {}) };
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.take(line);
    return res;
  }

  take(line) {
    const [pair, ...attributes] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let cookiePath = '/';
    let expired = value === '';
    for (const attribute of attributes) {
      const [key, v = ''] = attribute.split('=');
      if (key.toLowerCase() === 'path') cookiePath = v;
      if (key.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      if (key.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
    }
    const key = `${name};${cookiePath}`;
    if (expired) this.cookies.delete(key);
    else this.cookies.set(key, { name, value, path: cookiePath });
  }
}

export function base64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

export function pkcePair() {
  const verifier = base64url(crypto.randomBytes(32));
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

// The authorization URL of the code flow, with fresh state and nonce and a
// PKCE S256 challenge (unless pkce is false).
export function authorizationRequest(origin, {
  clientId = 'wasl', scope = 'openid profile email', pkce = true, redirectUri = REDIRECT_URI, extra = {},
} = {}) {
  const state = base64url(crypto.randomBytes(16));
  const nonce = base64url(crypto.randomBytes(16));
  const { verifier, challenge } = pkcePair();
  const params = new URLSearchParams({
    client_id: clientId, response_type: 'code', scope, redirect_uri: redirectUri, state, nonce, ...extra,
  });
  if (pkce) {
    params.set('code_challenge', challenge);
    params.set('code_challenge_method', 'S256');
  }
  return {
    url: `${origin}/auth?${params}`, state, nonce, verifier,
  };
}

// Follows the provider's redirects (GET) while they stay on `origin`;
// returns the last answer and the URL it came from.
export async function follow(jar, origin, url, init) {
  let res = await jar.fetch(url, init);
  let at = url;
  for (let hops = 0; hops < 10; hops += 1) {
    const location = res.headers.get('location');
    if (!(res.status >= 300 && res.status < 400 && location)) break;
    const next = new URL(location, at).href;
    if (!next.startsWith(`${origin}/`)) break;
    await res.arrayBuffer();
    at = next;
    res = await jar.fetch(next);
  }
  return { res, at };
}

// The code flow up to the callback: the authorization request, the login
// form, the form posted. Returns { callback: URL, request } when the
// provider redirected to the client, else { page: { status, html, at } }.
export async function signIn(jar, origin, { username, password, ...options }) {
  const request = authorizationRequest(origin, options);
  const { res: form, at: formUrl } = await follow(jar, origin, request.url);
  if (form.status !== 200) {
    return { request, redirect: form.headers.get('location'), status: form.status, page: { html: await form.text() } };
  }
  const html = await form.text();
  if (!html.includes('id="sign-in"')) return { request, page: { status: form.status, html, at: formUrl } };
  const { res } = await follow(jar, origin, formUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  const location = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && location) {
    return { request, callback: new URL(location) };
  }
  return { request, page: { status: res.status, html: await res.text(), at: formUrl } };
}

export function basicAuth(clientId, secret) {
  const encode = (s) => encodeURIComponent(s);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

// POST /token with the code: { status, body }.
export async function exchangeCode(origin, {
  code, verifier, redirectUri = REDIRECT_URI, auth = {},
}) {
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  if (verifier !== undefined) form.set('code_verifier', verifier);
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (auth.secret !== undefined) headers.Authorization = basicAuth(auth.clientId ?? 'wasl', auth.secret);
  if (auth.assertion !== undefined) {
    form.set('client_id', auth.clientId);
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', auth.assertion);
  }
  const res = await fetch(`${origin}/token`, { method: 'POST', headers, body: form.toString() });
  return { status: res.status, body: await res.json() };
}

export function decodeJwt(token) {
  const [header, payload, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url')),
    payload: JSON.parse(Buffer.from(payload, 'base64url')),
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  };
}

// The JWT's header and payload once its signature checks out against the
// key of the JWK Set its `kid` names (RS256 or ES256); throws otherwise.
export function verifyJwt(token, jwks) {
  const jwt = decodeJwt(token);
  const jwk = jwks.keys.find((k) => k.kid === jwt.header.kid);
  if (!jwk) throw new Error(`no key ${jwt.header.kid} in the JWK Set`);
  if (jwk.alg !== jwt.header.alg) throw new Error(`the key is for ${jwk.alg}, the token says ${jwt.header.alg}`);
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const ok = jwt.header.alg === 'ES256'
    ? crypto.verify('sha256', Buffer.from(jwt.signingInput), { key, dsaEncoding: 'ieee-p1363' }, jwt.signature)
    : crypto.verify('sha256', Buffer.from(jwt.signingInput), key, jwt.signature);
  if (!ok) throw new Error('bad signature');
  return jwt;
}

// A private_key_jwt client assertion signed with an EC P-256 private key.
export function clientAssertion({
  clientId, audience, privateKey, kid,
}) {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' }));
  const payload = base64url(JSON.stringify({
    iss: clientId, sub: clientId, aud: audience, jti: crypto.randomUUID(), iat: now, exp: now + 60,
  }));
  const signature = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${base64url(signature)}`;
}

// An HTTP server on a free loopback port that keeps every back-channel
// logout token posted to it and answers `status` (settable).
export async function startLogoutReceiver(status = 200) {
  const received = [];
  const receiver = { received, status, url: '' };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      received.push({ path: req.url, contentType: req.headers['content-type'], logoutToken: form.get('logout_token') });
      res.writeHead(receiver.status, { 'Content-Length': 0 });
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${server.address().port}/signin/hospital/backchannel-logout`;
  receiver.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  });
  return receiver;
}
