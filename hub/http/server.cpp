#include "hub/http/server.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "hub/crypto/tls_policy.hpp"
#include "hub/http/peer_key.hpp"
#include "hub/http/percent_decoding.hpp"
#include "hub/http/problem_json.hpp"
#include "hub/http/trusted_proxies.hpp"
#include "hub/observability/logging.hpp"
#include "hub/observability/stage_buckets.hpp"
#include "hub/text/join.hpp"
#include "wasl/sdk/uuid.hpp"

// Connection handling, and why it is not Poco::Net::HTTPServer.
//
// Poco's HTTPServer (1.11) runs one HTTPServerConnection per TCP connection
// on a thread of the pool, and that thread stays with the connection while
// it idles in keep-alive (HTTPServerSession::hasMoreRequests polls the
// socket for the whole keep-alive timeout). Its stopAll(false) waits for an
// in-flight request with no upper bound. We therefore keep Poco's TCPServer
// (acceptor, dispatcher queue, thread pool) and Poco's HTTP message classes
// (HTTPServerSession, HTTPServerRequestImpl, HTTPServerResponseImpl), but run
// our own connection loop so that:
//
//  * waiting for the next request is a poll() on three descriptors: the
//    socket, a "stop" eventfd (written once by stop(): every idle
//    connection ends at once instead of after keep_alive_timeout), and a
//    "saturated" eventfd in semaphore mode;
//  * when the acceptor takes a connection while every thread is busy
//    (current + queued connections >= max_threads), the connection filter
//    adds one token to the "saturated" eventfd; one idle keep-alive
//    connection takes the token and closes, freeing its thread for the
//    queued client (nginx does the same with its idle keep-alive
//    connections when it runs out of worker connections). A token left
//    over (its client gave up, or no connection was idle) closes at most
//    one idle connection later, which costs that client one reconnect. A
//    connection that becomes idle while clients are queued and no thread
//    is free closes at once. So idle keep-alive connections can never lock
//    out a new client; only connections with a request in progress hold
//    threads. While a thread is free they stay open: a client's next
//    request on one must not race a close it had no reason to expect.
//  * stop() bounds the wait for in-flight requests by shutdown_grace and
//    then shuts the remaining sockets down.

namespace wasl::http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kRequestsTotal = "wasl_http_requests_total";
constexpr const char* kRequestDuration = "wasl_http_request_duration_seconds";
constexpr const char* kInFlight = "wasl_http_in_flight";
constexpr const char* kConnectionWait = "wasl_http_connection_wait_seconds";
constexpr const char* kRequestRead = "wasl_http_request_read_seconds";

// Exposes the bytes already read from the socket but not yet parsed (a
// pipelined request), which a poll() on the socket would not see.
class Session : public Poco::Net::HTTPServerSession {
 public:
  using HTTPServerSession::HTTPServerSession;
  int pending() const { return buffered(); }
};

bool valid_request_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// A random (version 4) UUID for a request that brought no usable id, from
// OpenSSL's generator (sdk::random_uuid; Poco's UUIDGenerator opened, read
// and closed /dev/urandom under a process-wide lock for every request). Should
// the generator ever fail, a process-wide sequence number in the same form
// still tells the requests apart.
std::string new_request_id() {
  if (auto id = sdk::random_uuid(); id.ok()) return std::move(id).value();
  static std::atomic<std::uint64_t> sequence{0};
  std::string count(8, '\0');
  std::uint64_t n = sequence.fetch_add(1, std::memory_order_relaxed);
  for (int i = 7; i >= 0; --i, n >>= 8) count[i] = static_cast<char>(n & 0xff);
  return sdk::uuid_text(std::string(8, '\0') + count, 4);
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// "Application/JSON; charset=utf-8" -> "application/json".
std::string media_type(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  auto begin = type.find_first_not_of(" \t");
  auto end = type.find_last_not_of(" \t");
  if (begin == std::string::npos) return {};
  return lower(type.substr(begin, end - begin + 1));
}

// Methods outside this set share one label so metrics stay bounded.
std::string method_label(const std::string& method) {
  static const char* kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (const char* m : kKnown) {
    if (method == m) return method;
  }
  return "OTHER";
}

}  // namespace

struct Server::Impl {
  Impl(const ServerSettings& c, const Router& r, observability::Metrics& m)
      : config(c), router(r), metrics(m) {}

  ServerSettings config;
  const Router& router;
  observability::Metrics& metrics;

  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::TCPServer> tcp;
  Poco::Net::ServerSocket listener;  // our handle, closed by stop() so new connects fail
  Poco::AutoPtr<Poco::Net::HTTPServerParams> params;
  bool ssl_initialized = false;
  int bound_port = 0;

  int stop_fd = -1;       // eventfd: readable forever once stop() began
  int saturated_fd = -1;  // eventfd (semaphore): one token per connection queued without a thread

  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};

  std::mutex mutex;  // guards live, started, stopped
  std::condition_variable idle_cv;
  std::set<int> live;  // socket descriptors of running connections
  // When each accepted connection not yet taken by a thread was accepted, by
  // descriptor (a descriptor reused after a refused connection overwrites
  // its stale entry, so this holds at most one entry per open descriptor).
  std::unordered_map<int, Clock::time_point> accepted_at;
  bool started = false;
  bool stopped = false;

  // Read deadlines. A connection's entry holds when its current request must
  // have been read; the watchdog thread shuts the reading side of a socket
  // down once that passes, so a blocked read inside Poco's parser returns
  // however slowly the client trickles bytes (a per-recv timeout alone lets
  // one header line every few seconds hold a thread for ever).
  struct ReadDeadline {
    Clock::time_point at;
    bool fired = false;
  };
  std::unordered_map<int, ReadDeadline> read_deadlines;  // by descriptor; guarded by mutex
  // Write deadlines, the same way: when the current response must have been
  // written. Past it the watchdog resets the connection, so a send blocked on
  // a client that does not read fails at once (a per-send timeout alone lets
  // a client that reads a few bytes at a time hold a thread for ever).
  std::unordered_map<int, ReadDeadline> write_deadlines;  // by descriptor; guarded by mutex
  std::condition_variable watchdog_cv;
  std::thread watchdog;
  bool watchdog_stop = false;

  // Connections per client address (peer_key(): IPv6 per /64), counted from
  // accept to the end of serve_connection. A descriptor accepted but dropped by a full queue
  // keeps its count until the descriptor is accepted again.
  std::unordered_map<std::string, int> peer_connections;  // guarded by mutex
  std::unordered_map<int, std::string> peer_of;           // by descriptor; guarded by mutex
  TrustedProxies trusted_proxies;                         // set by start()

  void serve_connection(Poco::Net::StreamSocket& socket);

  void set_read_deadline(int fd, Clock::time_point at) {
    std::lock_guard lock(mutex);
    read_deadlines[fd] = ReadDeadline{at, false};
  }
  // Stops the clock; true when the deadline had already fired.
  bool clear_read_deadline(int fd) {
    std::lock_guard lock(mutex);
    auto it = read_deadlines.find(fd);
    if (it == read_deadlines.end()) return false;
    bool fired = it->second.fired;
    read_deadlines.erase(it);
    return fired;
  }
  void set_write_deadline(int fd, Clock::time_point at) {
    std::lock_guard lock(mutex);
    write_deadlines[fd] = ReadDeadline{at, false};
  }
  // Stops the clock; true when the deadline had already fired.
  bool clear_write_deadline(int fd) {
    std::lock_guard lock(mutex);
    auto it = write_deadlines.find(fd);
    if (it == write_deadlines.end()) return false;
    bool fired = it->second.fired;
    write_deadlines.erase(it);
    return fired;
  }
  bool read_deadline_fired(int fd) {
    std::lock_guard lock(mutex);
    auto it = read_deadlines.find(fd);
    return it != read_deadlines.end() && it->second.fired;
  }
  void run_watchdog() {
    std::unique_lock lock(mutex);
    while (!watchdog_stop) {
      watchdog_cv.wait_for(lock, std::chrono::milliseconds(100));
      auto now = Clock::now();
      for (auto& [fd, d] : read_deadlines) {
        if (!d.fired && d.at <= now) {
          d.fired = true;
          ::shutdown(fd, SHUT_RD);
        }
      }
      for (auto& [fd, d] : write_deadlines) {
        if (!d.fired && d.at <= now) {
          d.fired = true;
          // Reset on close: what the send buffer still holds is dropped
          // instead of trickling out to the slow reader.
          linger reset{1, 0};
          ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
          ::shutdown(fd, SHUT_RDWR);
        }
      }
    }
  }

  // Accept-time cap per client address; false refuses the connection.
  bool admit_peer(const Poco::Net::StreamSocket& socket) {
    if (config.max_connections_per_peer <= 0) return true;
    std::string peer;
    int fd = -1;
    try {
      fd = socket.impl()->sockfd();
      peer = peer_key(socket.peerAddress().host().toString());
    } catch (const Poco::Exception&) {
      return false;
    }
    std::lock_guard lock(mutex);
    release_peer_locked(fd);  // a stale entry from a descriptor the queue dropped
    int& n = peer_connections[peer];
    if (n >= config.max_connections_per_peer) {
      if (n == 0) peer_connections.erase(peer);
      return false;
    }
    ++n;
    peer_of[fd] = std::move(peer);
    return true;
  }
  void release_peer_locked(int fd) {
    auto it = peer_of.find(fd);
    if (it == peer_of.end()) return;
    auto count = peer_connections.find(it->second);
    if (count != peer_connections.end() && --count->second <= 0) peer_connections.erase(count);
    peer_of.erase(it);
  }

  // Whether a queued connection waits for a thread that no connection
  // will give back: every thread has a connection, and more are queued.
  bool saturated() const {
    const int queued = tcp ? tcp->queuedConnections() : 0;
    return queued > 0 && tcp->currentConnections() + queued > config.max_threads;
  }

  // Accept-time check: the new connection will wait in the queue when
  // every thread already has a connection.
  void on_accept(const Poco::Net::StreamSocket& socket) {
    try {
      int fd = socket.impl()->sockfd();
      std::lock_guard lock(mutex);
      accepted_at[fd] = Clock::now();
    } catch (const Poco::Exception&) {
    }
    if (!tcp) return;
    if (tcp->currentConnections() + tcp->queuedConnections() >= config.max_threads) {
      std::uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(saturated_fd, &one, sizeof one);
    }
  }

  class Connection;
  class ConnectionFactory;
  class SaturationFilter;

 private:
  enum class Wait { kRequest, kClose };
  enum class After { kKeepAlive, kClose, kLingerClose };
  Wait wait_for_request(Session& session, Poco::Net::StreamSocket& socket, bool first);
  // Reads one request and writes its response. The Poco response object
  // flushes when destroyed, so lingering happens in the caller, after it.
  After serve_one(Session& session, int fd, int served);
  void linger_close(Poco::Net::StreamSocket& socket);
};

class Server::Impl::Connection final : public Poco::Net::TCPServerConnection {
 public:
  Connection(const Poco::Net::StreamSocket& socket, Server::Impl& impl)
      : TCPServerConnection(socket), impl_(impl) {}
  void run() override { impl_.serve_connection(socket()); }

 private:
  Server::Impl& impl_;
};

class Server::Impl::ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  explicit ConnectionFactory(Server::Impl& impl) : impl_(impl) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& s) override {
    return new Connection(s, impl_);
  }

 private:
  Server::Impl& impl_;
};

class Server::Impl::SaturationFilter final : public Poco::Net::TCPServerConnectionFilter {
 public:
  explicit SaturationFilter(Server::Impl& impl) : impl_(impl) {}
  bool accept(const Poco::Net::StreamSocket& socket) override {
    if (impl_.stopping.load()) return false;
    if (!impl_.admit_peer(socket)) {
      impl_.metrics.counter_add("wasl_http_connections_refused_total",
                                "Connections closed at accept because their client address "
                                "already held server.max_connections_per_peer.",
                                {});
      return false;
    }
    impl_.on_accept(socket);
    return true;
  }

 private:
  Server::Impl& impl_;
};

void Server::Impl::serve_connection(Poco::Net::StreamSocket& socket) {
  int fd = -1;
  try {
    fd = socket.impl()->sockfd();
    socket.setReceiveTimeout(Poco::Timespan(config.request_timeout.count() * 1000));
    socket.setSendTimeout(Poco::Timespan(config.request_timeout.count() * 1000));
  } catch (const Poco::Exception&) {
    return;
  }
  std::optional<Clock::time_point> accepted;
  {
    std::lock_guard lock(mutex);
    live.insert(fd);
    auto it = accepted_at.find(fd);
    if (it != accepted_at.end()) {
      accepted = it->second;
      accepted_at.erase(it);
    }
    // The first request's headers are due header_timeout after a thread took
    // the connection (time spent in our queue is not the client's).
    read_deadlines[fd] = ReadDeadline{Clock::now() + config.header_timeout};
  }
  if (accepted) {
    metrics.histogram_observe(kConnectionWait,
                              "Time a new connection waited for a server thread, in seconds.", {},
                              std::chrono::duration<double>(Clock::now() - *accepted).count(),
                              observability::stage_buckets());
  }
  try {
    Session session(socket, params);
    int served = 0;
    bool first = true;
    while (wait_for_request(session, socket, first) == Wait::kRequest) {
      if (!first) set_read_deadline(fd, Clock::now() + config.header_timeout);
      first = false;
      After after = serve_one(session, fd, ++served);
      if (after == After::kLingerClose) linger_close(socket);
      if (after != After::kKeepAlive) break;
    }
  } catch (const Poco::Exception& e) {
    spdlog::debug("http connection ended: {}", e.displayText());
  } catch (const std::exception& e) {
    spdlog::debug("http connection ended: {}", e.what());
  }
  {
    std::lock_guard lock(mutex);
    live.erase(fd);
    read_deadlines.erase(fd);
    write_deadlines.erase(fd);
    release_peer_locked(fd);
  }
  idle_cv.notify_all();
}

Server::Impl::Wait Server::Impl::wait_for_request(Session& session, Poco::Net::StreamSocket& socket,
                                                  bool first) {
  // The first request's wait is bounded by its header deadline (watchdog).
  auto limit = first ? config.header_timeout : config.keep_alive_timeout;
  auto deadline = Clock::now() + limit;
  for (;;) {
    if (session.pending() > 0) return Wait::kRequest;
    if (stopping.load()) return Wait::kClose;
    // A queued client needs a thread and none is free: give this idle one
    // up. (A queued client with a thread free is only on its way to it;
    // closing then would race this client's next request.)
    if (!first && saturated()) return Wait::kClose;
    try {
      if (socket.available() > 0) return Wait::kRequest;  // TLS: decrypted bytes pending
    } catch (const Poco::Exception&) {
      return Wait::kClose;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Wait::kClose;
    // Idle connections wake at least every kQueueCheck to look at the queue:
    // a token can be taken by a connection whose thread then leaves the pool,
    // so the queue itself is the last word on whether a client is waiting.
    constexpr std::chrono::milliseconds kQueueCheck{50};
    if (!first && left > kQueueCheck) left = kQueueCheck;
    pollfd fds[3] = {
        {socket.impl()->sockfd(), POLLIN, 0}, {stop_fd, POLLIN, 0}, {saturated_fd, POLLIN, 0}};
    int n = ::poll(fds, first ? 2 : 3, static_cast<int>(left.count()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Wait::kClose;
    }
    if (fds[1].revents) return Wait::kClose;
    if (fds[0].revents) return Wait::kRequest;  // data, or EOF/error that the read reports
    if (!first && fds[2].revents) {
      // The token is written before the acceptor queues the connection, so
      // the queue may still look empty here: the token alone decides.
      std::uint64_t token = 0;
      if (::read(saturated_fd, &token, sizeof token) == sizeof token) return Wait::kClose;
    }
  }
}

void Server::Impl::linger_close(Poco::Net::StreamSocket& socket) {
  // Closing with unread request bytes makes the kernel send a reset, which
  // can destroy the response before the client reads it. Half-close, then
  // discard what the client still sends, bounded in time and bytes.
  try {
    socket.shutdownSend();
    auto deadline = Clock::now() + std::chrono::seconds(1);
    std::size_t drained = 0;
    char buf[16384];
    while (drained < (4u << 20)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      pollfd pfd{socket.impl()->sockfd(), POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
      int n = socket.receiveBytes(buf, sizeof buf);
      if (n <= 0) break;
      drained += static_cast<std::size_t>(n);
    }
  } catch (const Poco::Exception&) {
    // The peer is gone; nothing left to protect.
  }
}

Server::Impl::After Server::Impl::serve_one(Session& session, int fd, int served) {
  using Poco::Net::HTTPResponse;
  auto started_at = Clock::now();

  Poco::Net::HTTPServerResponseImpl presp(session);
  std::unique_ptr<Poco::Net::HTTPServerRequestImpl> preq;
  auto refuse = [&](bool late) {
    Poco::Net::HTTPServerResponseImpl bad(session);
    Response r = late ? request_timeout("The request headers did not arrive within " +
                                        std::to_string(config.header_timeout.count()) + " ms.")
                            .to_response()
                      : bad_request("The request line or headers are malformed.").to_response();
    if (late) {
      metrics.counter_add("wasl_http_read_timeouts_total",
                          "Requests whose headers or body did not arrive in time (408).", {});
    }
    bad.setStatusAndReason(late ? HTTPResponse::HTTP_REQUEST_TIMEOUT
                                : HTTPResponse::HTTP_BAD_REQUEST);
    bad.setKeepAlive(false);
    bad.setContentType("application/problem+json");
    bad.sendBuffer(r.body.data(), r.body.size());
    return After::kClose;
  };
  try {
    preq = std::make_unique<Poco::Net::HTTPServerRequestImpl>(presp, session, params.get());
  } catch (const Poco::Exception& e) {
    const bool late = read_deadline_fired(fd);
    if (!late && dynamic_cast<const Poco::Net::NoMessageException*>(&e) != nullptr) {
      return After::kClose;  // the client closed the connection
    }
    if (!late && dynamic_cast<const Poco::Net::MessageException*>(&e) == nullptr) throw;
    return refuse(late);
  }
  // Poco ends the headers at end of input without complaint: headers cut
  // short by the deadline parse as a (truncated) request.
  if (read_deadline_fired(fd)) return refuse(true);

  // The whole request (headers and body) is due request_timeout after its start.
  set_read_deadline(fd, started_at + config.request_timeout);

  Request req;
  req.method = preq->getMethod();
  req.raw_target = preq->getURI();
  std::string target = req.raw_target;
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
    auto slash = target.find('/', target.find("//") + 2);
    target = slash == std::string::npos ? "/" : target.substr(slash);
  }
  auto qmark = target.find('?');
  std::string raw_path = target.substr(0, qmark);
  if (qmark != std::string::npos) req.query = parse_query(target.substr(qmark + 1));
  req.path = percent_decode(raw_path).value_or(raw_path);
  for (const auto& [name, value] : *preq) req.headers.emplace(name, value);
  try {
    req.remote_address = preq->clientAddress().toString();
    std::vector<std::string> forwarded;
    if (!trusted_proxies.empty()) {
      auto [from, to] = req.headers.equal_range("X-Forwarded-For");
      for (auto it = from; it != to; ++it) forwarded.push_back(it->second);
    }
    req.client_address =
        trusted_proxies.client_address(preq->clientAddress().host().toString(), forwarded);
  } catch (const Poco::Exception&) {
  }
  auto incoming_id = req.header("X-Request-Id");
  req.request_id = incoming_id && valid_request_id(*incoming_id) ? *incoming_id : new_request_id();
  observability::RequestIdScope id_scope(req.request_id);

  in_flight.fetch_add(1);
  metrics.gauge_add(kInFlight, "HTTP requests being served.", {}, 1);
  struct InFlightGuard {
    Impl& impl;
    ~InFlightGuard() {
      impl.in_flight.fetch_sub(1);
      impl.metrics.gauge_add(kInFlight, "HTTP requests being served.", {}, -1);
    }
  } in_flight_guard{*this};

  bool keep_alive = preq->getKeepAlive() && served < config.max_keep_alive_requests;
  bool linger = false;  // close after the response, draining unread request bytes
  std::string route_label = "unmatched";
  Response resp;

  bool chunked = preq->getChunkedTransferEncoding();
  std::int64_t content_length = 0;
  bool has_body = chunked;
  try {
    if (!chunked && preq->hasContentLength()) {
      content_length = preq->getContentLength64();
      if (content_length < 0) throw Poco::SyntaxException("negative Content-Length");
      has_body = content_length > 0;
    }
  } catch (const Poco::Exception&) {
    resp =
        bad_request("The Content-Length header is not a valid length.").to_response(req.request_id);
    has_body = true;  // unknown: do not reuse the connection
  }

  bool body_read = !has_body;
  if (resp.body.empty()) {
    Match match = router.match(req.method, raw_path);
    if (!match.route) {
      if (match.allowed_methods.empty()) {
        resp = not_found("No resource matches this path.").to_response(req.request_id);
      } else {
        resp = method_not_allowed("The resource does not support " + method_label(req.method) +
                                  "; allowed: " + text::join(match.allowed_methods, ", ") + ".")
                   .to_response(req.request_id);
        resp.set_header("Allow", text::join(match.allowed_methods, ", "));
      }
    } else {
      const Route& route = *match.route;
      route_label = route.path_template;
      req.route = route.path_template;
      req.path_params = std::move(match.params);
      std::int64_t limit =
          route.options.body_limit > 0 ? route.options.body_limit : config.body_limit;
      bool ok = true;
      if (!chunked && content_length > limit) {
        resp = payload_too_large("The request body is larger than " + std::to_string(limit) +
                                 " bytes.")
                   .to_response(req.request_id);
        ok = false;
      }
      if (ok && has_body && !route.options.consumes.empty()) {
        std::string type = media_type(preq->getContentType());
        bool accepted = std::any_of(route.options.consumes.begin(), route.options.consumes.end(),
                                    [&](const std::string& c) { return media_type(c) == type; });
        if (!accepted) {
          resp = unsupported_media_type("This resource accepts " +
                                        text::join(route.options.consumes, ", ") + " bodies.")
                     .to_response(req.request_id);
          ok = false;
        }
      }
      if (ok && has_body) {
        if (preq->getExpectContinue()) presp.sendContinue();
        std::istream& in = preq->stream();
        std::int64_t want = chunked ? limit + 1 : content_length;
        req.body.reserve(static_cast<std::size_t>(std::min<std::int64_t>(want, 1 << 16)));
        char buf[16384];
        while (static_cast<std::int64_t>(req.body.size()) < want) {
          auto chunk =
              std::min<std::int64_t>(sizeof buf, want - static_cast<std::int64_t>(req.body.size()));
          in.read(buf, chunk);
          auto n = in.gcount();
          if (n <= 0) break;
          req.body.append(buf, static_cast<std::size_t>(n));
        }
        if (clear_read_deadline(fd)) {
          metrics.counter_add("wasl_http_read_timeouts_total",
                              "Requests whose headers or body did not arrive in time (408).", {});
          resp = request_timeout("The request body did not arrive within " +
                                 std::to_string(config.request_timeout.count()) + " ms.")
                     .to_response(req.request_id);
          ok = false;
        } else if (chunked && static_cast<std::int64_t>(req.body.size()) > limit) {
          resp = payload_too_large("The request body is larger than " + std::to_string(limit) +
                                   " bytes.")
                     .to_response(req.request_id);
          ok = false;
        } else if (in.bad() || (!chunked && static_cast<std::int64_t>(req.body.size()) < want)) {
          resp = bad_request("The request body ended before it was complete.")
                     .to_response(req.request_id);
          ok = false;
        } else {
          body_read = true;
        }
      }
      if (ok) {
        clear_read_deadline(fd);  // the handler's time is not the client's
        metrics.histogram_observe(kRequestRead,
                                  "Time to read a request until its handler starts, in seconds.",
                                  {{"route", route_label}},
                                  std::chrono::duration<double>(Clock::now() - started_at).count(),
                                  observability::stage_buckets());
        try {
          resp = route.handler(req);
        } catch (const std::exception& e) {
          spdlog::error("handler for {} {} failed: {}", method_label(req.method), route_label,
                        e.what());
          resp = internal_error().to_response(req.request_id);
        } catch (...) {
          spdlog::error("handler for {} {} failed with a non-standard exception",
                        method_label(req.method), route_label);
          resp = internal_error().to_response(req.request_id);
        }
      }
    }
  }
  clear_read_deadline(fd);
  if (!body_read) {
    keep_alive = false;
    linger = true;
  }
  if (stopping.load()) keep_alive = false;

  // Write the response, within its deadline.
  bool write_ok = true;
  auto write_budget = config.write_timeout;
  if (resp.stream_body && config.min_send_rate > 0) {
    auto length = resp.headers.find("Content-Length");
    if (length != resp.headers.end()) {
      try {
        const long long bytes = std::stoll(length->second);
        if (bytes > 0) {
          write_budget +=
              std::chrono::milliseconds(bytes / config.min_send_rate * 1000 +
                                        bytes % config.min_send_rate * 1000 / config.min_send_rate);
        }
      } catch (const std::exception&) {
      }
    }
  }
  set_write_deadline(fd, Clock::now() + write_budget);
  try {
    presp.setVersion(preq->getVersion());
    presp.setDate(Poco::Timestamp());
    presp.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(resp.status));
    for (const auto& [name, value] : resp.headers) {
      std::string n = lower(name);
      if (n == "content-length" || n == "transfer-encoding" || n == "connection") continue;
      presp.add(name, value);
    }
    presp.set("X-Request-Id", req.request_id);
    presp.setKeepAlive(keep_alive);
    if (resp.stream_body) {
      auto length = resp.headers.find("Content-Length");
      std::int64_t n = -1;
      if (length != resp.headers.end()) {
        try {
          n = std::stoll(length->second);
        } catch (const std::exception&) {
          n = -1;
        }
      }
      if (n >= 0) {
        presp.setContentLength64(n);
      } else {
        presp.setChunkedTransferEncoding(true);
      }
      std::ostream& os = presp.send();
      if (req.method != "HEAD") {
        try {
          resp.stream_body(os);
        } catch (const std::exception& e) {
          spdlog::error("streaming the body of {} {} failed: {}", method_label(req.method),
                        route_label, e.what());
          keep_alive = false;
        }
      }
      os.flush();
      if (!os.good()) write_ok = false;
    } else {
      presp.sendBuffer(resp.body.data(), resp.body.size());
    }
    keep_alive = keep_alive && presp.getKeepAlive();
  } catch (const Poco::Exception&) {
    write_ok = false;
  }
  if (clear_write_deadline(fd)) {
    write_ok = false;
    metrics.counter_add("wasl_http_write_timeouts_total",
                        "Responses not written within their deadline (the client read too "
                        "slowly); the connection was reset.",
                        {});
  }

  double seconds = std::chrono::duration<double>(Clock::now() - started_at).count();
  std::string method = method_label(req.method);
  std::string status = std::to_string(resp.status);
  metrics.counter_add(kRequestsTotal, "HTTP requests answered, by route, method and status.",
                      {{"route", route_label}, {"method", method}, {"status", status}});
  metrics.histogram_observe(kRequestDuration, "HTTP request duration in seconds.",
                            {{"route", route_label}, {"method", method}}, seconds);
  spdlog::info("http {} {} {} {:.3f} ms", method, route_label, resp.status, seconds * 1000);

  if (!write_ok) return After::kClose;
  if (linger) return After::kLingerClose;
  return keep_alive ? After::kKeepAlive : After::kClose;
}

Server::Server(const ServerSettings& settings, const Router& router,
               observability::Metrics& metrics)
    : impl_(std::make_unique<Impl>(settings, router, metrics)) {}

Server::~Server() {
  stop();
  if (impl_->pool) impl_->pool->joinAll();  // handlers still running after the grace
  {
    std::lock_guard lock(impl_->mutex);
    impl_->watchdog_stop = true;
  }
  impl_->watchdog_cv.notify_all();
  if (impl_->watchdog.joinable()) impl_->watchdog.join();
  impl_->tcp.reset();
  if (impl_->stop_fd >= 0) ::close(impl_->stop_fd);
  if (impl_->saturated_fd >= 0) ::close(impl_->saturated_fd);
  if (impl_->ssl_initialized) Poco::Net::uninitializeSSL();
}

sdk::Status Server::start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mutex);
  if (s.started) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition, "The HTTP server was already started.");
  }
  const auto& c = s.config;
  std::string address = c.host + ":" + std::to_string(c.port);
  if (c.max_threads < 1 || c.max_queued < 0 || c.max_keep_alive_requests < 1) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "server.max_threads and server.max_keep_alive_requests must be at least 1 "
                      "and server.max_queued at least 0.");
  }
  auto proxies = TrustedProxies::parse(c.trusted_proxies);
  if (!proxies.ok()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "server.trusted_proxies: " + proxies.error().message);
  }
  s.trusted_proxies = std::move(*proxies);
  s.stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  s.saturated_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
  if (s.stop_fd < 0 || s.saturated_fd < 0) {
    return sdk::Error(sdk::ErrorCode::kResourceExhausted,
                      "Cannot create the HTTP server's event descriptors (" +
                          std::string(std::strerror(errno)) + "); raise the open-file limit.");
  }
  Poco::Net::SocketAddress where;
  try {
    where = Poco::Net::SocketAddress(c.host, static_cast<Poco::UInt16>(c.port));
  } catch (const Poco::Exception& e) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "server.host '" + c.host + "' is not an address this machine can bind.");
  }
  int backlog = std::max(64, c.max_queued);
  if (c.tls) {
    try {
      Poco::Net::initializeSSL();
      s.ssl_initialized = true;
      Poco::Net::Context::Ptr context =
          new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, c.tls->private_key_file,
                                 c.tls->certificate_file, c.tls->ca_file,
                                 c.tls->ca_file.empty() ? Poco::Net::Context::VERIFY_NONE
                                                        : Poco::Net::Context::VERIFY_STRICT,
                                 crypto::kTlsVerifyDepth, false, crypto::kTlsServerCipherList);
      context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                Poco::Net::Context::PROTO_TLSV1 |
                                Poco::Net::Context::PROTO_TLSV1_1);
      Poco::Net::SecureServerSocket secure(context);
      // SO_REUSEADDR for quick restarts, but not SO_REUSEPORT: a second
      // process on the same port must fail, not share the traffic.
      secure.bind(where, true, false);
      secure.listen(backlog);
      s.listener = secure;
    } catch (const Poco::Net::SSLException& e) {
      return sdk::Error(sdk::ErrorCode::kUnavailable,
                        "Cannot set up TLS for " + address + " from certificate '" +
                            c.tls->certificate_file + "' and key '" + c.tls->private_key_file +
                            "': check that both are readable PEM files that match.");
    } catch (const Poco::IOException& e) {
      return sdk::Error(sdk::ErrorCode::kUnavailable, "Cannot listen on " + address + " (" +
                                                          e.displayText() +
                                                          "); is another process using the port?");
    } catch (const Poco::Exception& e) {
      return sdk::Error(sdk::ErrorCode::kUnavailable,
                        "Cannot set up TLS for " + address + " from certificate '" +
                            c.tls->certificate_file + "' and key '" + c.tls->private_key_file +
                            "': check that both are readable PEM files that match.");
    }
  } else {
    try {
      Poco::Net::ServerSocket plain;
      plain.bind(where, true, false);
      plain.listen(backlog);
      s.listener = plain;
    } catch (const Poco::Exception& e) {
      return sdk::Error(sdk::ErrorCode::kUnavailable, "Cannot listen on " + address + " (" +
                                                          e.displayText() +
                                                          "); is another process using the port?");
    }
  }
  s.bound_port = s.listener.address().port();

  s.params = new Poco::Net::HTTPServerParams;
  s.params->setMaxThreads(c.max_threads);
  s.params->setMaxQueued(c.max_queued);
  s.params->setThreadIdleTime(Poco::Timespan(10, 0));
  s.params->setTimeout(Poco::Timespan(c.request_timeout.count() * 1000));
  s.params->setKeepAlive(true);
  s.params->setKeepAliveTimeout(Poco::Timespan(c.keep_alive_timeout.count() * 1000));
  s.params->setMaxKeepAliveRequests(c.max_keep_alive_requests);

  try {
    // Spare capacity beyond max_threads: a dispatcher thread that just
    // finished a connection may still occupy its pool slot when the dispatcher
    // starts a thread for the next one; with no slack that start fails and
    // the connection would wait in the queue with nobody to take it.
    s.pool = std::make_unique<Poco::ThreadPool>("wasl-http", 1, c.max_threads + 16, 60);
    s.tcp = std::make_unique<Poco::Net::TCPServer>(new Impl::ConnectionFactory(s), *s.pool,
                                                   s.listener, s.params);
    s.tcp->setConnectionFilter(new Impl::SaturationFilter(s));
    s.watchdog = std::thread([&s] { s.run_watchdog(); });
    s.tcp->start();
  } catch (const Poco::Exception& e) {
    return sdk::Error(sdk::ErrorCode::kUnavailable,
                      "Cannot start the HTTP server on " + address + ": " + e.displayText());
  }
  s.started = true;
  spdlog::info("http server listening on {}:{}{}", c.host, s.bound_port, c.tls ? " (TLS)" : "");
  return sdk::ok_status();
}

int Server::port() const { return impl_->bound_port; }

void Server::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    if (!s.started || s.stopped) return;
    s.stopped = true;
  }
  s.stopping.store(true);
  std::uint64_t one = 1;
  [[maybe_unused]] auto w = ::write(s.stop_fd, &one, sizeof one);  // wakes every idle connection
  // Ends the acceptor (it polls the listening socket every 250 ms) and drops
  // connections still queued for a thread.
  s.tcp->stop();
  try {
    s.listener.close();
  } catch (const Poco::Exception&) {
  }

  auto deadline = Clock::now() + s.config.shutdown_grace;
  std::unique_lock lock(s.mutex);
  if (!s.idle_cv.wait_until(lock, deadline, [&] { return s.live.empty(); })) {
    spdlog::warn("http stop: {} connection(s) still busy after the shutdown grace; closing them",
                 s.live.size());
    for (int fd : s.live) ::shutdown(fd, SHUT_RDWR);
    // Blocked reads and writes now fail at once; a handler stuck in its own
    // code is not interrupted (the destructor waits for it).
    s.idle_cv.wait_for(lock, std::chrono::seconds(2), [&] { return s.live.empty(); });
  }
  bool all_done = s.live.empty();
  lock.unlock();
  if (all_done) s.pool->joinAll();
  spdlog::info("http server stopped");
}

int Server::in_flight() const { return impl_->in_flight.load(); }

}  // namespace wasl::http
