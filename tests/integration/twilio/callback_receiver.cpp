#include "tests/integration/twilio/callback_receiver.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>

namespace wasl::plugins::twilio::testing {
namespace {

class RecordingHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RecordingHandler(std::function<void(ReceivedCallback)> record)
      : record_(std::move(record)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    ReceivedCallback callback;
    callback.method = request.getMethod();
    callback.target = request.getURI();
    for (const auto& [name, value] : request) callback.headers.emplace_back(name, value);
    Poco::StreamCopier::copyToString(request.stream(), callback.body);
    record_(std::move(callback));
    response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
  }

 private:
  std::function<void(ReceivedCallback)> record_;
};

class RecordingFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit RecordingFactory(std::function<void(ReceivedCallback)> record)
      : record_(std::move(record)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RecordingHandler(record_);
  }

 private:
  std::function<void(ReceivedCallback)> record_;
};

}  // namespace

CallbackReceiver::CallbackReceiver() : shared_(std::make_shared<Shared>()) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  port_ = socket.address().port();
  auto shared = shared_;
  auto record = [shared](ReceivedCallback callback) {
    std::lock_guard lock(shared->mutex);
    shared->received.push_back(std::move(callback));
  };
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new RecordingFactory(record), socket, params);
  server_->start();
}

CallbackReceiver::~CallbackReceiver() { server_->stopAll(true); }

std::string CallbackReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<ReceivedCallback> CallbackReceiver::received() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->received;
}

sdk::WebhookRequest CallbackReceiver::as_webhook(const ReceivedCallback& callback,
                                                 const std::string& base) {
  sdk::WebhookRequest request;
  request.method = callback.method;
  request.url = base + callback.target;
  request.headers = callback.headers;
  request.body = callback.body;
  return request;
}

}  // namespace wasl::plugins::twilio::testing
