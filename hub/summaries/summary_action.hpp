// hub.build_visit_summary: the patient's summary of the run's completed
// consultation, built in the step's transaction (kInTransaction, so the
// summary, its audit event and the step's result commit together, once).
//
// It reads hub/clinical's records through their stores: the latest signed
// version of the consultation's note (its assessment: what was found; its
// plan: the follow-up) and the signed prescriptions (cancelled and draft
// ones left out). The language is the step's `language` ("ar" or "en"),
// else the patient's as the EHR gave it (the contact hub/notifications
// kept), else the facility's notifications default, else the note's. It
// renders the summary as HTML and PDF (summary_html.hpp, summary_pdf.hpp),
// stores both encrypted (SummaryStore), audits visit_summary.create, and
// queues the visit_summary message on the facility's channels, whose link
// works `link_valid_days` (1-90, default 14).
//
// Output: what ehr.attach_document needs (content_type, url: the API's
// authenticated address of the PDF, size_bytes, sha256_hex, title) and
// summary_id, language, link_expires_at_ms, queued. Run again for a
// consultation with a summary, it answers that summary. Errors: no signed
// note (kFailedPrecondition), a run without a consultation or a step input
// out of range (kInvalidArgument); none is retryable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::summaries {

// What the feature works with; borrowed, outliving the HubActions it
// registers with. `audit` may be null (tests only).
struct SummaryServices {
  const config::Config* config = nullptr;
  const records::CellCipher* cipher = nullptr;
  const audit::AuditWriter* audit = nullptr;
};

inline constexpr std::int64_t kDefaultLinkValidDays = 14;
inline constexpr std::int64_t kMaxLinkValidDays = 90;

// The action's body (see the file comment); ctx.tx must be set.
sdk::Result<nlohmann::json> build_visit_summary_step(const workflow::HubActionContext& ctx,
                                                     const nlohmann::json& input,
                                                     const SummaryServices& services);

// The feature's one registration call, made by app/ at start-up:
// hub.build_visit_summary. kAlreadyExists for a second registration.
sdk::Status add_summaries(workflow::HubActions& actions, const SummaryServices& services);

// A new link for the patient to the consultation's summary, working until
// the summary's link_expires_at: <server.public_url>/summary/<code>;
// nullopt when the consultation has no summary or its links have expired.
sdk::Result<std::optional<std::string>> mint_patient_link(
    storage::Transaction& tx, const config::Config& config, const records::CellCipher& cipher,
    std::string_view facility_id, std::string_view consultation_id, std::int64_t now_ms);

// The API's address of a consultation's summary as PDF.
std::string summary_pdf_url(const config::Config& config, std::string_view consultation_id);

}  // namespace wasl::summaries
