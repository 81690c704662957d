// The C++ harness of the OIDC peer (oidc_peer.hpp): it starts the peer from
// options, OidcBrowser gets through the login form to the client's
// redirect_uri (and is refused a wrong password), the code is exchanged over
// the hub's real HTTP client for an ID token naming the user, RP-initiated
// logout ends at the post-logout URI, and the control API ends a user's
// sessions and rotates keys. A bad config fails the start naming file:line.
#include "tests/peers/oidc/oidc_peer.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/SHA2Engine.h>
#include <Poco/URI.h>

#include "tests/peers/support/loopback_host.hpp"

namespace wasl::testing {
namespace {

using nlohmann::json;

constexpr const char* kRedirectUri = "http://127.0.0.1:9/signin/hospital/callback";
constexpr const char* kPostLogoutUri = "http://127.0.0.1:9/console/";

std::string base64url(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::string unbase64url(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  return std::string(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
}

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  for (auto& [name, value] : Poco::URI(url).getQueryParameters()) out[name] = value;
  return out;
}

class OidcPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OidcPeerOptions options;
    OidcPeerClient client;
    client.client_secret = "wasl-secret";
    client.redirect_uris = {kRedirectUri};
    client.post_logout_redirect_uris = {kPostLogoutUri};
    options.clients = {client};
    options.users = OidcPeer::sandbox_users();
    auto peer = OidcPeer::start(options);
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(peer).value();
  }

  // The authorization URL with PKCE S256; keeps the verifier.
  std::string authorization_url(const std::string& state) {
    verifier_ = base64url("a verifier of at least forty-three characters, " + state);
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(verifier_);
    const auto& digest = sha.digest();
    Poco::URI uri(peer_->url() + "/auth");
    uri.addQueryParameter("client_id", "wasl");
    uri.addQueryParameter("response_type", "code");
    uri.addQueryParameter("scope", "openid profile email");
    uri.addQueryParameter("redirect_uri", kRedirectUri);
    uri.addQueryParameter("state", state);
    uri.addQueryParameter("nonce", "nonce-" + state);
    uri.addQueryParameter("code_challenge", base64url(std::string(digest.begin(), digest.end())));
    uri.addQueryParameter("code_challenge_method", "S256");
    return uri.toString();
  }

  // The code of `callback` exchanged at the token endpoint: the token response.
  json exchange(const std::string& callback) {
    sdk::HttpRequest request;
    request.method = "POST";
    request.url = peer_->url() + "/token";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Authorization", "Basic " + [] {
                          std::ostringstream out;
                          Poco::Base64Encoder encoder(out);
                          encoder << "wasl:wasl-secret";
                          encoder.close();
                          return out.str();
                        }()}};
    Poco::URI body;
    body.addQueryParameter("grant_type", "authorization_code");
    body.addQueryParameter("code", query_of(callback)["code"]);
    body.addQueryParameter("redirect_uri", kRedirectUri);
    body.addQueryParameter("code_verifier", verifier_);
    request.body = body.getRawQuery();
    auto response = host_.http(request);
    EXPECT_TRUE(response.ok()) << response.error().message;
    if (!response.ok()) return json::object();
    EXPECT_EQ(response->status, 200) << response->body;
    return json::parse(response->body, nullptr, false);
  }

  static json payload_of(const std::string& jwt) {
    auto first = jwt.find('.');
    auto second = jwt.find('.', first + 1);
    return json::parse(unbase64url(jwt.substr(first + 1, second - first - 1)), nullptr, false);
  }

  LoopbackHost host_;
  std::unique_ptr<OidcPeer> peer_;
  std::string verifier_;
};

TEST_F(OidcPeerTest, TheBrowserSignsInThroughTheFormAndTheCodeGivesAnIdTokenNamingTheUser) {
  OidcBrowser browser(peer_->url());
  auto callback = browser.sign_in(authorization_url("s1"), "nora", "nora-password");
  ASSERT_TRUE(callback.ok()) << callback.error().message;
  ASSERT_EQ(callback->rfind(kRedirectUri, 0), 0u) << *callback;
  EXPECT_EQ(query_of(*callback)["state"], "s1");

  auto token = exchange(*callback);
  ASSERT_TRUE(token.contains("id_token")) << token.dump();
  auto claims = payload_of(token["id_token"]);
  EXPECT_EQ(claims["iss"], peer_->issuer());
  EXPECT_EQ(peer_->issuer(), peer_->url());
  EXPECT_EQ(claims["aud"], "wasl");
  EXPECT_EQ(claims["sub"], "hospital-user-nora");
  EXPECT_EQ(claims["nonce"], "nonce-s1");
  EXPECT_EQ(claims["name"], "Nora Al-Qahtani");
  EXPECT_EQ(claims["groups"], json::array({"wasl-sandbox-integrators"}));
  EXPECT_EQ(claims["amr"], json::array({"pwd", "mfa"}));
  EXPECT_EQ(claims["acr"], "mfa");

  // The IdP session signs the same browser in again without the form.
  auto again = browser.sign_in(authorization_url("s2"), "", "");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(query_of(*again)["state"], "s2");
  EXPECT_FALSE(query_of(*again)["code"].empty());
}

TEST_F(OidcPeerTest, AWrongPasswordIsPermissionDeniedAndOmarSignsInWithoutMfa) {
  OidcBrowser browser(peer_->url());
  auto refused = browser.sign_in(authorization_url("s1"), "omar", "nora-password");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kPermissionDenied) << refused.error().message;

  auto callback = browser.sign_in(authorization_url("s2"), "omar", "omar-password");
  ASSERT_TRUE(callback.ok()) << callback.error().message;
  auto claims = payload_of(exchange(*callback)["id_token"]);
  EXPECT_EQ(claims["amr"], json::array({"pwd"}));
  EXPECT_EQ(claims["acr"], "pwd");
}

TEST_F(OidcPeerTest, RpInitiatedLogoutEndsAtThePostLogoutUriAndTheControlApiEndsSessions) {
  OidcBrowser nora(peer_->url());
  auto callback = nora.sign_in(authorization_url("s1"), "nora", "nora-password");
  ASSERT_TRUE(callback.ok()) << callback.error().message;
  std::string id_token = exchange(*callback)["id_token"];

  auto discovery = peer_->process().get("/.well-known/openid-configuration");
  ASSERT_TRUE(discovery.ok()) << discovery.error().message;
  Poco::URI end_session((*discovery)["end_session_endpoint"].get<std::string>());
  end_session.addQueryParameter("id_token_hint", id_token);
  end_session.addQueryParameter("post_logout_redirect_uri", kPostLogoutUri);
  end_session.addQueryParameter("state", "bye");
  auto after = nora.sign_out(end_session.toString());
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(*after, std::string(kPostLogoutUri) + "?state=bye");
  EXPECT_EQ(nora.sign_in(authorization_url("s2"), "nora", "wrong").error().code,
            sdk::ErrorCode::kPermissionDenied)
      << "the IdP session ended: the form again";

  OidcBrowser huda(peer_->url());
  ASSERT_TRUE(huda.sign_in(authorization_url("s3"), "huda", "huda-password").ok());
  auto sessions = peer_->sessions();
  ASSERT_TRUE(sessions.ok()) << sessions.error().message;
  ASSERT_EQ(sessions->size(), 1u) << sessions->dump();
  EXPECT_EQ((*sessions)[0]["sub"], "hospital-user-huda");
  auto ended = peer_->logout("hospital-user-huda");
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ((*ended)["sessions_ended"], 1);
  EXPECT_EQ((*ended)["deliveries"], json::array()) << "the client has no back-channel URI";
  EXPECT_TRUE(peer_->sessions()->empty());
  EXPECT_FALSE(peer_->logout("nobody").ok());
  auto deliveries = peer_->backchannel_deliveries();
  ASSERT_TRUE(deliveries.ok()) << deliveries.error().message;
  EXPECT_TRUE(deliveries->empty());
}

TEST_F(OidcPeerTest, ARotatedKeySignsAndTheOldStaysUntilRetired) {
  auto jwks = [this] {
    auto answer = peer_->process().get("/jwks");
    EXPECT_TRUE(answer.ok()) << answer.error().message;
    std::vector<std::string> kids;
    if (answer.ok()) {
      for (auto& key : (*answer)["keys"]) kids.push_back(key["kid"]);
    }
    return kids;
  };
  auto start = jwks();
  ASSERT_EQ(start.size(), 2u);
  auto rotated = peer_->rotate_keys();
  ASSERT_TRUE(rotated.ok()) << rotated.error().message;
  auto both = jwks();
  ASSERT_EQ(both.size(), 4u);
  EXPECT_EQ(both[0], (*rotated)["signing"][0]["kid"]);
  EXPECT_EQ(both[2], start[0]);
  ASSERT_TRUE(peer_->retire_old_keys().ok());
  EXPECT_EQ(jwks(), std::vector<std::string>(both.begin(), both.begin() + 2));
  auto health = peer_->health();
  ASSERT_TRUE(health.ok()) << health.error().message;
  EXPECT_EQ((*health)["issuer"], peer_->issuer());
}

TEST(OidcPeerStartTest, ABadConfigFailsTheStartNamingFileAndLine) {
  OidcPeerOptions options;
  OidcPeerClient client;
  client.client_secret = "wasl-secret";
  client.redirect_uris = {kRedirectUri};
  options.clients = {client};
  options.users = OidcPeer::sandbox_users();
  options.users[1].sub = "";
  auto peer = OidcPeer::start(options);
  ASSERT_FALSE(peer.ok());
  EXPECT_NE(peer.error().message.find(".json:"), std::string::npos) << peer.error().message;
  EXPECT_NE(peer.error().message.find("users[1] (omar): sub must be a non-empty string"),
            std::string::npos)
      << peer.error().message;
}

}  // namespace
}  // namespace wasl::testing
