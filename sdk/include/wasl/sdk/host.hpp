// host.hpp: what the hub lends a plugin instance. Inside a loaded plugin this
// is backed by the C table wasl_host_api (abi.h); in a vendor's unit tests by
// sdk/testing/fake_host.hpp. A Host outlives every capability object created
// with it. All methods are thread-safe.
//
// Mutual TLS (SDK 1.1, hub ABI 1.1 or later)
// ------------------------------------------
// A plugin instance presents a client certificate without ever seeing its
// key: the hub config names the identity in the instance's settings under
// the reserved key `tls`, which the host takes out of the settings before the
// plugin's schema.json is checked and before the plugin sees them:
//
//   instances:
//     billing.nphies:
//       plugin: nphies
//       settings:
//         base_url: https://hsb.nphies.sa
//         tls:
//           client_certificate: ${file:nphies/client.crt}  # PEM: certificate, then intermediates
//           client_key: ${file:nphies/client.key}          # PEM private key (PKCS#8 or RSA/EC)
//           # or instead of the two above, PKCS#12 (DER bytes or base64 text):
//           # client_pkcs12: ${file:nphies/client.p12}
//           client_key_password: ${env:NPHIES_KEY_PASSWORD} # encrypted key or PKCS#12; optional
//           ca_bundle: ${file:nphies/ca.pem}                # PEM: the only CAs the server may
//           chain to
//
// The host loads and checks them when the instance is created (a key that
// does not match its certificate, an unreadable file or a wrong password
// stops the instance with `instances.<name>.settings.tls.<key>: …`). A
// request with HttpRequest::mutual_tls set then:
//  - presents that certificate (and its chain) during the TLS handshake;
//  - verifies the server against ca_bundle only (the system's anchors when
//    ca_bundle is absent), host name included;
//  - fails, without sending anything, with kFailedPrecondition naming the
//    instance when the instance has no client certificate, when the
//    certificate is expired or not yet valid by the host's clock, or when the
//    URL is not https://;
//  - fails with kFailedPrecondition (not retryable) naming the instance when
//    the server refuses the certificate (a TLS alert such as "certificate
//    required", "unknown ca", "certificate expired") or fails verification.
// A request without mutual_tls is sent as before (no client certificate; the
// system's anchors). client_certificate() describes the identity to the
// plugin (subject, validity, fingerprint) for its health and messages.
// Against a hub older than ABI 1.1, a mutual_tls request answers
// kFailedPrecondition instead of going out without the certificate.
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

#include "wasl/sdk/client_certificate.hpp"
#include "wasl/sdk/process.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::sdk {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                                  // bytes; may be binary
  std::optional<std::chrono::milliseconds> timeout;  // total; unset = the host's default
  // Present the instance's client certificate and verify the server against
  // its CA bundle (see "Mutual TLS" above). Requires an https:// URL.
  bool mutual_tls = false;
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

  // The instance's mutual TLS client certificate (never its key); kNotFound
  // when its settings name none, kFailedPrecondition when the hub is older
  // than ABI 1.1. The default implementation answers kNotFound, so Host
  // doubles written before SDK 1.1 still compile.
  virtual Result<ClientCertificate> client_certificate() {
    return Error(ErrorCode::kNotFound,
                 "instance " + instance_name() + " has no client certificate (settings tls)");
  }

  // Runs a program the instance's settings name and waits for it (see
  // process.hpp for every rule). A program that ran, whatever its exit, is a
  // value: check ProcessResult::succeeded(). Errors mean it did not run or
  // was stopped from outside: kPermissionDenied (the executable is not an
  // absolute path named by an x-executable setting), kInvalidArgument (a bad
  // request), kFailedPrecondition (it could not be started, e.g. missing),
  // kCancelled / kDeadlineExceeded (the plugin call was cancelled or ran out
  // of time; the group was killed), kUnimplemented (a hub older than ABI 1.9,
  // and the default here, so Host doubles written before SDK 1.9 compile).
  virtual Result<ProcessResult> run_process(const ProcessRequest& /*request*/) {
    return Error(ErrorCode::kUnimplemented,
                 "the host of " + instance_name() + " does not run processes", false);
  }
};

}  // namespace wasl::sdk
