#include "hub/summaries/summary_action.hpp"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "hub/clinical/note_store.hpp"
#include "hub/clinical/prescription_store.hpp"
#include "hub/notifications/consultation_notices.hpp"
#include "hub/notifications/message_kind.hpp"
#include "hub/notifications/message_texts.hpp"
#include "hub/notifications/patient_contact.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/storage/row_id.hpp"
#include "hub/summaries/summary_html.hpp"
#include "hub/summaries/summary_pdf.hpp"
#include "hub/summaries/summary_store.hpp"
#include "hub/summaries/visit_summary.hpp"

namespace wasl::summaries {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;

constexpr const char* kAction = "hub.build_visit_summary";
constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

json output_of(const StoredSummary& s, const config::Config& config, std::int64_t queued) {
  const auto language = clinical::parse_language(s.language);
  return json{
      {"summary_id", s.id},
      {"language", s.language},
      {"title", std::string(summary_labels(language.value_or(clinical::Language::kArabic)).title)},
      {"content_type", "application/pdf"},
      {"url", summary_pdf_url(config, s.consultation_id)},
      {"size_bytes", s.pdf_size},
      {"sha256_hex", s.pdf_sha256},
      {"link_expires_at_ms", s.link_expires_at},
      {"queued", queued}};
}

// The latest signed version of the consultation's note, if any.
std::optional<clinical::ClinicalNote> latest_signed(std::vector<clinical::ClinicalNote> notes) {
  std::optional<clinical::ClinicalNote> best;
  for (clinical::ClinicalNote& n : notes) {
    if (n.status != clinical::RecordStatus::kSigned || !n.signed_at) continue;
    if (!best || *n.signed_at > *best->signed_at ||
        (*n.signed_at == *best->signed_at && n.version > best->version)) {
      best = std::move(n);
    }
  }
  return best;
}

// The step's `language`: nullopt when it names none.
sdk::Result<std::optional<clinical::Language>> asked_language(const json& input) {
  auto it = input.find("language");
  if (it == input.end() || it->is_null()) return std::optional<clinical::Language>();
  std::optional<clinical::Language> asked;
  if (it->is_string()) asked = clinical::parse_language(it->get<std::string>());
  if (!asked) {
    return Error(ErrorCode::kInvalidArgument,
                 "hub.build_visit_summary 'language' must be \"ar\" or \"en\"", false);
  }
  return asked;
}

// The patient's language as the EHR gave it, else the facility's default,
// else the note's.
sdk::Result<clinical::Language> patient_language(storage::Transaction& tx,
                                                 const SummaryServices& services,
                                                 const config::FacilityConfig* facility,
                                                 const workflow::HubActionContext& ctx,
                                                 clinical::Language note_language) {
  notifications::ContactStore contacts(*services.cipher);
  WASL_ASSIGN_OR_RETURN(auto contact, contacts.get(tx, ctx.facility_id, ctx.consultation_id));
  std::string fallback(clinical::to_string(note_language));
  if (facility != nullptr && facility->notifications) {
    fallback = facility->notifications->default_language;
  }
  const std::string chosen =
      notifications::message_language(contact ? contact->language : "", fallback);
  return clinical::parse_language(chosen).value_or(note_language);
}

}  // namespace

std::string summary_pdf_url(const config::Config& config, std::string_view consultation_id) {
  return config.server.public_url + "/v1/consultations/" + std::string(consultation_id) +
         "/summary?format=pdf";
}

sdk::Result<std::optional<std::string>> mint_patient_link(
    storage::Transaction& tx, const config::Config& config, const records::CellCipher& cipher,
    std::string_view facility_id, std::string_view consultation_id, std::int64_t now_ms) {
  SummaryStore summaries(cipher);
  auto summary = summaries.get(tx, facility_id, consultation_id, false);
  if (!summary.ok()) {
    if (summary.error().code == ErrorCode::kNotFound) return std::optional<std::string>();
    return summary.error();
  }
  if (now_ms >= summary->link_expires_at) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(
      std::string code,
      SummaryStore::mint_link(tx,
                              SummaryLink{summary->facility_id, summary->consultation_id,
                                          summary->id, summary->link_expires_at},
                              now_ms));
  return std::optional<std::string>(config.server.public_url + "/summary/" + code);
}

sdk::Result<json> build_visit_summary_step(const workflow::HubActionContext& ctx, const json& input,
                                           const SummaryServices& services) {
  if (!input.is_null() && !input.is_object()) {
    return Error(ErrorCode::kInvalidArgument, "hub.build_visit_summary takes an object", false);
  }
  if (ctx.consultation_id.empty() || ctx.tx == nullptr) {
    return Error(ErrorCode::kInvalidArgument,
                 "hub.build_visit_summary needs a run of a consultation", false);
  }
  const json in = input.is_object() ? input : json::object();
  std::int64_t valid_days = kDefaultLinkValidDays;
  if (auto it = in.find("link_valid_days"); it != in.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
        it->get<std::int64_t>() > kMaxLinkValidDays) {
      return Error(ErrorCode::kInvalidArgument,
                   "hub.build_visit_summary 'link_valid_days' must be a whole number of days "
                   "from 1 to 90",
                   false);
    }
    valid_days = it->get<std::int64_t>();
  }
  WASL_ASSIGN_OR_RETURN(std::optional<clinical::Language> asked, asked_language(in));
  storage::Transaction& tx = *ctx.tx;
  const config::Config& config = *services.config;
  SummaryStore summaries(*services.cipher);
  auto existing = summaries.get(tx, ctx.facility_id, ctx.consultation_id, false);
  if (existing.ok()) return output_of(*existing, config, 0);
  if (existing.error().code != ErrorCode::kNotFound) return existing.error();

  WASL_ASSIGN_OR_RETURN(
      domain::Consultation consultation,
      records::ConsultationStore(*services.cipher).get(tx, ctx.facility_id, ctx.consultation_id));
  clinical::NoteStore notes(*services.cipher);
  WASL_ASSIGN_OR_RETURN(auto all_notes, notes.list(tx, ctx.facility_id, ctx.consultation_id));
  std::optional<clinical::ClinicalNote> note = latest_signed(std::move(all_notes));
  if (!note) {
    return Error(
        ErrorCode::kFailedPrecondition,
        "consultation " + ctx.consultation_id + " has no signed note to summarise for the patient",
        false);
  }
  clinical::PrescriptionStore prescriptions(*services.cipher);
  WASL_ASSIGN_OR_RETURN(auto given, prescriptions.list(tx, ctx.facility_id, ctx.consultation_id));

  const auto facility_it = config.facilities.find(ctx.facility_id);
  const config::FacilityConfig* facility =
      facility_it == config.facilities.end() ? nullptr : &facility_it->second;
  clinical::Language language = note->language;
  if (asked) {
    language = *asked;
  } else {
    WASL_ASSIGN_OR_RETURN(language, patient_language(tx, services, facility, ctx, note->language));
  }
  const std::string facility_name =
      facility != nullptr && !facility->name.empty() ? facility->name : ctx.facility_id;
  const std::string zone = facility != nullptr ? facility->reporting.time_zone : "Asia/Riyadh";
  const std::int64_t visit_at = consultation.scheduled_at.value_or(consultation.created_at);
  WASL_ASSIGN_OR_RETURN(std::string visit_date, visit_date_text(visit_at, zone, language));

  const VisitSummary summary =
      build_visit_summary(language, facility_name, std::move(visit_date), *note, given);
  StoredSummary stored;
  WASL_ASSIGN_OR_RETURN(stored.id, storage::new_row_id());
  stored.facility_id = ctx.facility_id;
  stored.consultation_id = ctx.consultation_id;
  stored.note_id = note->id;
  stored.language = std::string(clinical::to_string(language));
  stored.html = render_html(summary);
  WASL_ASSIGN_OR_RETURN(stored.pdf, render_pdf(summary, ctx.now_ms));
  stored.link_expires_at = ctx.now_ms + valid_days * kDayMs;
  stored.created_at = ctx.now_ms;
  WASL_RETURN_IF_ERROR(summaries.insert(tx, stored));
  WASL_ASSIGN_OR_RETURN(stored, summaries.get(tx, ctx.facility_id, ctx.consultation_id, false));

  if (services.audit != nullptr) {
    audit::AuditEvent event;
    event.occurred_at = ctx.now_ms;
    event.actor = "workflow:" + ctx.run_id;
    event.facility_id = ctx.facility_id;
    event.action = "visit_summary.create";
    event.entity_type = "visit_summary";
    event.entity_id = stored.id;
    event.outcome = std::string(audit::kOutcomeSuccess);
    event.detail = json{{"consultation_id", ctx.consultation_id},
                        {"note_id", stored.note_id},
                        {"language", stored.language},
                        {"prescriptions", summary.medicines.size()},
                        {"pdf_sha256", stored.pdf_sha256}}
                       .dump();
    WASL_RETURN_IF_ERROR(services.audit->append(tx, event));
  }
  WASL_ASSIGN_OR_RETURN(
      auto channels, notifications::queue_message(tx, config, ctx.facility_id, ctx.consultation_id,
                                                  notifications::kVisitSummary, ctx.now_ms));
  return output_of(stored, config, static_cast<std::int64_t>(channels.size()));
}

sdk::Status add_summaries(workflow::HubActions& actions, const SummaryServices& services) {
  return actions.add(kAction, workflow::HubActionMode::kInTransaction,
                     [services](const workflow::HubActionContext& ctx, const json& input) {
                       return build_visit_summary_step(ctx, input, services);
                     });
}

}  // namespace wasl::summaries
