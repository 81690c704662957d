#include "plugins/janus/tests/event_receiver.hpp"

#include <functional>
#include <utility>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>

namespace wasl::plugins::janus::testing {
namespace {

using Record = std::function<void(sdk::WebhookRequest)>;

class RecordingHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  RecordingHandler(Record record, int port) : record_(std::move(record)), port_(port) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    sdk::WebhookRequest received;
    received.method = request.getMethod();
    received.url = "http://127.0.0.1:" + std::to_string(port_) + request.getURI();
    for (const auto& [name, value] : request) received.headers.emplace_back(name, value);
    Poco::StreamCopier::copyToString(request.stream(), received.body);
    record_(std::move(received));
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentLength(0);
    response.send();
  }

 private:
  Record record_;
  int port_;
};

class RecordingFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  RecordingFactory(Record record, int port) : record_(std::move(record)), port_(port) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RecordingHandler(record_, port_);
  }

 private:
  Record record_;
  int port_;
};

}  // namespace

EventReceiver::EventReceiver() : shared_(std::make_shared<Shared>()) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64);
  port_ = socket.address().port();
  auto shared = shared_;
  auto record = [shared](sdk::WebhookRequest request) {
    std::lock_guard lock(shared->mutex);
    shared->received.push_back(std::move(request));
  };
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  server_ =
      std::make_unique<Poco::Net::HTTPServer>(new RecordingFactory(record, port_), socket, params);
  server_->start();
}

EventReceiver::~EventReceiver() { server_->stopAll(true); }

std::vector<sdk::WebhookRequest> EventReceiver::received() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->received;
}

}  // namespace wasl::plugins::janus::testing
