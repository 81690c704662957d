// MllpListener: a TCP listener for messages framed by MLLP release 2 (HL7 v2
// senders). A transport only: it knows the framing, the bounds and the
// sockets, nothing of what a message says; the handler decides the reply.
//
// Per connection, one message at a time: the next message is read only once
// the reply to the previous one is written (a sender waits for its
// acknowledgement). Messages on different connections are handled at once,
// by `workers` threads calling the handler.
//
// Threads: one I/O thread runs every socket, timer and the framing, with
// non-blocking I/O (Boost.Asio), so a slow or silent sender costs a socket
// and its buffer, never a thread; the handler runs on the worker pool and
// its reply is written back by the I/O thread.
//
// Metrics (all labelled listener=<name>):
//   wasl_mllp_connections_total{outcome}   accepted, refused_max_connections,
//                                          refused_peer_limit
//   wasl_mllp_connections_closed_total{reason}  peer_closed, read_timeout,
//                                          idle_timeout, write_timeout,
//                                          truncated, reply_close, handler_error,
//                                          io_error, stopped
//   wasl_mllp_messages_total{outcome}      replied, no_reply, truncated,
//                                          handler_error, dropped (the
//                                          connection closed during the call)
//   wasl_mllp_open_connections             gauge
//   wasl_mllp_handler_seconds              the handler's duration
// Logs name the listener and a peer's address, never a message's bytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hub/observability/metrics.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::mllp {

struct MllpLimits {
  // A message longer than this (framing excluded) is handed to the handler
  // at once with truncated=true and its first 64 KiB; the reply is written,
  // then the connection is closed. A connection's memory is bounded by it.
  std::size_t max_message_bytes = 1 << 20;
  // From a message's start block to its end block; exceeded: the connection
  // is closed and nothing is delivered. Also bounds writing a reply.
  std::chrono::milliseconds read_timeout{30000};
  // Between messages (from the connection's accept, or the last reply
  // written, to the next start block): the connection is closed. Bytes
  // skipped before a start block do not count as activity.
  std::chrono::milliseconds idle_timeout{300000};
  // A connection beyond either cap is accepted and closed at once.
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_peer = 64;  // per peer IP address
  std::size_t workers = 4;                    // threads calling the handler (at least 1)
};

struct MllpListenerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port, see MllpListener::port()
  MllpLimits limits;
  std::string name;  // for logs and metrics, e.g. the instance name
};

struct MllpMessage {
  std::string data;                 // the message's bytes, framing removed
  std::string peer_address;         // the sender's IP address
  bool truncated = false;           // longer than max_message_bytes: data holds its first 64 KiB
  std::int64_t received_at_ms = 0;  // Unix time, when its end (or its over-size) was read
};

struct MllpReply {
  std::string data;    // framed and written back; empty: nothing is written
  bool close = false;  // close the connection once `data` is written
};

// Called on a worker thread, possibly several at once (for different
// connections); may block (a plugin call and a database commit). An
// exception it throws closes the connection without a reply.
using MllpHandler = std::function<MllpReply(const MllpMessage&)>;

class MllpListener {
 public:
  // Binds host:port and starts accepting. `metrics` may be null; when set it
  // must outlive the listener. Fails (kInvalidArgument) on a host that is
  // not an IP address, (kUnavailable) when the address cannot be bound.
  static sdk::Result<std::unique_ptr<MllpListener>> start(MllpListenerOptions options,
                                                          MllpHandler handler,
                                                          observability::Metrics* metrics);
  ~MllpListener();  // stop()
  MllpListener(const MllpListener&) = delete;
  MllpListener& operator=(const MllpListener&) = delete;

  std::uint16_t port() const;  // the bound port

  // Closes the acceptor and every connection (a message being read is
  // dropped, a reply not yet written is not written), then waits for the
  // handler calls in flight to return. Idempotent; any thread but a
  // handler's.
  void stop();

 private:
  struct Impl;
  explicit MllpListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasl::mllp
