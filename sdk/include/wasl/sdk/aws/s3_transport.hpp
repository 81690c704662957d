// S3Transport: how S3Client's signed requests reach the store. A plugin
// adapts its Host (Host::http, Host::http_streaming), the hub its own HTTP
// client; a test may use any HTTP library. The transport sends each request
// once, as given: S3Client signs, retries and maps the answers.
//
// Implementations must be thread-safe when the S3Client is shared between
// threads.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::sdk::aws {

class S3Transport {
 public:
  virtual ~S3Transport() = default;

  // Sends `request` and returns the whole answer whatever its status. An
  // error only when no answer came (retryable when it may be transient).
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;

  // Sends `request` with `body` as its body (request.body is empty): parts
  // of many megabytes go out without a copy into the request when the
  // transport can send from the caller's buffer (the hub's does). `body`
  // stays valid until this returns. By default: a copy, then send().
  virtual Result<HttpResponse> send_body(const HttpRequest& request, std::string_view body) {
    HttpRequest copy = request;
    copy.body = std::string(body);
    return send(copy);
  }

  // Sends `request` and hands the answer's body to `sink` as it arrives,
  // whatever the status (the returned response has an empty body). An error
  // when no complete answer came; bytes the sink took before it are
  // delivered. A sink's error ends the exchange and is returned.
  virtual Result<HttpResponse> send_streaming(const HttpRequest& request,
                                              const ChunkSink& sink) = 0;

  // The time requests are signed with (UTC).
  virtual std::chrono::system_clock::time_point now() { return std::chrono::system_clock::now(); }

  // Waits between attempts.
  virtual void sleep(std::chrono::nanoseconds duration) { std::this_thread::sleep_for(duration); }

  // A failed attempt that will be retried (message names no credential).
  virtual void warn(std::string_view message) {}
};

}  // namespace wasl::sdk::aws
