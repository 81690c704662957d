// Summary pages: one-page PDFs the hub writes from its own records, for the
// payer, attached to the answer to an information request about a claim
// (information_answers.hpp, AnswerInput::pages):
//   visit_summary      the consultation the claim bills: its id, type,
//                      status, appointment, scheduled start, end, the
//                      practitioner's reference; the claim: its id, state,
//                      identifier as sent, service codes, diagnosis codes
//                      and amounts;
//   recording_summary  each recording archived for that consultation: its
//                      id, duration, size, SHA-256 of the media, archived
//                      at, kept until.
// Neither page carries a name or an identifier of the patient (the payer
// knows the patient from the claim). Text is written in Helvetica (PDF's
// standard font): any character outside printable ASCII is written "?".
// The PDF is made with libharu, uncompressed, A4.
//
// Errors: kNotFound (another facility's claim, like a missing one);
// kFailedPrecondition for a recording summary of a consultation with no
// archived recording; kInvalidArgument for a page name not in
// kSummaryPages; kInternal when libharu fails; storage errors.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/audit/audit_writer.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

inline constexpr std::array<std::string_view, 2> kSummaryPages = {"visit_summary",
                                                                  "recording_summary"};

// A page, as attached: its content type, its title and its bytes.
struct SummaryPage {
  std::string content_type = "application/pdf";
  std::string title;
  std::string bytes;
};

// The page `name` about claim `claim_id` of `facility_id`, read in `tx`,
// written at `now_ms` (printed on the page).
sdk::Result<SummaryPage> summary_page(storage::Transaction& tx, const records::CellCipher& cipher,
                                      const audit::AuditWriter& audit, std::string_view facility_id,
                                      std::string_view claim_id, std::string_view name,
                                      std::int64_t now_ms);

}  // namespace wasl::claims
