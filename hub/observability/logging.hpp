// Logging: spdlog writing one JSON object per line, with the current
// request id. Call init() once at start-up; afterwards use spdlog's free
// functions (spdlog::info(…)) from any thread.
#pragma once

#include <string>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::observability {

struct LogOptions {
  std::string level = "info";  // trace … off
  std::string file;            // empty = stderr
  // JSON members whose values are redacted in every line, beside the
  // standard redactor's (the serve command passes domain::phi_json_members()).
  std::vector<std::string> phi_json_members;
};

sdk::Status init_logging(const LogOptions& options);

// The request id attached to log lines written by this thread; set by the
// HTTP layer for the duration of a request, empty outside one.
void set_request_id(std::string id);
const std::string& current_request_id();

// Sets the request id for a scope and restores the previous one after.
class RequestIdScope {
 public:
  explicit RequestIdScope(std::string id);
  ~RequestIdScope();
  RequestIdScope(const RequestIdScope&) = delete;
  RequestIdScope& operator=(const RequestIdScope&) = delete;

 private:
  std::string previous_;
};

}  // namespace wasl::observability
