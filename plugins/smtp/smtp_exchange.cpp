#include "plugins/smtp/smtp_exchange.hpp"

#include <array>
#include <cctype>
#include <optional>
#include <utility>

namespace wasl::plugins::smtp {
namespace {

using sdk::Error;
using sdk::ErrorCode;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The command verb of a line the client sent, upper-cased ("MAIL" of
// "MAIL FROM:<…>").
std::string verb_of(std::string_view line) {
  std::string verb;
  for (char c : line) {
    if (c == ' ' || c == ':' || c == '\r' || c == '\n' || verb.size() == 8) break;
    verb += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return verb;
}

std::optional<SmtpStage> stage_of(std::string_view verb) {
  static constexpr std::array<std::pair<std::string_view, SmtpStage>, 7> kVerbs{{
      {"EHLO", SmtpStage::kEhlo},
      {"HELO", SmtpStage::kEhlo},
      {"STARTTLS", SmtpStage::kStartTls},
      {"AUTH", SmtpStage::kAuth},
      {"MAIL", SmtpStage::kMailFrom},
      {"RCPT", SmtpStage::kRcptTo},
      {"DATA", SmtpStage::kData},
  }};
  for (const auto& [name, stage] : kVerbs) {
    if (name == verb) return stage;
  }
  return std::nullopt;
}

// "5.1.1" at the start of a reply's text (RFC 3463), or "".
std::string enhanced_status_of(std::string_view text) {
  std::size_t at = 0;
  std::string out;
  if (text.empty() || (text[0] != '2' && text[0] != '4' && text[0] != '5')) return {};
  out += text[at++];
  for (int part = 0; part < 2; ++part) {
    if (at >= text.size() || text[at] != '.') return {};
    out += text[at++];
    std::size_t digits = 0;
    while (at < text.size() && is_digit(text[at]) && digits < 3) {
      out += text[at++];
      ++digits;
    }
    if (digits == 0) return {};
  }
  if (at < text.size() && text[at] != ' ' && text[at] != '\r' && text[at] != '\n') return {};
  return out;
}

std::string code_and_status(int code, std::string_view status) {
  std::string out = std::to_string(code);
  if (!status.empty()) out += " " + std::string(status);
  return out;
}

}  // namespace

std::string_view stage_name(SmtpStage stage) {
  switch (stage) {
    case SmtpStage::kGreeting: return "the greeting";
    case SmtpStage::kEhlo: return "EHLO";
    case SmtpStage::kStartTls: return "STARTTLS";
    case SmtpStage::kAuth: return "AUTH";
    case SmtpStage::kMailFrom: return "MAIL FROM";
    case SmtpStage::kRcptTo: return "RCPT TO";
    case SmtpStage::kData: return "DATA";
    case SmtpStage::kMessage: return "the message";
  }
  return "?";
}

void SmtpExchange::observe(curl_infotype type, std::string_view data) {
  if (quitting) return;
  if (type == CURLINFO_HEADER_OUT) {
    // During AUTH, a line after a 334 challenge is the client's SASL answer
    // (base64), not a command.
    if (stage == SmtpStage::kAuth && reply_code == 334) return;
    const std::string verb = verb_of(data);
    if (verb == "QUIT") {
      quitting = true;
    } else if (auto next = stage_of(verb)) {
      stage = *next;
    }
    return;
  }
  if (type != CURLINFO_HEADER_IN) return;
  std::size_t start = 0;
  while (start < data.size()) {
    std::size_t end = data.find('\n', start);
    if (end == std::string_view::npos) end = data.size();
    const std::string_view line = data.substr(start, end - start);
    start = end + 1;
    // The last line of a reply is "NNN text" (or just "NNN"); "NNN-text"
    // continues it.
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])) {
      continue;
    }
    if (line.size() > 3 && line[3] == '-') continue;
    reply_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    enhanced_status = enhanced_status_of(line.size() > 4 ? line.substr(4) : std::string_view());
    reply_stage = stage;
    if (stage == SmtpStage::kStartTls && reply_code == 220) tls = true;
    if (stage == SmtpStage::kAuth && reply_code == 235) authenticated = true;
    if (stage == SmtpStage::kData && reply_code == 354) stage = SmtpStage::kMessage;
  }
}

sdk::Error smtp_failure(CURLcode code, const SmtpExchange& exchange, std::string_view detail,
                        std::string_view server, std::chrono::milliseconds connect_timeout,
                        std::chrono::milliseconds timeout) {
  const std::string where = "SMTP " + std::string(server);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Error(ErrorCode::kDeadlineExceeded,
                 where + ": timed out during " + std::string(stage_name(exchange.stage)) +
                     " (connect timeout " + std::to_string(connect_timeout.count()) +
                     " ms, total timeout " + std::to_string(timeout.count()) + " ms)",
                 true);
  }
  if (exchange.reply_code >= 400) {
    const int reply = exchange.reply_code;
    const SmtpStage stage = exchange.reply_stage;
    const std::string answered = where + ": " + std::string(stage_name(stage)) + " answered " +
                                 code_and_status(reply, exchange.enhanced_status);
    if (reply < 500) {
      return Error(ErrorCode::kUnavailable, answered + " (a temporary failure; try again later)",
                   true);
    }
    switch (stage) {
      case SmtpStage::kRcptTo:
        return Error(ErrorCode::kInvalidArgument, answered + ": the server refuses this recipient",
                     false);
      case SmtpStage::kMessage:
        return Error(ErrorCode::kInvalidArgument, answered + ": the server refuses this message",
                     false);
      case SmtpStage::kAuth:
        return Error(ErrorCode::kPermissionDenied,
                     answered +
                         ": the server refuses the username and password (or the "
                         "mechanism); check username, password and auth_mechanism",
                     false);
      case SmtpStage::kMailFrom:
        return Error(ErrorCode::kFailedPrecondition,
                     answered +
                         ": the server refuses the sender; check from and the account's "
                         "right to send as it",
                     false);
      default:
        return Error(ErrorCode::kFailedPrecondition,
                     answered + ": the server refuses the conversation", false);
    }
  }
  const std::string text(detail.empty() ? std::string_view(curl_easy_strerror(code)) : detail);
  switch (code) {
    case CURLE_LOGIN_DENIED:
      return Error(ErrorCode::kPermissionDenied,
                   where + ": the server refused the login (" + text + ")", false);
    case CURLE_USE_SSL_FAILED:
      return Error(ErrorCode::kFailedPrecondition,
                   where +
                       ": the server does not offer STARTTLS, and this plugin never sends "
                       "credentials or mail without TLS",
                   false);
    case CURLE_PEER_FAILED_VERIFICATION:
      return Error(ErrorCode::kFailedPrecondition,
                   where + ": TLS verification of the server failed (" + text +
                       "); if it uses a private CA, set http.ca_file to its certificate",
                   false);
    case CURLE_SSL_CACERT_BADFILE:
      return Error(ErrorCode::kFailedPrecondition,
                   where + ": the CA bundle could not be used (" + text + ")", false);
    case CURLE_ABORTED_BY_CALLBACK:
      return Error(ErrorCode::kFailedPrecondition,
                   where + ": the message was not sent: " +
                       (exchange.tls ? "the server did not authenticate the account (it offers "
                                       "no AUTH mechanism libcurl can use)"
                                     : "the connection is not encrypted"),
                   false);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error(ErrorCode::kFailedPrecondition,
                   where + ": the URL is malformed or not smtp(s):// (" + text + ")", false);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_AGAIN:
      return Error(
          ErrorCode::kUnavailable,
          where + ": failed during " + std::string(stage_name(exchange.stage)) + " (" + text + ")",
          true);
    default:
      return Error(
          ErrorCode::kInternal,
          where + ": failed during " + std::string(stage_name(exchange.stage)) + " (" + text + ")",
          false);
  }
}

}  // namespace wasl::plugins::smtp
