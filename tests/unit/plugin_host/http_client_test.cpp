#include "hub/plugin_host/http_client.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hub/plugin_host/call_budget.hpp"
#include "tests/unit/support/test_pki.hpp"

namespace wasl::plugin_host {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using ::testing::HasSubstr;
using ::testing::Not;
using Headers = std::vector<std::pair<std::string, std::string>>;

// What the loopback server saw, shared with its handler threads.
struct ServerState {
  std::mutex mutex;
  std::set<std::string> client_endpoints;  // "ip:port" of each connection that sent a request
  int requests = 0;

  // The gate /slow waits at until the test opens it.
  std::condition_variable gate_changed;
  std::condition_variable arrived;
  bool gate_open = false;

  void record(const std::string& endpoint) {
    std::lock_guard<std::mutex> guard(mutex);
    client_endpoints.insert(endpoint);
    ++requests;
    arrived.notify_all();
  }
  // True once `n` requests arrived, false after `within`.
  bool wait_for_requests(int n, std::chrono::milliseconds within) {
    std::unique_lock<std::mutex> lock(mutex);
    return arrived.wait_for(lock, within, [&] { return requests >= n; });
  }
  std::size_t connections() {
    std::lock_guard<std::mutex> guard(mutex);
    return client_endpoints.size();
  }
  int request_count() {
    std::lock_guard<std::mutex> guard(mutex);
    return requests;
  }
  void wait_at_gate() {
    std::unique_lock<std::mutex> lock(mutex);
    // Bounded so a failing test cannot hang the server for ever.
    gate_changed.wait_for(lock, std::chrono::seconds(30), [&] { return gate_open; });
  }
  void open_gate() {
    {
      std::lock_guard<std::mutex> guard(mutex);
      gate_open = true;
    }
    gate_changed.notify_all();
  }
};

std::string query_value(const Poco::URI& uri, const std::string& name, std::string fallback) {
  for (const auto& [key, value] : uri.getQueryParameters()) {
    if (key == name) return value;
  }
  return fallback;
}

class TestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit TestHandler(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    try {
      route(request, response);
    } catch (const Poco::Exception&) {
      // The client went away mid-answer (timeouts, aborts): nothing to do.
    } catch (const std::exception&) {
    }
  }

 private:
  void route(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    state_->record(request.clientAddress().toString());
    Poco::URI uri(request.getURI());
    const std::string path = uri.getPath();
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);

    if (path == "/echo") {
      json headers = json::array();
      for (const auto& [name, value] : request) headers.push_back({name, value});
      json answer = {{"method", request.getMethod()},
                     {"uri", request.getURI()},
                     {"body", body},
                     {"headers", headers}};
      response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(
          std::stoi(query_value(uri, "status", "200"))));
      response.set("X-Zeta", "first");
      response.set("X-Alpha", "second");
      response.setContentType("application/json");
      std::string text = answer.dump();
      response.sendBuffer(text.data(), text.size());
    } else if (path == "/slow") {
      state_->wait_at_gate();
      response.send() << "late";
    } else if (path == "/big") {
      const auto size = std::stoll(query_value(uri, "n", "0"));
      if (query_value(uri, "chunked", "0") == "1") {
        response.setChunkedTransferEncoding(true);
      } else {
        response.setContentLength64(size);
      }
      std::ostream& out = response.send();
      std::string piece(64 * 1024, 'x');
      for (long long sent = 0; sent < size && out;) {
        auto n = std::min<long long>(size - sent, static_cast<long long>(piece.size()));
        out.write(piece.data(), n);
        sent += n;
      }
      out.flush();
    } else if (path == "/stream") {
      const int chunks = std::stoi(query_value(uri, "chunks", "1"));
      const int size = std::stoi(query_value(uri, "size", "1"));
      response.setChunkedTransferEncoding(true);
      std::ostream& out = response.send();
      for (int i = 0; i < chunks && out; ++i) {
        std::string chunk(static_cast<std::size_t>(size), static_cast<char>('a' + i % 26));
        out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        out.flush();
      }
    } else if (path.rfind("/redirect/", 0) == 0) {
      int remaining = std::stoi(path.substr(std::string("/redirect/").size()));
      if (remaining > 0) {
        response.setStatus(Poco::Net::HTTPResponse::HTTP_FOUND);
        response.set("Location", "/redirect/" + std::to_string(remaining - 1));
        response.setContentLength(0);
        response.send();
      } else {
        response.send() << "landed";
      }
    } else if (path == "/client-cert") {
      auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request);
      Poco::Net::SecureStreamSocket secure(impl.socket());
      std::string name = secure.havePeerCertificate() ? secure.peerCertificate().commonName()
                                                      : std::string("none");
      response.send() << name;
    } else {
      response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
      response.send() << "no route";
    }
  }

  std::shared_ptr<ServerState> state_;
};

class TestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit TestHandlerFactory(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new TestHandler(state_);
  }

 private:
  std::shared_ptr<ServerState> state_;
};

// An HTTP (or HTTPS, given a context) server on 127.0.0.1 and a free port.
class TestServer {
 public:
  explicit TestServer(Poco::Net::Context::Ptr tls = nullptr)
      : state_(std::make_shared<ServerState>()), pool_(2, 32) {
    Poco::Net::SocketAddress address("127.0.0.1", 0);
    Poco::Net::ServerSocket socket = tls.isNull() ? Poco::Net::ServerSocket(address)
                                                  : Poco::Net::SecureServerSocket(address, 64, tls);
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(30, 0));
    params->setMaxKeepAliveRequests(1000);
    params->setMaxThreads(32);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new TestHandlerFactory(state_), pool_, socket,
                                                      params);
    server_->start();
    scheme_ = tls.isNull() ? "http" : "https";
  }

  ~TestServer() {
    state_->open_gate();
    server_->stopAll(true);
    pool_.joinAll();
  }

  std::string url(const std::string& path) const {
    return scheme_ + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  ServerState& state() { return *state_; }

 private:
  std::shared_ptr<ServerState> state_;
  Poco::ThreadPool pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::uint16_t port_ = 0;
  std::string scheme_;
};

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  return request;
}

std::string header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

TEST(HttpClientTest, GetRoundTripsStatusHeadersAndBody) {
  TestServer server;
  HttpClient client({});
  HttpRequest request = get(server.url("/echo?x=1&y=two"));
  request.headers = {{"X-Trace", "abc"}, {"Accept", "application/json"}};
  auto response = client.send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->effective_url, request.url);
  json seen = json::parse(response->body);
  EXPECT_EQ(seen["method"], "GET");
  EXPECT_EQ(seen["uri"], "/echo?x=1&y=two");
  EXPECT_EQ(seen["body"], "");
  EXPECT_THAT(seen["headers"].get<Headers>(),
              ::testing::IsSupersetOf(Headers{{"X-Trace", "abc"}, {"Accept", "application/json"}}));
  // Headers come back in the order sent, names as received.
  auto zeta = std::find_if(response->headers.begin(), response->headers.end(),
                           [](const auto& h) { return h.first == "X-Zeta"; });
  auto alpha = std::find_if(response->headers.begin(), response->headers.end(),
                            [](const auto& h) { return h.first == "X-Alpha"; });
  ASSERT_NE(zeta, response->headers.end());
  ASSERT_NE(alpha, response->headers.end());
  EXPECT_LT(zeta - response->headers.begin(), alpha - response->headers.begin());
  EXPECT_EQ(zeta->second, "first");
  EXPECT_EQ(header(*response, "Content-Type"), "application/json");
}

TEST(HttpClientTest, PostAndPutSendBodyBytesExactly) {
  TestServer server;
  HttpClient client({});
  std::string body = std::string("{\"name\":\"وصل\",\"nul\":\"") + '\0' + "\"}";
  HttpRequest request;
  request.method = "POST";
  request.url = server.url("/echo?status=201");
  request.headers = {{"Content-Type", "application/fhir+json"}, {"Idempotency-Key", "k-1"}};
  request.body = body;
  auto response = client.send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 201);
  json seen = json::parse(response->body);
  EXPECT_EQ(seen["method"], "POST");
  EXPECT_EQ(seen["body"].get<std::string>(), body);
  auto headers = seen["headers"].get<Headers>();
  EXPECT_THAT(headers,
              ::testing::Contains(Headers::value_type{"Content-Type", "application/fhir+json"}));
  EXPECT_THAT(headers, ::testing::Contains(Headers::value_type{"Idempotency-Key", "k-1"}));

  request.method = "PUT";
  request.url = server.url("/echo");
  auto put = client.send(request);
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ(json::parse(put->body)["method"], "PUT");
  EXPECT_EQ(json::parse(put->body)["body"].get<std::string>(), body);

  HttpRequest del;
  del.method = "DELETE";
  del.url = server.url("/echo");
  auto deleted = client.send(del);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_EQ(json::parse(deleted->body)["method"], "DELETE");
}

TEST(HttpClientTest, AddsNoContentTypeOrExpectOfItsOwn) {
  TestServer server;
  HttpClient client({});
  HttpRequest request;
  request.method = "POST";
  request.url = server.url("/echo");
  request.body = std::string(4096, 'b');  // large enough that libcurl would add Expect
  auto response = client.send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  for (const auto& [name, value] : json::parse(response->body)["headers"].get<Headers>()) {
    EXPECT_NE(name, "Content-Type") << value;
    EXPECT_NE(name, "Expect") << value;
  }
  EXPECT_EQ(json::parse(response->body)["body"].get<std::string>().size(), 4096u);
}

TEST(HttpClientTest, SequentialRequestsReuseOneConnection) {
  TestServer server;
  HttpClient client({});
  for (int i = 0; i < 5; ++i) {
    auto response = client.send(get(server.url("/echo")));
    ASSERT_TRUE(response.ok()) << response.error().message;
    ASSERT_EQ(response->status, 200);
  }
  EXPECT_EQ(server.state().requests, 5);
  EXPECT_EQ(server.state().connections(), 1u);
}

// The counters say how well connections are reused: five requests, one
// connection, as the server saw them.
TEST(HttpClientTest, CountsRequestsAndTheConnectionsTheyOpened) {
  TestServer server;
  observability::Metrics metrics;
  HttpClientOptions options;
  options.metrics = &metrics;
  options.metrics_client = "ehr.fhir-main";
  HttpClient client(options);
  for (int i = 0; i < 5; ++i) {
    auto response = client.send(get(server.url("/echo")));
    ASSERT_TRUE(response.ok()) << response.error().message;
  }
  EXPECT_EQ(server.state().connections(), 1u);
  const std::string text = metrics.render();
  EXPECT_NE(
      text.find("wasl_http_client_requests_total{client=\"ehr.fhir-main\",scheme=\"http\"} 5"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("wasl_http_client_connections_total{client=\"ehr.fhir-main\",scheme=\"http\"} 1"),
      std::string::npos)
      << text;
}

TEST(HttpClientTest, ConcurrentSendsFromManyThreadsAllSucceed) {
  TestServer server;
  HttpClient client({});
  constexpr int kThreads = 8;
  constexpr int kRequestsPerThread = 10;
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequestsPerThread; ++i) {
        HttpRequest request;
        request.method = "POST";
        request.url = server.url("/echo");
        request.body = "thread " + std::to_string(t) + " request " + std::to_string(i);
        auto response = client.send(request);
        if (response.ok() && response->status == 200 &&
            json::parse(response->body)["body"] == request.body) {
          ++successes;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(successes.load(), kThreads * kRequestsPerThread);
  // Handles are pooled: at most one connection per concurrent sender.
  EXPECT_LE(server.state().connections(), static_cast<std::size_t>(kThreads));
}

TEST(HttpClientTest, TotalTimeoutIsRetryableDeadlineExceeded) {
  TestServer server;
  HttpClient client({});
  HttpRequest request = get(server.url("/slow?token=QUERY-SECRET"));
  request.total_timeout = std::chrono::milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  auto response = client.send(request);
  auto elapsed = std::chrono::steady_clock::now() - started;
  server.state().open_gate();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(response.error().retryable);
  EXPECT_THAT(response.error().message, HasSubstr("timed out"));
  EXPECT_THAT(response.error().message, HasSubstr("300 ms"));
  EXPECT_THAT(response.error().message, HasSubstr("/slow"));
  EXPECT_THAT(response.error().message, Not(HasSubstr("QUERY-SECRET")));
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

// Inside a plugin call run by the engine's call executor, requests obey the
// call's budget (call_budget.hpp).
TEST(HttpClientTest, ARequestGetsNoMoreTimeThanItsCallHasLeft) {
  TestServer server;
  HttpClient client({});  // 30 s total timeout by default
  std::chrono::steady_clock::duration elapsed{};
  sdk::Result<HttpResponse> response = sdk::Error(ErrorCode::kInternal, "not sent");
  {
    ScopedCallBudget budget(
        {std::chrono::steady_clock::now() + std::chrono::milliseconds(300), nullptr});
    auto started = std::chrono::steady_clock::now();
    response = client.send(get(server.url("/slow")));
    elapsed = std::chrono::steady_clock::now() - started;
  }
  server.state().open_gate();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(response.error().retryable);
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(HttpClientTest, ACallWithoutTimeLeftOrCancelledSendsNothing) {
  TestServer server;
  HttpClient client({});
  auto cancelled = std::make_shared<std::atomic<bool>>(true);
  {
    ScopedCallBudget budget({std::chrono::steady_clock::now(), nullptr});
    auto response = client.send(get(server.url("/echo")));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded);
    EXPECT_THAT(response.error().message, HasSubstr("time limit"));
  }
  {
    ScopedCallBudget budget({std::chrono::steady_clock::time_point::max(), cancelled});
    auto response = client.send(get(server.url("/echo")));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::kCancelled);
    EXPECT_TRUE(response.error().retryable);
  }
  EXPECT_EQ(server.state().request_count(), 0);
  // Outside any call: no budget, the request goes.
  EXPECT_TRUE(client.send(get(server.url("/echo"))).ok());
}

TEST(HttpClientTest, CancellingTheCallAbortsATransferInFlight) {
  TestServer server;
  HttpClient client({});
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  sdk::Result<HttpResponse> response = sdk::Error(ErrorCode::kInternal, "not sent");
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread call([&] {
    ScopedCallBudget budget({std::chrono::steady_clock::time_point::max(), cancelled});
    response = client.send(get(server.url("/slow")));
  });
  // The server holds the request at its gate; cancel once it arrived there.
  const bool arrived = server.state().wait_for_requests(1, std::chrono::seconds(10));
  cancelled_at = std::chrono::steady_clock::now();
  cancelled->store(true);
  call.join();
  ASSERT_TRUE(arrived);
  auto took = std::chrono::steady_clock::now() - cancelled_at;
  server.state().open_gate();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kCancelled);
  EXPECT_TRUE(response.error().retryable);
  EXPECT_THAT(response.error().message, HasSubstr("cancelled"));
  // libcurl calls the progress callback at least once a second.
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(HttpClientTest, OversizedResponseIsResourceExhausted) {
  TestServer server;
  HttpClientOptions options;
  options.max_response_bytes = 1000;
  HttpClient client(options);
  for (const char* path : {"/big?n=5000", "/big?n=300000&chunked=1"}) {
    auto response = client.send(get(server.url(path)));
    ASSERT_FALSE(response.ok()) << path;
    EXPECT_EQ(response.error().code, ErrorCode::kResourceExhausted) << path;
    EXPECT_FALSE(response.error().retryable);
    EXPECT_THAT(response.error().message, HasSubstr("1000 bytes")) << path;
  }
  // The limit is inclusive, with or without a Content-Length.
  for (const char* path : {"/big?n=1000", "/big?n=1000&chunked=1"}) {
    auto response = client.send(get(server.url(path)));
    ASSERT_TRUE(response.ok()) << path << ": " << response.error().message;
    EXPECT_EQ(response->body.size(), 1000u);
  }
}

// A HEAD answer announces the size of a body it does not send (an object
// store's HEAD of a large object): the body limit does not apply to it.
TEST(HttpClientTest, AHeadOfALargeResourceIsNotOverTheBodyLimit) {
  TestServer server;
  HttpClientOptions options;
  options.max_response_bytes = 1000;
  HttpClient client(options);
  HttpRequest head = get(server.url("/big?n=5000"));
  head.method = "HEAD";
  auto response = client.send(head);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(header(*response, "Content-Length"), "5000");
  EXPECT_TRUE(response->body.empty());
}

TEST(HttpClientTest, RedirectIsHandedBackByDefault) {
  TestServer server;
  HttpClient client({});
  auto response = client.send(get(server.url("/redirect/1")));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(header(*response, "Location"), "/redirect/0");
  EXPECT_EQ(response->effective_url, server.url("/redirect/1"));
  EXPECT_EQ(server.state().requests, 1);
}

TEST(HttpClientTest, RedirectsAreFollowedUpToTheLimit) {
  TestServer server;
  HttpClientOptions options;
  options.max_redirects = 2;
  HttpClient client(options);
  auto response = client.send(get(server.url("/redirect/2")));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "landed");
  EXPECT_EQ(response->effective_url, server.url("/redirect/0"));
  EXPECT_EQ(header(*response, "Location"), "<absent>");  // only the final response's headers

  auto too_many = client.send(get(server.url("/redirect/3")));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(too_many.error().message, HasSubstr("redirects"));

  // A per-request override in both directions.
  HttpRequest request = get(server.url("/redirect/3"));
  request.max_redirects = 3;
  auto overridden = client.send(request);
  ASSERT_TRUE(overridden.ok()) << overridden.error().message;
  EXPECT_EQ(overridden->status, 200);
  request.max_redirects = 0;
  auto unfollowed = client.send(request);
  ASSERT_TRUE(unfollowed.ok()) << unfollowed.error().message;
  EXPECT_EQ(unfollowed->status, 302);
}

TEST(HttpClientTest, StreamingDeliversTheBodyInChunks) {
  TestServer server;
  HttpClientOptions options;
  options.max_response_bytes = 1000;  // does not apply to streaming
  HttpClient client(options);
  std::string received;
  int calls = 0;
  auto response = client.send_streaming(get(server.url("/stream?chunks=20&size=1000")),
                                        [&](std::string_view chunk) {
                                          received.append(chunk);
                                          ++calls;
                                          return true;
                                        });
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  std::string expected;
  for (int i = 0; i < 20; ++i) expected += std::string(1000, static_cast<char>('a' + i));
  EXPECT_EQ(received, expected);
  EXPECT_GE(calls, 1);
}

TEST(HttpClientTest, StreamingConsumerCanAbort) {
  TestServer server;
  HttpClient client({});
  std::size_t received = 0;
  const std::size_t total = 2000u * 16384u;
  auto response = client.send_streaming(get(server.url("/stream?chunks=2000&size=16384")),
                                        [&](std::string_view chunk) {
                                          received += chunk.size();
                                          return false;
                                        });
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kCancelled);
  EXPECT_GT(received, 0u);
  EXPECT_LT(received, total);

  auto threw = client.send_streaming(
      get(server.url("/stream?chunks=2&size=10")),
      [](std::string_view) -> bool { throw std::runtime_error("disk full"); });
  ASSERT_FALSE(threw.ok());
  EXPECT_EQ(threw.error().code, ErrorCode::kInternal);
  EXPECT_THAT(threw.error().message, HasSubstr("disk full"));
}

TEST(HttpClientTest, RefusedConnectionIsRetryableUnavailable) {
  std::uint16_t port = 0;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = probe.address().port();
  }  // closed: nothing listens there now
  HttpClient client({});
  auto response = client.send(get("http://127.0.0.1:" + std::to_string(port) + "/x"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(response.error().retryable);
}

TEST(HttpClientTest, MalformedRequestsAreInvalidArguments) {
  HttpClient client({});
  HttpRequest request = get("http://127.0.0.1:1/x");
  request.method = "GE T";
  EXPECT_EQ(client.send(request).error().code, ErrorCode::kInvalidArgument);
  request.method = "";
  EXPECT_EQ(client.send(request).error().code, ErrorCode::kInvalidArgument);
  request = get("http://127.0.0.1:1/x");
  request.headers = {{"X-Injected", "a\r\nHost: evil"}};
  EXPECT_EQ(client.send(request).error().code, ErrorCode::kInvalidArgument);
  request.headers = {{"Bad Name", "a"}};
  EXPECT_EQ(client.send(request).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(client.send(get("ftp://127.0.0.1:1/x")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(client.send(get("file:///etc/passwd")).error().code, ErrorCode::kInvalidArgument);

  request = get("http://127.0.0.1:1/x");
  request.total_timeout = std::chrono::milliseconds(0);  // libcurl would read 0 as "no limit"
  EXPECT_EQ(client.send(request).error().code, ErrorCode::kInvalidArgument);

  HttpClientOptions half_mtls;
  half_mtls.client_cert_file = "/nonexistent/cert.pem";
  HttpClient half(half_mtls);
  EXPECT_EQ(half.send(get("http://127.0.0.1:1/x")).error().code, ErrorCode::kInvalidArgument);
}

TEST(HttpClientTest, ProxyFromOptionsIsUsed) {
  TestServer proxy;  // answers proxied requests itself, which shows they went through it
  HttpClientOptions options;
  options.proxy = proxy.url("");
  HttpClient client(options);
  auto response = client.send(get("http://upstream.invalid/echo?via=proxy"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body)["uri"], "http://upstream.invalid/echo?via=proxy");
}

// A temporary directory holding certificates made with the openssl command line.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Poco::Net::initializeSSL(); }

  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "wasl-http-client-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    make_certificate("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1");
    make_certificate("client", "/CN=wasl-test-client", "extendedKeyUsage=clientAuth");
  }

  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  void make_certificate(const std::string& name, const std::string& subject,
                        const std::string& extension) {
    std::vector<std::string> args = {"req",
                                     "-x509",
                                     "-newkey",
                                     "ec",
                                     "-pkeyopt",
                                     "ec_paramgen_curve:prime256v1",
                                     "-nodes",
                                     "-keyout",
                                     path(name + ".key"),
                                     "-out",
                                     path(name + ".crt"),
                                     "-days",
                                     "2",
                                     "-subj",
                                     subject,
                                     "-addext",
                                     extension};
    Poco::Pipe output;
    Poco::ProcessHandle process = Poco::Process::launch("openssl", args, nullptr, &output, &output);
    output.close(Poco::Pipe::CLOSE_WRITE);
    Poco::PipeInputStream stream(output);
    std::string printed;
    Poco::StreamCopier::copyToString(stream, printed);
    ASSERT_EQ(process.wait(), 0) << "openssl req failed for " << name << ": " << printed;
  }

  std::string path(const std::string& file) const { return (dir_ / file).string(); }

  Poco::Net::Context::Ptr server_context(bool require_client_certificate) const {
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::SERVER_USE, path("server.key"), path("server.crt"),
        require_client_certificate ? path("client.crt") : "",
        require_client_certificate ? Poco::Net::Context::VERIFY_STRICT
                                   : Poco::Net::Context::VERIFY_NONE);
    // Poco would also match the client certificate's name against the peer's
    // address; a client certificate names a client, not an address.
    context->enableExtendedCertificateVerification(false);
    return context;
  }

  std::filesystem::path dir_;
};

TEST_F(TlsTest, SelfSignedServerFailsVerificationWithoutCaFile) {
  TestServer server(server_context(false));
  HttpClient client({});
  auto response = client.send(get(server.url("/echo")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(response.error().retryable);
  EXPECT_THAT(response.error().message, HasSubstr("TLS verification"));
}

TEST_F(TlsTest, CaFileMakesTheServerTrusted) {
  TestServer server(server_context(false));
  HttpClientOptions options;
  options.ca_file = path("server.crt");
  HttpClient client(options);
  for (int i = 0; i < 3; ++i) {
    auto response = client.send(get(server.url("/echo")));
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_EQ(server.state().connections(), 1u);
}

TEST_F(TlsTest, HostNameIsVerified) {
  // The certificate names 127.0.0.1 only; "localhost" does not match it.
  TestServer server(server_context(false));
  HttpClientOptions options;
  options.ca_file = path("server.crt");
  HttpClient client(options);
  std::string url = server.url("/echo");
  url.replace(url.find("127.0.0.1"), 9, "localhost");
  auto response = client.send(get(url));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(response.error().message, HasSubstr("TLS verification"));
}

TEST_F(TlsTest, UnreadableCaFileIsNamed) {
  TestServer server(server_context(false));
  HttpClientOptions options;
  options.ca_file = path("missing.crt");
  HttpClient client(options);
  auto response = client.send(get(server.url("/echo")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(response.error().message, HasSubstr("missing.crt"));
}

TEST_F(TlsTest, ClientCertificateIsPresentedForMutualTls) {
  TestServer server(server_context(true));
  HttpClientOptions without;
  without.ca_file = path("server.crt");
  HttpClient anonymous(without);
  auto refused = anonymous.send(get(server.url("/client-cert")));
  ASSERT_FALSE(refused.ok());
  // The server's alert ("certificate required") is a permanent refusal; when
  // the connection closes before the alert is read it looks like a broken
  // connection instead (which of the two depends on timing here).
  if (refused.error().code == ErrorCode::kFailedPrecondition) {
    EXPECT_FALSE(refused.error().retryable);
    EXPECT_THAT(refused.error().message, HasSubstr("refused the TLS client certificate"));
  } else {
    EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << refused.error().message;
  }

  HttpClientOptions with = without;
  with.client_cert_file = path("client.crt");
  with.client_key_file = path("client.key");
  HttpClient client(with);
  auto response = client.send(get(server.url("/client-cert")));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "wasl-test-client");
}

// Mutual TLS with a CA: the certificates of scripts/test-pki, the client
// identity and trust anchors handed over in memory as the plugin host does.
// The identity presented and the refusals a real TLS server sends are tested
// against the NPHIES peer (tests/integration/nphies/mutual_tls_test.cpp).
class MutualTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Poco::Net::initializeSSL(); }

  static Poco::Net::Context::Ptr server_context(const std::string& name) {
    const auto& pki = wasl::testing::TestPki::get();
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::SERVER_USE, pki.path(name + ".key").string(),
                               pki.path(name + ".crt").string(), pki.path("ca.crt").string(),
                               Poco::Net::Context::VERIFY_STRICT);
    context->enableExtendedCertificateVerification(false);
    return context;
  }

  static HttpClientOptions options(const std::string& client) {
    const auto& pki = wasl::testing::TestPki::get();
    HttpClientOptions o;
    if (!client.empty()) {
      auto identity =
          crypto::ClientIdentity::from_pem(pki.read(client + ".crt"), pki.read(client + ".key"));
      EXPECT_TRUE(identity.ok()) << identity.error().message;
      o.client_identity = std::make_shared<crypto::ClientIdentity>(std::move(identity).value());
    }
    auto anchors = crypto::TrustAnchors::from_pem(pki.read("ca.crt"));
    EXPECT_TRUE(anchors.ok());
    o.trust_anchors = std::make_shared<crypto::TrustAnchors>(std::move(anchors).value());
    return o;
  }
};

TEST_F(MutualTlsTest, AServerFromAnotherCaFailsVerification) {
  TestServer server(server_context("other-server"));
  HttpClient client(options("client"));
  auto response = client.send(get(server.url("/client-cert")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(response.error().retryable);
  EXPECT_THAT(response.error().message, HasSubstr("TLS verification"));
  EXPECT_EQ(server.state().request_count(), 0);
}

TEST(HttpClientRedactionTest, SecretHeadersAreRecognised) {
  for (const char* name :
       {"Authorization", "authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
        "X-Api-Key", "x-api-key", "X-Auth-Token", "X-Amz-Security-Token", "X-Twilio-Signature",
        "Client-Secret", "X-Hub-Signature-256", "X-Password", "X-Session-Id"}) {
    EXPECT_TRUE(is_secret_header(name)) << name;
  }
  for (const char* name : {"Content-Type", "Accept", "X-Request-Id", "Idempotency-Key",
                           "User-Agent", "X-Amz-Date", "Location"}) {
    EXPECT_FALSE(is_secret_header(name)) << name;
  }
}

TEST(HttpClientRedactionTest, HeadersForLogHideSecretValues) {
  std::string line = headers_for_log({{"Authorization", "Bearer s3cr3t"},
                                      {"Content-Type", "application/json"},
                                      {"X-Custom-Token", "tok-123"}});
  EXPECT_EQ(line,
            "Authorization: [redacted], Content-Type: application/json, X-Custom-Token: "
            "[redacted]");
}

TEST(HttpClientRedactionTest, UrlForLogDropsCredentialsQueryAndFragment) {
  EXPECT_EQ(url_for_log("https://user:pw@api.example.test:8443/v1/rooms?token=x#frag"),
            "https://api.example.test:8443/v1/rooms");
  EXPECT_EQ(url_for_log("https://api.example.test?sig=abc"), "https://api.example.test");
  EXPECT_EQ(url_for_log("http://h/a/b"), "http://h/a/b");
  EXPECT_EQ(url_for_log("/relative?q=1"), "/relative");
}

TEST(HttpClientRedactionTest, LogLinesCarryNoSecrets) {
  TestServer server;
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto logger = std::make_shared<spdlog::logger>("http-client-test", sink);
  logger->set_level(spdlog::level::trace);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  HttpClient client({});
  HttpRequest request = get(server.url("/echo?api_key=QUERY-SECRET"));
  request.headers = {{"Authorization", "Bearer HEADER-SECRET"},
                     {"Cookie", "session=COOKIE-SECRET"},
                     {"X-Api-Key", "KEY-SECRET"},
                     {"X-Request-Id", "req-42"}};
  auto response = client.send(request);
  spdlog::set_default_logger(previous);
  ASSERT_TRUE(response.ok()) << response.error().message;

  std::string log = captured.str();
  EXPECT_THAT(log, HasSubstr("GET " + server.url("/echo") + " -> 200 in "));
  EXPECT_THAT(log, HasSubstr("X-Request-Id: req-42"));
  EXPECT_THAT(log, HasSubstr("Authorization: [redacted]"));
  for (const char* secret : {"QUERY-SECRET", "HEADER-SECRET", "COOKIE-SECRET", "KEY-SECRET"}) {
    EXPECT_THAT(log, Not(HasSubstr(secret))) << log;
  }
}

}  // namespace
}  // namespace wasl::plugin_host
