#include "hub/clinical/prescription_store.hpp"

#include <optional>
#include <utility>

namespace wasl::clinical {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kPrescriptionTable = "prescriptions";
constexpr std::string_view kDetailsColumn = "details_enc";
constexpr std::string_view kReasonColumn = "cancel_reason_enc";

constexpr std::string_view kPrescriptionSelect =
    "SELECT id, facility_id, consultation_id, status, language, details_enc, author_actor, "
    "author_practitioner, created_at, updated_at, signed_at, cancelled_at, cancelled_by, "
    "cancel_reason_enc FROM prescriptions ";

Error not_found_prescription(std::string_view id) {
  return Error(ErrorCode::kNotFound, "prescription " + std::string(id) + " does not exist");
}

nlohmann::json details_json(const PrescriptionDetails& d) {
  return {{"medication_system", d.medication_system},
          {"medication_code", d.medication_code},
          {"medication_text", d.medication_text},
          {"dose", d.dose},
          {"route", d.route},
          {"frequency", d.frequency},
          {"duration", d.duration},
          {"quantity", d.quantity},
          {"quantity_unit", d.quantity_unit},
          {"refills", d.refills},
          {"instructions", d.instructions}};
}

Result<std::optional<std::string>> optional_text(const storage::Row& row, std::string_view c) {
  if (row.is_null(c)) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(std::string v, row.get_text(c));
  return std::optional<std::string>(std::move(v));
}

Result<std::optional<std::int64_t>> optional_int(const storage::Row& row, std::string_view c) {
  if (row.is_null(c)) return std::optional<std::int64_t>();
  WASL_ASSIGN_OR_RETURN(std::int64_t v, row.get_int(c));
  return std::optional<std::int64_t>(v);
}

}  // namespace

Status PrescriptionStore::insert(storage::Transaction& tx, const Prescription& p) const {
  if (p.id.empty() || p.facility_id.empty() || p.consultation_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a prescription needs an id, a facility id and a consultation id");
  }
  WASL_ASSIGN_OR_RETURN(std::string sealed, cipher_.encrypt(kPrescriptionTable, kDetailsColumn,
                                                            p.id, details_json(p.details).dump()));
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO prescriptions (id, facility_id, consultation_id, status, language, "
      "details_enc, author_actor, author_practitioner, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {p.id, p.facility_id, p.consultation_id, std::string(to_string(p.status)),
       std::string(to_string(p.language)), storage::Blob{std::move(sealed)}, p.author.actor,
       p.author.practitioner ? storage::Value{*p.author.practitioner} : storage::null_value(),
       p.created_at, p.updated_at}));
  return {};
}

Result<Prescription> PrescriptionStore::from_row(const storage::Row& row) const {
  Prescription p;
  WASL_ASSIGN_OR_RETURN(p.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(p.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(p.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(std::string status, row.get_text("status"));
  WASL_ASSIGN_OR_RETURN(std::string language, row.get_text("language"));
  auto parsed_status = parse_record_status(status);
  auto parsed_language = parse_language(language);
  if (!parsed_status || !parsed_language) {
    return Error(ErrorCode::kInternal,
                 "prescription " + p.id + " has an unknown status or language in the database");
  }
  p.status = *parsed_status;
  p.language = *parsed_language;
  WASL_ASSIGN_OR_RETURN(std::string sealed, row.get_blob("details_enc"));
  WASL_ASSIGN_OR_RETURN(std::string plain,
                        cipher_.decrypt(kPrescriptionTable, kDetailsColumn, p.id, sealed));
  const nlohmann::json j = nlohmann::json::parse(plain, nullptr, false);
  if (!j.is_object()) {
    return Error(ErrorCode::kInternal, "prescription " + p.id + " holds details that are not JSON");
  }
  PrescriptionDetails& d = p.details;
  d.medication_system = j.value("medication_system", "");
  d.medication_code = j.value("medication_code", "");
  d.medication_text = j.value("medication_text", "");
  d.dose = j.value("dose", "");
  d.route = j.value("route", "");
  d.frequency = j.value("frequency", "");
  d.duration = j.value("duration", "");
  d.quantity = j.value("quantity", std::int64_t{0});
  d.quantity_unit = j.value("quantity_unit", "");
  d.refills = j.value("refills", std::int64_t{0});
  d.instructions = j.value("instructions", "");
  WASL_ASSIGN_OR_RETURN(p.author.actor, row.get_text("author_actor"));
  WASL_ASSIGN_OR_RETURN(p.author.practitioner, optional_text(row, "author_practitioner"));
  WASL_ASSIGN_OR_RETURN(p.created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(p.updated_at, row.get_int("updated_at"));
  WASL_ASSIGN_OR_RETURN(p.signed_at, optional_int(row, "signed_at"));
  WASL_ASSIGN_OR_RETURN(p.cancelled_at, optional_int(row, "cancelled_at"));
  WASL_ASSIGN_OR_RETURN(p.cancelled_by, optional_text(row, "cancelled_by"));
  if (!row.is_null("cancel_reason_enc")) {
    WASL_ASSIGN_OR_RETURN(std::string reason_sealed, row.get_blob("cancel_reason_enc"));
    WASL_ASSIGN_OR_RETURN(std::string reason,
                          cipher_.decrypt(kPrescriptionTable, kReasonColumn, p.id, reason_sealed));
    p.cancel_reason = std::move(reason);
  }
  return p;
}

Result<Prescription> PrescriptionStore::get(storage::Transaction& tx, std::string_view facility_id,
                                            std::string_view consultation_id,
                                            std::string_view prescription_id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kPrescriptionSelect) +
                                     "WHERE facility_id = $1 AND consultation_id = $2 AND id = $3",
                                 {std::string(facility_id), std::string(consultation_id),
                                  std::string(prescription_id)}));
  if (rows.empty()) return not_found_prescription(prescription_id);
  return from_row(rows.front());
}

Result<std::vector<Prescription>> PrescriptionStore::list(storage::Transaction& tx,
                                                          std::string_view facility_id,
                                                          std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kPrescriptionSelect) +
                   "WHERE facility_id = $1 AND consultation_id = $2 ORDER BY created_at, id",
               {std::string(facility_id), std::string(consultation_id)}));
  std::vector<Prescription> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(Prescription p, from_row(row));
    out.push_back(std::move(p));
  }
  return out;
}

Result<Prescription> PrescriptionStore::sign(storage::Transaction& tx, std::string_view facility_id,
                                             std::string_view consultation_id,
                                             std::string_view prescription_id,
                                             std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE prescriptions SET status = 'signed', signed_at = $1, updated_at = $1 "
              "WHERE facility_id = $2 AND consultation_id = $3 AND id = $4 AND status = 'draft'",
              {now_ms, std::string(facility_id), std::string(consultation_id),
               std::string(prescription_id)}));
  WASL_ASSIGN_OR_RETURN(Prescription p, get(tx, facility_id, consultation_id, prescription_id));
  if (changed == 0) {
    return Error(ErrorCode::kFailedPrecondition, "prescription " + p.id + " is " +
                                                     std::string(to_string(p.status)) +
                                                     " and cannot be signed");
  }
  return p;
}

Result<Prescription> PrescriptionStore::cancel(storage::Transaction& tx,
                                               std::string_view facility_id,
                                               std::string_view consultation_id,
                                               std::string_view prescription_id,
                                               std::string_view by, std::string_view reason,
                                               std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(Prescription current,
                        get(tx, facility_id, consultation_id, prescription_id));
  if (current.status == RecordStatus::kCancelled) {
    return Error(ErrorCode::kFailedPrecondition,
                 "prescription " + current.id + " is cancelled already");
  }
  WASL_ASSIGN_OR_RETURN(std::string sealed,
                        cipher_.encrypt(kPrescriptionTable, kReasonColumn, current.id, reason));
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE prescriptions SET status = 'cancelled', cancelled_at = $1, updated_at = $1, "
              "cancelled_by = $2, cancel_reason_enc = $3 "
              "WHERE facility_id = $4 AND consultation_id = $5 AND id = $6 AND status <> "
              "'cancelled'",
              {now_ms, std::string(by), storage::Blob{std::move(sealed)}, std::string(facility_id),
               std::string(consultation_id), std::string(prescription_id)}));
  if (changed == 0) {
    return Error(ErrorCode::kFailedPrecondition,
                 "prescription " + current.id + " is cancelled already");
  }
  return get(tx, facility_id, consultation_id, prescription_id);
}

}  // namespace wasl::clinical
