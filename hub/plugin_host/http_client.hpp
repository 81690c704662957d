// HttpClient: the outgoing HTTP(S) client the hub lends to plugins, on libcurl.
//
// What it guarantees:
//  - TLS peer and host name verification are always on and cannot be turned
//    off; `ca_file` adds trust anchors to the system's, it never removes any;
//    `trust_anchors` (mutual TLS) replaces them all.
//  - Only http:// and https:// URLs are accepted, for the request and for every
//    redirect.
//  - Status, headers (in order, names as received) and body are handed back
//    unparsed; a 4xx or 5xx answer is a successful send().
//  - Connections, DNS answers and TLS sessions are reused across requests;
//    with options.metrics, requests and new connections are counted.
//  - Failures map to sdk::Error codes a caller can act on:
//      kDeadlineExceeded (retryable)   connect or total timeout
//      kUnavailable (retryable)        cannot resolve, connect, or the
//                                      connection broke mid-exchange
//      kFailedPrecondition             TLS verification failed, the CA file or
//                                      client certificate cannot be used, the
//                                      server refused the client certificate
//                                      (a TLS alert: certificate required,
//                                      bad/expired/unknown certificate,
//                                      unknown CA, access denied), or more
//                                      redirects than allowed
//      kResourceExhausted (not retryable)  the body exceeded max_response_bytes
//      kCancelled                      the streaming consumer returned false
//      kInvalidArgument                malformed URL, method or header, a
//                                      non-positive timeout, a client
//                                      certificate without its key
//    Messages name the method and the URL without its query string, never a
//    header value or body.
//  - A request made inside a plugin call run by the engine's call executor
//    obeys that call's CallBudget (call_budget.hpp): refused once it is spent,
//    its timeouts capped at the time left, aborted (kCancelled, retryable)
//    when the call is cancelled.
//  - Each request writes one spdlog debug line: method, URL without query
//    string, status or error code, duration; at trace level also the request
//    headers through headers_for_log(). Header values that carry credentials
//    are never logged (see is_secret_header()).
//
// Thread safety: send() and send_streaming() may be called from any number of
// threads at once. The destructor must not run while a send is in progress.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/crypto/client_identity.hpp"
#include "hub/observability/metrics.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5000};  // TCP connect plus TLS handshake
  std::chrono::milliseconds total_timeout{30000};   // whole exchange, default per request
  // Largest response body send() accepts, in bytes; checked while receiving.
  // send_streaming() is not subject to it (its consumer holds no buffer).
  std::int64_t max_response_bytes = std::int64_t{4} << 20;
  // Extra PEM CA bundle, trusted besides the system's; read once, when the
  // client is constructed. Empty = the system's anchors only.
  std::string ca_file;
  std::string client_cert_file;  // PEM client certificate for mutual TLS; set with the key
  std::string client_key_file;   // PEM private key (unencrypted) for client_cert_file
  // Mutual TLS from memory (an instance's `tls` settings, loaded by the
  // plugin host): presented on every request; wins over the two files above.
  std::shared_ptr<const crypto::ClientIdentity> client_identity;
  // When set, the only anchors a server may chain to: the system's and
  // ca_file are not trusted.
  std::shared_ptr<const crypto::TrustAnchors> trust_anchors;
  // Proxy URL (e.g. "http://proxy.internal:3128"); empty = connect directly.
  // Proxy environment variables are ignored: the hub config decides.
  std::string proxy;
  int max_redirects = 0;  // 0 = a 3xx is handed back as is
  // When set, every request is counted in wasl_http_client_requests_total
  // and every new connection it opened in wasl_http_client_connections_total
  // (on https, each is a TLS handshake), labelled {client, scheme}: how
  // well connections to a provider are reused. Must outlive the client.
  observability::Metrics* metrics = nullptr;
  std::string metrics_client;  // the `client` label: the instance's name
};

struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", …
  std::string url;     // absolute http:// or https:// URL
  // Sent in order, as given. No Content-Type is added for a body; libcurl's
  // own Host, Accept and Content-Length headers are sent unless overridden.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent when non-empty, and always for POST/PUT/PATCH
  std::optional<std::chrono::milliseconds> total_timeout;  // overrides the option
  std::optional<int> max_redirects;                        // overrides the option
  // When not empty, sent in place of `body` without a copy (an object
  // store's parts); the bytes must stay valid until send() returns. Last,
  // so the members before it keep their places in brace initialisers.
  std::string_view body_view;
  std::string_view body_bytes() const { return body_view.empty() ? body : body_view; }
};

struct HttpResponse {
  int status = 0;
  // Headers of the final response, in order, names as received.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;           // empty after send_streaming()
  std::string effective_url;  // the URL of the final response after redirects
};

class HttpClient {
 public:
  // Does not touch the network; invalid files named in `options` surface as
  // errors from the first send().
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and returns the whole response, body included.
  sdk::Result<HttpResponse> send(const HttpRequest& request);

  // Sends `request` and hands the body to `on_chunk` as it arrives (views valid
  // for the call only), whatever the status; the returned response has status,
  // headers and effective_url but an empty body. Returning false from on_chunk
  // aborts the transfer with kCancelled; an exception from on_chunk aborts it
  // with kInternal. on_chunk runs on the calling thread.
  sdk::Result<HttpResponse> send_streaming(const HttpRequest& request,
                                           const std::function<bool(std::string_view)>& on_chunk);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when a header with this name (compared case-insensitively) may carry a
// credential, so its value must never be logged: Authorization,
// Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, and any name containing
// "token", "secret", "signature", "password", "api-key", "apikey", "session"
// or "credential".
bool is_secret_header(std::string_view name);

// "Name: value" lines joined by ", " for a log line, the value of every
// is_secret_header() replaced by "[redacted]".
std::string headers_for_log(const std::vector<std::pair<std::string, std::string>>& headers);

// `url` without user information, query string and fragment, for logs and
// error messages: "https://u:p@host/a?b#c" -> "https://host/a".
std::string url_for_log(std::string_view url);

}  // namespace wasl::plugin_host
