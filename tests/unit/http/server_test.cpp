#include "hub/http/server.hpp"

#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "hub/http/problem_json.hpp"
#include "hub/observability/logging.hpp"

namespace wasl::http {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Reply {
  int status = 0;
  Poco::Net::HTTPResponse head;
  std::string body;
  std::string header(const std::string& name) const { return head.get(name, ""); }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

Reply exchange(Poco::Net::HTTPClientSession& session, Poco::Net::HTTPRequest& request,
               const std::string& body = {}) {
  if (!body.empty() && !request.getChunkedTransferEncoding()) {
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
  }
  std::ostream& out = session.sendRequest(request);
  out << body;
  Reply reply;
  std::istream& in = session.receiveResponse(reply.head);
  reply.status = reply.head.getStatus();
  std::ostringstream ss;
  Poco::StreamCopier::copyStream(in, ss);
  reply.body = ss.str();
  return reply;
}

Reply request(int port, const std::string& method, const std::string& target,
              const std::string& body = {}, const std::string& content_type = {},
              const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!content_type.empty()) req.setContentType(content_type);
  for (const auto& [k, v] : headers) req.set(k, v);
  return exchange(session, req, body);
}

// A one-shot gate a handler can block on.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::yield();
  }
  return pred();
}

bool can_connect(int port) {
  try {
    Poco::Net::StreamSocket s;
    s.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)),
              Poco::Timespan(0, 200000));
    // A connection left in a closed listener's backlog is reset: probe it.
    s.setReceiveTimeout(Poco::Timespan(0, 200000));
    s.sendBytes("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 52);
    char buf[16];
    return s.receiveBytes(buf, sizeof buf) > 0;
  } catch (const Poco::Exception&) {
    return false;
  }
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.host = "127.0.0.1";
    config_.port = 0;
    router_.add("GET", "/healthz", [](Request&) { return Response::text(200, "ok"); });
    router_.add("GET", "/items", [](Request&) { return Response::json(200, "[]"); });
    router_.add(
        "POST", "/items",
        [this](Request& req) {
          ++calls_;
          return Response::json(201, nlohmann::json{{"size", req.body.size()}}.dump());
        },
        RouteOptions{"create", 1024, {"application/json"}});
    router_.add("GET", "/items/{id}", [](Request& req) {
      nlohmann::json j{{"id", req.path_params.at("id")},
                       {"route", req.route},
                       {"path", req.path},
                       {"query", req.query},
                       {"request_id", req.request_id},
                       {"logging_id", observability::current_request_id()},
                       {"remote", req.remote_address},
                       {"client", req.client_address}};
      return Response::json(200, j.dump());
    });
    router_.add("GET", "/boom", [](Request&) -> Response {
      throw std::runtime_error("database password hunter2 at 0x7f for 1234567890");
    });
    router_.add("GET", "/slow", [this](Request&) {
      slow_entered_.open();
      slow_release_.wait(20s);
      return Response::text(200, "finished");
    });
    router_.add("GET", "/stream", [](Request&) {
      Response r;
      r.set_header("Content-Type", "text/plain");
      r.stream_body = [](std::ostream& os) {
        for (int i = 0; i < 1000; ++i) os << "line " << i << "\n";
      };
      return r;
    });
    router_.add("GET", "/stream-sized", [](Request&) {
      Response r;
      r.set_header("Content-Length", "10");
      r.stream_body = [](std::ostream& os) { os << "0123456789"; };
      return r;
    });
  }

  void start() {
    server_ = std::make_unique<Server>(config_, router_, metrics_);
    auto status = server_->start();
    ASSERT_TRUE(status.ok()) << status.error().message;
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }

  void TearDown() override {
    slow_release_.open();
    server_.reset();
  }

  ServerSettings config_;
  Router router_;
  observability::Metrics metrics_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
  std::atomic<int> calls_{0};
  Gate slow_entered_;
  Gate slow_release_;
  std::mutex attack_mutex_;
  std::condition_variable attack_cv_;
};

TEST_F(ServerTest, EchoesValidRequestIdAndGeneratesOtherwise) {
  start();
  Reply given = request(port_, "GET", "/items/1", {}, {}, {{"X-Request-Id", "hospital-abc.123"}});
  EXPECT_EQ(given.status, 200);
  EXPECT_EQ(given.header("X-Request-Id"), "hospital-abc.123");
  EXPECT_EQ(given.json()["request_id"], "hospital-abc.123");
  EXPECT_EQ(given.json()["logging_id"], "hospital-abc.123");

  Reply generated = request(port_, "GET", "/items/1");
  std::string id = generated.header("X-Request-Id");
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');                                          // UUID version 4
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // RFC 4122 variant
  for (std::size_t dash : {8u, 13u, 18u, 23u}) EXPECT_EQ(id[dash], '-');
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos);
  EXPECT_EQ(generated.json()["request_id"], id);
  EXPECT_NE(request(port_, "GET", "/items/1").header("X-Request-Id"), id);

  Reply spaced = request(port_, "GET", "/items/1", {}, {}, {{"X-Request-Id", "has space"}});
  EXPECT_EQ(spaced.header("X-Request-Id").size(), 36u);
  Reply too_long =
      request(port_, "GET", "/items/1", {}, {}, {{"X-Request-Id", std::string(129, 'a')}});
  EXPECT_EQ(too_long.header("X-Request-Id").size(), 36u);
  Reply max_len =
      request(port_, "GET", "/items/1", {}, {}, {{"X-Request-Id", std::string(128, 'a')}});
  EXPECT_EQ(max_len.header("X-Request-Id"), std::string(128, 'a'));
}

TEST_F(ServerTest, FillsPathParamsQueryRouteAndRemoteAddress) {
  start();
  Reply r = request(port_, "GET", "/items/caf%C3%A9?limit=10&q=a%20b&plus=1+2");
  ASSERT_EQ(r.status, 200);
  auto j = r.json();
  EXPECT_EQ(j["id"], "café");
  EXPECT_EQ(j["route"], "/items/{id}");
  EXPECT_EQ(j["path"], "/items/café");
  EXPECT_EQ(j["query"]["limit"], "10");
  EXPECT_EQ(j["query"]["q"], "a b");
  EXPECT_EQ(j["query"]["plus"], "1 2");
  EXPECT_EQ(j["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
}

void expect_problem(const Reply& r, int status, const std::string& slug) {
  EXPECT_EQ(r.status, status);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  auto j = r.json();
  EXPECT_EQ(j["status"], status);
  EXPECT_EQ(j["type"], "https://wasl.dev/problems/" + slug);
  EXPECT_FALSE(j["title"].get<std::string>().empty());
  EXPECT_EQ(j["request_id"], r.header("X-Request-Id"));
}

TEST_F(ServerTest, XForwardedForNamesTheClientOnlyFromATrustedProxy) {
  start();
  Reply direct = request(port_, "GET", "/items/1", {}, {}, {{"X-Forwarded-For", "203.0.113.5"}});
  ASSERT_EQ(direct.status, 200);
  EXPECT_EQ(direct.json()["client"], "127.0.0.1") << "an untrusted peer's header is ignored";
  server_.reset();
  config_.trusted_proxies = {"127.0.0.0/8"};
  start();
  Reply proxied = request(port_, "GET", "/items/1", {}, {}, {{"X-Forwarded-For", "203.0.113.5"}});
  ASSERT_EQ(proxied.status, 200);
  EXPECT_EQ(proxied.json()["client"], "203.0.113.5");
  server_.reset();
  config_.trusted_proxies = {"not-an-address"};
  server_ = std::make_unique<Server>(config_, router_, metrics_);
  auto refused = server_->start();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("server.trusted_proxies"), std::string::npos);
}

TEST_F(ServerTest, AnswersProblemsFor404And405And415And500) {
  start();
  expect_problem(request(port_, "GET", "/nothing/here"), 404, "not-found");

  Reply not_allowed = request(port_, "DELETE", "/items");
  expect_problem(not_allowed, 405, "method-not-allowed");
  EXPECT_EQ(not_allowed.header("Allow"), "GET, HEAD, POST");

  expect_problem(request(port_, "POST", "/items", "{}", "text/plain"), 415,
                 "unsupported-media-type");
  expect_problem(request(port_, "POST", "/items", "{}"), 415, "unsupported-media-type");
  EXPECT_EQ(calls_.load(), 0);
  Reply typed = request(port_, "POST", "/items", "{}", "Application/JSON; charset=utf-8");
  EXPECT_EQ(typed.status, 201);
  EXPECT_EQ(calls_.load(), 1);

  Reply boom = request(port_, "GET", "/boom");
  expect_problem(boom, 500, "internal-error");
  EXPECT_EQ(boom.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(boom.body.find("database"), std::string::npos);
}

TEST_F(ServerTest, ContentLengthOverLimitIs413WithoutReadingTheBody) {
  start();
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req("POST", "/items", Poco::Net::HTTPMessage::HTTP_1_1);
  req.setContentType("application/json");
  req.setContentLength64(1025);
  session.sendRequest(req);  // headers only: the server must answer without the body
  Poco::Net::HTTPResponse head;
  std::istream& in = session.receiveResponse(head);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(head.getStatus(), 413);
  EXPECT_EQ(head.getContentType(), "application/problem+json");
  EXPECT_FALSE(head.getKeepAlive());
  EXPECT_EQ(nlohmann::json::parse(body)["type"], "https://wasl.dev/problems/payload-too-large");
  EXPECT_EQ(calls_.load(), 0);

  // The server default applies to routes without their own limit.
  config_.body_limit = 16;
  router_.add("PUT", "/default-limit", [](Request&) { return Response::empty(204); });
  server_.reset();
  start();
  EXPECT_EQ(request(port_, "PUT", "/default-limit", std::string(17, 'x')).status, 413);
  EXPECT_EQ(request(port_, "PUT", "/default-limit", std::string(16, 'x')).status, 204);
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413AndClosesTheConnection) {
  start();
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req("POST", "/items", Poco::Net::HTTPMessage::HTTP_1_1);
  req.setContentType("application/json");
  req.setChunkedTransferEncoding(true);
  std::ostream& out = session.sendRequest(req);
  std::string piece(512, 'a');
  for (int i = 0; i < 16 && out.good(); ++i) out << piece << std::flush;  // 8 KiB > 1 KiB
  Poco::Net::HTTPResponse head;
  std::istream& in = session.receiveResponse(head);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(head.getStatus(), 413);
  EXPECT_EQ(head.getContentType(), "application/problem+json");
  EXPECT_FALSE(head.getKeepAlive());
  EXPECT_EQ(calls_.load(), 0);

  // The server closed its side: the raw socket reads end-of-stream.
  char byte;
  auto deadline = Clock::now() + 5s;
  int n = 1;
  while (n > 0 && Clock::now() < deadline) {
    try {
      n = session.socket().receiveBytes(&byte, 1);
    } catch (const Poco::Exception&) {
      n = 0;
    }
  }
  EXPECT_EQ(n, 0);
}

TEST_F(ServerTest, BodyExactlyAtTheLimitIsAccepted) {
  start();
  Reply sized = request(port_, "POST", "/items", std::string(1024, 'x'), "application/json");
  EXPECT_EQ(sized.status, 201);
  EXPECT_EQ(sized.json()["size"], 1024);

  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req("POST", "/items", Poco::Net::HTTPMessage::HTTP_1_1);
  req.setContentType("application/json");
  req.setChunkedTransferEncoding(true);
  Reply chunked = exchange(session, req, std::string(1024, 'y'));
  EXPECT_EQ(chunked.status, 201);
  EXPECT_EQ(chunked.json()["size"], 1024);
  EXPECT_EQ(calls_.load(), 2);
  // The connection stays usable after a body read to its end.
  Poco::Net::HTTPRequest again("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
  EXPECT_EQ(exchange(session, again).body, "ok");
}

TEST_F(ServerTest, StreamsBodiesChunkedOrWithLength) {
  start();
  Reply chunked = request(port_, "GET", "/stream");
  EXPECT_EQ(chunked.status, 200);
  EXPECT_TRUE(chunked.head.getChunkedTransferEncoding());
  EXPECT_EQ(chunked.body.rfind("line 999\n"), chunked.body.size() - 9);
  Reply sized = request(port_, "GET", "/stream-sized");
  EXPECT_EQ(sized.head.getContentLength64(), 10);
  EXPECT_EQ(sized.body, "0123456789");
  Reply head = request(port_, "HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST_F(ServerTest, StopLetsInFlightRequestFinishAndEndsIdleConnectionsPromptly) {
  config_.keep_alive_timeout = 30s;  // an idle connection must not hold stop() this long
  config_.shutdown_grace = 10s;
  start();

  // An idle keep-alive connection.
  Poco::Net::HTTPClientSession idle("127.0.0.1", static_cast<Poco::UInt16>(port_));
  idle.setKeepAlive(true);
  idle.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest first("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
  ASSERT_EQ(exchange(idle, first).status, 200);

  auto slow = std::async(std::launch::async, [&] { return request(port_, "GET", "/slow"); });
  ASSERT_TRUE(slow_entered_.wait(5s));
  EXPECT_EQ(server_->in_flight(), 1);

  auto stop_began = Clock::now();
  auto stopped = std::async(std::launch::async, [&] {
    server_->stop();
    return Clock::now();
  });
  // New connections are refused while the slow request is still running.
  EXPECT_TRUE(eventually([&] { return !can_connect(port_); }, 3s));
  EXPECT_EQ(stopped.wait_for(0s), std::future_status::timeout);

  auto released = Clock::now();
  slow_release_.open();
  Reply r = slow.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "finished");
  EXPECT_FALSE(r.head.getKeepAlive());
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
  auto stop_done = stopped.get();
  EXPECT_LT(stop_done - released, 1s);
  EXPECT_LT(stop_done - stop_began, 5s);
  EXPECT_EQ(server_->in_flight(), 0);

  // The idle connection was closed by the server.
  char byte;
  int n = 1;
  try {
    n = idle.socket().receiveBytes(&byte, 1);
  } catch (const Poco::Exception&) {
    n = 0;
  }
  EXPECT_EQ(n, 0);
  EXPECT_FALSE(can_connect(port_));
  server_->stop();  // twice is harmless
}

TEST_F(ServerTest, StopAbortsRequestsThatOutliveTheGrace) {
  config_.shutdown_grace = 200ms;
  start();
  auto slow = std::async(std::launch::async, [&]() -> int {
    try {
      return request(port_, "GET", "/slow").status;
    } catch (const Poco::Exception&) {
      return -1;
    }
  });
  ASSERT_TRUE(slow_entered_.wait(5s));
  auto began = Clock::now();
  server_->stop();
  EXPECT_LT(Clock::now() - began, 4s);  // grace + bounded abort wait
  slow_release_.open();
  EXPECT_EQ(slow.get(), -1);  // the client saw its connection end, not a response
}

void hold_idle_connections_then_probe(int port, int count) {
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> idle;
  for (int i = 0; i < count; ++i) {
    auto s = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1",
                                                            static_cast<Poco::UInt16>(port));
    s->setKeepAlive(true);
    s->setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
    ASSERT_EQ(exchange(*s, req).status, 200) << "connection " << i;
    idle.push_back(std::move(s));
  }
  // Best of a few probes, each bounded: one slow scheduling hiccup on a
  // loaded machine should not decide the result.
  auto best = std::chrono::steady_clock::duration::max();
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto t0 = Clock::now();
    Reply r = request(port, "GET", "/healthz");
    auto took = Clock::now() - t0;
    ASSERT_EQ(r.status, 200);
    best = std::min(best, took);
  }
  EXPECT_LT(best, 100ms);
  for (auto& s : idle) s->reset();
}

// One client holding 300 idle connections: the per-client cap is off here,
// these tests are about idle keep-alive connections and thread hand-over.
TEST_F(ServerTest, ManyIdleKeepAliveConnectionsDoNotLockOutANewClient) {
  config_.keep_alive_timeout = 30s;
  config_.max_connections_per_peer = 0;
  start();
  hold_idle_connections_then_probe(port_, 300);
}

TEST_F(ServerTest, SaturatedServerClosesIdleKeepAliveConnectionsForNewClients) {
  config_.keep_alive_timeout = 30s;
  config_.max_threads = 8;  // far fewer threads than idle connections
  config_.max_connections_per_peer = 0;
  start();
  hold_idle_connections_then_probe(port_, 300);
}

// A new connection waits in the queue for a moment on its way to a free
// thread. An idle keep-alive connection is given up only when no thread is
// free: closing it for every arrival races the client's next request on it,
// and a client posting a webhook (which it does not resend) loses that post.
TEST_F(ServerTest, IdleKeepAliveConnectionsStayOpenWhileThreadsAreFree) {
  config_.keep_alive_timeout = 30s;
  config_.max_threads = 64;
  config_.max_connections_per_peer = 0;
  start();
  Poco::Net::HTTPClientSession idle("127.0.0.1", static_cast<Poco::UInt16>(port_));
  idle.setKeepAlive(true);
  idle.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest first("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
  ASSERT_EQ(exchange(idle, first).status, 200);
  const int fd = idle.socket().impl()->sockfd();

  // Many short connections, a few at a time: far fewer than the threads.
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        if (request(port_, "GET", "/healthz").status == 200) ++answered;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(answered.load(), 320);

  // The server has not closed the idle connection (no EOF waiting on it),
  // and it serves the next request.
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 0), 0) << "the idle connection was closed";
  Poco::Net::HTTPRequest second("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
  EXPECT_EQ(exchange(idle, second).status, 200);
  EXPECT_EQ(idle.socket().impl()->sockfd(), fd);
}

// Slow clients. A raw socket from a chosen loopback address (127.0.0.2 is
// another client than 127.0.0.1 to the server), non-blocking, that sends
// what it is given and reports whether the server closed it.
class RawClient {
 public:
  RawClient(const char* source, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &local.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to);  // EINPROGRESS
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // False once the connection failed or the server closed it.
  bool send(std::string_view bytes) {
    if (closed_) return false;
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, 0) <= 0) return true;  // still connecting: try later
    if (::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
      closed_ = true;
    }
    return !closed_;
  }
  // Reads what arrived; false once the server closed the connection.
  bool alive() {
    if (closed_) return false;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        received_.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed_ = true;
      return !closed_;
    }
  }
  // Waits (bounded) until the server closes the connection.
  bool closed_within(std::chrono::milliseconds limit) {
    auto deadline = Clock::now() + limit;
    while (alive()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
    }
    return true;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
  std::string received_;
};

TEST_F(ServerTest, HeadersTrickledInPastTheHeaderTimeoutAre408) {
  config_.header_timeout = 1s;
  config_.request_timeout = 30s;  // the per-recv timeout alone would wait this long
  start();
  RawClient slow("127.0.0.1", port_);
  auto began = Clock::now();
  ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  bool closed = false;
  while (!closed && Clock::now() - began < 5s) {
    slow.send("X-Slow: 1\r\n");
    closed = slow.closed_within(200ms);
  }
  ASSERT_TRUE(closed) << "the server kept a trickling client past 5 s";
  EXPECT_LT(Clock::now() - began, 2500ms);
  EXPECT_EQ(slow.received().find(" 408 "), 8u) << slow.received();
}

TEST_F(ServerTest, ABodyTrickledInPastTheRequestTimeoutIs408) {
  config_.header_timeout = 1s;
  config_.request_timeout = 1500ms;
  start();
  RawClient slow("127.0.0.1", port_);
  auto began = Clock::now();
  ASSERT_TRUE(
      slow.send("POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 100\r\n\r\n["));
  bool closed = false;
  while (!closed && Clock::now() - began < 5s) {
    slow.send(" ");
    closed = slow.closed_within(200ms);
  }
  ASSERT_TRUE(closed) << "the server kept a trickling body past 5 s";
  EXPECT_LT(Clock::now() - began, 3s);
  EXPECT_EQ(slow.received().find(" 408 "), 8u) << slow.received();
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, AClientOverItsConnectionCapIsClosedAtAcceptOthersAreServed) {
  config_.max_connections_per_peer = 4;
  start();
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawClient>("127.0.0.2", port_));
    ASSERT_TRUE(held.back()->send("GET /healthz HTTP/1.1\r\n"));
  }
  RawClient fifth("127.0.0.2", port_);
  EXPECT_TRUE(fifth.closed_within(2s)) << "a fifth connection from one client stays open";
  EXPECT_EQ(fifth.received(), "");
  EXPECT_NE(metrics_.render().find("wasl_http_connections_refused_total 1"), std::string::npos);
  EXPECT_EQ(request(port_, "GET", "/healthz").status, 200) << "another client is served";
  held.clear();  // their slots come back
  EXPECT_TRUE(eventually([&] {
    RawClient again("127.0.0.2", port_);
    again.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    again.closed_within(2s);
    return again.received().rfind("HTTP/1.1 200", 0) == 0;
  }));
}

// A client that asks for a large response and reads it a little at a time,
// with a small receive buffer. The per-send timeout never fires (every send
// makes some progress); the response's write deadline closes it.
class SlowReader {
 public:
  SlowReader(int port, const std::string& target) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int small = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    connected_ = connected_ && ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
                                   static_cast<ssize_t>(request.size());
  }
  ~SlowReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  SlowReader(const SlowReader&) = delete;
  SlowReader& operator=(const SlowReader&) = delete;

  // Reads at most `chunk` bytes every `pause` until the server ends the
  // connection or `limit` passes; true when the server ended it.
  bool read_slowly_until_closed(std::size_t chunk, std::chrono::milliseconds pause,
                                std::chrono::milliseconds limit) {
    if (!connected_) return false;
    std::mutex m;
    std::condition_variable never;
    auto deadline = Clock::now() + limit;
    std::string buf(chunk, '\0');
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n <= 0) return true;  // closed (or reset) by the server
        received_ += static_cast<std::size_t>(n);
      }
      std::unique_lock lock(m);
      never.wait_for(lock, pause, [] { return false; });  // the client's pace
    }
    return false;
  }
  std::size_t received() const { return received_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::size_t received_ = 0;
};

// Before the write deadline a client reading 4 KiB every 20 ms held its
// thread for as long as the response took (a 32 MiB body: over two
// minutes), since each send progressed within the per-send timeout. Now the
// thread is free at the deadline and the connection is reset.
TEST_F(ServerTest, ASlowReaderIsClosedAtTheResponsesWriteDeadline) {
  const std::string big(32u << 20, 'x');
  router_.add("GET", "/big", [&big](Request&) { return Response::text(200, big); });
  router_.add("GET", "/big-stream", [&big](Request&) {
    Response r;
    r.set_header("Content-Length", std::to_string(big.size()));
    r.stream_body = [&big](std::ostream& os) { os.write(big.data(), big.size()); };
    return r;
  });
  config_.request_timeout = 60s;  // the per-send timeout, far beyond the test
  config_.write_timeout = 1s;
  config_.min_send_rate = 64 << 20;  // a 32 MiB stream gets 1 s + 0.5 s
  start();
  for (const char* target : {"/big", "/big-stream"}) {
    SlowReader reader(port_, target);
    auto began = Clock::now();
    std::atomic<bool> closed{false};
    std::thread client([&] { closed = reader.read_slowly_until_closed(4096, 20ms, 10s); });
    // The server's thread is free again once the deadline passed, while the
    // client still reads.
    EXPECT_TRUE(eventually([&] { return server_->in_flight() == 1; })) << target;
    EXPECT_TRUE(eventually([&] { return server_->in_flight() == 0; }, 5s))
        << target << ": the server kept writing to a slow reader for 5 s";
    client.join();
    EXPECT_TRUE(closed.load()) << target << ": the connection stayed open for 10 s";
    EXPECT_LT(Clock::now() - began, 5s) << target;
    EXPECT_LT(reader.received(), big.size()) << target;
  }
  EXPECT_NE(metrics_.render().find("wasl_http_write_timeouts_total 2"), std::string::npos)
      << metrics_.render();
  // A reader that keeps up gets the whole body.
  Reply whole = request(port_, "GET", "/big-stream");
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body.size(), big.size());
}

// A streamed body's deadline grows with its length at min_send_rate.
TEST_F(ServerTest, AStreamedDownloadGetsItsLengthAtTheMinimumRate) {
  const std::string body(8u << 20, 'y');
  router_.add("GET", "/sized", [&body](Request&) {
    Response r;
    r.set_header("Content-Length", std::to_string(body.size()));
    r.stream_body = [&body](std::ostream& os) {
      for (std::size_t at = 0; at < body.size(); at += 1u << 20) {
        os.write(body.data() + at, 1u << 20);
      }
    };
    return r;
  });
  config_.write_timeout = 1ms;      // alone, no body of 8 MiB could be written
  config_.min_send_rate = 1 << 20;  // 8 s for 8 MiB
  start();
  Reply sized = request(port_, "GET", "/sized");
  EXPECT_EQ(sized.status, 200);
  EXPECT_EQ(sized.body.size(), body.size());
  EXPECT_EQ(metrics_.render().find("wasl_http_write_timeouts_total"), std::string::npos);
}

// 300 slowloris connections from one client, each sending a header line
// every 500 ms and reopened when the server closes it, for 10 s, on a server
// with 64 threads. Before the per-client cap and the header deadline, the
// slow connections held every thread and /healthz from another client timed
// out; now every probe is answered and nearly all of them within 100 ms.
TEST_F(ServerTest, SlowlorisFromOneClientLeavesHealthzAnswering) {
  config_.max_threads = 64;
  config_.max_connections_per_peer = 16;
  config_.header_timeout = 2s;
  start();
  std::atomic<bool> done{false};
  std::thread attacker([&] {
    std::vector<std::unique_ptr<RawClient>> conns(300);
    while (!done.load()) {
      for (auto& c : conns) {
        if (!c || !c->alive()) {
          c = std::make_unique<RawClient>("127.0.0.2", port_);
          c->send("GET /healthz HTTP/1.1\r\n");
        } else {
          c->send("X-Slow: 1\r\n");
        }
      }
      std::unique_lock<std::mutex> lock(attack_mutex_);
      attack_cv_.wait_for(lock, 500ms, [&] { return done.load(); });
    }
  });
  std::vector<double> ms;
  int failed = 0;
  auto end = Clock::now() + 10s;
  while (Clock::now() < end) {
    auto t0 = Clock::now();
    try {
      Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
      session.setTimeout(Poco::Timespan(2, 0));
      Poco::Net::HTTPRequest req("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
      if (exchange(session, req).status != 200) ++failed;
    } catch (const Poco::Exception&) {
      ++failed;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    std::unique_lock<std::mutex> lock(attack_mutex_);
    attack_cv_.wait_for(lock, 100ms, [] { return false; });
  }
  {
    std::lock_guard<std::mutex> lock(attack_mutex_);
    done.store(true);
  }
  attack_cv_.notify_all();
  attacker.join();
  std::sort(ms.begin(), ms.end());
  const double p95 = ms[ms.size() * 95 / 100];
  std::printf("slowloris: %zu probes, %d failed, median %.1f ms, p95 %.1f ms, max %.1f ms\n",
              ms.size(), failed, ms[ms.size() / 2], p95, ms.back());
  EXPECT_EQ(failed, 0);
  EXPECT_LT(p95, 100.0);
}

TEST_F(ServerTest, RecordsMetricsWithBoundedLabels) {
  start();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(request(port_, "GET", "/items/x").status, 200);
  ASSERT_EQ(request(port_, "GET", "/a/b/c").status, 404);
  ASSERT_EQ(request(port_, "GET", "/zz/1").status, 404);
  ASSERT_EQ(request(port_, "BREW", "/items").status, 405);
  std::string text = metrics_.render();
  EXPECT_NE(text.find("# TYPE wasl_http_requests_total counter"), std::string::npos);
  EXPECT_NE(
      text.find("wasl_http_requests_total{method=\"GET\",route=\"/items/{id}\",status=\"200\"} 3"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("wasl_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 2"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("wasl_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"405\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("wasl_http_request_duration_seconds_count{method=\"GET\",route=\"/items/{id}\"} 3"),
      std::string::npos);
  EXPECT_NE(text.find("wasl_http_request_duration_seconds_bucket{method=\"GET\",route=\"/items/"
                      "{id}\",le=\"+Inf\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("wasl_http_in_flight 0"), std::string::npos) << text;
  // Reading the request until its handler starts: the three that reached one.
  EXPECT_NE(text.find("wasl_http_request_read_seconds_count{route=\"/items/{id}\"} 3"),
            std::string::npos)
      << text;
  // Each new connection's wait for a server thread.
  auto wait = text.find("\nwasl_http_connection_wait_seconds_count ");
  ASSERT_NE(wait, std::string::npos) << text;
  EXPECT_GE(std::stod(text.substr(wait + 41)), 1.0) << text;
}

TEST_F(ServerTest, AccessLogHasRouteAndRequestIdButNoQueryOrBody) {
  auto path = std::filesystem::temp_directory_path() /
              ("wasl_http_access_" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  ASSERT_TRUE(observability::init_logging({"info", path.string()}).ok());
  start();
  ASSERT_EQ(request(port_, "GET", "/items/p1?national_id=1234567890&name=Sara", {}, {},
                    {{"X-Request-Id", "access-log-1"}})
                .status,
            200);
  ASSERT_EQ(
      request(port_, "POST", "/items", "{\"secret\":\"body-text\"}", "application/json").status,
      201);
  spdlog::default_logger()->flush();
  std::ifstream in(path);
  std::string line;
  bool found = false;
  std::string all;
  while (std::getline(in, line)) {
    all += line + "\n";
    auto j = nlohmann::json::parse(line);  // every line is one JSON object
    if (j.value("request_id", "") == "access-log-1" &&
        j["msg"].get<std::string>().find("/items/{id}") != std::string::npos) {
      found = true;
      EXPECT_EQ(j["msg"].get<std::string>().rfind("http GET /items/{id} 200 ", 0), 0u);
    }
  }
  EXPECT_TRUE(found) << all;
  EXPECT_EQ(all.find("national_id"), std::string::npos);
  EXPECT_EQ(all.find("Sara"), std::string::npos);
  EXPECT_EQ(all.find("p1"), std::string::npos);
  EXPECT_EQ(all.find("body-text"), std::string::npos);
  server_.reset();
  ASSERT_TRUE(observability::init_logging({"info", ""}).ok());
  std::filesystem::remove(path);
}

TEST_F(ServerTest, StartFailsWithASentenceWhenThePortIsTaken) {
  start();
  config_.port = port_;
  Server second(config_, router_, metrics_);
  auto status = second.start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, sdk::ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message.find(std::to_string(port_)), std::string::npos);
}

TEST_F(ServerTest, ServesHttpsWithTheConfiguredCertificate) {
  auto dir =
      std::filesystem::temp_directory_path() / ("wasl_http_tls_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto key = (dir / "key.pem").string();
  auto cert = (dir / "cert.pem").string();
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
      " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "the openssl command is needed for this test";
  config_.tls = TlsSettings{cert, key, ""};
  start();

  Poco::Net::initializeSSL();
  {
    // The client trusts exactly the test certificate.
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, "", "", cert, Poco::Net::Context::VERIFY_RELAXED);
    Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_), context);
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(10, 0));
    for (int i = 0; i < 3; ++i) {  // keep-alive across requests over one TLS connection
      Poco::Net::HTTPRequest req("GET", "/items/tls", Poco::Net::HTTPMessage::HTTP_1_1);
      Reply r = exchange(session, req);
      ASSERT_EQ(r.status, 200);
      EXPECT_EQ(r.json()["id"], "tls");
    }
    auto began = Clock::now();
    server_->stop();  // the idle TLS connection must not hold it
    EXPECT_LT(Clock::now() - began, 2s);
  }
  Poco::Net::uninitializeSSL();
  std::filesystem::remove_all(dir);
}

TEST_F(ServerTest, StartFailsWhenTlsFilesAreMissing) {
  config_.tls = TlsSettings{"/nonexistent/cert.pem", "/nonexistent/key.pem", ""};
  Server server(config_, router_, metrics_);
  auto status = server.start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, sdk::ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message.find("/nonexistent/cert.pem"), std::string::npos);
}

}  // namespace
}  // namespace wasl::http
