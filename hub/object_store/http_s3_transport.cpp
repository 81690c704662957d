#include "hub/object_store/http_s3_transport.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <utility>

namespace wasl::object_store {

namespace {

// `body`, when not empty, is sent from the caller's buffer in place of
// request.body (no copy of a part).
plugin_host::HttpRequest to_client(const sdk::HttpRequest& request, std::string_view body = {}) {
  plugin_host::HttpRequest out;
  out.method = request.method;
  out.url = request.url;
  out.headers = request.headers;
  if (body.empty()) {
    out.body = request.body;
  } else {
    out.body_view = body;
  }
  out.total_timeout = request.timeout;
  out.max_redirects = 0;  // a store answers where it was asked; a redirect is an error
  return out;
}

sdk::HttpResponse to_sdk(plugin_host::HttpResponse response) {
  sdk::HttpResponse out;
  out.status = response.status;
  out.headers = std::move(response.headers);
  out.body = std::move(response.body);
  return out;
}

// Times one exchange and hands it to the monitor.
class Timed {
 public:
  Timed(StoreMonitor* monitor, const sdk::HttpRequest& request, std::size_t body_bytes)
      : monitor_(monitor),
        request_(request),
        body_bytes_(body_bytes),
        started_(std::chrono::steady_clock::now()) {}

  sdk::Result<sdk::HttpResponse> done(sdk::Result<sdk::HttpResponse> answer) const {
    if (monitor_ != nullptr) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      monitor_->record(request_, body_bytes_, answer, seconds, now_ms);
    }
    return answer;
  }

 private:
  StoreMonitor* monitor_;
  const sdk::HttpRequest& request_;
  std::size_t body_bytes_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

HttpS3Transport::HttpS3Transport(plugin_host::HttpClientOptions options, std::string store,
                                 StoreMonitor* monitor)
    : client_(std::move(options)), store_(std::move(store)), monitor_(monitor) {}

sdk::Result<sdk::HttpResponse> HttpS3Transport::send(const sdk::HttpRequest& request) {
  const Timed timed(monitor_, request, request.body.size());
  auto response = client_.send(to_client(request));
  if (!response.ok()) return timed.done(response.error());
  return timed.done(to_sdk(std::move(response).value()));
}

sdk::Result<sdk::HttpResponse> HttpS3Transport::send_body(const sdk::HttpRequest& request,
                                                          std::string_view body) {
  const Timed timed(monitor_, request, body.size());
  auto response = client_.send(to_client(request, body));
  if (!response.ok()) return timed.done(response.error());
  return timed.done(to_sdk(std::move(response).value()));
}

sdk::Result<sdk::HttpResponse> HttpS3Transport::send_streaming(const sdk::HttpRequest& request,
                                                               const sdk::ChunkSink& sink) {
  // The HTTP client stops on `false`; the sink's own error is what the
  // caller must see, so it is kept and returned in place of kCancelled.
  const Timed timed(monitor_, request, request.body.size());
  std::optional<sdk::Error> sink_error;
  auto sent = client_.send_streaming(to_client(request), [&](std::string_view chunk) {
    sdk::Status taken = sink(chunk);
    if (taken.ok()) return true;
    sink_error = taken.error();
    return false;
  });
  if (sink_error) return timed.done(*sink_error);
  if (!sent.ok()) return timed.done(sent.error());
  return timed.done(to_sdk(std::move(sent).value()));
}

void HttpS3Transport::warn(std::string_view message) {
  spdlog::warn("archive store '{}': {}", store_, message);
}

}  // namespace wasl::object_store
