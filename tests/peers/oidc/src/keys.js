// The provider's signing keys: generated in memory, never written. A set
// is one RS256 key (RSA 2048) and one ES256 key (P-256), each a private JWK
// with `alg`, `use: sig` and its RFC 7638 thumbprint as `kid`.

import * as crypto from 'node:crypto';

const THUMBPRINT_MEMBERS = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'] };

export function thumbprint(jwk) {
  const members = THUMBPRINT_MEMBERS[jwk.kty];
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])));
  return crypto.createHash('sha256').update(canonical).digest('base64url');
}

function signingKey(type, options, alg) {
  const jwk = crypto.generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' });
  return { ...jwk, alg, use: 'sig', kid: thumbprint(jwk) };
}

export function newKeySet() {
  return [
    signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
    signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
  ];
}
