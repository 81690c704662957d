// Receiver: an HTTP endpoint on loopback for the alerts' delivery tests
// (Poco's HTTPServer), verifying the Standard Webhooks signatures.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/webhooks/standard_webhook_signature.hpp"

namespace wasl::alerts::testing {

struct Received {
  std::string path;
  std::string id;  // webhook-id
  nlohmann::json body;
  bool verified = false;  // the signature of the path's secret
};

// An HTTP endpoint on 127.0.0.1 that records every POST, checks its
// Standard Webhooks signature with the secret given for its path (none:
// not verified) and answers the next status of the path's script (200 once
// the script is spent).
class Receiver {
 public:
  explicit Receiver(std::map<std::string, std::string> secrets = {})
      : shared_(std::make_shared<Shared>()) {
    shared_->secrets = std::move(secrets);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(4);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(shared_), socket, params);
    server_->start();
  }
  ~Receiver() { server_->stopAll(true); }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void script(const std::string& path, std::vector<int> statuses) {
    std::lock_guard lock(shared_->mutex);
    shared_->scripts[path] = std::move(statuses);
  }
  std::vector<Received> all() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->received;
  }
  std::vector<Received> at(const std::string& path) const {
    std::lock_guard lock(shared_->mutex);
    std::vector<Received> out;
    for (const auto& r : shared_->received) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }

 private:
  struct Shared {
    std::mutex mutex;
    std::vector<Received> received;
    std::map<std::string, std::vector<int>> scripts;
    std::map<std::string, std::string> secrets;  // path -> its whsec_ secret
  };

  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      Received r;
      r.path = request.getURI();
      std::string body;
      Poco::StreamCopier::copyToString(request.stream(), body);
      r.body = nlohmann::json::parse(body, nullptr, false);
      r.id = request.get("webhook-id", "");
      auto secret = shared_->secrets.find(r.path);
      auto signature = webhooks::StandardWebhookSignature::from_secret(
          secret == shared_->secrets.end() ? std::string() : secret->second);
      r.verified = signature.ok() && signature
                                         ->verify({r.id, request.get("webhook-timestamp", ""),
                                                   request.get("webhook-signature", "")},
                                                  body, std::chrono::system_clock::now(),
                                                  std::chrono::hours(24 * 365 * 20))
                                         .ok();
      int status = 200;
      {
        std::lock_guard lock(shared_->mutex);
        auto& script = shared_->scripts[r.path];
        if (!script.empty()) {
          status = script.front();
          script.erase(script.begin());
        }
        shared_->received.push_back(std::move(r));
      }
      response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
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
  int port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace wasl::alerts::testing
