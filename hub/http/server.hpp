// Server: the Poco::Net HTTP(S) listener. It owns the connection handling
// around the Router: request ids, body limits enforced while reading, 415,
// problem+json for errors and uncaught exceptions, per-route metrics, and a
// graceful stop that lets in-flight requests finish.
//
// Threads: one per connection with a request in progress, up to
// ServerSettings::max_threads; further connections wait in a queue of
// max_queued. An idle keep-alive connection gives its thread up as soon as
// a new connection has to queue, so idle clients cannot lock out new ones.
// Metrics: wasl_http_requests_total{route,method,status},
// wasl_http_request_duration_seconds{route,method}, wasl_http_in_flight,
// wasl_http_connection_wait_seconds (a new connection accepted until a
// server thread takes it) and wasl_http_request_read_seconds{route} (the
// request's line, headers and body read until its handler starts);
// route is the matched template or "unmatched", method one of the standard
// methods or "OTHER". One access log line per request (method, route
// template, status, duration) — never the path, query string or body.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "hub/http/router.hpp"
#include "hub/http/server_settings.hpp"
#include "hub/observability/metrics.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::http {

class Server {
 public:
  // `router` and `metrics` must outlive the server.
  Server(const ServerSettings& settings, const Router& router, observability::Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Fails (kUnavailable) with a sentence naming
  // the address when the port is taken, or the TLS files cannot be read.
  sdk::Status start();
  // The port actually bound (useful with port 0).
  int port() const;
  // Stops accepting (new connections are refused once it returns; it takes
  // up to 250 ms for the acceptor to notice), closes idle keep-alive
  // connections at once, and waits up to shutdown_grace for in-flight
  // requests, whose responses carry "Connection: close". Connections still
  // busy after the grace are shut down, and stop() waits at most 2 s more;
  // a handler blocked in its own code keeps running, and the destructor
  // waits for it. Safe to call twice, and from any thread.
  void stop();

  // Requests currently between their headers being read and their response
  // being written.
  int in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasl::http
