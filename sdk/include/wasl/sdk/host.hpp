// host.hpp: what the hub lends a plugin instance. Inside a loaded plugin this
// is backed by the C table wasl_host_api (abi.h); in a vendor's unit tests by
// sdk/testing/fake_host.hpp. A Host outlives every capability object created
// with it. All methods are thread-safe.
#pragma once

#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::sdk {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // bytes; may be binary
  std::optional<std::chrono::milliseconds> timeout;  // total; unset = the host's default
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // bytes as received; empty for streamed responses

  // The first header with this name (case-insensitive), or empty.
  std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key.size() != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < key.size() && same; ++i) {
        same = std::tolower(static_cast<unsigned char>(key[i])) ==
               std::tolower(static_cast<unsigned char>(name[i]));
      }
      if (same) return value;
    }
    return {};
  }
};

// Receives one chunk of a byte stream, borrowed for the call. An error aborts
// the stream and is what the streaming call returns.
using ChunkSink = std::function<Status(std::string_view chunk)>;

enum class LogLevel { kTrace = 0, kDebug = 1, kInfo = 2, kWarn = 3, kError = 4 };

class Host {
 public:
  virtual ~Host() = default;

  // Sends a request; TLS is always verified. Any HTTP status is a value (the
  // plugin maps statuses to errors); an Error means there was no response:
  // kUnavailable (connect, DNS, TLS), kDeadlineExceeded, kResourceExhausted
  // (response larger than the host allows).
  virtual Result<HttpResponse> http(const HttpRequest& request) = 0;

  // As http(), with the body handed to `sink` chunk by chunk; the returned
  // response has an empty body.
  virtual Result<HttpResponse> http_streaming(const HttpRequest& request,
                                              const ChunkSink& sink) = 0;

  // This instance's settings, validated against the plugin's schema.json with
  // defaults filled in.
  virtual const nlohmann::json& settings() const = 0;

  // The instance's secret `name`; kNotFound when there is none. Never log it.
  virtual Result<std::string> secret(std::string_view name) = 0;

  // One log line. The host adds the instance name and redacts secrets; still,
  // write no PHI.
  virtual void log(LogLevel level, std::string_view message) = 0;

  // Wall-clock time.
  virtual std::chrono::system_clock::time_point now() = 0;

  // Small per-instance state (cursors, cached tokens), kept across restarts by
  // the hub's store. state_get answers std::nullopt for a missing key.
  virtual Result<std::optional<nlohmann::json>> state_get(std::string_view key) = 0;
  virtual Status state_put(std::string_view key, const nlohmann::json& value) = 0;

  // The instance's name, e.g. "video.twilio-main".
  virtual const std::string& instance_name() const = 0;
};

}  // namespace wasl::sdk
