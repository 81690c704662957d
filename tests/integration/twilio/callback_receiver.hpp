// CallbackReceiver: a loopback HTTP server (127.0.0.1, port 0) that stands
// in for the hub's webhook ingress in the Twilio integration tests: it
// records every request (method, target, headers, raw body) in arrival order
// and answers 204, so a test can hand each one to the plugin's
// WebhookVerifier. A test double: never shipped. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "wasl/sdk/types.hpp"

namespace Poco::Net {
class HTTPServer;
}

namespace wasl::plugins::twilio::testing {

struct ReceivedCallback {
  std::string method;
  std::string target;  // path and query as received
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class CallbackReceiver {
 public:
  CallbackReceiver();
  ~CallbackReceiver();
  CallbackReceiver(const CallbackReceiver&) = delete;
  CallbackReceiver& operator=(const CallbackReceiver&) = delete;

  // "http://127.0.0.1:<port>" + path.
  std::string url(const std::string& path) const;

  std::vector<ReceivedCallback> received() const;

  // As a WebhookRequest whose url is `base` + the target (what the hub passes
  // its verifier: the public URL followed by the request target).
  static sdk::WebhookRequest as_webhook(const ReceivedCallback& callback, const std::string& base);

 private:
  struct Shared {
    std::mutex mutex;
    std::vector<ReceivedCallback> received;
  };
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
};

}  // namespace wasl::plugins::twilio::testing
