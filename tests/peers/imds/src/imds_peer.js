'use strict';
// ImdsPeer: the EC2 instance metadata service, version 2 (IMDSv2), as far as
// an instance role's temporary credentials go, on loopback. It follows AWS's
// documented protocol:
//
//   PUT /latest/api/token
//     X-aws-ec2-metadata-token-ttl-seconds: 1..21600   (required: 400 without)
//     → 200 text/plain <session token>; X-aws-ec2-metadata-token-ttl-seconds echoed.
//     A request with X-Forwarded-For is refused (403), as AWS does.
//   GET /latest/meta-data/iam/security-credentials/
//     X-aws-ec2-metadata-token: <token>   (required: 401 without, or when
//     unknown or past its TTL)
//     → 200 text/plain <role name>; 404 when the instance has no role
//   GET /latest/meta-data/iam/security-credentials/<role>
//     → 200 {"Code":"Success","LastUpdated","Type":"AWS-HMAC","AccessKeyId",
//            "SecretAccessKey","Token","Expiration"}; 404 for another role
//
// The keys it hands out are the tests' (temporary keys from the gateway's
// STS, so the session token is really checked). The control API:
//
//   POST /_peer/credentials  {"sets": [{accessKeyId, secretAccessKey, token,
//                             expiresInSeconds, once?}]} replaces the keys:
//                             each answer gives the first set; a set with
//                             "once" is dropped after one answer (keys
//                             the store will refuse, then good ones)
//   POST /_peer/answer       {"mode": "normal"|"junk"|"huge"|"pending"}: what
//                             the credentials route answers (junk: not JSON;
//                             huge: 8 MiB; pending: Code "Pending")
//   GET  /_peer/effects      counters: tokens, roleQueries, credentialAnswers,
//                             unauthorized, refused
//   POST /_peer/reset        forgets tokens, keys and counters

const crypto = require('node:crypto');
const { PeerServer, ControlError, sendJson } = require('../../support');

const ROLE_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const MAX_TTL = 21600;
const MODES = ['normal', 'junk', 'huge', 'pending'];
const PREFIX = '/latest/meta-data/iam/security-credentials/';

function text(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

// "2026-11-27T13:00:00Z": AWS's form, no fraction.
function iso(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function checkSet(set, i) {
  const where = `sets[${i}]`;
  if (!set || typeof set !== 'object') throw new ControlError(400, `${where} must be an object`);
  for (const field of ['accessKeyId', 'secretAccessKey']) {
    if (typeof set[field] !== 'string' || !set[field]) throw new ControlError(400, `${where}.${field} must be a non-empty string`);
  }
  if (set.token !== undefined && typeof set.token !== 'string') throw new ControlError(400, `${where}.token must be a string`);
  if (!Number.isInteger(set.expiresInSeconds)) throw new ControlError(400, `${where}.expiresInSeconds must be an integer`);
}

class ImdsPeer extends PeerServer {
  constructor(options = {}) {
    super({ name: 'imds-peer' });
    this.options = { role: 'wasl-archive', ...options };
    this.reset();
    this.control
      .route('POST', '/_peer/credentials', ({ body }) => {
        const sets = body && body.sets;
        if (!Array.isArray(sets) || sets.length === 0) throw new ControlError(400, 'sets must be a non-empty array');
        sets.forEach(checkSet);
        const now = Date.now();
        this.sets = sets.map((s) => ({
          accessKeyId: s.accessKeyId,
          secretAccessKey: s.secretAccessKey,
          token: s.token || '',
          expiration: iso(now + s.expiresInSeconds * 1000),
          once: Boolean(s.once),
        }));
        return { sets: this.sets.map((s) => ({ accessKeyId: s.accessKeyId, expiration: s.expiration, once: s.once })) };
      })
      .route('POST', '/_peer/answer', ({ body }) => {
        if (!body || !MODES.includes(body.mode)) throw new ControlError(400, `mode must be one of ${MODES.join(', ')}`);
        this.mode = body.mode;
        return { mode: this.mode };
      });
  }

  reset() {
    super.reset();
    this.tokens = new Map();  // token -> expiry (ms)
    this.sets = [];
    this.mode = 'normal';
  }

  // The token's owner may use it: known and not past its TTL.
  authorized(req) {
    const token = req.headers['x-aws-ec2-metadata-token'];
    if (typeof token !== 'string' || !token) return false;
    const expiry = this.tokens.get(token);
    if (expiry === undefined) return false;
    if (expiry <= Date.now()) {
      this.tokens.delete(token);
      return false;
    }
    return true;
  }

  async handle(req, res, url) {
    const path = url.pathname;
    if (path === '/latest/api/token') {
      if (req.method !== 'PUT') return text(res, 405, 'Method Not Allowed', { Allow: 'PUT' });
      if (req.headers['x-forwarded-for'] !== undefined) {
        this.effects.count(['refused']);
        return text(res, 403, 'Forbidden');
      }
      const ttlText = req.headers['x-aws-ec2-metadata-token-ttl-seconds'];
      const ttl = /^[0-9]{1,5}$/.test(ttlText || '') ? Number(ttlText) : NaN;
      if (!(ttl >= 1 && ttl <= MAX_TTL)) {
        this.effects.count(['refused']);
        return text(res, 400, 'Bad Request');
      }
      const token = crypto.randomBytes(32).toString('base64url');
      this.tokens.set(token, Date.now() + ttl * 1000);
      this.effects.count(['tokens']);
      return text(res, 200, token, { 'X-aws-ec2-metadata-token-ttl-seconds': String(ttl) });
    }
    if (!path.startsWith('/latest/')) return text(res, 404, 'Not Found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Method Not Allowed');
    if (!this.authorized(req)) {
      this.effects.count(['unauthorized']);
      return text(res, 401, 'Unauthorized');
    }
    if (path === PREFIX) {
      this.effects.count(['roleQueries']);
      if (!this.options.role) return text(res, 404, 'Not Found');
      return text(res, 200, this.options.role);
    }
    if (path.startsWith(PREFIX) && path.slice(PREFIX.length) === this.options.role && this.options.role) {
      return this.credentials(res);
    }
    return text(res, 404, 'Not Found');
  }

  credentials(res) {
    this.effects.count(['credentialAnswers']);
    if (this.mode === 'junk') return text(res, 200, '<html>not the credentials</html>');
    if (this.mode === 'huge') return text(res, 200, `{"Code":"Success","Padding":"${'x'.repeat(8 << 20)}"}`);
    const now = Date.now();
    if (this.mode === 'pending' || this.sets.length === 0) {
      return sendJson(res, 200, { Code: 'Pending', LastUpdated: iso(now) });
    }
    const set = this.sets[0];
    if (set.once && this.sets.length > 1) this.sets.shift();
    return sendJson(res, 200, {
      Code: 'Success',
      LastUpdated: iso(now),
      Type: 'AWS-HMAC',
      AccessKeyId: set.accessKeyId,
      SecretAccessKey: set.secretAccessKey,
      Token: set.token,
      Expiration: set.expiration,
    });
  }
}

module.exports = { ImdsPeer, ROLE_NAME };
