// What a FHIR instance publishes (EhrConnector::public_keys): the SMART
// client assertion key's public half as a JWK, checked by verifying an
// assertion the plugin signed with a key OpenSSL builds from the JWK's
// members alone; the previous keys of a rotation's overlap beside it; and
// the settings that are refused (a reused kid, a key that is not PEM, an EC
// key on another curve than P-384).
#include "plugins/fhir/public_keys.hpp"

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <sstream>

#include "plugins/fhir/client_assertion.hpp"
#include "plugins/fhir/fhir_ehr_connector.hpp"
#include "plugins/fhir/tests/test_settings.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::testing::FakeHost;

constexpr char kKeysBase[] = "https://ehr.test/fhir";

struct KeyPair {
  std::string public_pem;
  std::string private_pem;
};

KeyPair rsa_key() {
  Poco::Crypto::RSAKey key(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
  std::ostringstream pub, priv;
  key.save(&pub, &priv);
  return KeyPair{pub.str(), priv.str()};
}

KeyPair ec_key(const std::string& curve = "secp384r1") {
  Poco::Crypto::ECKey key(curve);
  std::ostringstream pub, priv;
  key.save(&pub, &priv);
  return KeyPair{pub.str(), priv.str()};
}

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string unb64(const std::string& text) {
  auto bytes = sdk::base64url_decode(text);
  EXPECT_TRUE(bytes.has_value()) << text;
  return bytes.value_or("");
}

// The public key a JWK's members describe, built by OpenSSL from n/e or
// crv/x/y alone.
Pkey key_of(const sdk::PublicJwk& jwk) {
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                        OSSL_PARAM_BLD_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> n(nullptr, BN_free), e(nullptr, BN_free);
  std::string point;
  const char* type = "RSA";
  if (jwk.kty == "RSA") {
    const std::string nb = unb64(jwk.n), eb = unb64(jwk.e);
    n.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(nb.data()), nb.size(), nullptr));
    e.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(eb.data()), eb.size(), nullptr));
    OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
  } else {
    type = "EC";
    EXPECT_EQ(jwk.crv, "P-384");
    point = std::string(1, '\x04') + unb64(jwk.x) + unb64(jwk.y);
    OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-384", 0);
    OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
      OSSL_PARAM_BLD_to_param(build.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ADD_FAILURE() << "OpenSSL could not build a key from the JWK";
  }
  return Pkey(key, EVP_PKEY_free);
}

// Whether the compact JWS `jwt` (RS384 or ES384) verifies with `jwk`.
bool verifies(const std::string& jwt, const sdk::PublicJwk& jwk) {
  const std::size_t last = jwt.rfind('.');
  const std::string input = jwt.substr(0, last);
  std::string signature = unb64(jwt.substr(last + 1));
  if (jwk.kty == "EC") {
    // JWS R||S (48 bytes each) as the DER OpenSSL verifies.
    if (signature.size() != 96) return false;
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG_set0(sig.get(), BN_bin2bn(raw, 48, nullptr), BN_bin2bn(raw + 48, 48, nullptr));
    unsigned char* der = nullptr;
    const int size = i2d_ECDSA_SIG(sig.get(), &der);
    signature.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
    OPENSSL_free(der);
  }
  Pkey key = key_of(jwk);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return key && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

json smart(const KeyPair& key, json extra = json::object()) {
  json settings = {{"base_url", kKeysBase},
                   {"auth", "smart"},
                   {"client_id", "wasl-hub"},
                   {"private_key", key.private_pem},
                   {"key_id", "wasl-2026-11"}};
  settings.update(extra);
  return testing::with_schema(settings);
}

sdk::Result<sdk::PublicKeySet> published(const json& settings) {
  FakeHost host(settings, "ehr.kfsh");
  auto parsed = parse_settings(host.settings(), host);
  if (!parsed.ok()) return parsed.error();
  return FhirEhrConnector(host, *parsed).public_keys();
}

std::string assertion(const std::string& private_pem, const std::string& kid) {
  auto signer = ClientAssertionSigner::create(private_pem, "", kid);
  EXPECT_TRUE(signer.ok()) << signer.error().message;
  auto signed_jwt =
      (*signer)->sign("wasl-hub", "https://ehr.test/auth/token", std::chrono::system_clock::now());
  EXPECT_TRUE(signed_jwt.ok()) << signed_jwt.error().message;
  return signed_jwt.value_or("");
}

TEST(FhirPublicKeys, AnRsaKeyIsPublishedAsRs384AndItsAssertionsVerify) {
  const KeyPair key = rsa_key();
  auto keys = published(smart(key));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->keys.size(), 1u);
  const sdk::PublicJwk& jwk = keys->keys[0];
  EXPECT_EQ(jwk.kty, "RSA");
  EXPECT_EQ(jwk.alg, "RS384");
  EXPECT_EQ(jwk.kid, "wasl-2026-11");
  EXPECT_EQ(jwk.use, "sig");
  EXPECT_EQ(jwk.e, "AQAB");
  EXPECT_EQ(unb64(jwk.n).size(), 256u);
  // The wire form has public members only.
  const json wire = *keys;
  for (const auto& [name, value] : wire["keys"][0].items()) {
    EXPECT_TRUE(name == "kty" || name == "kid" || name == "alg" || name == "use" || name == "n" ||
                name == "e")
        << name;
  }
  EXPECT_TRUE(verifies(assertion(key.private_pem, "wasl-2026-11"), jwk));
  // Another key's assertion does not: the check can fail.
  EXPECT_FALSE(verifies(assertion(rsa_key().private_pem, "wasl-2026-11"), jwk));
}

TEST(FhirPublicKeys, AnEcP384KeyIsPublishedAsEs384AndItsAssertionsVerify) {
  const KeyPair key = ec_key();
  auto keys = published(smart(key));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->keys.size(), 1u);
  const sdk::PublicJwk& jwk = keys->keys[0];
  EXPECT_EQ(jwk.kty, "EC");
  EXPECT_EQ(jwk.alg, "ES384");
  EXPECT_EQ(jwk.crv, "P-384");
  EXPECT_EQ(unb64(jwk.x).size(), 48u);
  EXPECT_EQ(unb64(jwk.y).size(), 48u);
  EXPECT_TRUE(jwk.n.empty());
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(verifies(assertion(key.private_pem, "wasl-2026-11"), jwk));
  }
  EXPECT_FALSE(verifies(assertion(ec_key().private_pem, "wasl-2026-11"), jwk));
}

TEST(FhirPublicKeys, DuringTheOverlapThePreviousKeyIsPublishedBesideTheCurrent) {
  const KeyPair old_key = rsa_key();
  const KeyPair new_key = ec_key();
  auto keys = published(smart(
      new_key,
      {{"previous_public_keys", {{{"kid", "wasl-2026-05"}, {"public_key", old_key.public_pem}}}}}));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->keys.size(), 2u);
  EXPECT_EQ(keys->keys[0].kid, "wasl-2026-11");
  EXPECT_EQ(keys->keys[0].alg, "ES384");
  EXPECT_EQ(keys->keys[1].kid, "wasl-2026-05");
  EXPECT_EQ(keys->keys[1].alg, "RS384");
  // An assertion the old key signed before the rotation still verifies.
  EXPECT_TRUE(verifies(assertion(old_key.private_pem, "wasl-2026-05"), keys->keys[1]));
  EXPECT_TRUE(verifies(assertion(new_key.private_pem, "wasl-2026-11"), keys->keys[0]));
  EXPECT_FALSE(verifies(assertion(new_key.private_pem, "wasl-2026-11"), keys->keys[1]));
}

TEST(FhirPublicKeys, RefusesAReusedKidAKeyThatIsNotPemAndAnotherCurve) {
  const KeyPair key = rsa_key();
  const KeyPair old_key = rsa_key();
  auto reused = published(smart(
      key,
      {{"previous_public_keys", {{{"kid", "wasl-2026-11"}, {"public_key", old_key.public_pem}}}}}));
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(reused.error().message.find("previous_public_keys[0] has the kid 'wasl-2026-11'"),
            std::string::npos)
      << reused.error().message;

  const std::string not_pem =
      "-----BEGIN PUBLIC KEY-----\nbm90LWEta2V5\n-----END PUBLIC KEY-----\n";
  auto garbled = published(
      smart(key, {{"previous_public_keys", {{{"kid", "old"}, {"public_key", not_pem}}}}}));
  ASSERT_FALSE(garbled.ok());
  EXPECT_NE(garbled.error().message.find("previous_public_keys[0].public_key is not a PEM public"),
            std::string::npos)
      << garbled.error().message;
  EXPECT_EQ(garbled.error().message.find("bm90LWEta2V5"), std::string::npos);

  // A private key where the public one belongs is not published either.
  auto private_given = published(smart(
      key, {{"previous_public_keys", {{{"kid", "old"}, {"public_key", old_key.private_pem}}}}}));
  EXPECT_FALSE(private_given.ok());

  auto p256 = published(smart(ec_key("prime256v1")));
  ASSERT_FALSE(p256.ok());
  EXPECT_NE(p256.error().message.find("another curve than P-384"), std::string::npos)
      << p256.error().message;

  EXPECT_FALSE(
      testing::schema_violations({{"base_url", kKeysBase},
                                  {"auth", "smart"},
                                  {"previous_public_keys", {{{"public_key", old_key.public_pem}}}}})
          .empty());
}

TEST(FhirPublicKeys, AnInstanceThatDoesNotSignPublishesNothing) {
  auto keys = published(testing::with_schema({{"base_url", kKeysBase}, {"auth", "none"}}));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_TRUE(keys->keys.empty());
  EXPECT_EQ(json(*keys), json::parse(R"({"keys":[]})"));
}

}  // namespace
}  // namespace wasl::plugins::fhir
