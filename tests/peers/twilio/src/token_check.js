'use strict';
// Decides whether Twilio would accept a Wasl-issued Video access token, with
// the libraries Twilio's own tooling uses: jsonwebtoken verifies the HS256
// signature with the API key secret and the time claims; the rest checks what
// twilio-node's AccessToken.toJwt() puts in (header cty "twilio-fpa;v=1",
// typ JWT; jti "<key sid>-<iat>", iss key SID, sub account SID, exp within
// 24 h of iat, grants.identity, grants.video).

const jwt = require('jsonwebtoken');

const MAX_TTL_SECONDS = 24 * 60 * 60;

// expect: { apiKeySid, apiKeySecret, accountSid, identity?, room?, nowSeconds? }
// Returns { valid, reason, header, claims }.
function checkAccessToken(token, expect) {
  const fail = (reason, decoded) => ({
    valid: false,
    reason,
    header: decoded ? decoded.header : undefined,
    claims: decoded ? decoded.payload : undefined,
  });
  if (typeof token !== 'string' || token.split('.').length !== 3) return fail('not a compact JWT');
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload !== 'object') return fail('not a decodable JWT');
  let claims;
  try {
    claims = jwt.verify(token, expect.apiKeySecret, {
      algorithms: ['HS256'],
      issuer: expect.apiKeySid,
      subject: expect.accountSid,
      clockTimestamp: expect.nowSeconds,
    });
  } catch (err) {
    return fail(`jsonwebtoken refused it: ${err.message}`, decoded);
  }
  const { header } = decoded;
  if (header.alg !== 'HS256') return fail(`header alg is ${header.alg}, not HS256`, decoded);
  if (header.typ !== 'JWT') return fail(`header typ is ${header.typ}, not JWT`, decoded);
  if (header.cty !== 'twilio-fpa;v=1') return fail(`header cty is ${header.cty}, not twilio-fpa;v=1`, decoded);
  if (!Number.isInteger(claims.iat)) return fail('iat is missing', decoded);
  if (!Number.isInteger(claims.exp)) return fail('exp is missing', decoded);
  if (claims.exp <= claims.iat) return fail('exp is not after iat', decoded);
  if (claims.exp - claims.iat > MAX_TTL_SECONDS) return fail('the token is valid for more than 24 hours', decoded);
  if (claims.jti !== `${expect.apiKeySid}-${claims.iat}`) {
    return fail(`jti is ${claims.jti}, expected <key sid>-<iat>`, decoded);
  }
  const grants = claims.grants;
  if (typeof grants !== 'object' || grants === null) return fail('grants are missing', decoded);
  if (typeof grants.identity !== 'string' || grants.identity === '') return fail('grants.identity is missing', decoded);
  if (typeof grants.video !== 'object' || grants.video === null) return fail('grants.video is missing', decoded);
  if (expect.identity !== undefined && grants.identity !== expect.identity) {
    return fail(`grants.identity is ${grants.identity}, expected ${expect.identity}`, decoded);
  }
  if (expect.room !== undefined && grants.video.room !== expect.room) {
    return fail(`grants.video.room is ${grants.video.room}, expected ${expect.room}`, decoded);
  }
  return { valid: true, reason: 'ok', header, claims };
}

module.exports = { checkAccessToken, MAX_TTL_SECONDS };
