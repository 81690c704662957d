// IdentityProviderDouble: a loopback HTTP server (127.0.0.1, port 0) that
// answers as an OpenID Connect provider's discovery, JWKS and token
// endpoints do, with documents the test sets, and counts and records what it
// is asked. A test double: never shipped. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace Poco::Net {
class HTTPServer;
}

namespace wasl::signin::testing {

struct RecordedRequest {
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const;
};

struct CannedAnswer {
  int status = 200;
  std::string body;
};

class IdentityProviderDouble {
 public:
  IdentityProviderDouble();
  ~IdentityProviderDouble();
  IdentityProviderDouble(const IdentityProviderDouble&) = delete;
  IdentityProviderDouble& operator=(const IdentityProviderDouble&) = delete;

  // "http://127.0.0.1:<port>": the issuer the discovery document names unless
  // set_discovery() says otherwise.
  const std::string& issuer() const { return issuer_; }

  // The discovery document, at /.well-known/openid-configuration: by default
  // the issuer, /authorize, /token, /jwks, /logout and
  // id_token_signing_alg_values_supported [RS256, ES256].
  nlohmann::json default_discovery() const;
  void set_discovery(nlohmann::json document);
  // What /jwks answers (a key set, or any text).
  void set_jwks(std::string document);
  // What POST /token answers.
  void set_token_answer(CannedAnswer answer);

  // How many requests reached `path`.
  int count(const std::string& path) const;
  // Every request to /token, in order.
  std::vector<RecordedRequest> token_requests() const;

  struct Shared {
    mutable std::mutex mutex;
    std::string discovery, jwks;
    CannedAnswer token_answer;
    std::map<std::string, int> counts;
    std::vector<RecordedRequest> token_requests;
  };

 private:
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::string issuer_;
};

}  // namespace wasl::signin::testing
