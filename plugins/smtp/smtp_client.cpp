#include "plugins/smtp/smtp_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "plugins/smtp/smtp_exchange.hpp"

namespace wasl::plugins::smtp {
namespace {

using sdk::Error;
using sdk::ErrorCode;

// Data a server sends outside its replies (none for a message submission).
constexpr std::size_t kMaxServerData = 64 * 1024;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return std::nullopt;
  return text.str();
}

bool curl_ready() {
  static std::once_flag once;
  static bool ready = false;
  std::call_once(once, [] { ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ready;
}

// The system's CA bundle (libcurl's default), then `extra`, so that
// http.ca_file adds anchors as the hub's HTTP client does.
std::string trust_bundle_with(const std::string& extra) {
  std::string bundle;
  CURL* probe = curl_easy_init();
  char* system_bundle = nullptr;
  if (probe != nullptr) curl_easy_getinfo(probe, CURLINFO_CAINFO, &system_bundle);
  if (system_bundle != nullptr) bundle = read_file(system_bundle).value_or("");
  if (probe != nullptr) curl_easy_cleanup(probe);
  if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
  return bundle + extra;
}

struct Upload {
  std::string_view message;
  std::size_t sent = 0;
  const SmtpExchange* exchange = nullptr;
};

// Releases the message only over TLS and after AUTH.
std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  if (upload->sent == 0 && !upload->message.empty() &&
      !(upload->exchange->tls && upload->exchange->authenticated)) {
    return CURL_READFUNC_ABORT;
  }
  const std::size_t n = std::min(size * count, upload->message.size() - upload->sent);
  std::copy_n(upload->message.data() + upload->sent, n, buffer);
  upload->sent += n;
  return n;
}

std::size_t discard_bounded(char*, std::size_t size, std::size_t count, void* user) {
  auto* received = static_cast<std::size_t*>(user);
  *received += size * count;
  return *received > kMaxServerData ? 0 : size * count;
}

int observe_trace(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  static_cast<SmtpExchange*>(user)->observe(type, std::string_view(data, size));
  return 0;
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

sdk::Result<std::unique_ptr<SmtpClient>> SmtpClient::create(const SmtpSettings& settings) {
  if (!curl_ready()) {
    return Error(ErrorCode::kInternal, "SMTP: libcurl could not be initialised", false);
  }
  std::string bundle;
  if (!settings.ca_file.empty()) {
    auto extra = read_file(settings.ca_file);
    if (!extra || extra->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "SMTP settings: http.ca_file " + settings.ca_file +
                       " cannot be read or holds no PEM certificate",
                   false);
    }
    bundle = trust_bundle_with(*extra);
  }
  return std::unique_ptr<SmtpClient>(new SmtpClient(settings, std::move(bundle)));
}

SmtpClient::SmtpClient(const SmtpSettings& settings, std::string trust_bundle)
    : url_(settings.url),
      url_for_log_(url_for_log(settings.url)),
      username_(settings.username),
      password_(settings.password),
      login_options_(settings.auth_mechanism == AuthMechanism::kPlain   ? "AUTH=PLAIN"
                     : settings.auth_mechanism == AuthMechanism::kLogin ? "AUTH=LOGIN"
                                                                        : ""),
      trust_bundle_(std::move(trust_bundle)),
      connect_timeout_(settings.connect_timeout),
      timeout_(settings.timeout) {}

sdk::Result<MailAccepted> SmtpClient::submit(const std::string& mail_from,
                                             const std::string& rcpt_to,
                                             std::string_view message) const {
  // Declared before the handle: libcurl may still report to them (QUIT)
  // while the handle is cleaned up.
  SmtpExchange exchange;
  exchange.tls = url_.rfind("smtps://", 0) == 0;
  Upload upload{message, 0, &exchange};
  std::size_t server_data = 0;
  std::array<char, CURL_ERROR_SIZE> detail{};

  std::unique_ptr<curl_slist, SlistDeleter> recipients(
      curl_slist_append(nullptr, ("<" + rcpt_to + ">").c_str()));
  std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  if (!handle || !recipients) {
    return Error(ErrorCode::kInternal, "SMTP " + url_for_log_ + ": libcurl could not start", false);
  }
  CURL* h = handle.get();
  const std::string from = "<" + mail_from + ">";
  bool set = true;
  const auto option = [&set](CURLcode result) { set = set && result == CURLE_OK; };
  option(curl_easy_setopt(h, CURLOPT_URL, url_.c_str()));
  option(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
  option(curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL)));
  option(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
  option(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
  if (!trust_bundle_.empty()) {
    curl_blob blob{const_cast<char*>(trust_bundle_.data()), trust_bundle_.size(), CURL_BLOB_NOCOPY};
    option(curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob));
  }
  option(curl_easy_setopt(h, CURLOPT_PROXY, ""));
  option(curl_easy_setopt(h, CURLOPT_USERNAME, username_.c_str()));
  option(curl_easy_setopt(h, CURLOPT_PASSWORD, password_.c_str()));
  if (!login_options_.empty()) {
    option(curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, login_options_.c_str()));
  }
  option(curl_easy_setopt(h, CURLOPT_SASL_IR, 1L));
  option(curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str()));
  option(curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get()));
  option(curl_easy_setopt(h, CURLOPT_UPLOAD, 1L));
  option(curl_easy_setopt(h, CURLOPT_READFUNCTION, &read_message));
  option(curl_easy_setopt(h, CURLOPT_READDATA, &upload));
  option(curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size())));
  option(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard_bounded));
  option(curl_easy_setopt(h, CURLOPT_WRITEDATA, &server_data));
  option(
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_.count())));
  option(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count())));
  option(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  option(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail.data()));
  // The protocol trace goes to observe_trace only (never to stderr): it
  // holds the recipient and the credentials, and is reduced there to codes.
  option(curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, &observe_trace));
  option(curl_easy_setopt(h, CURLOPT_DEBUGDATA, &exchange));
  option(curl_easy_setopt(h, CURLOPT_VERBOSE, 1L));
  if (!set) {
    return Error(ErrorCode::kInternal,
                 "SMTP " + url_for_log_ + ": this libcurl lacks an option the plugin needs", false);
  }
  const CURLcode result = curl_easy_perform(h);
  if (result != CURLE_OK) {
    return smtp_failure(result, exchange, detail.data(), url_for_log_, connect_timeout_, timeout_);
  }
  return MailAccepted{exchange.reply_code, exchange.enhanced_status};
}

}  // namespace wasl::plugins::smtp
