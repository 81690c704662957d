// ServerSettings: how the HTTP server listens and how long it waits. Filled
// by the composition root from the configuration's `server:` block; plain
// data.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wasl::http {

struct TlsSettings {
  std::string certificate_file;  // PEM
  std::string private_key_file;  // PEM
  std::string ca_file;           // empty: no client certificates; else required and verified
};

struct ServerSettings {
  std::string host = "127.0.0.1";
  int port = 8080;        // 0 = pick a free port
  int max_threads = 512;  // one per open connection, idle keep-alive ones included
  int max_queued = 1024;  // connections accepted and waiting for a thread
  std::chrono::milliseconds keep_alive_timeout{5000};
  int max_keep_alive_requests = 1000;
  std::chrono::milliseconds request_timeout{
      30000};  // whole request read (from its first byte); send timeout
  // A response's whole write, from its first byte: a client that reads more
  // slowly has its connection reset at the deadline, so it cannot hold a
  // thread for longer. A streamed body of known length (a recording) gets
  // write_timeout plus its length at min_send_rate; one of unknown length
  // gets write_timeout.
  std::chrono::milliseconds write_timeout{30000};
  std::int64_t min_send_rate = 64 << 10;  // bytes per second, for streamed bodies
  // From a connection's accept (or a keep-alive request's first byte) until
  // its headers are complete, however the bytes trickle in; 408 beyond.
  std::chrono::milliseconds header_timeout{10000};
  // Connections one client address may hold at once (0 = no cap); beyond
  // it a new connection is closed at accept. IPv6 peers count per /64
  // (peer_key.hpp), IPv4 ones per address.
  int max_connections_per_peer = 128;
  // Peers (addresses or CIDR ranges) whose X-Forwarded-For names the client;
  // empty: the header is ignored. See trusted_proxies.hpp.
  std::vector<std::string> trusted_proxies;
  std::chrono::milliseconds shutdown_grace{20000};  // in-flight requests may finish within
  std::int64_t body_limit = 1 << 20;                // bytes, for routes that set none; 413 beyond
  std::optional<TlsSettings> tls;                   // unset: plain HTTP
};

}  // namespace wasl::http
