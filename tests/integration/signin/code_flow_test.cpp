// The relying party against the real OpenID Connect peer: OidcProvider
// starts the flow, OidcBrowser (a plain HTTP client with a cookie jar) posts
// the peer's login form, and the code, the ID token, the keys, the end
// session URL and the back-channel logout token are the peer's own.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "hub/signin/oidc_provider.hpp"
#include "tests/peers/oidc/oidc_peer.hpp"

namespace wasl::signin {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr const char* kPostLogoutUri = "http://127.0.0.1:9/console/";

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : Poco::URI(url).getQueryParameters()) out[name] = value;
  return out;
}

// Where the peer posts back-channel logout tokens: keeps each form body.
class LogoutReceiver {
 public:
  LogoutReceiver() : shared_(std::make_shared<Shared>()) {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    url_ = "http://127.0.0.1:" + std::to_string(socket.address().port()) +
           "/signin/hospital/backchannel-logout";
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(shared_), socket, params);
    server_->start();
  }
  ~LogoutReceiver() { server_->stopAll(true); }
  const std::string& url() const { return url_; }

  // The logout_token of the first post, waiting for it up to `within`.
  std::string first_token(std::chrono::seconds within) {
    std::unique_lock<std::mutex> lock(shared_->mutex);
    shared_->arrived.wait_for(lock, within, [&] { return !shared_->bodies.empty(); });
    if (shared_->bodies.empty()) return {};
    return query_of("http://x/?" + shared_->bodies.front())["logout_token"];
  }

 private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<std::string> bodies;
  };
  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      std::string body;
      Poco::StreamCopier::copyToString(request.stream(), body);
      {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        shared_->bodies.push_back(body);
      }
      shared_->arrived.notify_all();
      response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
      response.setContentLength(0);
      response.send();
    }

   private:
    std::shared_ptr<Shared> shared_;
  };
  class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(shared_);
    }

   private:
    std::shared_ptr<Shared> shared_;
  };

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::string url_;
};

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::string private_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string public_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

class SigninCodeFlowTest : public ::testing::Test {
 protected:
  const std::string redirect_uri_ = "http://127.0.0.1:9/signin/hospital/callback";

  // Starts the peer with one client "wasl" as `client` says (its redirect
  // and post-logout URIs filled in here) and makes the relying party for it.
  void start(wasl::testing::OidcPeerClient client, ProviderSettings with) {
    client.redirect_uris = {redirect_uri_};
    client.post_logout_redirect_uris = {kPostLogoutUri};
    wasl::testing::OidcPeerOptions options;
    options.clients = {client};
    options.users = wasl::testing::OidcPeer::sandbox_users();
    auto peer = wasl::testing::OidcPeer::start(options);
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(peer).value();
    with.name = "hospital";
    with.issuer = peer_->issuer();
    with.client_id = "wasl";
    with.redirect_uri = redirect_uri_;
    with.scopes = {"openid", "profile", "email"};
    provider_ = std::make_unique<OidcProvider>(std::move(with), nullptr);
  }

  // begin(), the login form, the code at the redirect URI, the exchange and
  // the verification, as the callback route will do them.
  sdk::Result<IdentityClaims> sign_in(wasl::testing::OidcBrowser& browser,
                                      const std::string& username,
                                      std::string* id_token = nullptr) {
    auto start = provider_->begin();
    if (!start.ok()) return start.error();
    auto landed = browser.sign_in(start->url, username, username + "-password");
    if (!landed.ok()) return landed.error();
    EXPECT_TRUE(landed->starts_with(redirect_uri_ + "?")) << *landed;
    auto query = query_of(*landed);
    EXPECT_EQ(query["state"], start->state);
    auto token = provider_->exchange_code(query["code"], start->code_verifier);
    if (!token.ok()) return token.error();
    if (id_token != nullptr) *id_token = *token;
    // The code is good once: a second exchange is refused by the peer.
    auto again = provider_->exchange_code(query["code"], start->code_verifier);
    EXPECT_FALSE(again.ok());
    if (!again.ok()) {
      EXPECT_EQ(again.error().code, ErrorCode::kUnauthenticated);
      EXPECT_THAT(again.error().message, HasSubstr("invalid_grant"));
    }
    // Another attempt's nonce is refused.
    EXPECT_EQ(provider_->verify_id_token(*token, start->state).error().message, "nonce");
    return provider_->verify_id_token(*token, start->nonce);
  }

  std::unique_ptr<wasl::testing::OidcPeer> peer_;
  std::unique_ptr<OidcProvider> provider_;
};

TEST_F(SigninCodeFlowTest, ClientSecretBasicSignsInAPersonWithTheirClaims) {
  wasl::testing::OidcPeerClient client;
  client.client_secret = "wasl-secret";
  ProviderSettings with;
  with.client_secret = config::Secret("wasl-secret");
  ASSERT_NO_FATAL_FAILURE(start(client, with));

  wasl::testing::OidcBrowser browser(peer_->url());
  auto nora = sign_in(browser, "nora");
  ASSERT_TRUE(nora.ok()) << nora.error().message;
  EXPECT_EQ(nora->issuer, peer_->issuer());
  EXPECT_EQ(nora->subject, "hospital-user-nora");
  EXPECT_EQ(nora->name, "Nora Al-Qahtani");
  EXPECT_THAT(nora->amr, Contains("mfa"));
  EXPECT_EQ(nora->acr, "mfa");
  EXPECT_GT(nora->expires_at, nora->issued_at);
  ASSERT_TRUE(nora->claims.contains("groups"));
  EXPECT_THAT(nora->claims["groups"], Contains(json("wasl-sandbox-integrators")));

  wasl::testing::OidcBrowser other_browser(peer_->url());
  auto omar = sign_in(other_browser, "omar");
  ASSERT_TRUE(omar.ok()) << omar.error().message;
  EXPECT_EQ(omar->subject, "hospital-user-omar");
  EXPECT_EQ(omar->amr, std::vector<std::string>{"pwd"});

  // A wrong secret: the peer refuses the exchange, by its error code.
  auto with_wrong = provider_->settings();
  with_wrong.client_secret = config::Secret("not-the-secret");
  OidcProvider wrong(with_wrong, nullptr);
  auto start = wrong.begin();
  ASSERT_TRUE(start.ok());
  wasl::testing::OidcBrowser third(peer_->url());
  auto landed = third.sign_in(start->url, "nora", "nora-password");
  ASSERT_TRUE(landed.ok()) << landed.error().message;
  auto refused = wrong.exchange_code(query_of(*landed)["code"], start->code_verifier);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(refused.error().message, HasSubstr("invalid_client"));
}

TEST_F(SigninCodeFlowTest, PrivateKeyJwtWithEs256IdTokensAndRotatedKeys) {
  std::unique_ptr<EVP_PKEY, PkeyFree> client_key(EVP_RSA_gen(2048));
  wasl::testing::OidcPeerClient client;
  client.public_key_pem = public_pem(client_key.get());
  client.public_key_kid = "wasl-client-1";
  client.id_token_signed_response_alg = "ES256";
  ProviderSettings with;
  with.client_key_pem = private_pem(client_key.get());
  with.client_key_id = "wasl-client-1";
  ASSERT_NO_FATAL_FAILURE(start(client, with));

  wasl::testing::OidcBrowser browser(peer_->url());
  auto first = sign_in(browser, "huda");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->subject, "hospital-user-huda");
  EXPECT_EQ(first->claims.value("fhir_user", ""), "Practitioner/3");

  // New signing keys: the next token names a kid the set held before does
  // not have, and the one read it causes finds it.
  auto rotated = peer_->rotate_keys();
  ASSERT_TRUE(rotated.ok()) << rotated.error().message;
  wasl::testing::OidcBrowser second_browser(peer_->url());
  auto second = sign_in(second_browser, "nora");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->subject, "hospital-user-nora");
}

TEST_F(SigninCodeFlowTest, RpInitiatedAndBackChannelLogout) {
  LogoutReceiver receiver;
  wasl::testing::OidcPeerClient client;
  client.client_secret = "wasl-secret";
  client.backchannel_logout_uri = receiver.url();
  ProviderSettings with;
  with.client_secret = config::Secret("wasl-secret");
  ASSERT_NO_FATAL_FAILURE(start(client, with));

  wasl::testing::OidcBrowser browser(peer_->url());
  std::string id_token;
  auto nora = sign_in(browser, "nora", &id_token);
  ASSERT_TRUE(nora.ok()) << nora.error().message;
  ASSERT_FALSE(nora->session_id.empty());  // sid: the client has a back-channel URI

  // The IdP ends nora's sessions: the logout token it posts verifies and
  // names her and the session her ID token named.
  auto ended = peer_->logout("hospital-user-nora");
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  const std::string logout_token = receiver.first_token(std::chrono::seconds(10));
  ASSERT_FALSE(logout_token.empty());
  auto logout = provider_->verify_logout_token(logout_token);
  ASSERT_TRUE(logout.ok()) << logout.error().message;
  EXPECT_EQ(logout->issuer, peer_->issuer());
  EXPECT_EQ(logout->subject, "hospital-user-nora");
  EXPECT_EQ(logout->session_id, nora->session_id);
  EXPECT_FALSE(logout->jti.empty());
  // A logout token is not an ID token, nor the reverse.
  EXPECT_FALSE(provider_->verify_id_token(logout_token, "anything").ok());
  EXPECT_EQ(provider_->verify_logout_token(id_token).error().message, "events");

  // RP-initiated logout: the end-session URL takes the browser through the
  // peer's logout page back to the post-logout URI.
  wasl::testing::OidcBrowser again(peer_->url());
  auto omar_token = std::string();
  ASSERT_TRUE(sign_in(again, "omar", &omar_token).ok());
  auto url = provider_->end_session_url(omar_token, kPostLogoutUri);
  ASSERT_TRUE(url.ok()) << url.error().message;
  ASSERT_TRUE(url->has_value());
  auto back = again.sign_out(**url);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->starts_with(kPostLogoutUri)) << *back;
}

}  // namespace
}  // namespace wasl::signin
