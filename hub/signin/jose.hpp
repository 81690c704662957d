// The JOSE pieces of the relying party, over cjose: a provider's JSON Web
// Key Set, a compact JWS's header and its verified payload, and the signed
// JWT the hub presents as its own credential (private_key_jwt).
//
// cjose does every signature and key operation; this file decides which key
// may check which token: the algorithm must be one the hub accepts
// (kAcceptedAlgorithms) and the key's type and curve must fit it, so `none`
// and an HMAC keyed with a provider's public key never reach cjose.
//
// Errors: kUnauthenticated for a token that is refused (the message names
// the check: "malformed", "algorithm", "signature"), kFailedPrecondition for
// a key set or a signing key that cannot be used. No message repeats the
// input. Pure and thread-safe (a KeySet is immutable once read).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

// cjose's key object, kept opaque here.
struct _cjose_jwk_int;  // NOLINT(bugprone-reserved-identifier): cjose's own name

namespace wasl::signin {

// The signature algorithms the hub accepts from an identity provider.
inline constexpr std::string_view kAcceptedAlgorithms[] = {"RS256", "RS384", "RS512",
                                                           "PS256", "ES256", "ES384"};
bool is_accepted_algorithm(std::string_view alg);

// Bounds on what a provider may send.
inline constexpr std::size_t kMaxDocumentBytes = std::size_t{256} << 10;  // discovery, JWKS
inline constexpr std::size_t kMaxKeys = 50;
inline constexpr std::size_t kMaxTokenBytes = std::size_t{64} << 10;

// One key of a key set.
struct PublicKey {
  std::string kid;  // empty when the key has none
  std::string kty;  // "RSA" or "EC" (other types are skipped when read)
  std::string crv;  // "P-256", "P-384", "P-521" for EC
  std::string alg;  // the key's own "alg", when it names one
  std::shared_ptr<_cjose_jwk_int> jwk;
};

class KeySet {
 public:
  // A JWKS document ({"keys": [...]}, at most kMaxDocumentBytes and kMaxKeys
  // keys). Keys for encryption (use "enc"), of other types (oct, OKP) or that
  // cjose cannot import are skipped; a document with no usable key is
  // kFailedPrecondition, as is one that is not a key set.
  static sdk::Result<KeySet> parse(std::string_view document);

  // The key that may check a token signed with `alg` and naming `kid` (empty:
  // the token names none, and the set must hold exactly one key that fits
  // `alg`), or nullptr.
  const PublicKey* find(std::string_view kid, std::string_view alg) const;
  // Whether a key of the set is named `kid` (whatever its type).
  bool holds(std::string_view kid) const;
  std::size_t size() const { return keys_.size(); }

 private:
  std::vector<PublicKey> keys_;
};

// Whether `key`'s type and curve (and its own alg, when it names one) fit `alg`.
bool key_fits(const PublicKey& key, std::string_view alg);

// What a compact JWS's protected header says, read without checking anything
// else: "malformed" unless the token has three base64url parts and its header
// is a JSON object with a string "alg"; "algorithm" when it carries `crit`
// (no extension is understood here).
struct JwsHeader {
  std::string alg, kid, typ;
};
sdk::Result<JwsHeader> read_jws_header(std::string_view compact);

// The payload of `compact`, a JSON object, once cjose has checked its
// signature with `key` ("signature" otherwise; "algorithm" when the key does
// not fit the token's alg; "malformed" when the payload is not a JSON object).
sdk::Result<nlohmann::json> verified_payload(std::string_view compact, const PublicKey& key);

// The hub's own signing key (private_key_jwt), from a PEM private key: RSA
// signs RS256, EC P-256 ES256 and P-384 ES384.
class SigningKey {
 public:
  static sdk::Result<SigningKey> from_pem(std::string_view pem, std::string kid);
  // `claims` signed as a compact JWS with header {alg, typ: "JWT", kid}.
  sdk::Result<std::string> sign(const nlohmann::json& claims) const;
  const std::string& alg() const { return alg_; }
  // The public half, as /.well-known/jwks.json publishes it (same alg and kid).
  const sdk::PublicJwk& public_jwk() const { return public_; }

 private:
  std::string alg_, kid_;
  sdk::PublicJwk public_;
  std::shared_ptr<_cjose_jwk_int> jwk_;
};

}  // namespace wasl::signin
