'use strict';
// Who may call the FHIR API. One mode at a time:
//
//   none    every call is let in
//   bearer  `Authorization: Bearer <bearerToken>`
//   basic   `Authorization: Basic base64(<basicUser>:<basicPassword>)`
//   smart   SMART Backend Services: an access token from the token
//           endpoint, within its lifetime and its scopes
//
// The token endpoint (token()) takes `grant_type=client_credentials` with a
// `private_key_jwt` client assertion (RFC 7523), verified with jose against
// the JWKS registered for the client (its iss): RS384 or ES384 only; iss and
// sub the client id; aud the token endpoint's URL; exp at most 5 minutes
// ahead (and not past); jti never seen before for that client. Refusals are
// OAuth errors, 400 `invalid_client` (or invalid_request, invalid_scope,
// unsupported_grant_type). Access tokens are random and opaque, valid for
// tokenLifetimeSeconds (a test sets it low, or expires every token at once,
// to force a refresh).

const crypto = require('node:crypto');
const jose = require('jose');

const MODES = ['none', 'bearer', 'basic', 'smart'];
const ALGORITHMS = ['RS384', 'ES384'];
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_ASSERTION_LIFETIME_S = 300;
const CLOCK_TOLERANCE_S = 5;

function oauthError(error, description, status = 400) {
  return { status, body: { error, error_description: description } };
}

function equalSecret(a, b) {
  const x = crypto.createHash('sha256').update(String(a)).digest();
  const y = crypto.createHash('sha256').update(String(b)).digest();
  return crypto.timingSafeEqual(x, y);
}

// A SMART scope: system/<Type or *>.<read|write|*> (v1) or .<c r u d s> (v2).
function parseScope(text) {
  const m = /^system\/([A-Za-z]+|\*)\.(read|write|\*|c?r?u?d?s?)$/.exec(text);
  if (!m || m[2] === '') return null;
  const perm = m[2];
  const ops = perm === '*' ? 'cruds' : perm === 'read' ? 'rs' : perm === 'write' ? 'cud' : perm;
  return { type: m[1], ops };
}

// The SMART v2 letter an interaction needs.
const LETTER = { read: 'r', vread: 'r', history: 'r', search: 's', 'search-system': 's', create: 'c', update: 'u', patch: 'u', delete: 'd' };

class Auth {
  // options: auth (mode), clientId, jwksFile contents as jwks (object),
  // tokenLifetimeSeconds, bearerToken, basicUser, basicPassword.
  constructor(options = {}) {
    this.initial = {
      mode: options.auth || 'none',
      clients: new Map(),
      tokenLifetimeSeconds: options.tokenLifetime === undefined ? 300 : options.tokenLifetime,
      bearerToken: options.bearerToken || '',
      basicUser: options.basicUser || '',
      basicPassword: options.basicPassword || '',
    };
    if (!MODES.includes(this.initial.mode)) throw new Error(`--auth must be one of ${MODES.join(', ')}`);
    if (options.jwks) {
      const problem = checkJwks(options.jwks);
      if (problem) throw new Error(`--jwks-file: ${problem}`);
      this.initial.clients.set(options.clientId || 'wasl-hub', options.jwks);
    }
    this.reset();
  }

  // Back to the command line's settings; every token and jti forgotten.
  reset() {
    this.mode = this.initial.mode;
    this.clients = new Map(this.initial.clients);
    this.tokenLifetimeSeconds = this.initial.tokenLifetimeSeconds;
    this.bearerToken = this.initial.bearerToken;
    this.basicUser = this.initial.basicUser;
    this.basicPassword = this.initial.basicPassword;
    this.tokens = new Map();
    this.jtis = new Map();
  }

  // POST /_peer/auth: any of mode, clientId + jwks or publicKeyPem (an SPKI
  // PEM; registers that client),
  // tokenLifetimeSeconds, bearerToken, basicUser, basicPassword. Returns a
  // sentence saying what is wrong (nothing changed), or null.
  configure(body) {
    if (body.publicKeyPem !== undefined) {
      const converted = jwksOfPem(body.publicKeyPem);
      if (typeof converted === 'string') return converted;
      body = { ...body, jwks: converted };
    }
    if (body.mode !== undefined && !MODES.includes(body.mode)) return `mode must be one of ${MODES.join(', ')}`;
    if (body.jwks !== undefined) {
      const problem = checkJwks(body.jwks);
      if (problem) return problem;
      if (typeof body.clientId !== 'string' || !body.clientId) return 'clientId is required with jwks';
    }
    const lifetime = body.tokenLifetimeSeconds;
    if (lifetime !== undefined && (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 86400)) {
      return 'tokenLifetimeSeconds must be an integer 1..86400';
    }
    for (const k of ['bearerToken', 'basicUser', 'basicPassword']) {
      if (body[k] !== undefined && typeof body[k] !== 'string') return `${k} must be a string`;
    }
    if (body.mode !== undefined) this.mode = body.mode;
    if (body.jwks !== undefined) this.clients.set(body.clientId, body.jwks);
    if (lifetime !== undefined) this.tokenLifetimeSeconds = lifetime;
    for (const k of ['bearerToken', 'basicUser', 'basicPassword']) if (body[k] !== undefined) this[k] = body[k];
    return null;
  }

  describe() {
    const now = Date.now();
    return {
      mode: this.mode,
      clients: [...this.clients.keys()],
      tokenLifetimeSeconds: this.tokenLifetimeSeconds,
      liveTokens: [...this.tokens.values()].filter((t) => t.expiresAt > now).length,
    };
  }

  // Every issued token expires now; returns how many were live.
  expireTokens() {
    const now = Date.now();
    let live = 0;
    for (const t of this.tokens.values()) {
      if (t.expiresAt > now) live++;
      t.expiresAt = now;
    }
    return live;
  }

  smartConfiguration(tokenUrl) {
    return {
      token_endpoint: tokenUrl,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ALGORITHMS,
      grant_types_supported: ['client_credentials'],
      scopes_supported: ['system/*.read', 'system/*.write', 'system/*.rs', 'system/*.cruds'],
      capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
    };
  }

  // null when the call may go on, else { status, why, message, headers }.
  // `interaction`/`type` (fhir_service.js) are checked against the token's scopes.
  check(req, interaction, type) {
    if (this.mode === 'none') return null;
    const header = String(req.headers.authorization || '');
    const refuse = (why, message, scheme) => ({
      status: 401, why, message, headers: { 'WWW-Authenticate': scheme },
    });
    if (this.mode === 'basic') {
      const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
      const given = m ? Buffer.from(m[1], 'base64').toString('utf8') : null;
      if (given === null || !equalSecret(given, `${this.basicUser}:${this.basicPassword}`)) {
        return refuse('basic', 'HTTP basic credentials are missing or wrong.', 'Basic realm="fhir"');
      }
      return null;
    }
    const m = /^Bearer (\S+)$/i.exec(header);
    if (!m) return refuse('missing', 'A bearer token is required.', 'Bearer realm="fhir"');
    if (this.mode === 'bearer') {
      return equalSecret(m[1], this.bearerToken) ? null
        : refuse('bearer', 'The bearer token is wrong.', 'Bearer realm="fhir", error="invalid_token"');
    }
    const token = this.tokens.get(m[1]);
    if (!token) return refuse('unknown', 'The access token is not known.', 'Bearer realm="fhir", error="invalid_token"');
    if (token.expiresAt <= Date.now()) {
      return refuse('expired', 'The access token has expired.', 'Bearer realm="fhir", error="invalid_token", error_description="expired"');
    }
    const letter = LETTER[interaction];
    if (letter && !token.scopes.some((s) => (s.type === '*' || s.type === type) && s.ops.includes(letter))) {
      return {
        status: 403, why: 'scope', message: `The token's scopes do not allow ${interaction} ${type}.`,
        headers: { 'WWW-Authenticate': 'Bearer realm="fhir", error="insufficient_scope"' },
      };
    }
    return null;
  }

  // The token endpoint: { status, body }.
  async token(req, raw, tokenUrl) {
    if (this.mode !== 'smart') return oauthError('unauthorized_client', 'This server does not issue tokens in its current auth mode.');
    if (!String(req.headers['content-type'] || '').startsWith('application/x-www-form-urlencoded')) {
      return oauthError('invalid_request', 'The token request must be application/x-www-form-urlencoded.');
    }
    const form = new URLSearchParams(raw.toString('utf8'));
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError('unsupported_grant_type', 'grant_type must be client_credentials.');
    }
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
      return oauthError('invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}.`);
    }
    const assertion = form.get('client_assertion');
    if (!assertion) return oauthError('invalid_request', 'client_assertion is required.');
    const scopeText = form.get('scope') || '';
    const scopes = scopeText.split(/\s+/).filter(Boolean).map(parseScope);
    if (scopes.length === 0 || scopes.includes(null)) {
      return oauthError('invalid_scope', 'scope must list system/ scopes (system/*.read, system/Patient.rs, ...).');
    }
    const verified = await this.verifyAssertion(assertion, tokenUrl);
    if (verified.error) return oauthError('invalid_client', verified.error);
    const accessToken = crypto.randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, {
      clientId: verified.clientId, scopes, expiresAt: Date.now() + this.tokenLifetimeSeconds * 1000,
    });
    return {
      status: 200,
      body: { access_token: accessToken, token_type: 'bearer', expires_in: this.tokenLifetimeSeconds, scope: scopeText },
    };
  }

  // { clientId } or { error: a sentence }.
  async verifyAssertion(assertion, tokenUrl) {
    let header;
    let claims;
    try {
      header = jose.decodeProtectedHeader(assertion);
      claims = jose.decodeJwt(assertion);
    } catch {
      return { error: 'client_assertion is not a JWT.' };
    }
    if (!ALGORITHMS.includes(header.alg)) return { error: `alg ${header.alg} is not accepted; use RS384 or ES384.` };
    const jwks = this.clients.get(claims.iss);
    if (!jwks) return { error: `The client ${JSON.stringify(String(claims.iss))} is not registered.` };
    // The client's keys for this header: those with its kid, else those
    // registered without one (a PEM key), of the alg's key type.
    const kty = header.alg === 'RS384' ? 'RSA' : 'EC';
    let keys = jwks.keys.filter((k) => header.kid !== undefined && k.kid === header.kid);
    if (keys.length === 0) keys = jwks.keys.filter((k) => k.kid === undefined);
    keys = keys.filter((k) => k.kty === kty && (kty !== 'EC' || k.crv === 'P-384'));
    if (keys.length === 0) {
      return { error: `No key registered for the client matches kid ${JSON.stringify(String(header.kid))} and alg ${header.alg}.` };
    }
    let payload;
    let refusal;
    for (const jwk of keys) {
      try {
        ({ payload } = await jose.jwtVerify(assertion, await jose.importJWK(jwk, header.alg), {
          algorithms: ALGORITHMS,
          issuer: claims.iss,
          subject: claims.iss,
          audience: tokenUrl,
          requiredClaims: ['exp', 'jti', 'iss', 'sub', 'aud'],
          clockTolerance: CLOCK_TOLERANCE_S,
        }));
        break;
      } catch (err) {
        refusal = `The client assertion was refused: ${err.code || 'invalid'}: ${err.message}`;
      }
    }
    if (!payload) return { error: refusal };
    const now = Math.floor(Date.now() / 1000);
    if (!Number.isInteger(payload.exp) || payload.exp - now > MAX_ASSERTION_LIFETIME_S + CLOCK_TOLERANCE_S) {
      return { error: 'exp must be an integer at most 5 minutes ahead.' };
    }
    if (payload.iat !== undefined && !Number.isInteger(payload.iat)) return { error: 'iat must be an integer.' };
    if (typeof payload.jti !== 'string' || !payload.jti) return { error: 'jti must be a non-empty string.' };
    for (const [key, until] of this.jtis) if (until < now) this.jtis.delete(key);
    const key = `${claims.iss}\u0000${payload.jti}`;
    if (this.jtis.has(key)) return { error: 'The jti was used before (a replayed assertion).' };
    this.jtis.set(key, payload.exp + CLOCK_TOLERANCE_S);
    return { clientId: claims.iss };
  }
}

// The JWK Set of one PEM public key (RSA or EC), or a sentence saying why not.
function jwksOfPem(pem) {
  try {
    const key = crypto.createPublicKey(String(pem));
    return { keys: [key.export({ format: 'jwk' })] };
  } catch (err) {
    return `publicKeyPem is not a PEM public key: ${err.message}`;
  }
}

// A sentence saying why `jwks` is not a public JWK Set, or null.
function checkJwks(jwks) {
  if (!jwks || typeof jwks !== 'object' || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    return 'jwks must be a JWK Set: {"keys": [...]} with at least one key';
  }
  for (const key of jwks.keys) {
    if (!key || !['RSA', 'EC'].includes(key.kty)) return 'every key must be kty RSA or EC';
    if (key.d !== undefined) return 'jwks must hold public keys only';
  }
  return null;
}

module.exports = { Auth, MODES, ALGORITHMS, ASSERTION_TYPE, parseScope, checkJwks, jwksOfPem };
