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
// TLS (options.tls set): every connection starts with a TLS handshake (TLS
// 1.2 or later, the hub's cipher policy: crypto/tls_policy.hpp), run on the
// I/O thread like the reads and bounded by read_timeout from the accept; a
// client that does not finish it in time, or fails it (plain text, an old
// version, a missing or untrusted client certificate), is closed without a
// reply and never reaches a worker. Only then does the idle time start. The
// connection caps count a connection from its accept, handshake included.
// With a CA file, a client certificate that chains to one of its CAs is
// required, and its subject reaches the handler (peer_certificate_subject).
// A reply that ends the connection is followed by TLS's close_notify.
//
// Metrics (all labelled listener=<name>):
//   wasl_mllp_connections_total{outcome}   accepted, refused_max_connections,
//                                          refused_peer_limit
//   wasl_mllp_connections_closed_total{reason}  peer_closed, read_timeout,
//                                          idle_timeout, write_timeout,
//                                          truncated, reply_close, handler_error,
//                                          io_error, stopped, handshake_timeout,
//                                          handshake_failed
//   wasl_mllp_messages_total{outcome}      replied, no_reply, truncated,
//                                          handler_error, dropped (the
//                                          connection closed during the call)
//   wasl_mllp_open_connections             gauge
//   wasl_mllp_handler_seconds              the handler's duration
// Logs name the listener and a peer's address, never a message's bytes; a
// failed handshake is logged (info) with OpenSSL's reason.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

// The listener's TLS files, PEM, read once by MllpListener::start().
struct MllpTlsOptions {
  std::string certificate_file;  // the listener's certificate, then its intermediates
  std::string private_key_file;  // that certificate's key, unencrypted
  // Empty: no client certificate is asked for. Else a bundle of CAs: a
  // client must present a certificate that chains to one of them.
  std::string ca_file;
};

struct MllpListenerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port, see MllpListener::port()
  MllpLimits limits;
  std::string name;                   // for logs and metrics, e.g. the instance name
  std::optional<MllpTlsOptions> tls;  // unset: plain TCP
};

struct MllpMessage {
  std::string data;                 // the message's bytes, framing removed
  std::string peer_address;         // the sender's IP address
  bool truncated = false;           // longer than max_message_bytes: data holds its first 64 KiB
  std::int64_t received_at_ms = 0;  // Unix time, when its end (or its over-size) was read
  // The client certificate's subject (RFC 2253, e.g. "CN=his-a,O=Hospital"),
  // as verified in the handshake; empty without TLS or without a CA file.
  std::string peer_certificate_subject;
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
  // Reads the TLS files (if any), binds host:port and starts accepting.
  // `metrics` may be null; when set it must outlive the listener. Fails
  // (kInvalidArgument) on a host that is not an IP address, or on a TLS file
  // that cannot be read or used (the message names the file and why: not
  // readable, not PEM, a key that does not belong to the certificate),
  // (kUnavailable) when the address cannot be bound.
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
