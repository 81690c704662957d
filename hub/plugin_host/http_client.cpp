#include "hub/plugin_host/http_client.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <fstream>
#include <iterator>
#include <mutex>

#include "hub/plugin_host/call_budget.hpp"

namespace wasl::plugin_host {

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using sdk::Error;
using sdk::ErrorCode;

// curl_global_init is called once per process, on first use, and never undone:
// clients may be created and destroyed at any time on any thread.
bool curl_ready() {
  static const bool ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ready;
}

// The whole content of a file, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return content;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_token_char(unsigned char c) {
  return std::isalnum(c) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return is_token_char(static_cast<unsigned char>(c));
  });
}

bool has_header(const Headers& headers, std::string_view name) {
  std::string wanted = lowercase(name);
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return lowercase(header.first) == wanted; });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

// State of one transfer, reached from libcurl's callbacks.
struct Transfer {
  HttpResponse response;
  std::int64_t max_body_bytes = -1;  // -1 = unlimited
  std::int64_t received = 0;
  bool over_limit = false;
  const std::function<bool(std::string_view)>* on_chunk = nullptr;
  bool cancelled = false;
  bool consumer_threw = false;
  std::string consumer_error;
  const CallBudget* budget = nullptr;  // the calling thread's; may be null
  bool interrupted = false;            // aborted because the budget's call was cancelled
};

// libcurl's progress callback: aborts the transfer when the call it serves
// has been cancelled.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->budget != nullptr && transfer->budget->is_cancelled()) {
    transfer->interrupted = true;
    return 1;
  }
  return 0;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t length = size * count;
  transfer->received += static_cast<std::int64_t>(length);
  if (transfer->on_chunk != nullptr) {
    try {
      if (!(*transfer->on_chunk)(std::string_view(data, length))) {
        transfer->cancelled = true;
        return 0;
      }
    } catch (const std::exception& e) {
      transfer->consumer_threw = true;
      transfer->consumer_error = e.what();
      return 0;
    } catch (...) {
      transfer->consumer_threw = true;
      transfer->consumer_error = "an exception that is not a std::exception";
      return 0;
    }
    return length;
  }
  if (transfer->max_body_bytes >= 0 && transfer->received > transfer->max_body_bytes) {
    transfer->over_limit = true;
    return 0;
  }
  transfer->response.body.append(data, length);
  return length;
}

// Called once per header line of every response (1xx, redirects, final); the
// list is restarted at each status line so the final response's headers remain.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t length = size * count;
  std::string_view line(data, length);
  auto& headers = transfer->response.headers;
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();
    return length;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    std::string_view continuation = trim(line);
    if (!headers.empty() && !continuation.empty()) {
      headers.back().second += ' ';
      headers.back().second += continuation;
    }
    return length;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return length;  // the blank line ending the block
  headers.emplace_back(std::string(line.substr(0, colon)),
                       std::string(trim(line.substr(colon + 1))));
  return length;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

bool append(Slist& list, const std::string& line) {
  curl_slist* next = curl_slist_append(list.get(), line.c_str());
  if (next == nullptr) return false;
  (void)list.release();
  list.reset(next);
  return true;
}

}  // namespace

bool is_secret_header(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kExact{"authorization", "proxy-authorization",
                                                          "cookie", "set-cookie", "x-api-key"};
  static constexpr std::array<std::string_view, 8> kFragments{
      "token", "secret", "signature", "password", "api-key", "apikey", "session", "credential"};
  std::string lower = lowercase(name);
  if (std::find(kExact.begin(), kExact.end(), lower) != kExact.end()) return true;
  return std::any_of(kFragments.begin(), kFragments.end(), [&](std::string_view fragment) {
    return lower.find(fragment) != std::string::npos;
  });
}

std::string headers_for_log(const Headers& headers) {
  std::string out;
  for (const auto& [name, value] : headers) {
    if (!out.empty()) out += ", ";
    out += name;
    out += ": ";
    out += is_secret_header(name) ? std::string_view("[redacted]") : std::string_view(value);
  }
  return out;
}

std::string url_for_log(std::string_view url) {
  std::string_view rest = url;
  std::string out;
  auto scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    out.append(rest.substr(0, scheme_end + 3));
    rest.remove_prefix(scheme_end + 3);
    auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    auto at = authority.rfind('@');
    if (at != std::string_view::npos) authority.remove_prefix(at + 1);
    out.append(authority);
    rest.remove_prefix(authority_end == std::string_view::npos ? rest.size() : authority_end);
  }
  out.append(rest.substr(0, rest.find_first_of("?#")));
  return out;
}

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions opts) : options(std::move(opts)) {
    if (!curl_ready()) return;
    share = curl_share_init();
    if (share == nullptr) return;
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Impl::lock_share);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock_share);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (options.trust_anchors) {
      trust_bundle = options.trust_anchors->pem();
    } else if (!options.ca_file.empty()) {
      load_trust_bundle();
    }
  }

  // The system's CA bundle followed by ca_file, so that ca_file adds trust
  // anchors rather than replacing them. Read once, here.
  void load_trust_bundle() {
    std::optional<std::string> extra = read_file(options.ca_file);
    if (!extra || extra->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      ca_file_unusable = true;
      return;
    }
    CURL* probe = curl_easy_init();
    char* system_bundle = nullptr;
    if (probe != nullptr) curl_easy_getinfo(probe, CURLINFO_CAINFO, &system_bundle);
    if (system_bundle != nullptr) trust_bundle = read_file(system_bundle).value_or("");
    if (probe != nullptr) curl_easy_cleanup(probe);
    if (!trust_bundle.empty() && trust_bundle.back() != '\n') trust_bundle += '\n';
    trust_bundle += *extra;
  }

  ~Impl() {
    for (CURL* handle : idle) curl_easy_cleanup(handle);
    if (share != nullptr) curl_share_cleanup(share);
  }

  static void lock_share(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[static_cast<size_t>(data)].lock();
  }
  static void unlock_share(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks[static_cast<size_t>(data)].unlock();
  }

  // An easy handle for one transfer on the calling thread. Idle handles keep
  // their open connections, so the most recently used one is handed out first.
  CURL* acquire() {
    {
      std::lock_guard<std::mutex> guard(pool_mutex);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void release(CURL* handle) {
    curl_easy_reset(handle);  // drops pointers to the finished transfer; keeps connections
    std::lock_guard<std::mutex> guard(pool_mutex);
    if (idle.size() < kMaxIdleHandles) {
      idle.push_back(handle);
      return;
    }
    curl_easy_cleanup(handle);
  }

  // Counts the request and the connections it opened (options.metrics).
  void count(CURL* handle, const std::string& url) const {
    if (options.metrics == nullptr) return;
    const observability::Labels labels = {
        {"client", options.metrics_client},
        {"scheme", url.rfind("https:", 0) == 0 ? "https" : "http"}};
    options.metrics->counter_add("wasl_http_client_requests_total",
                                 "Outgoing HTTP requests, by client and scheme.", labels, 1);
    long connects = 0;
    curl_easy_getinfo(handle, CURLINFO_NUM_CONNECTS, &connects);
    if (connects > 0) {
      options.metrics->counter_add(
          "wasl_http_client_connections_total",
          "New connections outgoing requests opened (on https, each a TLS handshake).", labels,
          static_cast<double>(connects));
    }
  }
  sdk::Result<HttpResponse> perform(const HttpRequest& request,
                                    const std::function<bool(std::string_view)>* on_chunk);

  static constexpr size_t kMaxIdleHandles = 64;

  const HttpClientOptions options;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;
  std::string trust_bundle;  // PEM; empty = libcurl's default CA bundle and path
  bool ca_file_unusable = false;
  std::mutex pool_mutex;
  std::vector<CURL*> idle;
};

namespace {

sdk::Status check_request(const HttpRequest& request, const HttpClientOptions& options) {
  if (!is_token(request.method)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the HTTP method must be a non-empty token such as GET or POST");
  }
  if (request.method == "HEAD" && !request.body_bytes().empty()) {
    return Error(ErrorCode::kInvalidArgument, "a HEAD request cannot carry a body");
  }
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name)) {
      return Error(ErrorCode::kInvalidArgument,
                   "a request header name is empty or contains characters HTTP does not allow");
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "the value of request header " + name + " contains a line break or NUL");
    }
  }
  if (request.total_timeout.value_or(options.total_timeout).count() <= 0 ||
      options.connect_timeout.count() <= 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "connect_timeout and total_timeout must be positive durations");
  }
  if (options.max_response_bytes < 0) {
    return Error(ErrorCode::kInvalidArgument, "max_response_bytes must not be negative");
  }
  if (options.client_cert_file.empty() != options.client_key_file.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "client_cert_file and client_key_file must be set together for mutual TLS");
  }
  return sdk::ok_status();
}

// True when libcurl's detail reports a TLS alert by which the server refused
// the client's certificate (OpenSSL words them "… alert certificate required",
// "tlsv1 alert unknown ca", …). Such a refusal does not heal by retrying.
bool refused_client_certificate(std::string_view detail) {
  std::string lower = lowercase(detail);
  if (lower.find("alert") == std::string::npos) return false;
  static constexpr std::array<std::string_view, 8> kAlerts{
      "certificate required", "bad certificate",     "unsupported certificate",
      "certificate revoked",  "certificate expired", "certificate unknown",
      "unknown ca",           "access denied"};
  return std::any_of(kAlerts.begin(), kAlerts.end(), [&](std::string_view alert) {
    return lower.find(alert) != std::string::npos;
  });
}

Error map_failure(CURLcode code, const Transfer& transfer, const char* detail_buffer,
                  const std::string& what, const HttpClientOptions& options,
                  std::chrono::milliseconds total_timeout, long max_redirects) {
  std::string detail = detail_buffer[0] != '\0' ? detail_buffer : curl_easy_strerror(code);
  if (refused_client_certificate(detail)) {
    return Error(ErrorCode::kFailedPrecondition,
                 what + ": the server refused the TLS client certificate (" + detail + ")", false);
  }
  if (transfer.over_limit || code == CURLE_FILESIZE_EXCEEDED) {
    return Error(ErrorCode::kResourceExhausted,
                 what + ": the response body exceeded the limit of " +
                     std::to_string(options.max_response_bytes) + " bytes (max_response_bytes)",
                 false);
  }
  if (transfer.interrupted) {
    return Error(ErrorCode::kCancelled,
                 what + ": the call was cancelled (its step was given up or the hub is stopping)",
                 true);
  }
  if (transfer.cancelled) {
    return Error(ErrorCode::kCancelled, what + ": the response consumer stopped the transfer",
                 false);
  }
  if (transfer.consumer_threw) {
    return Error(ErrorCode::kInternal,
                 what + ": the response consumer threw: " + transfer.consumer_error, false);
  }
  if (code == CURLE_SSL_CACERT_BADFILE) {
    return Error(ErrorCode::kFailedPrecondition,
                 what + ": the CA file " + options.ca_file + " could not be used (" + detail + ")",
                 false);
  }
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Error(ErrorCode::kDeadlineExceeded,
                   what + " timed out (connect timeout " +
                       std::to_string(options.connect_timeout.count()) + " ms, total timeout " +
                       std::to_string(total_timeout.count()) + " ms): " + detail,
                   true);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PROXY:
    case CURLE_AGAIN: return Error(ErrorCode::kUnavailable, what + " failed: " + detail, true);
    case CURLE_PEER_FAILED_VERIFICATION:
      return Error(ErrorCode::kFailedPrecondition,
                   what + ": TLS verification of the server failed (" + detail +
                       "); if the server uses a private CA, set ca_file to its certificate",
                   false);
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
      return Error(ErrorCode::kFailedPrecondition,
                   what + ": the client certificate " +
                       (options.client_identity
                            ? options.client_identity->description().subject
                            : options.client_cert_file + " or key " + options.client_key_file) +
                       " could not be used (" + detail + ")",
                   false);
    case CURLE_TOO_MANY_REDIRECTS:
      return Error(ErrorCode::kFailedPrecondition,
                   what + ": stopped after " + std::to_string(max_redirects) +
                       " redirects (max_redirects is " + std::to_string(max_redirects) + ")",
                   false);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error(ErrorCode::kInvalidArgument,
                   what + ": the URL is malformed or not http(s) (" + detail + ")", false);
    default: return Error(ErrorCode::kInternal, what + " failed: " + detail, false);
  }
}

}  // namespace

sdk::Result<HttpResponse> HttpClient::Impl::perform(
    const HttpRequest& request, const std::function<bool(std::string_view)>* on_chunk) {
  const std::string what = request.method + " " + url_for_log(request.url);
  WASL_RETURN_IF_ERROR(check_request(request, options));
  if (share == nullptr) {
    return Error(ErrorCode::kInternal, what + ": libcurl could not be initialised", false);
  }
  if (ca_file_unusable) {
    return Error(ErrorCode::kFailedPrecondition,
                 what + ": the CA file " + options.ca_file +
                     " could not be read; it must be a readable PEM certificate bundle",
                 false);
  }
  auto give_back = [this](CURL* leased) { release(leased); };
  std::unique_ptr<CURL, decltype(give_back)> lease(acquire(), give_back);
  CURL* handle = lease.get();
  if (handle == nullptr) {
    return Error(ErrorCode::kInternal, what + ": libcurl could not create a handle", false);
  }

  Transfer transfer;
  transfer.on_chunk = on_chunk;
  transfer.max_body_bytes = on_chunk != nullptr ? -1 : options.max_response_bytes;
  auto total_timeout = request.total_timeout.value_or(options.total_timeout);
  auto connect_timeout = options.connect_timeout;
  // The call this request serves may be out of time or cancelled already;
  // otherwise the request gets no more time than the call has left.
  transfer.budget = current_call_budget();
  if (transfer.budget != nullptr) {
    WASL_RETURN_IF_ERROR(transfer.budget->check(what));
    const auto left = std::max(transfer.budget->time_left(), std::chrono::milliseconds(1));
    total_timeout = std::min(total_timeout, left);
    connect_timeout = std::min(connect_timeout, left);
  }
  const long max_redirects = std::max(0, request.max_redirects.value_or(options.max_redirects));
  char detail[CURL_ERROR_SIZE] = {0};

  const std::string_view body = request.body_bytes();
  bool sends_body = !body.empty() || request.method == "POST" || request.method == "PUT" ||
                    request.method == "PATCH";
  Slist header_list;
  bool headers_ok = true;
  for (const auto& [name, value] : request.headers) {
    headers_ok =
        headers_ok && append(header_list, value.empty() ? name + ";" : name + ": " + value);
  }
  // libcurl would otherwise add a form Content-Type and an Expect: 100-continue.
  if (sends_body && !has_header(request.headers, "Content-Type")) {
    headers_ok = headers_ok && append(header_list, "Content-Type:");
  }
  if (!has_header(request.headers, "Expect"))
    headers_ok = headers_ok && append(header_list, "Expect:");
  if (!headers_ok) return Error(ErrorCode::kInternal, what + ": out of memory", false);

  curl_easy_setopt(handle, CURLOPT_SHARE, share);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);

  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && !sends_body) {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else {
    if (request.method == "POST") {
      curl_easy_setopt(handle, CURLOPT_POST, 1L);
    } else {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (sends_body) {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
    }
  }
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());

  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, max_redirects > 0 ? 1L : 0L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, max_redirects);

  // Verification is not configurable. VERIFYHOST 2 is the "check the name" value.
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(handle, CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
  curl_blob trust{};
  if (!trust_bundle.empty()) {
    trust.data = const_cast<char*>(trust_bundle.data());  // libcurl only reads it
    trust.len = trust_bundle.size();
    trust.flags = CURL_BLOB_NOCOPY;  // trust_bundle outlives every transfer
    curl_easy_setopt(handle, CURLOPT_CAINFO_BLOB, &trust);
    // Only the blob: no directory of further anchors beside it.
    if (options.trust_anchors) curl_easy_setopt(handle, CURLOPT_CAPATH, nullptr);
  }
  curl_blob certificate{};
  curl_blob key{};
  if (options.client_identity) {
    const std::string& chain = options.client_identity->certificate_chain_pem();
    certificate.data = const_cast<char*>(chain.data());  // libcurl only reads it
    certificate.len = chain.size();
    certificate.flags = CURL_BLOB_NOCOPY;  // the identity outlives every transfer
    std::string_view key_pem = options.client_identity->private_key_pem();
    key.data = const_cast<char*>(key_pem.data());
    key.len = key_pem.size();
    key.flags = CURL_BLOB_NOCOPY;
    curl_easy_setopt(handle, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(handle, CURLOPT_SSLCERT_BLOB, &certificate);
    curl_easy_setopt(handle, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(handle, CURLOPT_SSLKEY_BLOB, &key);
  } else if (!options.client_cert_file.empty()) {
    curl_easy_setopt(handle, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(handle, CURLOPT_SSLCERT, options.client_cert_file.c_str());
    curl_easy_setopt(handle, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(handle, CURLOPT_SSLKEY, options.client_key_file.c_str());
  }
  // An empty string disables proxies, including those named by the environment.
  curl_easy_setopt(handle, CURLOPT_PROXY, options.proxy.c_str());
  curl_easy_setopt(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);

  // A HEAD answer's Content-Length is the size of a body that never comes:
  // the limit applies to bodies read, so not to it.
  if (transfer.max_body_bytes >= 0 && request.method != "HEAD") {
    curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(transfer.max_body_bytes));
  }
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  if (transfer.budget != nullptr) {
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
  }

  auto logger = spdlog::default_logger_raw();
  if (logger->should_log(spdlog::level::trace)) {
    logger->trace("http client {} request headers: {}", what, headers_for_log(request.headers));
  }
  const auto started = std::chrono::steady_clock::now();
  CURLcode code = curl_easy_perform(handle);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  count(handle, request.url);

  if (code != CURLE_OK) {
    Error error = map_failure(code, transfer, detail, what, options, total_timeout, max_redirects);
    logger->debug("http client {} -> {} in {} ms", what, sdk::to_string(error.code), elapsed);
    return error;
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  char* effective_url = nullptr;
  curl_easy_getinfo(handle, CURLINFO_EFFECTIVE_URL, &effective_url);
  transfer.response.status = static_cast<int>(status);
  transfer.response.effective_url = effective_url != nullptr ? effective_url : request.url;
  logger->debug("http client {} -> {} in {} ms", what, status, elapsed);
  return std::move(transfer.response);
}

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

sdk::Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  return impl_->perform(request, nullptr);
}

sdk::Result<HttpResponse> HttpClient::send_streaming(
    const HttpRequest& request, const std::function<bool(std::string_view)>& on_chunk) {
  return impl_->perform(request, &on_chunk);
}

}  // namespace wasl::plugin_host
