#include "plugins/fhir/public_keys.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string_view>

#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::fhir {

namespace {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Error invalid_key(const std::string& setting, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "FHIR settings: " + setting + " " + what, false);
}

// `pem` read as a private key (`is_private`) or a public key; null when it
// is neither. No password callback: an encrypted key is refused.
Key read_pem(const std::string& pem, bool is_private) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  auto no_password = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* key = nullptr;
  if (bio) {
    key = is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr)
                     : PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr);
  }
  // OpenSSL's reason is not passed on: it could quote the key.
  if (key == nullptr) ERR_clear_error();
  return Key(key, EVP_PKEY_free);
}

// The big-endian bytes of `name`, left-padded to `width` (0: as short as
// the number), base64url.
Result<std::string> bn_param(EVP_PKEY* key, const char* name, int width) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1 || bn == nullptr) {
    ERR_clear_error();
    return Error(ErrorCode::kInternal, "the key's public numbers could not be read", false);
  }
  std::unique_ptr<BIGNUM, decltype(&BN_free)> owned(bn, BN_free);
  const int size = width > 0 ? width : BN_num_bytes(bn);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(bytes.data()), size) != size) {
    return Error(ErrorCode::kInternal, "the key's public numbers could not be read", false);
  }
  return sdk::base64url_encode(bytes);
}

// The JWK of `key`'s public half; `what` names the setting in errors.
Result<sdk::PublicJwk> jwk_of(EVP_PKEY* key, const std::string& alg, const std::string& kid,
                              const std::string& setting) {
  sdk::PublicJwk jwk;
  jwk.kid = kid;
  jwk.use = "sig";
  const int type = EVP_PKEY_get_base_id(key);
  if (type == EVP_PKEY_RSA) {
    if (!alg.empty() && alg != "RS384")
      return invalid_key(setting, "is an RSA key; its alg is RS384");
    jwk.kty = "RSA";
    jwk.alg = "RS384";
    WASL_ASSIGN_OR_RETURN(jwk.n, bn_param(key, OSSL_PKEY_PARAM_RSA_N, 0));
    WASL_ASSIGN_OR_RETURN(jwk.e, bn_param(key, OSSL_PKEY_PARAM_RSA_E, 0));
    return jwk;
  }
  if (type == EVP_PKEY_EC) {
    char group[64] = {0};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &length) != 1 ||
        std::string_view(group, length) != "secp384r1") {
      ERR_clear_error();
      return invalid_key(setting,
                         "is an EC key on another curve than P-384 (ES384 signs with P-384)");
    }
    if (!alg.empty() && alg != "ES384")
      return invalid_key(setting, "is an EC key; its alg is ES384");
    jwk.kty = "EC";
    jwk.alg = "ES384";
    jwk.crv = "P-384";
    constexpr int kCoordinate = 48;  // P-384: RFC 7518 6.2.1.2, full length
    WASL_ASSIGN_OR_RETURN(jwk.x, bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, kCoordinate));
    WASL_ASSIGN_OR_RETURN(jwk.y, bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, kCoordinate));
    return jwk;
  }
  return invalid_key(setting, "is neither an RSA nor an EC P-384 key");
}

}  // namespace

Result<sdk::PublicJwk> jwk_of_private_pem(const std::string& pem, const std::string& alg,
                                          const std::string& kid, const std::string& setting) {
  Key key = read_pem(pem, true);
  if (!key) return invalid_key(setting, "is not a PEM private key");
  return jwk_of(key.get(), alg, kid, setting);
}

Result<sdk::PublicJwk> jwk_of_public_pem(const std::string& pem, const std::string& kid,
                                         const std::string& setting) {
  Key key = read_pem(pem, false);
  if (!key) return invalid_key(setting, "is not a PEM public key (BEGIN PUBLIC KEY)");
  return jwk_of(key.get(), "", kid, setting);
}

}  // namespace wasl::plugins::fhir
