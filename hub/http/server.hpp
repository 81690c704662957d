// Server: the Poco::Net HTTP(S) listener. It owns the connection handling
// around the Router: request ids, body limits enforced while reading, 415,
// problem+json for errors and uncaught exceptions, per-route metrics, and a
// graceful stop that lets in-flight requests finish.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "hub/config/config.hpp"
#include "hub/http/router.hpp"
#include "hub/observability/metrics.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::http {

class Server {
 public:
  // `router` and `metrics` must outlive the server.
  Server(const config::ServerConfig& config, const Router& router, observability::Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Fails (kUnavailable) with a sentence naming
  // the address when the port is taken, or the TLS files cannot be read.
  sdk::Status start();
  // The port actually bound (useful with port 0).
  int port() const;
  // Stops accepting, lets in-flight requests finish within the configured
  // grace, then closes idle connections. Safe to call twice.
  void stop();

  int in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasl::http
