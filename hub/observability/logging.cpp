#include "hub/observability/logging.hpp"

#include <chrono>
#include <ctime>
#include <memory>
#include <utility>

#include <spdlog/formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "hub/observability/redactor.hpp"

namespace wasl::observability {
namespace {

thread_local std::string tls_request_id;

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

// Appends `text` as the inside of a JSON string: quotes, backslashes and
// control characters escaped; invalid UTF-8 bytes become U+FFFD so the line
// is always valid JSON.
void append_json_escaped(spdlog::memory_buf_t& dest, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': append(dest, "\\\""); break;
        case '\\': append(dest, "\\\\"); break;
        case '\n': append(dest, "\\n"); break;
        case '\r': append(dest, "\\r"); break;
        case '\t': append(dest, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f) {
            char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
            dest.append(esc, esc + sizeof esc);
          } else {
            dest.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // Validate one multi-byte sequence (no overlongs, no surrogates, ≤ U+10FFFF).
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    bool valid = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      valid = cc >= min && cc <= max;
    }
    if (valid) {
      append(dest, text.substr(i, len));
      i += len;
    } else {
      append(dest, "\xEF\xBF\xBD");
      ++i;
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
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    auto since_epoch = msg.time.time_since_epoch();
    auto secs = duration_cast<seconds>(since_epoch);
    auto millis = duration_cast<milliseconds>(since_epoch - secs).count();
    std::time_t t = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[64];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(millis));
    append(dest, "{\"ts\":\"");
    append(dest, ts);
    append(dest, "\",\"level\":\"");
    append(dest, level_name(msg.level));
    append(dest, "\",\"msg\":\"");
    std::string redacted =
        Redactor::standard().redact(std::string_view(msg.payload.data(), msg.payload.size()));
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
    return std::make_unique<JsonLineFormatter>();
  }
};

bool parse_level(const std::string& name, spdlog::level::level_enum& out) {
  static const std::pair<const char*, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
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
  sink->set_formatter(std::make_unique<JsonLineFormatter>());
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
