// EventReceiver: a loopback HTTP server on a port of its own that stands in for
// the hub's webhook ingress: it records every request Janus's event handler
// posts (method, target, headers, raw body) and answers 200. A test double:
// never shipped. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "wasl/sdk/types.hpp"

namespace Poco::Net {
class HTTPServer;
}

namespace wasl::plugins::janus::testing {

class EventReceiver {
 public:
  // Listens on a port the system picks (see port()).
  EventReceiver();
  ~EventReceiver();
  EventReceiver(const EventReceiver&) = delete;
  EventReceiver& operator=(const EventReceiver&) = delete;

  int port() const { return port_; }

  // Every request so far, as the hub would hand it to its verifier.
  std::vector<sdk::WebhookRequest> received() const;

 private:
  struct Shared {
    std::mutex mutex;
    std::vector<sdk::WebhookRequest> received;
  };
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_;
};

}  // namespace wasl::plugins::janus::testing
