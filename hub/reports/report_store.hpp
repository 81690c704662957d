// ReportStore: ministry reports in the database (reports), each with the
// payload handed to the report plugin (PHI: patient identifiers) stored only
// encrypted (reports.payload_enc, bound to the row) and the receiver's
// receipt beside it.
//
// Same contract as ClaimStore: every method takes the caller's transaction
// and facility id, which every statement filters on (another facility's
// report is kNotFound); the changes write their audit event (report.create,
// report.submit_result) into that same transaction.
//
// Thread-safe: holds only a borrowed CellCipher and AuditWriter, which must
// outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/audit/audit_writer.hpp"
#include "hub/domain/report.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::reports {

// A report as built, before it is submitted.
struct NewReport {
  std::string id;
  std::string facility_id;
  std::optional<std::string> consultation_id;  // per-consultation reports
  std::string kind;                            // "consultation", "aggregate"
  std::string payload;                         // JSON text (PHI), stored encrypted
  std::int64_t period_start_ms = 0;
  std::int64_t period_end_ms = 0;
  std::string run_id;  // the workflow run that built it; may be empty
  std::int64_t created_at = 0;
};

// How one submission ended: the receipt (JSON text of the sdk Receipt, or
// of the error) and the state it gives (accepted, rejected, error).
struct ReportSubmission {
  domain::ReportState state = domain::ReportState::kAccepted;
  std::string receipt;
  std::int64_t at_ms = 0;
};

class ReportStore {
 public:
  ReportStore(const records::CellCipher& cipher, const audit::AuditWriter& audit)
      : cipher_(cipher), audit_(audit) {}

  // Inserts `r` in state pending with its payload encrypted and audits
  // report.create. Idempotent: an existing id of the facility is left as it
  // is (false); true when inserted. kNotFound when the consultation is
  // named and not in the facility.
  sdk::Result<bool> create(storage::Transaction& tx, const NewReport& r) const;

  // Records the submission's end: state, receipt and submitted_at; audits
  // report.submit_result. kNotFound when absent.
  sdk::Status record_submission(storage::Transaction& tx, std::string_view facility_id,
                                std::string_view id, const ReportSubmission& submission,
                                std::string_view run_id) const;

  // The report with its payload decrypted.
  sdk::Result<domain::Report> get(storage::Transaction& tx, std::string_view facility_id,
                                  std::string_view id) const;

 private:
  sdk::Status audit(storage::Transaction& tx, std::string_view facility_id, std::string_view id,
                    std::string_view action, std::string_view state, std::string_view run_id,
                    std::int64_t at_ms) const;

  const records::CellCipher& cipher_;
  const audit::AuditWriter& audit_;
};

}  // namespace wasl::reports
