#include "hub/clinical/observation_store.hpp"

#include <optional>
#include <string>
#include <utility>

namespace wasl::clinical {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kObservationTable = "vital_observations";
constexpr std::string_view kValueColumn = "value_enc";

constexpr std::string_view kObservationSelect =
    "SELECT id, facility_id, consultation_id, kind, code, reported_by, posted_by_actor, "
    "posted_by_practitioner, value_enc, effective_at, created_at FROM vital_observations ";

nlohmann::json number_or_null(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

std::optional<double> number_of(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

}  // namespace

Status ObservationStore::insert(storage::Transaction& tx, const VitalObservation& o) const {
  if (o.id.empty() || o.facility_id.empty() || o.consultation_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "an observation needs an id, a facility id and a consultation id");
  }
  const nlohmann::json value{{"unit", o.value.unit},
                             {"value", number_or_null(o.value.value)},
                             {"systolic", number_or_null(o.value.systolic)},
                             {"diastolic", number_or_null(o.value.diastolic)}};
  WASL_ASSIGN_OR_RETURN(std::string sealed,
                        cipher_.encrypt(kObservationTable, kValueColumn, o.id, value.dump()));
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO vital_observations (id, facility_id, consultation_id, kind, code, "
      "reported_by, posted_by_actor, posted_by_practitioner, value_enc, effective_at, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {o.id, o.facility_id, o.consultation_id, std::string(to_string(o.kind)), o.code,
       std::string(to_string(o.reported_by)), o.posted_by.actor,
       o.posted_by.practitioner ? storage::Value{*o.posted_by.practitioner} : storage::null_value(),
       storage::Blob{std::move(sealed)}, o.effective_at, o.created_at}));
  return {};
}

Result<VitalObservation> ObservationStore::from_row(const storage::Row& row) const {
  VitalObservation o;
  WASL_ASSIGN_OR_RETURN(o.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(o.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(o.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(std::string kind, row.get_text("kind"));
  WASL_ASSIGN_OR_RETURN(o.code, row.get_text("code"));
  WASL_ASSIGN_OR_RETURN(std::string reporter, row.get_text("reported_by"));
  auto parsed_kind = parse_vital_kind(kind);
  auto parsed_reporter = parse_reporter(reporter);
  if (!parsed_kind || !parsed_reporter) {
    return Error(ErrorCode::kInternal,
                 "observation " + o.id + " has an unknown kind or reporter in the database");
  }
  o.kind = *parsed_kind;
  o.reported_by = *parsed_reporter;
  WASL_ASSIGN_OR_RETURN(o.posted_by.actor, row.get_text("posted_by_actor"));
  if (!row.is_null("posted_by_practitioner")) {
    WASL_ASSIGN_OR_RETURN(std::string practitioner, row.get_text("posted_by_practitioner"));
    o.posted_by.practitioner = std::move(practitioner);
  }
  WASL_ASSIGN_OR_RETURN(std::string sealed, row.get_blob("value_enc"));
  WASL_ASSIGN_OR_RETURN(std::string plain,
                        cipher_.decrypt(kObservationTable, kValueColumn, o.id, sealed));
  const nlohmann::json j = nlohmann::json::parse(plain, nullptr, false);
  if (!j.is_object()) {
    return Error(ErrorCode::kInternal, "observation " + o.id + " holds a value that is not JSON");
  }
  o.value.unit = j.value("unit", "");
  o.value.value = number_of(j, "value");
  o.value.systolic = number_of(j, "systolic");
  o.value.diastolic = number_of(j, "diastolic");
  WASL_ASSIGN_OR_RETURN(o.effective_at, row.get_int("effective_at"));
  WASL_ASSIGN_OR_RETURN(o.created_at, row.get_int("created_at"));
  return o;
}

Result<VitalObservation> ObservationStore::get(storage::Transaction& tx,
                                               std::string_view facility_id,
                                               std::string_view consultation_id,
                                               std::string_view observation_id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kObservationSelect) +
                                     "WHERE facility_id = $1 AND consultation_id = $2 AND id = $3",
                                 {std::string(facility_id), std::string(consultation_id),
                                  std::string(observation_id)}));
  if (rows.empty()) {
    return Error(ErrorCode::kNotFound,
                 "observation " + std::string(observation_id) + " does not exist");
  }
  return from_row(rows.front());
}

Result<std::vector<VitalObservation>> ObservationStore::list(
    storage::Transaction& tx, std::string_view facility_id,
    std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kObservationSelect) + "WHERE facility_id = $1 AND consultation_id = $2 "
                                                 "ORDER BY effective_at, created_at, id",
               {std::string(facility_id), std::string(consultation_id)}));
  std::vector<VitalObservation> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(VitalObservation o, from_row(row));
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace wasl::clinical
