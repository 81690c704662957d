#include "hub/claims/summary_pages.hpp"

#include <hpdf.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "hub/claims/claim_as_sent.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/domain/claim.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/domain/recording.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/recording_store.hpp"

namespace wasl::claims {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// Printable ASCII only: Helvetica's WinAnsi text, and nothing a reader
// could take for markup.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) out.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  return out;
}

std::string money(std::int64_t minor, const std::string& currency) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f %s", domain::from_minor_units(minor), currency.c_str());
  return text;
}

// One page of labelled lines.
struct PageText {
  std::string title;
  std::vector<std::pair<std::string, std::string>>
      lines;  // label, value; an empty label: a heading
};

// libharu reports a failure to this handler, then the call answers an error
// status; the first failure is kept.
void on_error(HPDF_STATUS error, HPDF_STATUS detail, void* user) {
  auto* failure = static_cast<std::string*>(user);
  if (!failure->empty()) return;
  char text[96];
  std::snprintf(text, sizeof text, "libharu error 0x%04X (detail %u)", static_cast<unsigned>(error),
                static_cast<unsigned>(detail));
  *failure = text;
}

Result<std::string> render(const PageText& text) {
  std::string failure;
  std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, void (*)(HPDF_Doc)> doc(
      HPDF_New(on_error, &failure), HPDF_Free);
  if (!doc) return Error(ErrorCode::kInternal, "the PDF could not be started", false);
  HPDF_Page page = HPDF_AddPage(doc.get());
  HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
  HPDF_Font regular = HPDF_GetFont(doc.get(), "Helvetica", nullptr);
  HPDF_Font bold = HPDF_GetFont(doc.get(), "Helvetica-Bold", nullptr);
  const HPDF_REAL left = 56;
  HPDF_REAL y = HPDF_Page_GetHeight(page) - 72;
  HPDF_Page_BeginText(page);
  HPDF_Page_SetFontAndSize(page, bold, 16);
  HPDF_Page_TextOut(page, left, y, printable(text.title).c_str());
  y -= 30;
  for (const auto& [label, value] : text.lines) {
    if (y < 60) break;  // one page: what does not fit is left off
    if (label.empty()) {
      y -= 8;
      HPDF_Page_SetFontAndSize(page, bold, 12);
      HPDF_Page_TextOut(page, left, y, printable(value).c_str());
      y -= 18;
      continue;
    }
    HPDF_Page_SetFontAndSize(page, regular, 10);
    HPDF_Page_TextOut(page, left, y, printable(label).c_str());
    HPDF_Page_TextOut(page, left + 150, y, printable(value).substr(0, 80).c_str());
    y -= 15;
  }
  HPDF_Page_EndText(page);
  if (!failure.empty()) return Error(ErrorCode::kInternal, "writing the PDF: " + failure, false);
  if (HPDF_SaveToStream(doc.get()) != HPDF_OK) {
    return Error(ErrorCode::kInternal, "saving the PDF: " + failure, false);
  }
  std::string bytes(HPDF_GetStreamSize(doc.get()), '\0');
  HPDF_UINT32 size = static_cast<HPDF_UINT32>(bytes.size());
  if (HPDF_ReadFromStream(doc.get(), reinterpret_cast<HPDF_BYTE*>(bytes.data()), &size) !=
          HPDF_OK &&
      size == 0) {
    return Error(ErrorCode::kInternal, "reading the PDF: " + failure, false);
  }
  bytes.resize(size);
  return bytes;
}

std::string time_or_dash(const std::optional<std::int64_t>& ms) {
  return ms ? domain::format_timestamp(*ms) : "-";
}

Result<PageText> visit_summary(storage::Transaction& tx, const records::CellCipher& cipher,
                               const domain::Claim& claim, std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(domain::Consultation c, records::ConsultationStore(cipher).get(
                                                    tx, claim.facility_id, claim.consultation_id));
  WASL_ASSIGN_OR_RETURN(sdk::Claim sent, claim_as_sent(claim));
  PageText page;
  page.title = "Visit summary";
  page.lines = {{"", "Consultation"},
                {"Consultation", c.id},
                {"Type", std::string(domain::to_string(c.type))},
                {"Status", std::string(domain::to_string(c.status))},
                {"Appointment", c.appointment_ref.value_or("-")},
                {"Scheduled start", time_or_dash(c.scheduled_at)},
                {"Ended", time_or_dash(c.ended_at)},
                {"Practitioner", c.practitioner.reference.value_or("-")},
                {"", "Claim"},
                {"Claim", claim.id},
                {"Sent as", sent.idempotency_key},
                {"State", std::string(domain::to_string(claim.state))},
                {"Submitted", time_or_dash(claim.submitted_at)},
                {"Service start",
                 sent.service_start_ms > 0 ? domain::format_timestamp(sent.service_start_ms) : "-"},
                {"Service end",
                 sent.service_end_ms > 0 ? domain::format_timestamp(sent.service_end_ms) : "-"}};
  for (const sdk::ClaimItem& item : sent.items) {
    char price[64];
    std::snprintf(price, sizeof price, "%g x %.2f %s", item.quantity, item.unit_price,
                  item.currency.c_str());
    page.lines.emplace_back("Service", item.service_code + "  " + price);
  }
  for (const sdk::Diagnosis& d : sent.diagnoses) {
    page.lines.emplace_back("Diagnosis", d.code + " (" + d.type + ")");
  }
  if (claim.amounts) {
    page.lines.emplace_back("Eligible", money(claim.amounts->eligible, claim.amounts->currency));
    page.lines.emplace_back("Benefit", money(claim.amounts->benefit, claim.amounts->currency));
  }
  page.lines.emplace_back("", "");
  page.lines.emplace_back("Written", domain::format_timestamp(now_ms));
  return page;
}

Result<PageText> recording_summary(storage::Transaction& tx, const domain::Claim& claim,
                                   std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(std::vector<domain::Recording> recordings,
                        records::RecordingStore().list_for_consultation(tx, claim.facility_id,
                                                                        claim.consultation_id));
  PageText page;
  page.title = "Recording summary";
  page.lines = {{"Consultation", claim.consultation_id}, {"Claim", claim.id}};
  int archived = 0;
  for (const domain::Recording& r : recordings) {
    if (r.state != domain::RecordingState::kArchived) continue;
    ++archived;
    page.lines.emplace_back("", "Recording " + std::to_string(archived));
    page.lines.emplace_back("Recording", r.id);
    if (r.duration_ms) {
      page.lines.emplace_back("Duration", std::to_string(*r.duration_ms / 1000) + " s");
    }
    if (r.size_bytes) page.lines.emplace_back("Size", std::to_string(*r.size_bytes) + " bytes");
    page.lines.emplace_back("SHA-256", r.plaintext_sha256.value_or("-"));
    page.lines.emplace_back("Recorded", domain::format_timestamp(r.created_at));
    page.lines.emplace_back("Kept until", time_or_dash(r.retention_until));
  }
  if (archived == 0) {
    return Error(ErrorCode::kFailedPrecondition,
                 "consultation " + claim.consultation_id + " has no archived recording", false);
  }
  page.lines.emplace_back("", "");
  page.lines.emplace_back("Written", domain::format_timestamp(now_ms));
  return page;
}

}  // namespace

Result<SummaryPage> summary_page(storage::Transaction& tx, const records::CellCipher& cipher,
                                 const audit::AuditWriter& audit, std::string_view facility_id,
                                 std::string_view claim_id, std::string_view name,
                                 std::int64_t now_ms) {
  if (std::find(kSummaryPages.begin(), kSummaryPages.end(), name) == kSummaryPages.end()) {
    return Error(ErrorCode::kInvalidArgument,
                 "no summary page '" + std::string(name) +
                     "': the hub writes visit_summary and recording_summary",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(domain::Claim claim,
                        ClaimStore(cipher, audit).get(tx, facility_id, claim_id));
  PageText text;
  SummaryPage page;
  if (name == "visit_summary") {
    WASL_ASSIGN_OR_RETURN(text, visit_summary(tx, cipher, claim, now_ms));
    page.title = "Visit summary";
  } else {
    WASL_ASSIGN_OR_RETURN(text, recording_summary(tx, claim, now_ms));
    page.title = "Recording summary";
  }
  WASL_ASSIGN_OR_RETURN(page.bytes, render(text));
  return page;
}

}  // namespace wasl::claims
