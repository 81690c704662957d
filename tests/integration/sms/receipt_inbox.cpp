#include "tests/integration/sms/receipt_inbox.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>

#include <functional>

namespace wasl::plugins::sms::testing {
namespace {

using Record = std::function<void(sdk::WebhookRequest)>;

class RecordingHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  RecordingHandler(Record record, std::string base)
      : record_(std::move(record)), base_(std::move(base)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    sdk::WebhookRequest received;
    received.method = request.getMethod();
    received.url = base_ + request.getURI();
    for (const auto& [name, value] : request) received.headers.emplace_back(name, value);
    Poco::StreamCopier::copyToString(request.stream(), received.body);
    record_(std::move(received));
    response.setStatus(Poco::Net::HTTPResponse::HTTP_ACCEPTED);
    response.setContentLength(0);
    response.send();
  }

 private:
  Record record_;
  std::string base_;
};

class RecordingFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  RecordingFactory(Record record, std::string base)
      : record_(std::move(record)), base_(std::move(base)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RecordingHandler(record_, base_);
  }

 private:
  Record record_;
  std::string base_;
};

}  // namespace

ReceiptInbox::ReceiptInbox() : shared_(std::make_shared<Shared>()) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  port_ = socket.address().port();
  auto shared = shared_;
  auto record = [shared](sdk::WebhookRequest request) {
    std::lock_guard lock(shared->mutex);
    shared->received.push_back(std::move(request));
    shared->arrived.notify_all();
  };
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new RecordingFactory(record, url("")), socket,
                                                    params);
  server_->start();
}

ReceiptInbox::~ReceiptInbox() { server_->stopAll(true); }

std::string ReceiptInbox::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<sdk::WebhookRequest> ReceiptInbox::received() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->received;
}

std::vector<sdk::WebhookRequest> ReceiptInbox::wait_for(std::size_t count,
                                                        std::chrono::milliseconds deadline) const {
  std::unique_lock lock(shared_->mutex);
  shared_->arrived.wait_for(lock, deadline, [&] { return shared_->received.size() >= count; });
  return shared_->received;
}

void ReceiptInbox::clear() {
  std::lock_guard lock(shared_->mutex);
  shared_->received.clear();
}

}  // namespace wasl::plugins::sms::testing
