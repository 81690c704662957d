#include "plugins/twilio/access_token.hpp"

#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::twilio {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kSecret = "s3cr3t-api-key-secret-for-tests";

std::string base64url_decode(std::string_view text) {
  auto out = sdk::base64url_decode(text);
  EXPECT_TRUE(out.has_value()) << text;
  return out.value_or("");
}

struct Parts {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signing_input;
  std::string signature;
};

Parts split(const std::string& jwt) {
  auto dot1 = jwt.find('.');
  auto dot2 = jwt.find('.', dot1 + 1);
  EXPECT_NE(dot2, std::string::npos);
  Parts p;
  p.header = nlohmann::json::parse(base64url_decode(jwt.substr(0, dot1)));
  p.claims = nlohmann::json::parse(base64url_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1)));
  p.signing_input = jwt.substr(0, dot2);
  p.signature = jwt.substr(dot2 + 1);
  return p;
}

AccessTokenRequest request() {
  AccessTokenRequest r;
  r.account_sid = "AC0123456789abcdef0123456789abcdef";
  r.api_key_sid = "SK0123456789abcdef0123456789abcdef";
  r.api_key_secret = kSecret;
  r.identity = "participant-7f3a";
  r.room = "wasl-run-42-step-create_room";
  r.issued_at = std::chrono::system_clock::time_point(1'700'000'000s) + 250ms;
  r.ttl = 3600s;
  return r;
}

TEST(AccessTokenTest, HeaderClaimsAndGrantsAreTwilios) {
  auto jwt = build_access_token(request());
  ASSERT_TRUE(jwt.ok()) << jwt.error().message;
  auto p = split(*jwt);
  EXPECT_EQ(p.header.at("alg"), "HS256");
  EXPECT_EQ(p.header.at("typ"), "JWT");
  EXPECT_EQ(p.header.at("cty"), "twilio-fpa;v=1");
  EXPECT_EQ(p.claims.at("jti"), "SK0123456789abcdef0123456789abcdef-1700000000");
  EXPECT_EQ(p.claims.at("iss"), "SK0123456789abcdef0123456789abcdef");
  EXPECT_EQ(p.claims.at("sub"), "AC0123456789abcdef0123456789abcdef");
  EXPECT_EQ(p.claims.at("iat"), 1700000000);
  EXPECT_EQ(p.claims.at("exp"), 1700003600);
  EXPECT_FALSE(p.claims.contains("nbf"));
  EXPECT_EQ(
      p.claims.at("grants"),
      nlohmann::json::parse(
          R"({"identity":"participant-7f3a","video":{"room":"wasl-run-42-step-create_room"}})"));
}

TEST(AccessTokenTest, SignatureIsHmacSha256WithTheSecret) {
  auto jwt = build_access_token(request());
  ASSERT_TRUE(jwt.ok());
  auto p = split(*jwt);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(p.signing_input.data()), p.signing_input.size(), mac,
       &len);
  EXPECT_EQ(p.signature,
            sdk::base64url_encode(std::string_view(reinterpret_cast<char*>(mac), len)));
}

TEST(AccessTokenTest, PocoSignerVerifiesWithTheSecretAndRefusesAnother) {
  auto jwt = build_access_token(request());
  ASSERT_TRUE(jwt.ok());
  Poco::JWT::Signer good{std::string(kSecret)};
  Poco::JWT::Token token = good.verify(*jwt);
  EXPECT_EQ(token.getIssuer(), "SK0123456789abcdef0123456789abcdef");
  EXPECT_EQ(token.getContentType(), "twilio-fpa;v=1");
  Poco::JWT::Signer bad{std::string("another-secret")};
  EXPECT_THROW(bad.verify(*jwt), Poco::JWT::SignatureVerificationException);
  Poco::JWT::Token ignored;
  EXPECT_FALSE(bad.tryVerify(*jwt, ignored));
}

TEST(AccessTokenTest, NotBeforeAndRoomlessGrant) {
  auto r = request();
  r.room.reset();
  r.not_before = r.issued_at - 30s;
  auto jwt = build_access_token(r);
  ASSERT_TRUE(jwt.ok());
  auto p = split(*jwt);
  EXPECT_EQ(p.claims.at("nbf"), 1699999970);
  EXPECT_EQ(p.claims.at("grants").at("video"), nlohmann::json::object());
}

TEST(AccessTokenTest, RefusesBadInputsWithoutEchoingTheSecret) {
  auto check = [](AccessTokenRequest r, std::string_view what) {
    auto jwt = build_access_token(r);
    ASSERT_FALSE(jwt.ok()) << what;
    EXPECT_EQ(jwt.error().code, sdk::ErrorCode::kInvalidArgument) << what;
    EXPECT_EQ(jwt.error().message.find(kSecret), std::string::npos);
  };
  auto r = request();
  r.account_sid = "SK123";
  check(r, "account sid prefix");
  r = request();
  r.api_key_sid = "AC123";
  check(r, "key sid prefix");
  r = request();
  r.api_key_secret = "";
  check(r, "secret");
  r = request();
  r.identity.clear();
  check(r, "identity");
  r = request();
  r.room = "";
  check(r, "room");
  r = request();
  r.ttl = 0s;
  check(r, "ttl 0");
  r = request();
  r.ttl = kMaxAccessTokenTtl + 1s;
  check(r, "ttl > 24h");
  r = request();
  r.ttl = kMaxAccessTokenTtl;
  EXPECT_TRUE(build_access_token(r).ok());
}

}  // namespace
}  // namespace wasl::plugins::twilio
