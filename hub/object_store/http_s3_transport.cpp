#include "hub/object_store/http_s3_transport.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <utility>

namespace wasl::object_store {

namespace {

plugin_host::HttpRequest to_client(const sdk::HttpRequest& request) {
  plugin_host::HttpRequest out;
  out.method = request.method;
  out.url = request.url;
  out.headers = request.headers;
  out.body = request.body;
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

}  // namespace

HttpS3Transport::HttpS3Transport(plugin_host::HttpClientOptions options, std::string store)
    : client_(std::move(options)), store_(std::move(store)) {}

sdk::Result<sdk::HttpResponse> HttpS3Transport::send(const sdk::HttpRequest& request) {
  WASL_ASSIGN_OR_RETURN(plugin_host::HttpResponse response, client_.send(to_client(request)));
  return to_sdk(std::move(response));
}

sdk::Result<sdk::HttpResponse> HttpS3Transport::send_streaming(const sdk::HttpRequest& request,
                                                               const sdk::ChunkSink& sink) {
  // The HTTP client stops on `false`; the sink's own error is what the
  // caller must see, so it is kept and returned in place of kCancelled.
  std::optional<sdk::Error> sink_error;
  auto sent = client_.send_streaming(to_client(request), [&](std::string_view chunk) {
    sdk::Status taken = sink(chunk);
    if (taken.ok()) return true;
    sink_error = taken.error();
    return false;
  });
  if (sink_error) return *sink_error;
  if (!sent.ok()) return sent.error();
  return to_sdk(std::move(sent).value());
}

void HttpS3Transport::warn(std::string_view message) {
  spdlog::warn("archive store '{}': {}", store_, message);
}

}  // namespace wasl::object_store
