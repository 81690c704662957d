// MohReportSink: the reporting capability. Formats the hub's report (kind
// "consultation": a FHIR message Bundle; kind "aggregate": a FHIR
// MeasureReport and the same figures as CSV) and delivers it by file drop
// and/or HTTPS POST, as the settings say (file drop first: it is local and
// cheap; then the receiver).
//
// Idempotent per report id (sdk::Report::idempotency_key): the receipt of a
// delivered report is kept in the instance's state ("receipt/<report id>")
// and a resend answers it without delivering again. A resend after a
// failure delivers again: files already written with the same bytes are
// kept, and the receiver deduplicates by the report id (conditional create,
// message id).
//
// The file drop lies outside the hub's encryption, so a per-consultation
// file carries the Bundle without the patient's identifiers and name (the
// receiver gets them over HTTPS); files are mode 0600, never replace an
// existing file (another report is written under a name with its report
// id), and the facility's files older than its retention (the body's
// facility.retention_days) are deleted before each write for it.
// Errors follow wasl/sdk/reporting.hpp. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plugins/moh/fhir_receiver.hpp"
#include "plugins/moh/file_drop.hpp"
#include "plugins/moh/settings.hpp"
#include "wasl/sdk/reporting.hpp"

namespace wasl::plugins::moh {

class MohReportSink final : public sdk::ReportSink {
 public:
  // `host` outlives the sink.
  MohReportSink(sdk::Host& host, MohSettings settings);

  sdk::Result<sdk::Receipt> submit_report(const sdk::Report& report) override;

 private:
  sdk::Result<sdk::Receipt> deliver(const sdk::Report& report);
  // Deletes the facility's files written before its retention.
  sdk::Status sweep(const std::string& facility, std::int64_t retention_days);

  sdk::Host& host_;
  const MohSettings settings_;
  std::optional<FhirReceiver> receiver_;
  std::optional<FileDrop> drop_;
};

}  // namespace wasl::plugins::moh
