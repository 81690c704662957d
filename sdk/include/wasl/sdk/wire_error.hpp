// wire_error.hpp: the JSON form of an Error as it crosses the plugin ABI:
//   {"code": "unavailable", "message": "…", "retryable": true, "retry_after_ms": 2000}
// plus "deferred": true for a deferral (only when set).
// Unknown codes read as "internal"; missing fields take Error's defaults.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::sdk {

inline nlohmann::json error_to_json(const Error& error) {
  nlohmann::json j = {{"code", std::string(to_string(error.code))},
                      {"message", error.message},
                      {"retryable", error.retryable}};
  if (error.retry_after) j["retry_after_ms"] = error.retry_after->count();
  if (error.deferred) j["deferred"] = true;
  return j;
}

// Never throws: a malformed object becomes an internal error saying so.
inline Error error_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return Error(ErrorCode::kInternal, "the plugin returned a malformed error");
  Error error;
  auto code = j.find("code");
  error.code = (code != j.end() && code->is_string())
                   ? error_code_from_string(code->get_ref<const std::string&>())
                   : ErrorCode::kInternal;
  auto message = j.find("message");
  error.message = (message != j.end() && message->is_string())
                      ? message->get<std::string>()
                      : std::string("the plugin gave no error message");
  auto retryable = j.find("retryable");
  error.retryable = (retryable != j.end() && retryable->is_boolean())
                        ? retryable->get<bool>()
                        : retryable_by_default(error.code);
  auto after = j.find("retry_after_ms");
  if (after != j.end() && after->is_number_integer()) {
    error.retry_after = std::chrono::milliseconds(after->get<std::int64_t>());
  }
  auto deferred = j.find("deferred");
  error.deferred = deferred != j.end() && deferred->is_boolean() && deferred->get<bool>() &&
                   error.retry_after.has_value();
  return error;
}

}  // namespace wasl::sdk
