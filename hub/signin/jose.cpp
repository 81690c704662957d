#include "hub/signin/jose.hpp"

#include <cjose/cjose.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "hub/crypto/signing_key.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/json_budget.hpp"

namespace wasl::signin {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

Error refused(std::string check) { return {ErrorCode::kUnauthenticated, std::move(check), false}; }
Error unusable(std::string what) {
  return {ErrorCode::kFailedPrecondition, std::move(what), false};
}

std::shared_ptr<_cjose_jwk_int> owned(cjose_jwk_t* jwk) {
  return {jwk, [](cjose_jwk_t* k) { cjose_jwk_release(k); }};
}

struct JwsRelease {
  void operator()(cjose_jws_t* jws) const { cjose_jws_release(jws); }
};
struct HeaderRelease {
  void operator()(cjose_header_t* header) const { cjose_header_release(header); }
};

std::string string_member(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The decoded bytes of a JWK member that must be base64url without padding,
// in its one canonical form, or nullopt. cjose's own decoder aborts the
// process on some malformed text (an assertion), so nothing reaches it
// unchecked.
std::optional<std::string> base64url_member(const json& object, const char* name) {
  const std::string text = string_member(object, name);
  if (text.empty()) return std::nullopt;
  auto decoded = sdk::base64url_decode(text);
  if (!decoded || decoded->empty()) return std::nullopt;
  return decoded;
}

// Only the public members cjose needs for `kty`, each checked, or nullopt
// when the key cannot be a signing key the hub accepts: RSA of 2048 to 8192
// bits, EC on P-256, P-384 or P-521 with coordinates of the curve's size.
// Private members (a key set is public) and everything else are left out.
std::optional<json> public_members(const json& entry, const std::string& kty) {
  if (kty == "RSA") {
    auto n = base64url_member(entry, "n");
    auto e = base64url_member(entry, "e");
    if (!n || !e || n->size() < 256 || n->size() > 1024 || e->size() > 8) return std::nullopt;
    return json{{"kty", "RSA"}, {"n", string_member(entry, "n")}, {"e", string_member(entry, "e")}};
  }
  const std::string crv = string_member(entry, "crv");
  const std::size_t width = crv == "P-256" ? 32 : crv == "P-384" ? 48 : crv == "P-521" ? 66 : 0;
  auto x = base64url_member(entry, "x");
  auto y = base64url_member(entry, "y");
  if (width == 0 || !x || !y || x->size() != width || y->size() != width) return std::nullopt;
  return json{{"kty", "EC"},
              {"crv", crv},
              {"x", string_member(entry, "x")},
              {"y", string_member(entry, "y")}};
}

// A key object's header, so the whole set stays small and shallow.
constexpr sdk::JsonBudget kDocumentBudget{kMaxDocumentBytes, 8};
constexpr sdk::JsonBudget kHeaderBudget{8 << 10, 4};
constexpr sdk::JsonBudget kPayloadBudget{kMaxTokenBytes, 16};

}  // namespace

bool is_accepted_algorithm(std::string_view alg) {
  return std::find(std::begin(kAcceptedAlgorithms), std::end(kAcceptedAlgorithms), alg) !=
         std::end(kAcceptedAlgorithms);
}

bool key_fits(const PublicKey& key, std::string_view alg) {
  if (!is_accepted_algorithm(alg)) return false;
  if (!key.alg.empty() && key.alg != alg) return false;
  if (alg.starts_with("RS") || alg.starts_with("PS")) return key.kty == "RSA";
  if (alg == "ES256") return key.kty == "EC" && key.crv == "P-256";
  if (alg == "ES384") return key.kty == "EC" && key.crv == "P-384";
  return false;
}

Result<KeySet> KeySet::parse(std::string_view document) {
  auto parsed = sdk::parse_json_bounded(document, "the key set", kDocumentBudget);
  if (!parsed.ok()) return unusable(parsed.error().message);
  const json& root = *parsed;
  if (!root.is_object() || !root.contains("keys") || !root["keys"].is_array()) {
    return unusable("the key set is not a JSON Web Key Set (no \"keys\" array)");
  }
  const json& keys = root["keys"];
  if (keys.size() > kMaxKeys) {
    return unusable("the key set holds " + std::to_string(keys.size()) + " keys, more than " +
                    std::to_string(kMaxKeys));
  }
  KeySet set;
  for (const json& entry : keys) {
    if (!entry.is_object()) continue;
    PublicKey key;
    key.kty = string_member(entry, "kty");
    if (key.kty != "RSA" && key.kty != "EC") continue;
    if (entry.contains("use") && string_member(entry, "use") != "sig") continue;
    key.kid = string_member(entry, "kid");
    key.crv = string_member(entry, "crv");
    key.alg = string_member(entry, "alg");
    auto clean = public_members(entry, key.kty);
    if (!clean) continue;
    const std::string text = clean->dump();
    cjose_err err{};
    cjose_jwk_t* jwk = cjose_jwk_import(text.data(), text.size(), &err);
    if (jwk == nullptr) continue;
    key.jwk = owned(jwk);
    set.keys_.push_back(std::move(key));
  }
  if (set.keys_.empty())
    return unusable("the key set holds no RSA or EC signing key cjose can read");
  return set;
}

const PublicKey* KeySet::find(std::string_view kid, std::string_view alg) const {
  const PublicKey* found = nullptr;
  for (const PublicKey& key : keys_) {
    if (!kid.empty()) {
      if (key.kid == kid && key_fits(key, alg)) return &key;
      continue;
    }
    if (!key_fits(key, alg)) continue;
    if (found != nullptr) return nullptr;  // no kid and more than one candidate
    found = &key;
  }
  return found;
}

bool KeySet::holds(std::string_view kid) const {
  return std::any_of(keys_.begin(), keys_.end(),
                     [&](const PublicKey& key) { return key.kid == kid; });
}

Result<JwsHeader> read_jws_header(std::string_view compact) {
  if (compact.size() > kMaxTokenBytes) return refused("malformed");
  const auto first = compact.find('.');
  if (first == std::string_view::npos || first == 0) return refused("malformed");
  const auto second = compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
    return refused("malformed");
  }
  // Every part canonical base64url before anything else reads it (cjose's
  // decoder is not to be given malformed text; see base64url_member).
  auto decoded = sdk::base64url_decode(compact.substr(0, first));
  if (!decoded || !sdk::base64url_decode(compact.substr(first + 1, second - first - 1)) ||
      !sdk::base64url_decode(compact.substr(second + 1))) {
    return refused("malformed");
  }
  json header = sdk::parse_json_within(*decoded, kHeaderBudget);
  if (!header.is_object() || !header.contains("alg") || !header["alg"].is_string()) {
    return refused("malformed");
  }
  if (header.contains("crit")) return refused("algorithm");
  JwsHeader out;
  out.alg = header["alg"].get<std::string>();
  out.kid = string_member(header, "kid");
  out.typ = string_member(header, "typ");
  return out;
}

Result<json> verified_payload(std::string_view compact, const PublicKey& key) {
  WASL_ASSIGN_OR_RETURN(JwsHeader header, read_jws_header(compact));
  if (!key_fits(key, header.alg) || !key.jwk) return refused("algorithm");
  const auto first = compact.find('.');
  const auto last = compact.rfind('.');
  if (last == first + 1) return refused("malformed");           // no payload
  if (last + 1 == compact.size()) return refused("signature");  // none
  cjose_err err{};
  std::unique_ptr<cjose_jws_t, JwsRelease> jws(
      cjose_jws_import(compact.data(), compact.size(), &err));
  if (!jws) return refused("malformed");
  // cjose reads the header again with its own JSON parser: it must see the
  // algorithm checked above (a duplicated "alg" member could differ).
  cjose_header_t* protected_header = cjose_jws_get_protected(jws.get());
  const char* alg = protected_header != nullptr
                        ? cjose_header_get(protected_header, CJOSE_HDR_ALG, &err)
                        : nullptr;
  if (alg == nullptr || header.alg != alg) return refused("algorithm");
  if (!cjose_jws_verify(jws.get(), key.jwk.get(), &err)) return refused("signature");
  std::uint8_t* plaintext = nullptr;
  std::size_t length = 0;
  if (!cjose_jws_get_plaintext(jws.get(), &plaintext, &length, &err) || plaintext == nullptr) {
    return refused("malformed");
  }
  json payload = sdk::parse_json_within(
      std::string_view(reinterpret_cast<const char*>(plaintext), length), kPayloadBudget);
  if (!payload.is_object()) return refused("malformed");
  return payload;
}

Result<SigningKey> SigningKey::from_pem(std::string_view pem, std::string kid) {
  WASL_ASSIGN_OR_RETURN(crypto::SigningKeyParts parts, crypto::read_signing_key_pem(pem));
  SigningKey key;
  key.kid_ = std::move(kid);
  cjose_err err{};
  cjose_jwk_t* jwk = nullptr;
  auto bytes = [](const auto& text) {
    return const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(text.data()));
  };
  if (parts.kind == crypto::SigningKeyParts::Kind::kRsa) {
    const crypto::RsaKeyParts& rsa = parts.rsa;
    cjose_jwk_rsa_keyspec spec{};
    spec.e = bytes(rsa.e);
    spec.elen = rsa.e.size();
    spec.n = bytes(rsa.n);
    spec.nlen = rsa.n.size();
    spec.d = bytes(rsa.d.view());
    spec.dlen = rsa.d.size();
    spec.p = bytes(rsa.p.view());
    spec.plen = rsa.p.size();
    spec.q = bytes(rsa.q.view());
    spec.qlen = rsa.q.size();
    spec.dp = bytes(rsa.dp.view());
    spec.dplen = rsa.dp.size();
    spec.dq = bytes(rsa.dq.view());
    spec.dqlen = rsa.dq.size();
    spec.qi = bytes(rsa.qi.view());
    spec.qilen = rsa.qi.size();
    jwk = cjose_jwk_create_RSA_spec(&spec, &err);
    key.alg_ = "RS256";
    key.public_.kty = "RSA";
    key.public_.n = sdk::base64url_encode(rsa.n);
    key.public_.e = sdk::base64url_encode(rsa.e);
  } else {
    const crypto::EcKeyParts& ec = parts.ec;
    cjose_jwk_ec_keyspec spec{};
    if (ec.curve_bits == 256) {
      spec.crv = CJOSE_JWK_EC_P_256;
      key.alg_ = "ES256";
    } else if (ec.curve_bits == 384) {
      spec.crv = CJOSE_JWK_EC_P_384;
      key.alg_ = "ES384";
    } else {
      return Error(ErrorCode::kInvalidArgument, "the client key's curve must be P-256 or P-384",
                   false);
    }
    spec.d = bytes(ec.d.view());
    spec.dlen = ec.d.size();
    spec.x = bytes(ec.x);
    spec.xlen = ec.x.size();
    spec.y = bytes(ec.y);
    spec.ylen = ec.y.size();
    jwk = cjose_jwk_create_EC_spec(&spec, &err);
    key.public_.kty = "EC";
    key.public_.crv = ec.curve_bits == 256 ? "P-256" : "P-384";
    key.public_.x = sdk::base64url_encode(ec.x);
    key.public_.y = sdk::base64url_encode(ec.y);
  }
  if (jwk == nullptr)
    return Error(ErrorCode::kInvalidArgument, "the client key cannot be used for signing", false);
  key.jwk_ = owned(jwk);
  key.public_.kid = key.kid_;
  key.public_.alg = key.alg_;
  return key;
}

Result<std::string> SigningKey::sign(const json& claims) const {
  cjose_err err{};
  std::unique_ptr<cjose_header_t, HeaderRelease> header(cjose_header_new(&err));
  if (!header || !cjose_header_set(header.get(), CJOSE_HDR_ALG, alg_.c_str(), &err) ||
      !cjose_header_set(header.get(), "typ", "JWT", &err) ||
      (!kid_.empty() && !cjose_header_set(header.get(), CJOSE_HDR_KID, kid_.c_str(), &err))) {
    return Error(ErrorCode::kInternal, "the client assertion's header cannot be built", false);
  }
  const std::string payload = claims.dump();
  std::unique_ptr<cjose_jws_t, JwsRelease> jws(
      cjose_jws_sign(jwk_.get(), header.get(),
                     reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size(), &err));
  const char* compact = nullptr;
  if (!jws || !cjose_jws_export(jws.get(), &compact, &err) || compact == nullptr) {
    return Error(ErrorCode::kInternal, "the client assertion cannot be signed", false);
  }
  return std::string(compact);
}

}  // namespace wasl::signin
