// HelloReportSink: a ReportSink that accepts every report and answers with a
// receipt built from its settings. A repeat with the same idempotency key
// returns the first receipt (kept in the host's state store).
#pragma once

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/reporting.hpp"

namespace hello {

class HelloReportSink final : public wasl::sdk::ReportSink {
 public:
  explicit HelloReportSink(wasl::sdk::Host& host) : host_(host) {}

  wasl::sdk::Result<wasl::sdk::Receipt> submit_report(const wasl::sdk::Report& report) override;

 private:
  wasl::sdk::Host& host_;
};

}  // namespace hello
