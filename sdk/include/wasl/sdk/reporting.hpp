// reporting.hpp: a report receiver (the Ministry of Health endpoint).
//
// Error contract:
// - success: a Receipt ("accepted" or "queued"); a repeat with the same
//   idempotency key returns the first receipt;
// - retryable failure (network, 5xx, 429, timeout): Error with retryable = true;
// - permanent failure (the receiver rejects the content or the credentials):
//   Error with retryable = false, kInvalidArgument or kUnauthenticated.
// Thread-safe.
#pragma once

#include <string_view>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::sdk {

class ReportSink {
 public:
  virtual ~ReportSink() = default;

  static constexpr std::string_view kSubmitReport = "reporting.submit_report";

  // Submits one report (per consultation or aggregate over a period).
  virtual Result<Receipt> submit_report(const Report& report) = 0;
};

}  // namespace wasl::sdk
