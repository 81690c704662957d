// ReceiptInbox: a loopback HTTP server (127.0.0.1, port 0) that stands in
// for the hub's webhook ingress in the SMS integration tests: it keeps every
// request (method, target, headers, raw body) in arrival order and answers
// 202, so a test can hand each one to the plugin's WebhookVerifier exactly as
// the SMS gateway peer posted it. A test double: never shipped. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "wasl/sdk/types.hpp"

namespace Poco::Net {
class HTTPServer;
}

namespace wasl::plugins::sms::testing {

class ReceiptInbox {
 public:
  ReceiptInbox();
  ~ReceiptInbox();
  ReceiptInbox(const ReceiptInbox&) = delete;
  ReceiptInbox& operator=(const ReceiptInbox&) = delete;

  // "http://127.0.0.1:<port>" + path.
  std::string url(const std::string& path) const;

  // Every request received so far, as the WebhookRequest the hub would hand
  // the verifier (url = "http://127.0.0.1:<port>" + the request target).
  std::vector<sdk::WebhookRequest> received() const;

  // The received requests once there are at least `count`, or what there is
  // when `deadline` passes first.
  std::vector<sdk::WebhookRequest> wait_for(std::size_t count,
                                            std::chrono::milliseconds deadline) const;

  // Forgets what was received.
  void clear();

 private:
  struct Shared {
    mutable std::mutex mutex;
    mutable std::condition_variable arrived;
    std::vector<sdk::WebhookRequest> received;
  };
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
};

}  // namespace wasl::plugins::sms::testing
