// SandboxReportSink: a stand-in Ministry of Health receiver for the sandbox
// run and end-to-end tests — it sends nothing anywhere. submit_report is
// recorded in the state file once per idempotency key (StateFile) and answers
// an "accepted" receipt "sandbox-receipt-<n>"; a repeat answers the same
// receipt. Thread-safe.
#pragma once

#include <memory>

#include "plugins/sandbox/settings.hpp"
#include "plugins/sandbox/state_file.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/reporting.hpp"

namespace wasl::plugins::sandbox {

class SandboxReportSink final : public sdk::ReportSink {
 public:
  // `host` outlives this object.
  SandboxReportSink(sdk::Host& host, SandboxSettings settings, std::unique_ptr<StateFile> state);

  // kInvalidArgument for a report with no kind.
  sdk::Result<sdk::Receipt> submit_report(const sdk::Report& report) override;

 private:
  sdk::Host& host_;
  const SandboxSettings settings_;
  std::unique_ptr<StateFile> state_;
};

}  // namespace wasl::plugins::sandbox
