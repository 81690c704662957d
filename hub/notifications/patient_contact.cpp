#include "hub/notifications/patient_contact.hpp"

#include <algorithm>

#include "hub/crypto/blind_index.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/encrypted_columns.hpp"

namespace wasl::notifications {
namespace {

constexpr std::string_view kContactTable = "notification_contacts";
constexpr std::string_view kColumn = "contact_enc";

std::string row_id(std::string_view facility_id, std::string_view consultation_id) {
  return records::encrypted_row_id({std::string(facility_id), std::string(consultation_id)});
}

void add_indexes(const records::CellCipher& cipher, std::string_view identifier,
                 std::vector<std::string>& out) {
  for (const std::string& index : patient_indexes(cipher, identifier)) {
    if (std::find(out.begin(), out.end(), index) == out.end()) out.push_back(index);
  }
}

// The phone in E.164 when it reads as a phone number, else as given.
std::string phone_of(std::string_view phone) {
  if (phone.empty()) return {};
  auto normalized = crypto::normalize_identifier(crypto::IdentifierKind::kPhone, phone);
  return normalized.ok() ? *normalized : std::string(phone);
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> patient_indexes(const records::CellCipher& cipher,
                                         std::string_view identifier) {
  std::vector<std::string> out;
  for (auto kind : {crypto::IdentifierKind::kNationalId, crypto::IdentifierKind::kMrn}) {
    if (auto index = cipher.blind_index(kind, identifier); index.ok()) {
      out.push_back(std::move(index).value());
    }
  }
  return out;
}

PatientContact contact_of(const records::CellCipher& cipher, const sdk::PatientSummary& patient) {
  PatientContact c;
  c.email = patient.email;
  c.phone = phone_of(patient.phone);
  c.language = patient.language;
  for (const sdk::Identifier& id : patient.identifiers)
    add_indexes(cipher, id.value, c.patient_indexes);
  return c;
}

std::optional<PatientContact> contact_of(const records::CellCipher& cipher,
                                         const domain::Consultation& consultation) {
  if (!consultation.patient.summary) return std::nullopt;
  const domain::PatientSummary& p = *consultation.patient.summary;
  PatientContact c;
  c.email = p.email.value_or("");
  c.phone = phone_of(p.phone.value_or(""));
  for (const domain::PatientIdentifier& id : p.identifiers) {
    add_indexes(cipher, id.value, c.patient_indexes);
  }
  return c;
}

sdk::Status ContactStore::put(storage::Transaction& tx, std::string_view facility_id,
                              std::string_view consultation_id, const PatientContact& contact,
                              std::int64_t now_ms) const {
  const nlohmann::json cell = {{"email", contact.email}, {"phone", contact.phone}};
  WASL_ASSIGN_OR_RETURN(
      std::string enc,
      cipher_.encrypt(kContactTable, kColumn, row_id(facility_id, consultation_id), cell.dump()));
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO notification_contacts (facility_id, consultation_id, contact_enc, language, "
      "patient_indexes, updated_at) VALUES ($1, $2, $3, $4, $5, $6) "
      "ON CONFLICT (facility_id, consultation_id) DO UPDATE SET "
      "contact_enc = excluded.contact_enc, language = excluded.language, "
      "patient_indexes = excluded.patient_indexes, updated_at = excluded.updated_at",
      {std::string(facility_id), std::string(consultation_id), storage::Blob{std::move(enc)},
       contact.language, joined(contact.patient_indexes), now_ms}));
  return {};
}

sdk::Result<std::optional<PatientContact>> ContactStore::get(
    storage::Transaction& tx, std::string_view facility_id,
    std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT contact_enc, language, patient_indexes FROM notification_contacts "
               "WHERE facility_id = $1 AND consultation_id = $2",
               {std::string(facility_id), std::string(consultation_id)}));
  if (rows.empty()) return std::optional<PatientContact>();
  const storage::Row& row = rows.front();
  WASL_ASSIGN_OR_RETURN(std::string enc, row.get_blob("contact_enc"));
  WASL_ASSIGN_OR_RETURN(
      std::string text,
      cipher_.decrypt(kContactTable, kColumn, row_id(facility_id, consultation_id), enc));
  auto cell = nlohmann::json::parse(text, nullptr, false);
  if (!cell.is_object()) {
    return sdk::Error(
        sdk::ErrorCode::kInternal,
        "the contact of consultation " + std::string(consultation_id) + " cannot be read", false);
  }
  PatientContact c;
  c.email = cell.value("email", std::string());
  c.phone = cell.value("phone", std::string());
  WASL_ASSIGN_OR_RETURN(c.language, row.get_text("language"));
  WASL_ASSIGN_OR_RETURN(std::string indexes, row.get_text("patient_indexes"));
  c.patient_indexes = split(indexes);
  return std::optional<PatientContact>(std::move(c));
}

sdk::Status record_patient_contact(const config::Config& config, const records::CellCipher& cipher,
                                   const audit::AuditWriter* audit,
                                   const workflow::HubActionContext& ctx,
                                   const nlohmann::json& /*input*/,
                                   const sdk::Result<nlohmann::json>& result) {
  if (!result.ok() || ctx.tx == nullptr || ctx.consultation_id.empty()) return {};
  auto facility = config.facilities.find(ctx.facility_id);
  if (facility == config.facilities.end() || !facility->second.notifications) return {};
  if (!result.value().is_object()) return {};
  sdk::PatientSummary patient;
  try {
    patient = result.value().get<sdk::PatientSummary>();
  } catch (const nlohmann::json::exception&) {
    return {};  // not a patient: nothing to keep
  }
  if (patient.id.empty()) return {};
  records::ConsultationStore consultations(cipher);
  auto consultation = consultations.get(*ctx.tx, ctx.facility_id, ctx.consultation_id);
  if (!consultation.ok()) {
    if (consultation.error().code == sdk::ErrorCode::kNotFound) return {};
    return std::move(consultation).error();
  }
  // Another patient read by the run (a relative, a second opinion's
  // subject) is not the one the messages go to.
  if (consultation->patient.reference && !consultation->patient.reference->empty() &&
      *consultation->patient.reference != "Patient/" + patient.id) {
    return {};
  }
  const PatientContact contact = contact_of(cipher, patient);
  WASL_RETURN_IF_ERROR(
      ContactStore(cipher).put(*ctx.tx, ctx.facility_id, ctx.consultation_id, contact, ctx.now_ms));
  if (audit == nullptr) return {};
  audit::AuditEvent event;
  event.occurred_at = ctx.now_ms;
  event.actor = "workflow:" + ctx.run_id;
  event.facility_id = ctx.facility_id;
  event.action = "notification_contact.record";
  event.entity_type = "consultation";
  event.entity_id = ctx.consultation_id;
  event.outcome = std::string(audit::kOutcomeSuccess);
  event.detail = nlohmann::json{{"email", !contact.email.empty()},
                                {"phone", !contact.phone.empty()},
                                {"identifiers", contact.patient_indexes.size()}}
                     .dump();
  WASL_RETURN_IF_ERROR(audit->append(*ctx.tx, event));
  return {};
}

}  // namespace wasl::notifications
