// OidcPeer: the OpenID Connect provider of tests/peers/oidc (oidc-provider,
// see its README.md) as a child process of a test, started through the peer
// test-support harness (PeerProcess): installed with `npm ci` when stale, on
// a free loopback port, from a config file written for it, stopped by its
// pid. OidcBrowser does what a browser does there for a test without one:
// keeps the peer's cookies, follows its redirects, fills and posts the login
// form and the logout form. Test doubles: never shipped.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/peers/support/peer_process.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::testing {

struct OidcPeerUser {
  std::string username;
  std::string password;
  std::string sub;
  std::string name;
  std::string email;  // left out of the claims when empty
  std::vector<std::string> groups;
  std::string fhir_user;  // e.g. "Practitioner/3"; left out when empty
  // true: amr ["pwd","mfa"], acr "mfa"; false: amr ["pwd"], acr "pwd".
  bool mfa = false;
};

struct OidcPeerClient {
  std::string client_id = "wasl";
  // client_secret_basic with this secret, unless public_key_pem is set.
  std::string client_secret;
  // private_key_jwt: the client's public key (SPKI PEM) and its kid.
  std::string public_key_pem;
  std::string public_key_kid;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_redirect_uris;
  // Where logout tokens are posted; ID tokens carry `sid` only when set.
  std::string backchannel_logout_uri;
  // RS256 or ES256.
  std::string id_token_signed_response_alg = "RS256";
};

struct OidcPeerOptions {
  std::vector<OidcPeerClient> clients;
  std::vector<OidcPeerUser> users;
  // Empty: http://127.0.0.1:<port>.
  std::string issuer;
  // Anything else for PeerProcess (extra args, env, deadlines).
  PeerOptions process;
};

class OidcPeer {
 public:
  // The users of sandbox.json (nora: integrators, MFA; omar: integrators,
  // no MFA; huda: sandbox-b clinicians, MFA, Practitioner/3), each with the
  // password "<username>-password".
  static std::vector<OidcPeerUser> sandbox_users();

  // Writes the config (a temporary file, removed by the destructor), then
  // PeerProcess::start("oidc", …). Errors: PeerProcess's (a bad config
  // exits 2 at start: kUnavailable quoting the log), kInternal when the
  // config cannot be written.
  static sdk::Result<std::unique_ptr<OidcPeer>> start(OidcPeerOptions options);

  ~OidcPeer();
  OidcPeer(const OidcPeer&) = delete;
  OidcPeer& operator=(const OidcPeer&) = delete;

  // http://127.0.0.1:N, where the peer listens.
  std::string url() const { return process_->url(); }
  // The `iss` of its tokens: url() unless the options named another.
  const std::string& issuer() const { return issuer_; }
  PeerProcess& process() const { return *process_; }

  // POST /_peer/rotate-keys: a new RS256 and ES256 key sign from now on;
  // the old stay in the JWKS. Answers {signing: [{kid, alg}], jwks: [kid]}.
  sdk::Result<nlohmann::json> rotate_keys() const;
  // POST /_peer/retire-old-keys: only the newest keys stay in the JWKS.
  sdk::Result<nlohmann::json> retire_old_keys() const;
  // POST /_peer/logout?sub=: ends the user's IdP sessions and sends every
  // client of those sessions with a back-channel URI its logout token.
  // Answers {sub, sessions_ended, deliveries: [{client_id, uri, sid,
  // status (null when unreachable), ok, error?}]}. kInternal (404) for an
  // unknown sub.
  sdk::Result<nlohmann::json> logout(const std::string& sub) const;
  // The live IdP sessions: [{sub, clients: {client_id: sid}}].
  sdk::Result<nlohmann::json> sessions() const;
  // Every back-channel logout the peer sent, oldest first: the items of
  // /_peer/received/backchannel ({via: end_session|peer, client_id, uri,
  // sub, sid, ok, status?, error?}).
  sdk::Result<std::vector<nlohmann::json>> backchannel_deliveries() const;
  // GET /_peer/health: {ok, issuer, keys, users, sessions}.
  sdk::Result<nlohmann::json> health() const;

 private:
  OidcPeer(std::unique_ptr<PeerProcess> process, std::string config_file, std::string issuer)
      : process_(std::move(process)),
        config_file_(std::move(config_file)),
        issuer_(std::move(issuer)) {}

  std::unique_ptr<PeerProcess> process_;
  std::string config_file_;
  std::string issuer_;
};

// A browser at the peer, for C++ tests: cookies kept (by name) across calls,
// the peer's redirects followed (GET), stopping at the first redirect that
// leaves `peer_url` and returning its Location. Not thread-safe.
class OidcBrowser {
 public:
  explicit OidcBrowser(std::string peer_url) : peer_url_(std::move(peer_url)) {}

  // From the peer's authorization URL (what the hub's /signin/…/start
  // redirects to) to the client's redirect_uri with code and state: the
  // login form filled and posted, or skipped when this browser still has an
  // IdP session. Errors: kPermissionDenied when the peer showed the form
  // again (wrong username or password); kFailedPrecondition when it
  // answered with an error (an OAuth error page, a redirect_uri refused);
  // kUnavailable for a transport failure.
  sdk::Result<std::string> sign_in(const std::string& authorization_url,
                                   const std::string& username, const std::string& password);

  // From the peer's end_session URL (id_token_hint,
  // post_logout_redirect_uri, …) to where it sends the browser after (the
  // post_logout_redirect_uri with state, or the URL of the peer's own
  // "Signed out" page without one): the logout form posted as a browser's
  // script would. Errors as sign_in's, without kPermissionDenied.
  sdk::Result<std::string> sign_out(const std::string& end_session_url);

  // Any page of the peer, this browser's cookies sent and kept; redirects
  // are not followed.
  struct Answer {
    int status = 0;
    std::string location;  // absolute; empty without one
    std::string body;
  };
  sdk::Result<Answer> request(const std::string& method, const std::string& url,
                              const std::string& form_body = "");

 private:
  // Follows redirects from `answer` (got from `url`) while they stay on the
  // peer; `url` ends as the URL of the last answer.
  sdk::Result<Answer> follow(Answer answer, std::string& url);

  std::string peer_url_;
  std::map<std::string, std::string> cookies_;
};

}  // namespace wasl::testing
