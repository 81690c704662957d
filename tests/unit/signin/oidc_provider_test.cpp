// The relying party against a real loopback HTTP server standing in for the
// identity provider: tokens minted here with cjose (and by hand where a real
// library would refuse to make them: alg none, HMAC keyed with the public
// key), keys generated here.
#include "hub/signin/oidc_provider.hpp"

#include <Poco/URI.h>
#include <cjose/cjose.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "hub/crypto/digest.hpp"
#include "hub/signin/jose.hpp"
#include "tests/unit/signin/identity_provider_double.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::signin {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using ::testing::HasSubstr;
using testing::IdentityProviderDouble;
using ::testing::Not;

constexpr std::int64_t kStart = 1'800'000'000;

// A signing key of the identity provider, made by cjose.
struct TestKey {
  std::shared_ptr<cjose_jwk_t> jwk;
  std::string kid, alg;

  json public_jwk() const {
    cjose_err err{};
    char* text = cjose_jwk_to_json(jwk.get(), false, &err);
    json out = json::parse(text);
    cjose_get_dealloc()(text);
    out["kid"] = kid;
    out["use"] = "sig";
    return out;
  }
};

TestKey rsa_key(std::string kid) {
  static const std::uint8_t kExponent[] = {0x01, 0x00, 0x01};
  cjose_err err{};
  cjose_jwk_t* jwk = cjose_jwk_create_RSA_random(2048, kExponent, sizeof kExponent, &err);
  return {std::shared_ptr<cjose_jwk_t>(jwk, cjose_jwk_release), std::move(kid), "RS256"};
}

TestKey ec_key(std::string kid) {
  cjose_err err{};
  cjose_jwk_t* jwk = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err);
  return {std::shared_ptr<cjose_jwk_t>(jwk, cjose_jwk_release), std::move(kid), "ES256"};
}

std::string key_set(std::initializer_list<const TestKey*> keys) {
  json out = {{"keys", json::array()}};
  for (const TestKey* key : keys) out["keys"].push_back(key->public_jwk());
  return out.dump();
}

// `claims` signed by `key` with header {alg, kid} plus `extra_header`.
std::string mint(const json& claims, const TestKey& key,
                 const json& extra_header = json::object()) {
  cjose_err err{};
  cjose_header_t* header = cjose_header_new(&err);
  cjose_header_set(header, CJOSE_HDR_ALG, key.alg.c_str(), &err);
  if (!key.kid.empty()) cjose_header_set(header, CJOSE_HDR_KID, key.kid.c_str(), &err);
  for (const auto& [name, value] : extra_header.items()) {
    cjose_header_set(header, name.c_str(), value.get<std::string>().c_str(), &err);
  }
  const std::string payload = claims.dump();
  cjose_jws_t* jws =
      cjose_jws_sign(key.jwk.get(), header, reinterpret_cast<const std::uint8_t*>(payload.data()),
                     payload.size(), &err);
  const char* compact = nullptr;
  cjose_jws_export(jws, &compact, &err);
  std::string out = compact != nullptr ? compact : "";
  cjose_jws_release(jws);
  cjose_header_release(header);
  return out;
}

std::string b64(const json& value) { return sdk::base64url_encode(value.dump()); }

class OidcProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    signing_ = new TestKey(rsa_key("key-1"));
    rotated_ = new TestKey(rsa_key("key-2"));
    ec_ = new TestKey(ec_key("key-ec"));
  }
  static void TearDownTestSuite() {
    delete signing_;
    delete rotated_;
    delete ec_;
  }

  void SetUp() override { idp_.set_jwks(key_set({signing_, ec_})); }

  ProviderSettings settings() const {
    ProviderSettings out;
    out.name = "hospital";
    out.issuer = idp_.issuer();
    out.client_id = "wasl";
    out.client_secret = config::Secret("s3cret:with/odd chars");
    out.redirect_uri = "http://127.0.0.1:8080/signin/hospital/callback";
    out.scopes = {"profile", "email"};
    return out;
  }

  std::unique_ptr<OidcProvider> provider(ProviderSettings with) {
    return std::make_unique<OidcProvider>(std::move(with), nullptr,
                                          [this] { return clock_.load(); });
  }
  std::unique_ptr<OidcProvider> provider() { return provider(settings()); }

  json id_claims() const {
    const std::int64_t now = clock_.load();
    return {{"iss", idp_.issuer()}, {"sub", "u-1"},
            {"aud", "wasl"},        {"exp", now + 300},
            {"iat", now},           {"nonce", "nonce-1"},
            {"name", "Layla"},      {"amr", {"pwd", "mfa"}},
            {"acr", "mfa"},         {"sid", "idp-sid-1"},
            {"auth_time", now - 10}};
  }

  json logout_claims() const {
    const std::int64_t now = clock_.load();
    return {{"iss", idp_.issuer()},
            {"sub", "u-1"},
            {"aud", "wasl"},
            {"iat", now},
            {"exp", now + 120},
            {"jti", "jti-1"},
            {"sid", "idp-sid-1"},
            {"events", {{"http://schemas.openid.net/event/backchannel-logout", json::object()}}}};
  }

  // The refusal's message, or "accepted".
  static std::string refusal(const sdk::Result<IdentityClaims>& result) {
    if (result.ok()) return "accepted";
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated) << result.error().message;
    return result.error().message;
  }
  static std::string refusal(const sdk::Result<LogoutClaims>& result) {
    if (result.ok()) return "accepted";
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated) << result.error().message;
    return result.error().message;
  }

  static TestKey* signing_;
  static TestKey* rotated_;
  static TestKey* ec_;
  IdentityProviderDouble idp_;
  std::atomic<std::int64_t> clock_{kStart};
};

TestKey* OidcProviderTest::signing_ = nullptr;
TestKey* OidcProviderTest::rotated_ = nullptr;
TestKey* OidcProviderTest::ec_ = nullptr;

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : Poco::URI(url).getQueryParameters()) out[name] = value;
  return out;
}

TEST_F(OidcProviderTest, BeginSendsTheBrowserWithEveryParameterAndReadsDiscoveryOnce) {
  auto rp = provider();
  auto first = rp->begin();
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = rp->begin();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(idp_.count("/.well-known/openid-configuration"), 1);

  EXPECT_TRUE(first->url.starts_with(idp_.issuer() + "/authorize?")) << first->url;
  auto query = query_of(first->url);
  EXPECT_EQ(query["response_type"], "code");
  EXPECT_EQ(query["client_id"], "wasl");
  EXPECT_EQ(query["redirect_uri"], "http://127.0.0.1:8080/signin/hospital/callback");
  EXPECT_EQ(query["scope"], "openid profile email");
  EXPECT_EQ(query["state"], first->state);
  EXPECT_EQ(query["nonce"], first->nonce);
  EXPECT_EQ(query["code_challenge_method"], "S256");
  EXPECT_EQ(query["code_challenge"], sdk::base64url_encode(crypto::sha256(first->code_verifier)));
  // Percent-encoded: the redirect URI's ':' and '/' and the scope's spaces.
  EXPECT_THAT(
      first->url,
      HasSubstr("redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fsignin%2Fhospital%2Fcallback"));
  EXPECT_THAT(first->url, HasSubstr("scope=openid%20profile%20email"));

  // 32 random bytes each (256 bits), base64url: 43 characters, all different.
  for (const auto* value : {&first->state, &first->nonce, &first->code_verifier}) {
    EXPECT_EQ(value->size(), 43u);
    EXPECT_TRUE(sdk::base64url_decode(*value).has_value());
  }
  EXPECT_NE(first->state, second->state);
  EXPECT_NE(first->nonce, second->nonce);
  EXPECT_NE(first->code_verifier, second->code_verifier);
  EXPECT_NE(first->state, first->nonce);
}

TEST_F(OidcProviderTest, DiscoveryIsReadAgainAfterAnHour) {
  auto rp = provider();
  ASSERT_TRUE(rp->begin().ok());
  clock_ += 3599;
  ASSERT_TRUE(rp->begin().ok());
  EXPECT_EQ(idp_.count("/.well-known/openid-configuration"), 1);
  clock_ += 2;
  ASSERT_TRUE(rp->begin().ok());
  EXPECT_EQ(idp_.count("/.well-known/openid-configuration"), 2);
}

TEST_F(OidcProviderTest, DiscoveryNamingAnotherIssuerIsRefused) {
  json document = idp_.default_discovery();
  document["issuer"] = idp_.issuer() + "/";
  idp_.set_discovery(document);
  auto started = provider()->begin();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(started.error().message, HasSubstr("issuer"));
}

TEST_F(OidcProviderTest, DiscoveryWithAnEndpointOffThisMachineOverPlainHttpIsRefused) {
  json document = idp_.default_discovery();
  document["token_endpoint"] = "http://idp.example/token";
  idp_.set_discovery(document);
  auto started = provider()->begin();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(started.error().message, HasSubstr("token_endpoint"));
}

TEST_F(OidcProviderTest, AnIssuerNeitherHttpsNorLoopbackIsRefusedBeforeAnyRequest) {
  auto with = settings();
  with.issuer = "http://idp.example";
  auto started = provider(with)->begin();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(OidcProviderTest, AnUnreachableProviderIsUnavailableAndRetryable) {
  auto with = settings();
  {
    IdentityProviderDouble gone;
    with.issuer = gone.issuer();
  }  // stopped: its port now refuses connections
  auto started = provider(with)->begin();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(started.error().retryable);
}

TEST_F(OidcProviderTest, AValidIdTokenGivesItsClaims) {
  auto rp = provider();
  auto verified = rp->verify_id_token(mint(id_claims(), *signing_), "nonce-1");
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->issuer, idp_.issuer());
  EXPECT_EQ(verified->subject, "u-1");
  EXPECT_EQ(verified->session_id, "idp-sid-1");
  EXPECT_EQ(verified->name, "Layla");
  EXPECT_EQ(verified->amr, (std::vector<std::string>{"pwd", "mfa"}));
  EXPECT_EQ(verified->acr, "mfa");
  EXPECT_EQ(verified->issued_at, kStart);
  EXPECT_EQ(verified->expires_at, kStart + 300);
  EXPECT_EQ(verified->auth_time, kStart - 10);
  EXPECT_EQ(verified->claims["sub"], "u-1");
  EXPECT_EQ(idp_.count("/jwks"), 1);

  // ES256 from the same set; the set is not read again.
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), *ec_), "nonce-1")), "accepted");
  EXPECT_EQ(idp_.count("/jwks"), 1);
}

TEST_F(OidcProviderTest, TheNameFallsBackToUsernameThenEmailThenSubject) {
  auto rp = provider();
  json claims = id_claims();
  claims.erase("name");
  claims["preferred_username"] = "layla.h";
  claims["email"] = "layla@hospital.example";
  EXPECT_EQ(rp->verify_id_token(mint(claims, *signing_), "nonce-1")->name, "layla.h");
  claims.erase("preferred_username");
  EXPECT_EQ(rp->verify_id_token(mint(claims, *signing_), "nonce-1")->name,
            "layla@hospital.example");
  claims.erase("email");
  EXPECT_EQ(rp->verify_id_token(mint(claims, *signing_), "nonce-1")->name, "u-1");
}

TEST_F(OidcProviderTest, ATamperedTokenIsRefusedForItsSignature) {
  auto rp = provider();
  const std::string token = mint(id_claims(), *signing_);
  const auto dot = token.find('.');
  const auto last = token.rfind('.');
  json changed = id_claims();
  changed["sub"] = "u-2";
  const std::string swapped_payload = token.substr(0, dot + 1) + b64(changed) + token.substr(last);
  EXPECT_EQ(refusal(rp->verify_id_token(swapped_payload, "nonce-1")), "signature");

  std::string flipped = token;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(refusal(rp->verify_id_token(flipped, "nonce-1")), "signature");

  // Signed by a key the set does not hold, under a kid it does.
  TestKey impostor = rsa_key("key-1");
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), impostor), "nonce-1")), "signature");
}

TEST_F(OidcProviderTest, WrongIssuerAndWrongAudienceAreRefused) {
  auto rp = provider();
  json claims = id_claims();
  claims["iss"] = idp_.issuer() + "/";
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "issuer");
  claims = id_claims();
  claims.erase("iss");
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "issuer");

  claims = id_claims();
  claims["aud"] = "another-client";
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "audience");
  claims["aud"] = json::array({"another-client", "third"});
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "audience");
  claims.erase("aud");
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "audience");
}

TEST_F(OidcProviderTest, SeveralAudiencesNeedAzpNamingTheClient) {
  auto rp = provider();
  json claims = id_claims();
  claims["aud"] = json::array({"wasl", "another-client"});
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "azp");
  claims["azp"] = "another-client";
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "azp");
  claims["azp"] = "wasl";
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "accepted");
  // One audience: an azp, when present, must still be the client.
  claims["aud"] = "wasl";
  claims["azp"] = "another-client";
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "azp");
}

TEST_F(OidcProviderTest, AlgNoneIsRefusedBeforeAnyKeyIsLookedAt) {
  auto rp = provider();
  const std::string unsigned_token =
      b64({{"alg", "none"}, {"kid", "key-1"}}) + "." + b64(id_claims()) + ".";
  EXPECT_EQ(refusal(rp->verify_id_token(unsigned_token, "nonce-1")), "algorithm");
  const std::string upper = b64({{"alg", "NONE"}}) + "." + b64(id_claims()) + ".";
  EXPECT_EQ(refusal(rp->verify_id_token(upper, "nonce-1")), "algorithm");
  EXPECT_EQ(idp_.count("/jwks"), 0);
}

TEST_F(OidcProviderTest, Hs256KeyedWithThePublicKeyIsRefused) {
  auto rp = provider();
  // The classic confusion: the provider's public key (its JWK text, and its
  // PEM-like modulus bytes) used as an HMAC secret.
  const std::string secret = signing_->public_jwk().dump();
  cjose_err err{};
  cjose_jwk_t* oct = cjose_jwk_create_oct_spec(reinterpret_cast<const std::uint8_t*>(secret.data()),
                                               secret.size(), &err);
  ASSERT_NE(oct, nullptr);
  TestKey hmac{std::shared_ptr<cjose_jwk_t>(oct, cjose_jwk_release), "key-1", "HS256"};
  const std::string token = mint(id_claims(), hmac);
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(refusal(rp->verify_id_token(token, "nonce-1")), "algorithm");
}

TEST_F(OidcProviderTest, AnAlgorithmTheDiscoveryDoesNotListOrAKeyOfAnotherTypeIsRefused) {
  json document = idp_.default_discovery();
  document["id_token_signing_alg_values_supported"] = {"RS256"};
  idp_.set_discovery(document);
  auto rp = provider();
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), *ec_), "nonce-1")), "algorithm");

  // RS256 in the header, naming the EC key.
  TestKey mislabelled{signing_->jwk, "key-ec", "RS256"};
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), mislabelled), "nonce-1")), "algorithm");
}

TEST_F(OidcProviderTest, ACritHeaderIsRefused) {
  auto rp = provider();
  EXPECT_EQ(
      refusal(rp->verify_id_token(mint(id_claims(), *signing_, {{"crit", "exp"}}), "nonce-1")),
      "algorithm");
}

TEST_F(OidcProviderTest, ExpiryAndIssuedAtHonourTheClockSkew) {
  auto rp = provider();
  json claims = id_claims();
  claims["exp"] = kStart - 61;
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "expired");
  claims["exp"] = kStart - 59;  // within the minute of skew
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "accepted");
  claims.erase("exp");
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "expired");

  claims = id_claims();
  claims["iat"] = kStart + 61;
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")),
            "issued in the future");
  claims["iat"] = kStart + 59;
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "accepted");
  claims["iat"] = "now";
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "malformed");
}

TEST_F(OidcProviderTest, TheNonceMustBeTheAttemptsOwn) {
  auto rp = provider();
  const std::string token = mint(id_claims(), *signing_);
  EXPECT_EQ(refusal(rp->verify_id_token(token, "nonce-2")), "nonce");  // another attempt's
  EXPECT_EQ(refusal(rp->verify_id_token(token, "")), "nonce");
  EXPECT_EQ(refusal(rp->verify_id_token(token, "nonce-")), "nonce");
  json claims = id_claims();
  claims.erase("nonce");
  EXPECT_EQ(refusal(rp->verify_id_token(mint(claims, *signing_), "nonce-1")), "nonce");
}

TEST_F(OidcProviderTest, AnUnknownKeyReadsTheSetOnceThenIsRefusedForThirtySeconds) {
  auto rp = provider();
  ASSERT_EQ(refusal(rp->verify_id_token(mint(id_claims(), *signing_), "nonce-1")), "accepted");
  ASSERT_EQ(idp_.count("/jwks"), 1);

  TestKey stranger = rsa_key("key-unknown");
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), stranger), "nonce-1")), "unknown key");
  EXPECT_EQ(idp_.count("/jwks"), 2);
  clock_ += 29;
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), stranger), "nonce-1")), "unknown key");
  EXPECT_EQ(idp_.count("/jwks"), 2);  // not again within 30 s
  // Known keys keep working meanwhile, from the set held.
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), *signing_), "nonce-1")), "accepted");
  EXPECT_EQ(idp_.count("/jwks"), 2);
  clock_ += 1;
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), stranger), "nonce-1")), "unknown key");
  EXPECT_EQ(idp_.count("/jwks"), 3);
}

TEST_F(OidcProviderTest, ARotatedKeyIsFoundByTheOneReadItsTokenCauses) {
  auto rp = provider();
  ASSERT_EQ(refusal(rp->verify_id_token(mint(id_claims(), *signing_), "nonce-1")), "accepted");
  idp_.set_jwks(key_set({signing_, rotated_}));
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), *rotated_), "nonce-1")), "accepted");
  EXPECT_EQ(idp_.count("/jwks"), 2);
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), *rotated_), "nonce-1")), "accepted");
  EXPECT_EQ(idp_.count("/jwks"), 2);

  // The old key retired: after the hour the set is read again and drops it.
  idp_.set_jwks(key_set({rotated_}));
  clock_ += 3601;
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), *signing_), "nonce-1")), "unknown key");
}

TEST_F(OidcProviderTest, KeySetBoundsAreEnforced) {
  json many = {{"keys", json::array()}};
  const json one = signing_->public_jwk();
  for (int i = 0; i < 51; ++i) {
    json key = one;
    key["kid"] = "k" + std::to_string(i);
    many["keys"].push_back(key);
  }
  idp_.set_jwks(many.dump());
  auto verified = provider()->verify_id_token(mint(id_claims(), *signing_), "nonce-1");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(verified.error().message, HasSubstr("more than 50"));

  json big = {{"keys", {one}}, {"padding", std::string(300 << 10, 'x')}};
  idp_.set_jwks(big.dump());
  verified = provider()->verify_id_token(mint(id_claims(), *signing_), "nonce-1");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(verified.error().message, HasSubstr("larger than"));

  idp_.set_jwks(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})");
  verified = provider()->verify_id_token(mint(id_claims(), *signing_), "nonce-1");
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(OidcProviderTest, KeysCjoseWouldChokeOnAreSkippedAndTheRestUsed) {
  // cjose's base64url decoder aborts the process on some malformed text (the
  // fuzz target found '=' inside a modulus): such keys never reach it.
  json set = json::parse(key_set({signing_}));
  json bad = rotated_->public_jwk();
  std::string n = bad["n"];
  n[40] = '=';
  bad["n"] = n;
  set["keys"].push_back(bad);
  set["keys"].push_back({{"kty", "RSA"}, {"kid", "short"}, {"n", "AQAB"}, {"e", "AQAB"}});
  set["keys"].push_back(
      {{"kty", "EC"}, {"kid", "no-y"}, {"crv", "P-256"}, {"x", ec_->public_jwk()["x"]}});
  idp_.set_jwks(set.dump());
  auto rp = provider();
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), *signing_), "nonce-1")), "accepted");
  EXPECT_EQ(refusal(rp->verify_id_token(mint(id_claims(), *rotated_), "nonce-1")), "unknown key");
}

TEST_F(OidcProviderTest, MalformedTokensAreRefusedBeforeCjoseReadsThem) {
  auto rp = provider();
  const std::string token = mint(id_claims(), *signing_);
  const auto first = token.find('.');
  const auto last = token.rfind('.');
  EXPECT_EQ(refusal(rp->verify_id_token(token.substr(0, last), "nonce-1")), "malformed");
  EXPECT_EQ(refusal(rp->verify_id_token(token + ".x", "nonce-1")), "malformed");
  EXPECT_EQ(refusal(rp->verify_id_token("", "nonce-1")), "malformed");
  std::string padded = token;
  padded.insert(first + 3, "=");
  EXPECT_EQ(refusal(rp->verify_id_token(padded, "nonce-1")), "malformed");
  padded = token;
  padded.insert(last + 5, "=");
  EXPECT_EQ(refusal(rp->verify_id_token(padded, "nonce-1")), "malformed");
  EXPECT_EQ(refusal(rp->verify_id_token(token.substr(0, last + 1), "nonce-1")), "signature");
  EXPECT_EQ(
      refusal(rp->verify_id_token(token.substr(0, first + 1) + token.substr(last), "nonce-1")),
      "malformed");
  EXPECT_EQ(refusal(rp->verify_id_token(std::string(70 << 10, 'a') + ".b.c", "nonce-1")),
            "malformed");
}

TEST_F(OidcProviderTest, AValidLogoutTokenGivesItsSubjectSessionAndJti) {
  auto rp = provider();
  auto verified =
      rp->verify_logout_token(mint(logout_claims(), *signing_, {{"typ", "logout+jwt"}}));
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->issuer, idp_.issuer());
  EXPECT_EQ(verified->subject, "u-1");
  EXPECT_EQ(verified->session_id, "idp-sid-1");
  EXPECT_EQ(verified->jti, "jti-1");

  json only_sid = logout_claims();
  only_sid.erase("sub");
  EXPECT_EQ(refusal(rp->verify_logout_token(mint(only_sid, *signing_))), "accepted");
}

TEST_F(OidcProviderTest, LogoutTokensWithANonceWithoutEventsOrWithoutSubjectAreRefused) {
  auto rp = provider();
  json claims = logout_claims();
  claims["nonce"] = "nonce-1";
  EXPECT_EQ(refusal(rp->verify_logout_token(mint(claims, *signing_))), "nonce");

  claims = logout_claims();
  claims.erase("events");
  EXPECT_EQ(refusal(rp->verify_logout_token(mint(claims, *signing_))), "events");
  claims["events"] = {{"http://schemas.openid.net/event/other", json::object()}};
  EXPECT_EQ(refusal(rp->verify_logout_token(mint(claims, *signing_))), "events");

  claims = logout_claims();
  claims.erase("sub");
  claims.erase("sid");
  EXPECT_EQ(refusal(rp->verify_logout_token(mint(claims, *signing_))), "subject");

  claims = logout_claims();
  claims.erase("jti");
  EXPECT_EQ(refusal(rp->verify_logout_token(mint(claims, *signing_))), "jti");

  // An ID token is not a logout token.
  EXPECT_EQ(refusal(rp->verify_logout_token(mint(id_claims(), *signing_))), "events");

  // The checks ID tokens get apply too.
  claims = logout_claims();
  claims["aud"] = "another-client";
  EXPECT_EQ(refusal(rp->verify_logout_token(mint(claims, *signing_))), "audience");
  claims = logout_claims();
  claims["iat"] = kStart + 120;
  EXPECT_EQ(refusal(rp->verify_logout_token(mint(claims, *signing_))), "issued in the future");
  claims = logout_claims();
  claims.erase("exp");
  claims["iat"] = kStart - 400;
  EXPECT_EQ(refusal(rp->verify_logout_token(mint(claims, *signing_))), "expired");
}

TEST_F(OidcProviderTest, ExchangeWithClientSecretBasic) {
  idp_.set_token_answer({200, json{{"id_token", "the.id.token"}, {"token_type", "Bearer"}}.dump()});
  auto rp = provider();
  auto token = rp->exchange_code("code/with+odd=chars", std::string(43, 'v'));
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(*token, "the.id.token");

  auto requests = idp_.token_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].header("Content-Type"), "application/x-www-form-urlencoded");
  const std::string authorization = requests[0].header("Authorization");
  ASSERT_TRUE(authorization.starts_with("Basic "));
  EXPECT_EQ(sdk::base64_decode(authorization.substr(6)).value_or(""),
            "wasl:s3cret%3Awith%2Fodd%20chars");
  auto form = query_of("http://x/?" + requests[0].body);
  EXPECT_EQ(form["grant_type"], "authorization_code");
  EXPECT_EQ(form["code"], "code/with+odd=chars");
  EXPECT_EQ(form["redirect_uri"], "http://127.0.0.1:8080/signin/hospital/callback");
  EXPECT_EQ(form["code_verifier"], std::string(43, 'v'));
  EXPECT_EQ(form.count("client_assertion"), 0u);
}

TEST_F(OidcProviderTest, AnErrorAnswerNamesOnlyTheErrorCode) {
  idp_.set_token_answer({400, json{{"error", "invalid_grant"},
                                   {"error_description", "code code-xyz belongs to secret-person"}}
                                  .dump()});
  auto token = provider()->exchange_code("code-xyz", std::string(43, 'v'));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(token.error().message, HasSubstr("invalid_grant"));
  EXPECT_THAT(token.error().message, Not(HasSubstr("code-xyz")));
  EXPECT_THAT(token.error().message, Not(HasSubstr("secret-person")));

  idp_.set_token_answer({401, json{{"error", "<script>code-xyz</script>"}}.dump()});
  token = provider()->exchange_code("code-xyz", std::string(43, 'v'));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(token.error().message, HasSubstr("status 401"));
  EXPECT_THAT(token.error().message, Not(HasSubstr("code-xyz")));

  idp_.set_token_answer({503, "{}"});
  token = provider()->exchange_code("code-xyz", std::string(43, 'v'));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(token.error().retryable);

  idp_.set_token_answer({200, json{{"access_token", "a"}}.dump()});
  token = provider()->exchange_code("code-xyz", std::string(43, 'v'));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::kUnauthenticated);

  EXPECT_EQ(provider()->exchange_code("", std::string(43, 'v')).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(provider()->exchange_code("c", "short").error().code, ErrorCode::kInvalidArgument);
}

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::string pem_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

// Whether `jwt` is signed with RS256 by `key`, checked by OpenSSL alone.
bool rs256_signed_by(const std::string& jwt, EVP_PKEY* key) {
  const auto last = jwt.rfind('.');
  const std::string input = jwt.substr(0, last);
  auto signature = sdk::base64url_decode(jwt.substr(last + 1));
  if (!signature) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature->data()),
                       signature->size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// Whether `jwt` is signed with ES256 by `key` (JOSE's r || s, turned into
// the DER form OpenSSL checks).
bool es256_signed_by(const std::string& jwt, EVP_PKEY* key) {
  const auto last = jwt.rfind('.');
  const std::string input = jwt.substr(0, last);
  auto signature = sdk::base64url_decode(jwt.substr(last + 1));
  if (!signature || signature->size() != 64) return false;
  const auto* raw = reinterpret_cast<const unsigned char*>(signature->data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      der_length > 0 && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_length),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

json jwt_part(const std::string& jwt, int index) {
  const auto first = jwt.find('.');
  const auto last = jwt.rfind('.');
  const std::string part =
      index == 0 ? jwt.substr(0, first) : jwt.substr(first + 1, last - first - 1);
  return json::parse(sdk::base64url_decode(part).value_or("null"));
}

TEST_F(OidcProviderTest, ExchangeWithPrivateKeyJwtOnP256) {
  std::unique_ptr<EVP_PKEY, PkeyFree> client_key(EVP_EC_gen("P-256"));
  ASSERT_TRUE(client_key);
  auto with = settings();
  with.client_secret = config::Secret();
  with.client_key_pem = pem_of(client_key.get());
  with.client_key_id = "wasl-ec";
  idp_.set_token_answer({200, json{{"id_token", "the.id.token"}}.dump()});
  auto token = provider(with)->exchange_code("code-1", std::string(43, 'v'));
  ASSERT_TRUE(token.ok()) << token.error().message;
  auto requests = idp_.token_requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string assertion = query_of("http://x/?" + requests[0].body)["client_assertion"];
  EXPECT_EQ(jwt_part(assertion, 0)["alg"], "ES256");
  EXPECT_EQ(jwt_part(assertion, 0)["kid"], "wasl-ec");
  EXPECT_EQ(jwt_part(assertion, 1)["aud"], idp_.issuer() + "/token");
  EXPECT_TRUE(es256_signed_by(assertion, client_key.get()));
}

TEST_F(OidcProviderTest, AClientAuthenticationTheProviderDoesNotListIsNotTried) {
  json document = idp_.default_discovery();
  document["token_endpoint_auth_methods_supported"] = {"private_key_jwt"};
  idp_.set_discovery(document);
  auto token = provider()->exchange_code("code-1", std::string(43, 'v'));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(token.error().message, HasSubstr("client_secret_basic"));
  EXPECT_TRUE(idp_.token_requests().empty());
}

TEST_F(OidcProviderTest, ExchangeWithPrivateKeyJwt) {
  std::unique_ptr<EVP_PKEY, PkeyFree> client_key(EVP_RSA_gen(2048));
  ASSERT_TRUE(client_key);
  auto with = settings();
  with.client_secret = config::Secret();
  with.client_key_pem = pem_of(client_key.get());
  with.client_key_id = "wasl-key-1";
  idp_.set_token_answer({200, json{{"id_token", "the.id.token"}}.dump()});
  auto rp = provider(with);
  auto token = rp->exchange_code("code-1", std::string(43, 'v'));
  ASSERT_TRUE(token.ok()) << token.error().message;
  token = rp->exchange_code("code-2", std::string(43, 'v'));
  ASSERT_TRUE(token.ok());

  auto requests = idp_.token_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("Authorization"), "");
  auto form = query_of("http://x/?" + requests[0].body);
  EXPECT_EQ(form["client_id"], "wasl");
  EXPECT_EQ(form["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  const std::string assertion = form["client_assertion"];
  EXPECT_TRUE(rs256_signed_by(assertion, client_key.get()));
  const auto first_dot = assertion.find('.');
  const auto last_dot = assertion.rfind('.');
  json header = json::parse(*sdk::base64url_decode(assertion.substr(0, first_dot)));
  json claims = json::parse(
      *sdk::base64url_decode(assertion.substr(first_dot + 1, last_dot - first_dot - 1)));
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["kid"], "wasl-key-1");
  EXPECT_EQ(claims["iss"], "wasl");
  EXPECT_EQ(claims["sub"], "wasl");
  EXPECT_EQ(claims["aud"], idp_.issuer() + "/token");
  EXPECT_EQ(claims["exp"], kStart + 60);
  EXPECT_GE(claims["jti"].get<std::string>().size(), 22u);

  auto second = query_of("http://x/?" + requests[1].body);
  json second_claims = json::parse(*sdk::base64url_decode(second["client_assertion"].substr(
      second["client_assertion"].find('.') + 1,
      second["client_assertion"].rfind('.') - second["client_assertion"].find('.') - 1)));
  EXPECT_NE(second_claims["jti"], claims["jti"]);
}

TEST_F(OidcProviderTest, AClientKeyThatCannotBeReadFailsTheExchangeWithoutARequest) {
  auto with = settings();
  with.client_key_pem = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
  auto token = provider(with)->exchange_code("code-1", std::string(43, 'v'));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(idp_.token_requests().empty());
}

TEST_F(OidcProviderTest, EndSessionUrlCarriesTheHintTheReturnAndTheClient) {
  auto url = provider()->end_session_url("the.id.token", "http://127.0.0.1:8080/console/");
  ASSERT_TRUE(url.ok()) << url.error().message;
  ASSERT_TRUE(url->has_value());
  EXPECT_TRUE((*url)->starts_with(idp_.issuer() + "/logout?"));
  auto query = query_of(**url);
  EXPECT_EQ(query["id_token_hint"], "the.id.token");
  EXPECT_EQ(query["post_logout_redirect_uri"], "http://127.0.0.1:8080/console/");
  EXPECT_EQ(query["client_id"], "wasl");

  json document = idp_.default_discovery();
  document.erase("end_session_endpoint");
  idp_.set_discovery(document);
  url = provider()->end_session_url("the.id.token", "http://127.0.0.1:8080/console/");
  ASSERT_TRUE(url.ok());
  EXPECT_FALSE(url->has_value());
}

// /.well-known/jwks.json publishes the client key's public half: a token the
// key signs verifies against that half alone, and no private member is in it.
TEST(SigningKeyTest, ThePublicHalfVerifiesWhatTheKeySigns) {
  std::unique_ptr<EVP_PKEY, PkeyFree> rsa(EVP_RSA_gen(2048));
  std::unique_ptr<EVP_PKEY, PkeyFree> ec(EVP_EC_gen("P-256"));
  ASSERT_TRUE(rsa && ec);
  for (EVP_PKEY* pkey : {rsa.get(), ec.get()}) {
    auto key = SigningKey::from_pem(pem_of(pkey), "wasl-client-1");
    ASSERT_TRUE(key.ok()) << key.error().message;
    const sdk::PublicJwk& jwk = key->public_jwk();
    EXPECT_EQ(jwk.kid, "wasl-client-1");
    EXPECT_EQ(jwk.alg, key->alg());
    nlohmann::json document = {{"keys", nlohmann::json::array({jwk})}};
    EXPECT_FALSE(document["keys"][0].contains("d")) << document.dump();
    auto set = KeySet::parse(document.dump());
    ASSERT_TRUE(set.ok()) << set.error().message;
    const PublicKey* found = set->find("wasl-client-1", key->alg());
    ASSERT_NE(found, nullptr) << document.dump();
    const nlohmann::json claims = {{"iss", "wasl"}, {"jti", "j-1"}};
    auto token = key->sign(claims);
    ASSERT_TRUE(token.ok()) << token.error().message;
    auto payload = verified_payload(*token, *found);
    ASSERT_TRUE(payload.ok()) << payload.error().message;
    EXPECT_EQ(*payload, claims);
  }
}

}  // namespace
}  // namespace wasl::signin
