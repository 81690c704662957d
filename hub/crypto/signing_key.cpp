#include "hub/crypto/signing_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <vector>

namespace wasl::crypto {
namespace {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

struct SigningBioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct SigningKeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Error invalid_signing_key(std::string message) {
  ERR_clear_error();
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

// Never prompts: an encrypted key is refused.
int no_password(char*, int, int, void*) { return -1; }

Bn bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* value = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &value) != 1) return nullptr;
  return Bn(value);
}

// `bn` as big-endian bytes, left-padded with zeros to `width` when width > 0.
std::string bytes_of(const BIGNUM* bn, int width = 0) {
  const int size = width > 0 ? width : BN_num_bytes(bn);
  std::vector<unsigned char> out(static_cast<std::size_t>(size));
  if (width > 0) {
    if (BN_bn2binpad(bn, out.data(), size) != size) return {};
  } else {
    BN_bn2bin(bn, out.data());
  }
  std::string text(reinterpret_cast<const char*>(out.data()), out.size());
  OPENSSL_cleanse(out.data(), out.size());
  return text;
}

SecretBytes secret_of(const BIGNUM* bn, int width = 0) {
  std::string text = bytes_of(bn, width);
  SecretBytes secret(text);
  OPENSSL_cleanse(text.data(), text.size());
  return secret;
}

Result<SigningKeyParts> rsa_parts(EVP_PKEY* key) {
  if (EVP_PKEY_get_bits(key) < 2048)
    return invalid_signing_key("the RSA signing key has fewer than 2048 bits");
  Bn n = bn_param(key, OSSL_PKEY_PARAM_RSA_N);
  Bn e = bn_param(key, OSSL_PKEY_PARAM_RSA_E);
  Bn d = bn_param(key, OSSL_PKEY_PARAM_RSA_D);
  Bn p = bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1);
  Bn q = bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR2);
  Bn dp = bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT1);
  Bn dq = bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT2);
  Bn qi = bn_param(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  if (!n || !e || !d || !p || !q || !dp || !dq || !qi) {
    return invalid_signing_key(
        "the RSA signing key lacks its private numbers (primes and CRT values)");
  }
  SigningKeyParts parts;
  parts.kind = SigningKeyParts::Kind::kRsa;
  parts.rsa.n = bytes_of(n.get());
  parts.rsa.e = bytes_of(e.get());
  parts.rsa.d = secret_of(d.get());
  parts.rsa.p = secret_of(p.get());
  parts.rsa.q = secret_of(q.get());
  parts.rsa.dp = secret_of(dp.get());
  parts.rsa.dq = secret_of(dq.get());
  parts.rsa.qi = secret_of(qi.get());
  return parts;
}

Result<SigningKeyParts> ec_parts(EVP_PKEY* key) {
  char group[64] = {};
  std::size_t group_length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &group_length) != 1) {
    return invalid_signing_key("the EC signing key names no curve");
  }
  const std::string_view name(group, group_length);
  int bits = 0;
  if (name == "prime256v1" || name == "P-256") {
    bits = 256;
  } else if (name == "secp384r1" || name == "P-384") {
    bits = 384;
  } else if (name == "secp521r1" || name == "P-521") {
    bits = 521;
  } else {
    return invalid_signing_key("the EC signing key's curve is not P-256, P-384 or P-521");
  }
  const int width = (bits + 7) / 8;
  Bn x = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X);
  Bn y = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y);
  Bn d = bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY);
  if (!x || !y || !d)
    return invalid_signing_key("the EC signing key lacks its private or public numbers");
  SigningKeyParts parts;
  parts.kind = SigningKeyParts::Kind::kEc;
  parts.ec.curve_bits = bits;
  parts.ec.x = bytes_of(x.get(), width);
  parts.ec.y = bytes_of(y.get(), width);
  parts.ec.d = secret_of(d.get(), width);
  if (parts.ec.x.empty() || parts.ec.y.empty() || parts.ec.d.empty()) {
    return invalid_signing_key("the EC signing key's numbers do not fit its curve");
  }
  return parts;
}

}  // namespace

Result<SigningKeyParts> read_signing_key_pem(std::string_view pem) {
  if (pem.find("-----BEGIN") == std::string_view::npos ||
      pem.find("PRIVATE KEY-----") == std::string_view::npos) {
    return invalid_signing_key(
        "the signing key is not a PEM private key (no -----BEGIN … PRIVATE KEY----- line)");
  }
  std::unique_ptr<BIO, SigningBioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<EVP_PKEY, SigningKeyFree> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_password, nullptr) : nullptr);
  if (!key)
    return invalid_signing_key(
        "the signing key cannot be read (it must be an unencrypted PEM private key)");
  Result<SigningKeyParts> parts = invalid_signing_key("the signing key is neither RSA nor EC");
  if (EVP_PKEY_is_a(key.get(), "RSA") == 1) {
    parts = rsa_parts(key.get());
  } else if (EVP_PKEY_is_a(key.get(), "EC") == 1) {
    parts = ec_parts(key.get());
  }
  ERR_clear_error();
  return parts;
}

}  // namespace wasl::crypto
