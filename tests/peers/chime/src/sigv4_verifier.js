'use strict';
// Verifies the AWS Signature Version 4 (Authorization header form) of an
// incoming request by re-signing it with @smithy/signature-v4 — the signer of
// the AWS SDK for JavaScript — and comparing in constant time.
//
// verify() never throws: it returns { ok: true, accessKeyId, service, region }
// or { ok: false, code, message } where code names the AWS error it mirrors.

const crypto = require('node:crypto');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([a-z0-9!#$%&'*+.^_`|~;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function fail(code, message) {
  return { ok: false, code, message };
}

// Splits a raw query string into the decoded map smithy signs: a repeated
// name becomes an array. '+' stays a literal plus, as AWS clients send %20.
function parseQuery(rawQuery) {
  const query = {};
  if (!rawQuery) return query;
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    if (Object.prototype.hasOwnProperty.call(query, name)) {
      query[name] = [].concat(query[name], value);
    } else {
      query[name] = value;
    }
  }
  return query;
}

function timingSafeEqualString(a, b) {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) return false;
  return crypto.timingSafeEqual(ab, bb);
}

class SigV4Verifier {
  // credentials: [{ accessKeyId, secretAccessKey, sessionToken? }]
  // regions: accepted signing regions; maxSkewSeconds: <= 0 disables the clock check.
  constructor({ credentials, regions, maxSkewSeconds = 900, now = () => Date.now() }) {
    this.credentials = new Map(credentials.map((c) => [c.accessKeyId, c]));
    this.regions = new Set(regions);
    this.maxSkewSeconds = maxSkewSeconds;
    this.now = now;
  }

  // req: a node IncomingMessage; body: Buffer of the whole body;
  // expectedServices: signing names accepted for this route (e.g. ['chime']).
  async verify(req, body, expectedServices) {
    const authorization = req.headers['authorization'];
    if (!authorization) return fail('MissingAuthenticationToken', 'Missing Authentication Token');
    const m = AUTH_RE.exec(authorization);
    if (!m) {
      return fail('IncompleteSignature',
        'Authorization header requires Credential, SignedHeaders and Signature for AWS4-HMAC-SHA256.');
    }
    const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = m;
    const creds = this.credentials.get(accessKeyId);
    if (!creds) {
      return fail('UnrecognizedClient', 'The security token included in the request is invalid.');
    }
    if (!this.regions.has(region)) {
      return fail('InvalidSignature', `Credential should be scoped to a valid region, not '${region}'.`);
    }
    if (!expectedServices.includes(service)) {
      return fail('InvalidSignature',
        `Credential should be scoped to correct service: '${expectedServices[0]}', not '${service}'.`);
    }
    const amzDate = req.headers['x-amz-date'];
    const d = amzDate && AMZ_DATE_RE.exec(amzDate);
    if (!d) return fail('IncompleteSignature', 'X-Amz-Date header is missing or malformed.');
    if (amzDate.slice(0, 8) !== scopeDate) {
      return fail('InvalidSignature', 'Credential date does not match X-Amz-Date.');
    }
    const signingDate = new Date(Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6]));
    if (this.maxSkewSeconds > 0 &&
        Math.abs(this.now() - signingDate.getTime()) > this.maxSkewSeconds * 1000) {
      return fail('InvalidSignature', 'Signature expired: the request time is too far from the server time.');
    }
    const signedHeaders = signedHeaderList.split(';');
    if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
      return fail('InvalidSignature', 'SignedHeaders must include host and x-amz-date.');
    }
    const token = req.headers['x-amz-security-token'];
    if ((creds.sessionToken || token) &&
        (!token || !creds.sessionToken || !timingSafeEqualString(token, creds.sessionToken) ||
         !signedHeaders.includes('x-amz-security-token'))) {
      return fail('UnrecognizedClient', 'The security token included in the request is invalid.');
    }

    const headers = {};
    for (const name of signedHeaders) {
      const values = req.headersDistinct[name];
      if (!values) return fail('InvalidSignature', `Signed header '${name}' is not in the request.`);
      headers[name] = values.join(',');
    }
    const target = req.url;
    const q = target.indexOf('?');
    let query;
    try {
      query = parseQuery(q < 0 ? '' : target.slice(q + 1));
    } catch {
      return fail('InvalidSignature', 'The query string has a malformed percent-escape.');
    }
    const s3 = service === 's3';
    if (s3) {
      const contentSha = req.headers['x-amz-content-sha256'];
      if (!contentSha || !signedHeaders.includes('x-amz-content-sha256')) {
        return fail('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
      }
      if (contentSha !== 'UNSIGNED-PAYLOAD' &&
          contentSha !== crypto.createHash('sha256').update(body).digest('hex')) {
        return fail('XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
    }

    const signer = new SignatureV4({
      credentials: {
        accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
      },
      region,
      service,
      sha256: Sha256,
      uriEscapePath: !s3,
      applyChecksum: false,
    });
    let expected;
    try {
      const signed = await signer.sign(
        {
          method: req.method,
          protocol: 'http:',
          hostname: headers.host,
          path: q < 0 ? target : target.slice(0, q),
          query,
          headers,
          body: body.length ? body : undefined,
        },
        { signingDate, signableHeaders: new Set(signedHeaders) },
      );
      expected = signed.headers.authorization;
    } catch (err) {
      return fail('InvalidSignature', 'The request could not be canonicalised for SigV4.');
    }
    if (!timingSafeEqualString(expected, authorization.replace(/,\s*/g, ', '))) {
      return fail('SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method.');
    }
    return { ok: true, accessKeyId, service, region, signature };
  }
}

module.exports = { SigV4Verifier, parseQuery };
