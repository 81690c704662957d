// Boost.Asio rather than Poco::Net::SocketReactor: the listener needs, per
// connection, a deadline that is not an inactivity timeout (a message's read
// deadline runs from its first byte, however steadily the sender trickles),
// asynchronous writes of a reply produced on another thread, and a lingering
// close. Asio gives each of these as a timer, async_write and a completion
// posted back to the one I/O thread; the reactor offers readable/writable
// notifications and an idle timeout only, the rest would be ours to write.
// Asio is header-only here (Boost headers are already a dependency); its
// SSL stream runs a connection's TLS over OpenSSL the same way, on the same
// thread.
#include "hub/mllp/mllp_listener.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "hub/crypto/client_identity.hpp"
#include "hub/mllp/mllp_framer.hpp"
#include "hub/mllp/mllp_tls_context.hpp"

namespace wasl::mllp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr std::size_t kReadChunkBytes = 8 * 1024;
// After a reply that ends the connection: how long the input is still read
// (and dropped) so the peer gets the reply before the socket closes, rather
// than a reset that may discard it (the rest of an over-size message).
constexpr std::chrono::milliseconds kLingerAfterReply{2000};
constexpr std::chrono::milliseconds kAcceptRetry{50};

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The peer's IP address as written in logs and limits: an IPv4 client of a
// dual-stack socket is named by its IPv4 address.
std::string peer_address_of(const tcp::endpoint& endpoint) {
  asio::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

// The peer closed the connection, with or without TLS's close_notify.
bool is_peer_close(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::ssl::error::stream_truncated;
}

// The verified client certificate's subject; empty when there is none.
std::string peer_certificate_subject(TlsStream& stream) {
  X509* certificate = SSL_get1_peer_certificate(stream.native_handle());
  if (certificate == nullptr) return {};
  std::string der;
  const int length = i2d_X509(certificate, nullptr);
  if (length > 0) {
    der.resize(static_cast<std::size_t>(length));
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_X509(certificate, &out) != length) der.clear();
  }
  X509_free(certificate);
  auto description = crypto::describe_certificate(der);
  return description.ok() ? description->subject : std::string();
}

class Connection;

// What the listener's connections share; MllpListener::Impl is this.
struct ListenerCore {
  ListenerCore(MllpListenerOptions o, MllpHandler h, observability::Metrics* m)
      : options(std::move(o)),
        handler(std::move(h)),
        metrics(m),
        workers(std::max<std::size_t>(options.limits.workers, 1)) {}

  void accept();
  void admit(tcp::socket socket);
  void forget(const std::shared_ptr<Connection>& connection, const std::string& peer);

  void count_connection(const char* outcome) const {
    if (metrics == nullptr) return;
    metrics->counter_add("wasl_mllp_connections_total", "MLLP connections by listener and outcome",
                         {{"listener", options.name}, {"outcome", outcome}});
  }
  void count_closed(const char* reason) const {
    if (metrics == nullptr) return;
    metrics->counter_add("wasl_mllp_connections_closed_total",
                         "MLLP connections closed, by listener and reason",
                         {{"listener", options.name}, {"reason", reason}});
  }
  void count_message(const char* outcome) const {
    if (metrics == nullptr) return;
    metrics->counter_add("wasl_mllp_messages_total", "MLLP messages by listener and outcome",
                         {{"listener", options.name}, {"outcome", outcome}});
  }
  void add_open(double delta) const {
    if (metrics == nullptr) return;
    metrics->gauge_add("wasl_mllp_open_connections", "MLLP connections open, by listener",
                       {{"listener", options.name}}, delta);
  }
  void observe_handler(Clock::duration took) const {
    if (metrics == nullptr) return;
    metrics->histogram_observe(
        "wasl_mllp_handler_seconds", "Time the MLLP message handler took, by listener",
        {{"listener", options.name}}, std::chrono::duration<double>(took).count());
  }

  const MllpListenerOptions options;
  const MllpHandler handler;
  observability::Metrics* const metrics;

  // Set by start() when options.tls is; read-only afterwards. Before the
  // I/O context, so that it outlives every connection's stream.
  std::unique_ptr<asio::ssl::context> tls_context;

  // Declared before everything holding a socket or a timer, so destroyed
  // after them.
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_guard{asio::make_work_guard(io)};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  asio::thread_pool workers;
  std::thread io_thread;
  std::uint16_t port = 0;

  // The I/O thread's alone.
  std::unordered_set<std::shared_ptr<Connection>> connections;
  std::unordered_map<std::string, std::size_t> connections_by_peer;

  std::mutex stop_mutex;
  bool stopped = false;  // guarded by stop_mutex
};

// One accepted socket, plain or under TLS. Every member function runs on the
// I/O thread; the handler's call runs on a worker and posts its reply back.
// The objects in flight (reads, timers, the handshake, the handler's call)
// hold it by shared_ptr.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ListenerCore& listener, tcp::socket socket, std::string peer)
      : listener_(listener),
        stream_(make_stream(listener, std::move(socket))),
        timer_(listener.io),
        peer_(std::move(peer)),
        framer_(listener.options.limits.max_message_bytes),
        buffer_(kReadChunkBytes) {}

  const std::string& peer() const { return peer_; }

  // Plain: waits for the first message. TLS: the handshake first, within
  // read_timeout from now.
  void start() {
    TlsStream* tls = std::get_if<TlsStream>(&stream_);
    if (tls == nullptr) {
      become_idle();
      return;
    }
    arm(Clock::now() + listener_.options.limits.read_timeout, "handshake_timeout");
    tls->async_handshake(TlsStream::server, [self = shared_from_this()](const error_code& ec) {
      if (self->closed_) return;
      if (ec) {
        if (is_peer_close(ec)) {
          self->close("peer_closed");
          return;
        }
        spdlog::info("mllp {}: TLS handshake with {} failed: {}", self->listener_.options.name,
                     self->peer_, ec.message());
        self->close("handshake_failed");
        return;
      }
      self->certificate_subject_ = peer_certificate_subject(std::get<TlsStream>(self->stream_));
      self->become_idle();
    });
  }

  // Closes the socket at once; what is in flight is dropped. Idempotent.
  void close(const char* reason) {
    if (closed_) return;
    closed_ = true;
    ++timer_generation_;
    timer_.cancel();
    error_code ignored;
    socket().close(ignored);
    listener_.count_closed(reason);
    listener_.forget(shared_from_this(), peer_);
  }

 private:
  using Stream = std::variant<tcp::socket, TlsStream>;

  static Stream make_stream(ListenerCore& listener, tcp::socket socket) {
    if (listener.tls_context == nullptr) return Stream(std::move(socket));
    return Stream(std::in_place_type<TlsStream>, std::move(socket), *listener.tls_context);
  }

  // The TCP socket, under TLS or not.
  tcp::socket& socket() {
    TlsStream* tls = std::get_if<TlsStream>(&stream_);
    return tls != nullptr ? tls->next_layer() : std::get<tcp::socket>(stream_);
  }

  // Closes the connection when `deadline` passes, unless re-armed first.
  void arm(Clock::time_point deadline, const char* reason) {
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_at(deadline);
    timer_.async_wait([self = shared_from_this(), generation, reason](const error_code& ec) {
      if (ec || self->closed_ || generation != self->timer_generation_) return;
      self->close(reason);
    });
  }

  void disarm() {
    ++timer_generation_;
    timer_.cancel();
  }

  // Waiting for the next message's start block.
  void become_idle() {
    message_deadline_armed_ = false;
    arm(Clock::now() + listener_.options.limits.idle_timeout, "idle_timeout");
    process();
  }

  // Frames the bytes read and not yet framed: hands a whole message to the
  // handler, or reads more.
  void process() {
    while (begin_ < end_) {
      begin_ += framer_.feed(std::string_view(buffer_.data() + begin_, end_ - begin_));
      const MllpFramer::State state = framer_.state();
      if (state == MllpFramer::State::kComplete || state == MllpFramer::State::kOversize) {
        dispatch(framer_.take(), state == MllpFramer::State::kOversize);
        return;
      }
    }
    if (framer_.state() == MllpFramer::State::kInMessage && !message_deadline_armed_) {
      message_deadline_armed_ = true;
      arm(Clock::now() + listener_.options.limits.read_timeout, "read_timeout");
    }
    read();
  }

  void read() {
    begin_ = 0;
    end_ = 0;
    auto on_read = [self = shared_from_this()](const error_code& ec, std::size_t n) {
      if (self->closed_) return;
      if (ec) {
        self->close(is_peer_close(ec) ? "peer_closed" : "io_error");
        return;
      }
      self->end_ = n;
      self->process();
    };
    std::visit([&](auto& stream) { stream.async_read_some(asio::buffer(buffer_), on_read); },
               stream_);
  }

  void dispatch(std::string data, bool truncated) {
    disarm();
    MllpMessage message{std::move(data), peer_, truncated, now_unix_ms(), certificate_subject_};
    asio::post(listener_.workers, [self = shared_from_this(), message = std::move(message)] {
      ListenerCore& listener = self->listener_;
      const Clock::time_point started = Clock::now();
      std::optional<MllpReply> reply;
      try {
        reply = listener.handler(message);
      } catch (const std::exception& e) {
        spdlog::warn("mllp {}: the handler failed on a message from {}: {}", listener.options.name,
                     message.peer_address, e.what());
      } catch (...) {
        spdlog::warn("mllp {}: the handler failed on a message from {}", listener.options.name,
                     message.peer_address);
      }
      listener.observe_handler(Clock::now() - started);
      asio::post(listener.io, [self, reply = std::move(reply), truncated = message.truncated] {
        self->answer(reply, truncated);
      });
    });
  }

  void answer(const std::optional<MllpReply>& reply, bool truncated) {
    if (!reply.has_value()) {
      listener_.count_message("handler_error");
      close("handler_error");
      return;
    }
    if (closed_) {  // stopped while the handler ran
      listener_.count_message("dropped");
      return;
    }
    listener_.count_message(truncated ? "truncated" : reply->data.empty() ? "no_reply" : "replied");
    const char* close_reason = truncated ? "truncated" : reply->close ? "reply_close" : nullptr;
    if (reply->data.empty()) {
      if (close_reason != nullptr) {
        linger(close_reason);
      } else {
        become_idle();
      }
      return;
    }
    out_.clear();
    out_.reserve(reply->data.size() + 3);
    out_ += kStartBlock;
    out_ += reply->data;
    out_ += kEndBlock;
    out_ += kCarriageReturn;
    arm(Clock::now() + listener_.options.limits.read_timeout, "write_timeout");
    auto on_written = [self = shared_from_this(), close_reason](const error_code& ec, std::size_t) {
      if (self->closed_) return;
      self->out_ = std::string();
      if (ec) {
        self->close("io_error");
      } else if (close_reason != nullptr) {
        self->linger(close_reason);
      } else {
        self->become_idle();
      }
    };
    std::visit([&](auto& stream) { asio::async_write(stream, asio::buffer(out_), on_written); },
               stream_);
  }

  // Ends the connection after a reply: no more bytes go out (under TLS, once
  // its close_notify is sent), what comes in is dropped until the peer
  // closes or kLingerAfterReply passes.
  void linger(const char* reason) {
    arm(Clock::now() +
            std::min<Clock::duration>(kLingerAfterReply, listener_.options.limits.read_timeout),
        reason);
    TlsStream* tls = std::get_if<TlsStream>(&stream_);
    if (tls == nullptr) {
      stop_sending_and_drain(reason);
      return;
    }
    // Sends close_notify, then reads until the peer's (or an error; the
    // timer bounds it).
    tls->async_shutdown([self = shared_from_this(), reason](const error_code&) {
      if (self->closed_) return;
      self->stop_sending_and_drain(reason);
    });
  }

  void stop_sending_and_drain(const char* reason) {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_send, ignored);
    drain(reason);
  }

  // Reads the TCP socket (below TLS) and drops what arrives.
  void drain(const char* reason) {
    socket().async_read_some(asio::buffer(buffer_), [self = shared_from_this(), reason](
                                                        const error_code& ec, std::size_t) {
      if (self->closed_) return;
      if (ec) {
        self->close(reason);
      } else {
        self->drain(reason);
      }
    });
  }

  ListenerCore& listener_;
  Stream stream_;
  asio::steady_timer timer_;
  const std::string peer_;
  std::string certificate_subject_;  // set by the handshake
  MllpFramer framer_;
  std::vector<char> buffer_;  // bytes read; [begin_, end_) not yet framed
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::string out_;  // the framed reply being written
  bool closed_ = false;
  bool message_deadline_armed_ = false;
  std::uint64_t timer_generation_ = 0;  // a timer's wait fires only for its own arm()
};

}  // namespace

struct MllpListener::Impl : ListenerCore {
  using ListenerCore::ListenerCore;
};

void ListenerCore::accept() {
  acceptor.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // Out of descriptors, mostly: try again shortly rather than spin.
      spdlog::warn("mllp {}: accept failed: {}", options.name, ec.message());
      accept_retry.expires_after(kAcceptRetry);
      accept_retry.async_wait([this](const error_code& wait_ec) {
        if (!wait_ec) accept();
      });
      return;
    }
    admit(std::move(socket));
    accept();
  });
}

void ListenerCore::admit(tcp::socket socket) {
  error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) {
    socket.close(ec);
    return;
  }
  std::string peer = peer_address_of(remote);
  if (connections.size() >= options.limits.max_connections) {
    count_connection("refused_max_connections");
    socket.close(ec);
    return;
  }
  const auto found = connections_by_peer.find(peer);
  const std::size_t open_for_peer = found == connections_by_peer.end() ? 0 : found->second;
  if (open_for_peer >= options.limits.max_connections_per_peer) {
    count_connection("refused_peer_limit");
    socket.close(ec);
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  ++connections_by_peer[peer];
  auto connection = std::make_shared<Connection>(*this, std::move(socket), std::move(peer));
  connections.insert(connection);
  count_connection("accepted");
  add_open(1);
  connection->start();
}

void ListenerCore::forget(const std::shared_ptr<Connection>& connection, const std::string& peer) {
  if (connections.erase(connection) == 0) return;
  add_open(-1);
  auto found = connections_by_peer.find(peer);
  if (found != connections_by_peer.end() && --found->second == 0) {
    connections_by_peer.erase(found);
  }
}

MllpListener::MllpListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MllpListener::~MllpListener() { stop(); }

sdk::Result<std::unique_ptr<MllpListener>> MllpListener::start(MllpListenerOptions options,
                                                               MllpHandler handler,
                                                               observability::Metrics* metrics) {
  if (!handler) return sdk::Error(sdk::ErrorCode::kInvalidArgument, "mllp: no message handler");
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return sdk::Error(
        sdk::ErrorCode::kInvalidArgument,
        "mllp " + options.name + ": host '" + options.host + "' is not an IP address");
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler), metrics);
  if (impl->options.tls.has_value()) {
    auto context = make_mllp_tls_context(*impl->options.tls);
    if (!context.ok()) {
      return sdk::Error(context.error().code,
                        "mllp " + impl->options.name + ": " + context.error().message);
    }
    impl->tls_context = std::move(context).value();
  }
  const tcp::endpoint endpoint(address, impl->options.port);
  const std::string where = "mllp " + impl->options.name + ": cannot listen on " +
                            impl->options.host + ":" + std::to_string(impl->options.port) + ": ";
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return sdk::Error(sdk::ErrorCode::kUnavailable, where + ec.message());
  impl->port = impl->acceptor.local_endpoint(ec).port();
  if (ec) return sdk::Error(sdk::ErrorCode::kUnavailable, where + ec.message());

  impl->accept();
  Impl* raw = impl.get();
  impl->io_thread = std::thread([raw] {
    for (;;) {
      try {
        raw->io.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("mllp {}: the I/O thread caught: {}", raw->options.name, e.what());
      }
    }
  });
  // Not "listening on": that phrase names the HTTP port to whoever reads the log.
  spdlog::info("mllp {} accepting on {}:{}{}", impl->options.name, impl->options.host, impl->port,
               impl->tls_context == nullptr         ? ""
               : impl->options.tls->ca_file.empty() ? " (TLS)"
                                                    : " (TLS, client certificates required)");
  return std::unique_ptr<MllpListener>(new MllpListener(std::move(impl)));
}

std::uint16_t MllpListener::port() const { return impl_->port; }

void MllpListener::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->stop_mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  Impl& impl = *impl_;
  std::promise<void> closed;
  asio::post(impl.io, [&impl, &closed] {
    error_code ignored;
    impl.acceptor.close(ignored);
    impl.accept_retry.cancel();
    std::vector<std::shared_ptr<Connection>> all(impl.connections.begin(), impl.connections.end());
    for (const auto& connection : all) connection->close("stopped");
    closed.set_value();
  });
  closed.get_future().wait();
  // Handler calls not started are dropped; those in flight are waited for.
  impl.workers.stop();
  impl.workers.join();
  impl.work_guard.reset();
  impl.io.stop();
  if (impl.io_thread.joinable()) impl.io_thread.join();
  spdlog::info("mllp {} stopped", impl.options.name);
}

}  // namespace wasl::mllp
