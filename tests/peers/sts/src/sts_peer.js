'use strict';
// StsPeer: AWS Security Token Service's AssumeRoleWithWebIdentity, on
// loopback, as AWS documents the Query API:
//
//   POST /   Content-Type: application/x-www-form-urlencoded, unsigned
//     Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=…
//     &RoleSessionName=…&WebIdentityToken=<JWT>[&DurationSeconds=900..43200]
//   → 200 <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
//          <AssumeRoleWithWebIdentityResult><Credentials>AccessKeyId,
//          SecretAccessKey, SessionToken, Expiration</Credentials>
//          <SubjectFromWebIdentityToken/><AssumedRoleUser/>…
//   errors: <ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error>
//          <RequestId/></ErrorResponse>: 400 MissingAction/InvalidAction,
//          ValidationError (a parameter out of its pattern or range),
//          InvalidIdentityToken (not a JWT, bad signature, wrong issuer or
//          audience), ExpiredTokenException (exp passed); 403 AccessDenied
//          (another role).
//
// The tokens are JWTs (RS256) of the peer's own issuer: POST /_peer/tokens
// {sub, expiresInSeconds?} mints one, so a test stands in for the platform
// that writes the token file. The keys answered are the tests' (temporary
// keys from the gateway's STS): POST /_peer/credentials {"sets": [{accessKeyId,
// secretAccessKey, token, expiresInSeconds}]}, the first set answered each
// time. POST /_peer/answer {"mode": "normal"|"junk"|"huge"} changes what a
// valid request gets. GET /_peer/received/assume lists the requests
// (subject and token id, never the token), GET /_peer/effects counts them.

const crypto = require('node:crypto');
const { PeerServer, ControlError, readBody, BodyTooLarge } = require('../../support');

const ROLE_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
const SESSION_NAME = /^[A-Za-z0-9+=,.@_-]{2,64}$/;
const MODES = ['normal', 'junk', 'huge'];
const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const MAX_BODY = 64 * 1024;

function iso(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[c]));
}

function xml(res, status, body) {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
  res.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

class StsError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function b64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

class StsPeer extends PeerServer {
  constructor(options = {}) {
    super({ name: 'sts-peer' });
    this.options = { roleArn: 'arn:aws:iam::123456789012:role/wasl-archive', audience: 'sts.amazonaws.com', ...options };
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.kid = crypto.randomBytes(8).toString('hex');
    this.issuer = 'https://oidc.wasl.test';
    this.reset();
    this.control
      .route('POST', '/_peer/tokens', ({ body }) => {
        const sub = body && body.sub;
        if (typeof sub !== 'string' || !sub) throw new ControlError(400, 'sub must be a non-empty string');
        const expiresIn = body.expiresInSeconds === undefined ? 3600 : body.expiresInSeconds;
        if (!Number.isInteger(expiresIn)) throw new ControlError(400, 'expiresInSeconds must be an integer');
        return { token: this.mint({ sub, aud: body.aud || this.options.audience, expiresIn }) };
      })
      .route('POST', '/_peer/credentials', ({ body }) => {
        const sets = body && body.sets;
        if (!Array.isArray(sets) || sets.length === 0) throw new ControlError(400, 'sets must be a non-empty array');
        for (const [i, s] of sets.entries()) {
          if (!s || typeof s.accessKeyId !== 'string' || typeof s.secretAccessKey !== 'string' || typeof s.token !== 'string'
              || !Number.isInteger(s.expiresInSeconds)) {
            throw new ControlError(400, `sets[${i}] needs accessKeyId, secretAccessKey, token and an integer expiresInSeconds`);
          }
        }
        this.sets = sets.map((s) => ({ ...s }));
        return { sets: this.sets.length };
      })
      .route('POST', '/_peer/answer', ({ body }) => {
        if (!body || !MODES.includes(body.mode)) throw new ControlError(400, `mode must be one of ${MODES.join(', ')}`);
        this.mode = body.mode;
        return { mode: this.mode };
      });
  }

  reset() {
    super.reset();
    this.sets = [];
    this.mode = 'normal';
  }

  mint({ sub, aud, expiresIn }) {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url({ alg: 'RS256', typ: 'JWT', kid: this.kid });
    const payload = b64url({ iss: this.issuer, sub, aud, iat: now, exp: now + expiresIn, jti: crypto.randomUUID() });
    const signature = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), this.privateKey).toString('base64url');
    return `${header}.${payload}.${signature}`;
  }

  // The claims of a token this peer's issuer signed, or an StsError.
  verify(token) {
    const parts = token.split('.');
    if (parts.length !== 3) throw new StsError(400, 'InvalidIdentityToken', 'The web identity token is not a JWT.');
    let header;
    let claims;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      throw new StsError(400, 'InvalidIdentityToken', 'The web identity token is not a JWT.');
    }
    if (header.alg !== 'RS256' || header.kid !== this.kid) {
      throw new StsError(400, 'InvalidIdentityToken', 'The web identity token was not signed by a key of a registered provider.');
    }
    const signed = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.publicKey, Buffer.from(parts[2], 'base64url'));
    if (!signed) throw new StsError(400, 'InvalidIdentityToken', 'The web identity token\'s signature is not valid.');
    if (claims.iss !== this.issuer) throw new StsError(400, 'InvalidIdentityToken', 'The issuer is not a registered provider.');
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(this.options.audience)) throw new StsError(400, 'InvalidIdentityToken', 'Incorrect token audience.');
    if (!Number.isInteger(claims.exp) || claims.exp * 1000 <= Date.now()) {
      throw new StsError(400, 'ExpiredTokenException', 'Token expired.');
    }
    return claims;
  }

  async handle(req, res, url) {
    try {
      if (url.pathname !== '/' || req.method !== 'POST') throw new StsError(404, 'NotFound', 'Only POST / is served.');
      const type = String(req.headers['content-type'] || '');
      if (!type.startsWith('application/x-www-form-urlencoded')) {
        throw new StsError(400, 'ValidationError', 'The request must be application/x-www-form-urlencoded.');
      }
      let raw;
      try {
        raw = await readBody(req, MAX_BODY);
      } catch (err) {
        if (err instanceof BodyTooLarge) throw new StsError(413, 'ValidationError', 'The request is too large.');
        throw err;
      }
      const form = new URLSearchParams(raw.toString('utf8'));
      this.assume(res, form);
    } catch (err) {
      if (!(err instanceof StsError)) throw err;
      this.effects.count(['refused']);
      xml(res, err.status, `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${escapeXml(err.code)}</Code>`
        + `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`);
    }
  }

  assume(res, form) {
    const action = form.get('Action');
    if (!action) throw new StsError(400, 'MissingAction', 'Missing Action');
    if (action !== 'AssumeRoleWithWebIdentity') throw new StsError(400, 'InvalidAction', `Could not find operation ${action} for version ${form.get('Version')}`);
    if (form.get('Version') !== '2011-06-15') throw new StsError(400, 'InvalidAction', 'Version must be 2011-06-15');
    const roleArn = form.get('RoleArn') || '';
    const session = form.get('RoleSessionName') || '';
    const token = form.get('WebIdentityToken') || '';
    const durationText = form.get('DurationSeconds');
    if (!ROLE_ARN.test(roleArn)) throw new StsError(400, 'ValidationError', 'Value at \'roleArn\' failed to satisfy constraint.');
    if (!SESSION_NAME.test(session)) throw new StsError(400, 'ValidationError', 'Value at \'roleSessionName\' failed to satisfy constraint.');
    if (token.length < 4 || token.length > 20000) throw new StsError(400, 'ValidationError', 'Value at \'webIdentityToken\' failed to satisfy constraint.');
    const duration = durationText === null ? 3600 : Number(durationText);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      throw new StsError(400, 'ValidationError', 'Value at \'durationSeconds\' failed to satisfy constraint.');
    }
    const claims = this.verify(token);
    if (roleArn !== this.options.roleArn) throw new StsError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    this.effects.record('assume', { sub: claims.sub, jti: claims.jti, roleArn, session, duration });
    this.effects.count(['assumed']);
    if (this.mode === 'junk') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Service Unavailable</body></html');
      return;
    }
    if (this.mode === 'huge') {
      xml(res, 200, `<AssumeRoleWithWebIdentityResponse xmlns="${XMLNS}"><Padding>${'x'.repeat(8 << 20)}</Padding></AssumeRoleWithWebIdentityResponse>`);
      return;
    }
    if (this.sets.length === 0) throw new StsError(503, 'ServiceUnavailable', 'No credentials were set on the peer.');
    const set = this.sets[0];
    const [, , , , account, resource] = roleArn.split(':');
    const roleName = resource.slice(resource.lastIndexOf('/') + 1);
    xml(res, 200, `<AssumeRoleWithWebIdentityResponse xmlns="${XMLNS}"><AssumeRoleWithWebIdentityResult>`
      + `<SubjectFromWebIdentityToken>${escapeXml(claims.sub)}</SubjectFromWebIdentityToken>`
      + `<Audience>${escapeXml(this.options.audience)}</Audience>`
      + `<AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/${escapeXml(roleName)}/${escapeXml(session)}</Arn>`
      + `<AssumedRoleId>AROA${crypto.randomBytes(8).toString('hex').toUpperCase()}:${escapeXml(session)}</AssumedRoleId></AssumedRoleUser>`
      + `<Credentials><SessionToken>${escapeXml(set.token)}</SessionToken><SecretAccessKey>${escapeXml(set.secretAccessKey)}</SecretAccessKey>`
      + `<Expiration>${iso(Date.now() + set.expiresInSeconds * 1000)}</Expiration><AccessKeyId>${escapeXml(set.accessKeyId)}</AccessKeyId></Credentials>`
      + `<Provider>${escapeXml(this.issuer)}</Provider></AssumeRoleWithWebIdentityResult>`
      + `<ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`);
  }
}

module.exports = { StsPeer, ROLE_ARN };
