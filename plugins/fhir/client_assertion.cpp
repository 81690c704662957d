#include "plugins/fhir/client_assertion.hpp"

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/EVPPKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/Exception.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <optional>
#include <utility>

#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/random.hpp"

namespace wasl::plugins::fhir {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

struct ClientAssertionSigner::Key {
  std::unique_ptr<Poco::JWT::Signer> signer;
  // ES384 is signed here, not by Poco::JWT: Poco 1.11 (Debian 12) writes R
  // and S without their leading zero bytes, so about one signature in 160 is
  // short and every verifier refuses it (RFC 7518 3.4: 48 bytes each).
  std::optional<Poco::Crypto::EVPPKey> ec;
};

namespace {

constexpr std::size_t kEs384Half = 48;

// The JWS ES384 signature of `input`: SHA-384 ECDSA, R and S as 48-byte
// big-endian each (RFC 7518 3.4), base64url.
Result<std::string> es384(EVP_PKEY* key, std::string_view input) {
  auto fail = [] {
    return Error(ErrorCode::kInternal, "signing the client assertion failed", false);
  };
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t der_size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_size,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return fail();
  }
  std::string der(der_size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_size,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return fail();
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_size)), ECDSA_SIG_free);
  if (!sig) return fail();
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  unsigned char raw[2 * kEs384Half];
  if (BN_bn2binpad(r, raw, kEs384Half) != static_cast<int>(kEs384Half) ||
      BN_bn2binpad(s, raw + kEs384Half, kEs384Half) != static_cast<int>(kEs384Half)) {
    return fail();
  }
  return sdk::base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

}  // namespace

ClientAssertionSigner::ClientAssertionSigner(std::unique_ptr<Key> key, std::string alg,
                                             std::string key_id)
    : key_(std::move(key)), alg_(std::move(alg)), key_id_(std::move(key_id)) {}

ClientAssertionSigner::~ClientAssertionSigner() = default;

Result<std::shared_ptr<const ClientAssertionSigner>> ClientAssertionSigner::create(
    const std::string& private_key_pem, std::string alg, std::string key_id) {
  auto invalid = [](std::string message) {
    return Error(ErrorCode::kInvalidArgument, "FHIR settings: " + std::move(message), false);
  };
  if (!alg.empty() && alg != "RS384" && alg != "ES384") {
    return invalid("signing_alg must be RS384 or ES384");
  }
  // Read with OpenSSL, not Poco::Crypto::EVPPKey's stream constructor: on a
  // PEM it cannot read, Poco 1.11 throws without freeing the EVP_PKEY it
  // allocated, so every refused key leaked. The password callback gives
  // none: an encrypted key is refused, never prompted for.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> parsed(
      bio ? PEM_read_bio_PrivateKey(
                bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr)
          : nullptr,
      EVP_PKEY_free);
  if (!parsed) {
    // OpenSSL's reason is not passed on: it could quote the key.
    ERR_clear_error();
    return invalid("private_key is not a PEM private key");
  }
  auto key = std::make_unique<Key>();
  try {
    Poco::Crypto::EVPPKey pkey(parsed.get());
    const int type = pkey.type();
    if (type == EVP_PKEY_RSA) {
      if (alg.empty()) alg = "RS384";
      if (alg != "RS384") return invalid("private_key is an RSA key; signing_alg must be RS384");
      key->signer = std::make_unique<Poco::JWT::Signer>(
          Poco::SharedPtr<Poco::Crypto::RSAKey>(new Poco::Crypto::RSAKey(pkey)));
    } else if (type == EVP_PKEY_EC) {
      if (alg.empty()) alg = "ES384";
      if (alg != "ES384") return invalid("private_key is an EC key; signing_alg must be ES384");
      key->signer = std::make_unique<Poco::JWT::Signer>(
          Poco::SharedPtr<Poco::Crypto::ECKey>(new Poco::Crypto::ECKey(pkey)));
      key->ec.emplace(pkey);
    } else {
      return invalid("private_key is neither an RSA nor an EC private key");
    }
  } catch (const Poco::Exception&) {
    // OpenSSL's reason is not passed on: it could quote the key.
    return invalid("private_key is not a PEM private key");
  }
  return std::shared_ptr<const ClientAssertionSigner>(
      new ClientAssertionSigner(std::move(key), std::move(alg), std::move(key_id)));
}

Result<std::string> ClientAssertionSigner::sign(std::string_view client_id,
                                                std::string_view audience,
                                                std::chrono::system_clock::time_point now,
                                                std::chrono::seconds lifetime) const {
  if (lifetime > std::chrono::seconds(300)) lifetime = std::chrono::seconds(300);
  auto jti = sdk::random_hex(16);
  if (!jti.ok()) {
    return Error(ErrorCode::kInternal, "no random bytes for the assertion's jti", true);
  }
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  Poco::JWT::Token token;
  token.setType("JWT");
  if (!key_id_.empty()) token.header().set("kid", key_id_);
  // Integers, not the doubles Token::setIssuedAt writes.
  token.payload().set("iss", std::string(client_id));
  token.payload().set("sub", std::string(client_id));
  token.payload().set("aud", std::string(audience));
  token.payload().set("jti", *jti);
  token.payload().set("iat", static_cast<Poco::Int64>(iat));
  token.payload().set("exp", static_cast<Poco::Int64>(iat + lifetime.count()));
  std::string jwt;
  try {
    jwt = key_->signer->sign(token, alg_);
  } catch (const Poco::Exception&) {
    return Error(ErrorCode::kInternal, "signing the client assertion failed", false);
  }
  if (!key_->ec) return jwt;
  // Header and payload as Poco encoded them; the signature made here.
  const std::string input = jwt.substr(0, jwt.rfind('.'));
  WASL_ASSIGN_OR_RETURN(std::string signature, es384(*key_->ec, input));
  return input + "." + signature;
}

}  // namespace wasl::plugins::fhir
