#include "tests/unit/signin/identity_provider_double.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <strings.h>

namespace wasl::signin::testing {
namespace {

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(std::shared_ptr<IdentityProviderDouble::Shared> shared)
      : shared_(std::move(shared)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    RecordedRequest recorded;
    recorded.method = request.getMethod();
    recorded.target = request.getURI();
    for (const auto& [name, value] : request) recorded.headers.emplace_back(name, value);
    Poco::StreamCopier::copyToString(request.stream(), recorded.body);
    const std::string path = Poco::URI(recorded.target).getPath();

    int status = 404;
    std::string body = R"({"error":"not_found"})";
    {
      std::lock_guard<std::mutex> lock(shared_->mutex);
      ++shared_->counts[path];
      if (path == "/.well-known/openid-configuration" && recorded.method == "GET") {
        status = 200;
        body = shared_->discovery;
      } else if (path == "/jwks" && recorded.method == "GET") {
        status = 200;
        body = shared_->jwks;
      } else if (path == "/token" && recorded.method == "POST") {
        status = shared_->token_answer.status;
        body = shared_->token_answer.body;
        shared_->token_requests.push_back(recorded);
      }
    }
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json");
    response.sendBuffer(body.data(), body.size());
  }

 private:
  std::shared_ptr<IdentityProviderDouble::Shared> shared_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(std::shared_ptr<IdentityProviderDouble::Shared> shared)
      : shared_(std::move(shared)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(shared_);
  }

 private:
  std::shared_ptr<IdentityProviderDouble::Shared> shared_;
};

}  // namespace

std::string RecordedRequest::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  }
  return {};
}

IdentityProviderDouble::IdentityProviderDouble() : shared_(std::make_shared<Shared>()) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  issuer_ = "http://127.0.0.1:" + std::to_string(socket.address().port());
  shared_->discovery = default_discovery().dump();
  shared_->jwks = R"({"keys":[]})";
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(shared_), socket, params);
  server_->start();
}

IdentityProviderDouble::~IdentityProviderDouble() { server_->stopAll(true); }

nlohmann::json IdentityProviderDouble::default_discovery() const {
  return {{"issuer", issuer_},
          {"authorization_endpoint", issuer_ + "/authorize"},
          {"token_endpoint", issuer_ + "/token"},
          {"jwks_uri", issuer_ + "/jwks"},
          {"end_session_endpoint", issuer_ + "/logout"},
          {"response_types_supported", {"code"}},
          {"subject_types_supported", {"public"}},
          {"id_token_signing_alg_values_supported", {"RS256", "ES256"}},
          {"token_endpoint_auth_methods_supported", {"client_secret_basic", "private_key_jwt"}}};
}

void IdentityProviderDouble::set_discovery(nlohmann::json document) {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->discovery = document.dump();
}

void IdentityProviderDouble::set_jwks(std::string document) {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->jwks = std::move(document);
}

void IdentityProviderDouble::set_token_answer(CannedAnswer answer) {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->token_answer = std::move(answer);
}

int IdentityProviderDouble::count(const std::string& path) const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  auto it = shared_->counts.find(path);
  return it == shared_->counts.end() ? 0 : it->second;
}

std::vector<RecordedRequest> IdentityProviderDouble::token_requests() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->token_requests;
}

}  // namespace wasl::signin::testing
