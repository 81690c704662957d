// SMART Backend Services through the SDK's FakeHost: the client assertion
// (verified with the public key by Poco::JWT, claims checked), discovery,
// the token cached until shortly before it expires, one refresh and one retry
// on a 401, and a refused assertion as a permanent error without the key.
// The same against the FHIR peer's token endpoint (jose) is in
// tests/integration/fhir.
#include "plugins/fhir/smart_auth.hpp"

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <sstream>

#include "plugins/chime/tests/queued_response_host.hpp"
#include "plugins/fhir/client_assertion.hpp"
#include "plugins/fhir/fhir_ehr_connector.hpp"
#include "plugins/fhir/tests/test_settings.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using sdk::HttpResponse;
using sdk::testing::FakeHost;

constexpr char kSmartBase[] = "https://ehr.test/fhir";
constexpr char kTokenUrl[] = "https://ehr.test/auth/token";

struct SigningKeys {
  std::string public_pem;
  std::string private_pem;
};

SigningKeys rsa_signing_keys() {
  static const SigningKeys pair = [] {
    Poco::Crypto::RSAKey key(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
    std::ostringstream pub, priv;
    key.save(&pub, &priv);
    return SigningKeys{pub.str(), priv.str()};
  }();
  return pair;
}

SigningKeys ec_signing_keys() {
  static const SigningKeys pair = [] {
    Poco::Crypto::ECKey key("secp384r1");
    std::ostringstream pub, priv;
    key.save(&pub, &priv);
    return SigningKeys{pub.str(), priv.str()};
  }();
  return pair;
}

std::string form_value(const std::string& body, const std::string& name) {
  const std::string prefix = name + "=";
  std::size_t at = 0;
  while (at < body.size()) {
    std::size_t end = body.find('&', at);
    if (end == std::string::npos) end = body.size();
    if (body.compare(at, prefix.size(), prefix) == 0) {
      std::string raw = body.substr(at + prefix.size(), end - at - prefix.size());
      std::string out;
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '%' && i + 2 < raw.size()) {
          out += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += raw[i] == '+' ? ' ' : raw[i];
        }
      }
      return out;
    }
    at = end + 1;
  }
  return {};
}

json smart_settings(const std::string& private_pem) {
  return testing::with_schema({{"base_url", kSmartBase},
                               {"auth", "smart"},
                               {"client_id", "wasl-hub"},
                               {"private_key", private_pem},
                               {"key_id", "k1"}});
}

void serve_discovery_and_tokens(FakeHost& host, int expires_in = 300) {
  host.respond("GET", std::string(kSmartBase) + "/.well-known/smart-configuration",
               HttpResponse{200, {}, json{{"token_endpoint", kTokenUrl}}.dump()});
  host.respond(
      "POST", kTokenUrl,
      HttpResponse{
          200,
          {},
          json{{"access_token", "at-1"}, {"token_type", "bearer"}, {"expires_in", expires_in}}
              .dump()});
}

std::vector<sdk::HttpRequest> sent_to(const FakeHost& host, const std::string& url) {
  std::vector<sdk::HttpRequest> out;
  for (auto& r : host.requests()) {
    if (r.url == url) out.push_back(r);
  }
  return out;
}

TEST(FhirSmartAuth, TheAssertionIsSignedAndItsClaimsAreAsSmartAsks) {
  for (const auto& [pair, alg] :
       {std::pair{rsa_signing_keys(), "RS384"}, std::pair{ec_signing_keys(), "ES384"}}) {
    FakeHost host(smart_settings(pair.private_pem), "ehr.kfsh");
    serve_discovery_and_tokens(host);
    auto settings = parse_settings(host.settings(), host);
    ASSERT_TRUE(settings.ok()) << settings.error().message;
    SmartAuth auth(host, *settings);
    auto token = auth.token();
    ASSERT_TRUE(token.ok()) << token.error().message;
    EXPECT_EQ(*token, "at-1");
    auto posts = sent_to(host, kTokenUrl);
    ASSERT_EQ(posts.size(), 1u);
    EXPECT_EQ(form_value(posts[0].body, "grant_type"), "client_credentials");
    EXPECT_EQ(form_value(posts[0].body, "client_assertion_type"),
              "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    EXPECT_NE(form_value(posts[0].body, "scope").find("system/Encounter.write"), std::string::npos);
    const std::string jwt = form_value(posts[0].body, "client_assertion");

    std::istringstream pub(pair.public_pem);
    Poco::JWT::Token verified;
    bool ok;
    if (std::string(alg) == "RS384") {
      Poco::JWT::Signer signer(
          Poco::SharedPtr<Poco::Crypto::RSAKey>(new Poco::Crypto::RSAKey(&pub)));
      signer.addAlgorithm(alg);
      ok = signer.tryVerify(jwt, verified);
    } else {
      Poco::JWT::Signer signer(Poco::SharedPtr<Poco::Crypto::ECKey>(new Poco::Crypto::ECKey(&pub)));
      signer.addAlgorithm(alg);
      ok = signer.tryVerify(jwt, verified);
    }
    ASSERT_TRUE(ok) << alg;
    EXPECT_EQ(verified.getAlgorithm(), alg);
    EXPECT_EQ(verified.header().getValue<std::string>("kid"), "k1");
    const auto& claims = verified.payload();
    EXPECT_EQ(claims.getValue<std::string>("iss"), "wasl-hub");
    EXPECT_EQ(claims.getValue<std::string>("sub"), "wasl-hub");
    EXPECT_EQ(claims.getValue<std::string>("aud"), kTokenUrl);
    // Integers, not the doubles Poco's Token::setIssuedAt would write.
    EXPECT_TRUE(claims.get("iat").isInteger());
    EXPECT_TRUE(claims.get("exp").isInteger());
    const auto iat = claims.getValue<Poco::Int64>("iat");
    const auto exp = claims.getValue<Poco::Int64>("exp");
    EXPECT_GT(exp, iat);
    EXPECT_LE(exp - iat, 300);
    EXPECT_EQ(claims.getValue<std::string>("jti").size(), 32u);
  }
}

// RFC 7518 3.4: an ES384 signature is R then S, 48 bytes each whatever
// their value. Poco 1.11's signer drops leading zero bytes (about one
// signature in 160 came out short and the FHIR peer's jose refused it); each
// of 2,000 assertions here is 96 bytes and verifies with OpenSSL.
TEST(FhirSmartAuth, EveryEs384SignatureIsFullLengthAndVerifies) {
  const SigningKeys key = ec_signing_keys();
  auto signer = ClientAssertionSigner::create(key.private_pem, "", "k1");
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key.public_pem.data(), static_cast<int>(key.public_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pub(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  ASSERT_TRUE(pub);
  auto decode = [](const std::string& text) {
    return sdk::base64url_decode(text).value_or(std::string());
  };
  int short_ones = 0;
  int refused = 0;
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < 2000; ++i) {
    auto jwt = (*signer)->sign("wasl-hub", kTokenUrl, now, std::chrono::seconds(60));
    ASSERT_TRUE(jwt.ok()) << jwt.error().message;
    const std::size_t dot = jwt->rfind('.');
    const std::string input = jwt->substr(0, dot);
    const std::string raw = decode(jwt->substr(dot + 1));
    if (raw.size() != 96) {
      ++short_ones;
      continue;
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(bytes, 48, nullptr), BN_bin2bn(bytes + 48, 48, nullptr));
    unsigned char* der = nullptr;
    int der_size = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    bool ok =
        EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha384(), nullptr, pub.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_size),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    OPENSSL_free(der);
    refused += ok ? 0 : 1;
  }
  EXPECT_EQ(short_ones, 0);
  EXPECT_EQ(refused, 0);
}

TEST(FhirSmartAuth, EveryAssertionHasItsOwnJti) {
  auto signer = ClientAssertionSigner::create(rsa_signing_keys().private_pem, "", "");
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  EXPECT_EQ((*signer)->alg(), "RS384");
  auto a = (*signer)->sign("c", kTokenUrl, std::chrono::system_clock::now());
  auto b = (*signer)->sign("c", kTokenUrl, std::chrono::system_clock::now());
  ASSERT_TRUE(a.ok() && b.ok());
  Poco::JWT::Token ta(*a), tb(*b);
  EXPECT_NE(ta.getId(), tb.getId());
  EXPECT_NE(ta.payload().getValue<std::string>("jti"), tb.payload().getValue<std::string>("jti"));
}

TEST(FhirSmartAuth, BadKeysAreRefusedWithoutQuotingThem) {
  const std::string garbage =
      "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n";
  auto bad = ClientAssertionSigner::create(garbage, "", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message.find("c2VjcmV0"), std::string::npos);
  EXPECT_FALSE(ClientAssertionSigner::create(rsa_signing_keys().private_pem, "ES384", "").ok());
  EXPECT_FALSE(ClientAssertionSigner::create(ec_signing_keys().private_pem, "RS384", "").ok());
  EXPECT_FALSE(ClientAssertionSigner::create(rsa_signing_keys().private_pem, "HS256", "").ok());
  FakeHost missing(
      testing::with_schema({{"base_url", kSmartBase}, {"auth", "smart"}, {"client_id", "c"}}));
  EXPECT_FALSE(parse_settings(missing.settings(), missing).ok());
}

TEST(FhirSmartAuth, TheTokenIsKeptUntilShortlyBeforeItExpires) {
  FakeHost host(smart_settings(ec_signing_keys().private_pem), "ehr.kfsh");
  serve_discovery_and_tokens(host, 300);
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  host.set_now(t0);
  auto settings = parse_settings(host.settings(), host);
  ASSERT_TRUE(settings.ok());
  {
    SmartAuth auth(host, *settings);
    ASSERT_TRUE(auth.token().ok());
    host.set_now(t0 + std::chrono::seconds(269));
    ASSERT_TRUE(auth.token().ok());
    EXPECT_EQ(sent_to(host, kTokenUrl).size(), 1u);
  }
  // A new instance (a restart) finds it in the instance state.
  SmartAuth restarted(host, *settings);
  ASSERT_TRUE(restarted.token().ok());
  EXPECT_EQ(sent_to(host, kTokenUrl).size(), 1u);
  EXPECT_EQ(host.state().at("smart.token").value("access_token", ""), "at-1");
  // Within the last tenth of its life (at most a minute) it is renewed.
  host.set_now(t0 + std::chrono::seconds(271));
  ASSERT_TRUE(restarted.token().ok());
  EXPECT_EQ(sent_to(host, kTokenUrl).size(), 2u);
  EXPECT_EQ(sent_to(host, std::string(kSmartBase) + "/.well-known/smart-configuration").size(), 2u);
}

TEST(FhirSmartAuth, A401GetsOneNewTokenAndOneRetry) {
  chime::testing::QueuedResponseHost host(smart_settings(rsa_signing_keys().private_pem));
  serve_discovery_and_tokens(host.fake);
  const std::string url = std::string(kSmartBase) + "/Patient/p1";
  host.queue("GET", url, HttpResponse{401, {}, ""});
  host.fake.respond("GET", url,
                    HttpResponse{200, {}, json{{"resourceType", "Patient"}, {"id", "p1"}}.dump()});
  auto settings = parse_settings(host.settings(), host);
  ASSERT_TRUE(settings.ok());
  FhirEhrConnector ehr(host, *settings);
  auto patient = ehr.read_patient({"p1"});
  ASSERT_TRUE(patient.ok()) << patient.error().message;
  EXPECT_EQ(sent_to(host.fake, kTokenUrl).size(), 2u);
  EXPECT_EQ(sent_to(host.fake, url).size(), 2u);

  // 401 twice: permanent, after exactly one refresh.
  host.queue("GET", url, HttpResponse{401, {}, ""});
  host.queue("GET", url, HttpResponse{401, {}, ""});
  auto refused = ehr.read_patient({"p1"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_EQ(sent_to(host.fake, kTokenUrl).size(), 3u);
}

TEST(FhirSmartAuth, ARefusedAssertionIsPermanentAndNamesTheInstanceNotTheKey) {
  const std::string pem = rsa_signing_keys().private_pem;
  FakeHost host(smart_settings(pem), "ehr.kfsh");
  serve_discovery_and_tokens(host);
  host.respond("POST", kTokenUrl,
               HttpResponse{400,
                            {},
                            json{{"error", "invalid_client"},
                                 {"error_description", "signature verification failed"}}
                                .dump()});
  auto settings = parse_settings(host.settings(), host);
  ASSERT_TRUE(settings.ok());
  FhirEhrConnector ehr(host, *settings);
  auto refused = ehr.read_patient({"p1"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_NE(refused.error().message.find("ehr.kfsh"), std::string::npos);
  EXPECT_NE(refused.error().message.find("invalid_client"), std::string::npos);
  EXPECT_EQ(refused.error().message.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(refused.error().message.find(pem.substr(40, 40)), std::string::npos);
  // The token endpoint down is retryable.
  host.respond("POST", kTokenUrl, HttpResponse{503, {{"Retry-After", "2"}}, ""});
  auto down = ehr.read_patient({"p1"});
  EXPECT_TRUE(down.error().retryable);
  EXPECT_EQ(down.error().retry_after, std::chrono::milliseconds(2000));
}

// A token endpoint learnt from the EHR is used only over TLS and on the
// base URL's origin: the client assertion is never sent to a host the EHR
// names. One configured explicitly (token_url) may be elsewhere.
TEST(FhirSmartAuth, ADiscoveredTokenEndpointMustBeHttpsOnTheBaseOrigin) {
  const std::string pem = ec_signing_keys().private_pem;
  for (const std::string discovered :
       {"https://attacker.test/auth/token", "http://ehr.test/auth/token",
        "https://ehr.test:8443/auth/token"}) {
    FakeHost host(smart_settings(pem), "ehr.kfsh");
    host.respond("GET", std::string(kSmartBase) + "/.well-known/smart-configuration",
                 HttpResponse{200, {}, json{{"token_endpoint", discovered}}.dump()});
    auto settings = parse_settings(host.settings(), host);
    ASSERT_TRUE(settings.ok()) << settings.error().message;
    SmartAuth auth(host, *settings);
    auto token = auth.token();
    ASSERT_FALSE(token.ok()) << discovered;
    EXPECT_EQ(token.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_FALSE(token.error().retryable);
    EXPECT_NE(token.error().message.find("token_url"), std::string::npos);
    EXPECT_TRUE(sent_to(host, discovered).empty()) << discovered;
  }

  json plain = smart_settings(pem);
  plain["token_url"] = "http://login.example/token";
  FakeHost plain_host(plain, "ehr.kfsh");
  auto refused = parse_settings(plain_host.settings(), plain_host);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("token_url must be https://"), std::string::npos);

  json configured = smart_settings(pem);
  configured["token_url"] = "https://login.example/token";
  FakeHost host(configured, "ehr.kfsh");
  host.respond("POST", "https://login.example/token",
               HttpResponse{200, {}, json{{"access_token", "at-9"}, {"expires_in", 300}}.dump()});
  auto settings = parse_settings(host.settings(), host);
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  SmartAuth auth(host, *settings);
  auto token = auth.token();
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(*token, "at-9");
}

}  // namespace
}  // namespace wasl::plugins::fhir
