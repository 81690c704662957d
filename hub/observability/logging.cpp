#include "hub/observability/logging.hpp"

#include <chrono>
#include <iterator>
#include <memory>
#include <string>
#include <utility>

#include <spdlog/fmt/fmt.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <utf8.h>

#include "hub/observability/redactor.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::observability {
namespace {

thread_local std::string tls_request_id;

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

// Appends `text` as the inside of a JSON string: quotes, backslashes and
// control characters escaped; invalid UTF-8 (utfcpp's judgement: overlongs,
// surrogates and code points past U+10FFFF included) becomes U+FFFD, so the
// line is always valid JSON.
void append_json_escaped(spdlog::memory_buf_t& dest, std::string_view text) {
  std::string replaced;
  if (!utf8::is_valid(text.begin(), text.end())) {
    utf8::replace_invalid(text.begin(), text.end(), std::back_inserter(replaced));
    text = replaced;
  }
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': append(dest, "\\\""); break;
      case '\\': append(dest, "\\\\"); break;
      case '\n': append(dest, "\\n"); break;
      case '\r': append(dest, "\\r"); break;
      case '\t': append(dest, "\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          fmt::format_to(std::back_inserter(dest), "\\u{:04x}", c);
        } else {
          dest.push_back(ch);
        }
    }
  }
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

// One JSON object per line:
// {"ts":"2026-11-21T07:32:00.123Z","level":"info","msg":"…","request_id":"…"}
// The message passes through the standard Redactor first. The request id is
// read from the thread that logs, which is the thread that formats because
// the logger is synchronous.
class JsonLineFormatter final : public spdlog::formatter {
 public:
  explicit JsonLineFormatter(std::shared_ptr<const Redactor> redactor)
      : redactor_(std::move(redactor)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string ts = sdk::format_iso8601(
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count());
    append(dest, "{\"ts\":\"");
    append(dest, ts);
    append(dest, "\",\"level\":\"");
    append(dest, level_name(msg.level));
    append(dest, "\",\"msg\":\"");
    std::string redacted =
        redactor_->redact(std::string_view(msg.payload.data(), msg.payload.size()));
    append_json_escaped(dest, redacted);
    dest.push_back('"');
    const std::string& request_id = current_request_id();
    if (!request_id.empty()) {
      append(dest, ",\"request_id\":\"");
      append_json_escaped(dest, request_id);
      dest.push_back('"');
    }
    append(dest, "}\n");
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>(redactor_);
  }

 private:
  std::shared_ptr<const Redactor> redactor_;
};

bool parse_level(const std::string& name, spdlog::level::level_enum& out) {
  static const std::pair<const char*, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace},       {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},         {"warn", spdlog::level::warn},
      {"warning", spdlog::level::warn},      {"error", spdlog::level::err},
      {"critical", spdlog::level::critical}, {"off", spdlog::level::off}};
  for (const auto& [n, level] : kLevels) {
    if (name == n) {
      out = level;
      return true;
    }
  }
  return false;
}

}  // namespace

sdk::Status init_logging(const LogOptions& options) {
  spdlog::level::level_enum level;
  if (!parse_level(options.level, level)) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "Log level '" + options.level +
                          "' is not one of trace, debug, info, warn, error, critical, off.");
  }
  std::shared_ptr<spdlog::sinks::sink> sink;
  try {
    if (options.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file, false);
    }
  } catch (const spdlog::spdlog_ex&) {
    return sdk::Error(sdk::ErrorCode::kUnavailable,
                      "Cannot open the log file '" + options.file +
                          "'; check that its directory exists and is writable.");
  }
  auto redactor = std::make_shared<Redactor>(Redactor::standard());
  for (const std::string& member : options.phi_json_members) redactor->add_json_key(member);
  sink->set_formatter(std::make_unique<JsonLineFormatter>(std::move(redactor)));
  auto logger = std::make_shared<spdlog::logger>("wasl", std::move(sink));
  logger->set_level(level);
  // Warnings and errors reach the file at once; the rest within a second.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  spdlog::flush_every(std::chrono::seconds(1));
  return sdk::ok_status();
}

void set_request_id(std::string id) { tls_request_id = std::move(id); }

const std::string& current_request_id() { return tls_request_id; }

RequestIdScope::RequestIdScope(std::string id) : previous_(std::move(tls_request_id)) {
  tls_request_id = std::move(id);
}

RequestIdScope::~RequestIdScope() { tls_request_id = std::move(previous_); }

}  // namespace wasl::observability
