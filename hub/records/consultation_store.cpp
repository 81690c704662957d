#include "hub/records/consultation_store.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "hub/crypto/hex.hpp"
#include "hub/records/list_cursor.hpp"
#include "hub/records/row_fields.hpp"
#include "hub/storage/bind.hpp"

namespace wasl::records {

using domain::Consultation;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using namespace row_fields;

namespace {

constexpr std::string_view kTable = "consultations";
constexpr std::string_view kPatientColumn = "patient_summary_enc";
constexpr std::string_view kPractitionerColumn = "practitioner_summary_enc";

constexpr std::string_view kSelect =
    "SELECT id, facility_id, workflow_name, workflow_version, status, consultation_type, "
    "appointment_ref, scheduled_at, patient_ref, patient_summary_enc, practitioner_ref, "
    "practitioner_summary_enc, video_instance, video_room_id, created_at, updated_at, ended_at "
    "FROM consultations ";

Error not_found_consultation(std::string_view id) { return not_found("consultation", id); }

// Normalizations tried for a search term: a term is looked up as every kind
// it is valid for.
constexpr crypto::IdentifierKind kSearchKinds[] = {crypto::IdentifierKind::kNationalId,
                                                   crypto::IdentifierKind::kMrn,
                                                   crypto::IdentifierKind::kPhone};

}  // namespace

Result<std::vector<std::string>> ConsultationStore::identifier_indexes(
    const domain::PatientSummary& patient) const {
  std::vector<std::string> out;
  auto add = [&](crypto::IdentifierKind kind, std::string_view value,
                 std::string_view what) -> Status {
    auto index = cipher_.blind_index(kind, value);
    if (!index.ok()) {
      return Error(ErrorCode::kInvalidArgument, "the patient's " + std::string(what) +
                                                    " is not valid: " + index.error().message);
    }
    if (std::find(out.begin(), out.end(), *index) == out.end()) out.push_back(*index);
    return {};
  };
  for (const auto& id : patient.identifiers) {
    auto kind = id.kind == domain::PatientIdentifierKind::kMrn
                    ? crypto::IdentifierKind::kMrn
                    : crypto::IdentifierKind::kNationalId;
    WASL_RETURN_IF_ERROR(add(kind, id.value, domain::to_string(id.kind)));
  }
  if (patient.phone && !patient.phone->empty()) {
    WASL_RETURN_IF_ERROR(add(crypto::IdentifierKind::kPhone, *patient.phone, "phone"));
  }
  return out;
}

Status ConsultationStore::insert(storage::Transaction& tx, const Consultation& c) const {
  if (c.id.empty() || c.facility_id.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a consultation needs an id and a facility id");
  }
  storage::Value patient_enc = storage::null_value();
  storage::Value index_cell = storage::null_value();
  std::vector<std::string> indexes;
  if (c.patient.summary) {
    WASL_ASSIGN_OR_RETURN(indexes, identifier_indexes(*c.patient.summary));
    nlohmann::json j = *c.patient.summary;
    WASL_ASSIGN_OR_RETURN(std::string ct, cipher_.encrypt(kTable, kPatientColumn, c.id, j.dump()));
    patient_enc = storage::Blob{std::move(ct)};
    if (!indexes.empty()) {
      WASL_ASSIGN_OR_RETURN(std::string raw, crypto::from_hex(indexes.front()));
      index_cell = storage::Blob{std::move(raw)};
    }
  }
  storage::Value practitioner_enc = storage::null_value();
  if (c.practitioner.summary) {
    nlohmann::json j = *c.practitioner.summary;
    WASL_ASSIGN_OR_RETURN(std::string ct,
                          cipher_.encrypt(kTable, kPractitionerColumn, c.id, j.dump()));
    practitioner_enc = storage::Blob{std::move(ct)};
  }
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO consultations (id, facility_id, workflow_name, workflow_version, status, "
      "consultation_type, appointment_ref, scheduled_at, patient_ref, patient_summary_enc, "
      "patient_identifier_index, practitioner_ref, practitioner_summary_enc, video_instance, "
      "video_room_id, created_at, updated_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
      "$9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
      {c.id, c.facility_id, text_or_null(c.workflow_name), int_or_null(c.workflow_version),
       std::string(domain::to_string(c.status)), std::string(domain::to_string(c.type)),
       text_or_null(c.appointment_ref), int_or_null(c.scheduled_at),
       text_or_null(c.patient.reference), patient_enc, index_cell,
       text_or_null(c.practitioner.reference), practitioner_enc, text_or_null(c.video_instance),
       text_or_null(c.video_room_id), c.created_at, c.updated_at, int_or_null(c.ended_at)}));
  for (const auto& index : indexes) {
    WASL_RETURN_IF_ERROR(
        tx.exec("INSERT INTO consultation_identifiers (consultation_id, facility_id, blind_index) "
                "VALUES ($1, $2, $3)",
                {c.id, c.facility_id, index}));
  }
  return {};
}

Result<Consultation> ConsultationStore::from_row(const storage::Row& row) const {
  Consultation c;
  WASL_ASSIGN_OR_RETURN(c.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(c.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(c.workflow_name, optional_text(row, "workflow_name"));
  WASL_ASSIGN_OR_RETURN(c.workflow_version, optional_int(row, "workflow_version"));
  WASL_ASSIGN_OR_RETURN(std::string status, row.get_text("status"));
  WASL_ASSIGN_OR_RETURN(std::string type, row.get_text("consultation_type"));
  auto parsed_status = domain::parse_consultation_status(status);
  auto parsed_type = domain::parse_consultation_type(type);
  if (!parsed_status || !parsed_type) {
    return Error(ErrorCode::kInternal,
                 "consultation " + c.id + " has an unknown status or type in the database");
  }
  c.status = *parsed_status;
  c.type = *parsed_type;
  WASL_ASSIGN_OR_RETURN(c.appointment_ref, optional_text(row, "appointment_ref"));
  WASL_ASSIGN_OR_RETURN(c.scheduled_at, optional_int(row, "scheduled_at"));
  WASL_ASSIGN_OR_RETURN(c.patient.reference, optional_text(row, "patient_ref"));
  WASL_ASSIGN_OR_RETURN(auto patient_enc, optional_blob(row, kPatientColumn));
  auto parse_summary = [&](std::string_view column, const std::string& plaintext,
                           auto& out) -> Status {
    try {
      out = nlohmann::json::parse(plaintext).get<std::decay_t<decltype(*out)>>();
      return {};
    } catch (const std::exception&) {
      return Error(ErrorCode::kInternal, "consultations." + std::string(column) + " of row " +
                                             c.id + " decrypted to a malformed document");
    }
  };
  if (patient_enc) {
    WASL_ASSIGN_OR_RETURN(std::string plain,
                          cipher_.decrypt(kTable, kPatientColumn, c.id, *patient_enc));
    WASL_RETURN_IF_ERROR(parse_summary(kPatientColumn, plain, c.patient.summary));
  }
  WASL_ASSIGN_OR_RETURN(c.practitioner.reference, optional_text(row, "practitioner_ref"));
  WASL_ASSIGN_OR_RETURN(auto practitioner_enc, optional_blob(row, kPractitionerColumn));
  if (practitioner_enc) {
    WASL_ASSIGN_OR_RETURN(std::string plain,
                          cipher_.decrypt(kTable, kPractitionerColumn, c.id, *practitioner_enc));
    WASL_RETURN_IF_ERROR(parse_summary(kPractitionerColumn, plain, c.practitioner.summary));
  }
  WASL_ASSIGN_OR_RETURN(c.video_instance, optional_text(row, "video_instance"));
  WASL_ASSIGN_OR_RETURN(c.video_room_id, optional_text(row, "video_room_id"));
  WASL_ASSIGN_OR_RETURN(c.created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(c.updated_at, row.get_int("updated_at"));
  WASL_ASSIGN_OR_RETURN(c.ended_at, optional_int(row, "ended_at"));
  return c;
}

Result<Consultation> ConsultationStore::get(storage::Transaction& tx, std::string_view facility_id,
                                            std::string_view id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kSelect) + "WHERE facility_id = $1 AND id = $2",
                                 {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return not_found_consultation(id);
  return from_row(rows.front());
}

Result<std::optional<Consultation>> ConsultationStore::find_by_appointment(
    storage::Transaction& tx, std::string_view facility_id,
    std::string_view appointment_ref) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kSelect) +
                   "WHERE facility_id = $1 AND appointment_ref = $2 "
                   "ORDER BY CASE WHEN status = $3 THEN 1 ELSE 0 END, created_at, id LIMIT 1",
               {std::string(facility_id), std::string(appointment_ref),
                std::string(domain::to_string(domain::ConsultationStatus::kCancelled))}));
  if (rows.empty()) return std::optional<Consultation>();
  WASL_ASSIGN_OR_RETURN(Consultation c, from_row(rows.front()));
  return std::optional<Consultation>(std::move(c));
}

Result<std::optional<std::string>> ConsultationStore::live_by_appointment(
    storage::Transaction& tx, std::string_view facility_id, std::string_view appointment_ref) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id FROM consultations WHERE facility_id = $1 AND appointment_ref = $2 AND "
               "status <> $3 LIMIT 1",
               {std::string(facility_id), std::string(appointment_ref),
                std::string(domain::to_string(domain::ConsultationStatus::kCancelled))}));
  if (rows.empty()) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(std::string id, rows.front().get_text(0));
  return std::optional<std::string>(std::move(id));
}

Result<ConsultationPage> ConsultationStore::list(storage::Transaction& tx,
                                                 std::string_view facility_id,
                                                 const ConsultationFilter& filter, int limit,
                                                 std::string_view cursor) const {
  if (limit <= 0) limit = kDefaultListLimit;
  limit = std::min(limit, kMaxListLimit);
  std::string sql = std::string(kSelect) + "WHERE facility_id = $1";
  storage::Params params{std::string(facility_id)};
  auto param = [&](storage::Value v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  };
  if (filter.status) {
    sql += " AND status = " + param(std::string(domain::to_string(*filter.status)));
  }
  if (filter.scheduled_from) sql += " AND scheduled_at >= " + param(*filter.scheduled_from);
  if (filter.scheduled_to) sql += " AND scheduled_at < " + param(*filter.scheduled_to);
  if (filter.workflow) sql += " AND workflow_name = " + param(*filter.workflow);
  if (filter.patient_identifier) {
    std::vector<std::string> candidates;
    for (auto kind : kSearchKinds) {
      auto index = cipher_.blind_index(kind, *filter.patient_identifier);
      if (index.ok()) candidates.push_back(std::move(index).value());
    }
    if (candidates.empty()) return ConsultationPage{};
    sql +=
        " AND id IN (SELECT consultation_id FROM consultation_identifiers WHERE "
        "facility_id = $1 AND blind_index IN (";
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      sql += (i ? ", " : "") + param(candidates[i]);
    }
    sql += "))";
  }
  if (!cursor.empty()) {
    WASL_ASSIGN_OR_RETURN(ListCursor after, decode_cursor(cursor));
    std::string t = param(after.created_at);
    std::string i = param(after.id);
    sql += " AND (created_at < " + t + " OR (created_at = " + t + " AND id < " + i + "))";
  }
  sql += " ORDER BY created_at DESC, id DESC LIMIT " + std::to_string(limit + 1);
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  ConsultationPage page;
  bool more = rows.size() > static_cast<std::size_t>(limit);
  if (more) rows.pop_back();
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(Consultation c, from_row(row));
    page.items.push_back(std::move(c));
  }
  if (more && !page.items.empty()) {
    page.next_cursor = encode_cursor({page.items.back().created_at, page.items.back().id});
  }
  return page;
}

Result<std::optional<ConsultationFacts>> ConsultationStore::facts(storage::Transaction& tx,
                                                                  std::string_view facility_id,
                                                                  std::string_view id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id, facility_id, status, consultation_type, appointment_ref, "
               "scheduled_at, video_instance, video_room_id, created_at "
               "FROM consultations WHERE facility_id = $1 AND id = $2",
               {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return std::optional<ConsultationFacts>();
  const storage::Row& row = rows.front();
  ConsultationFacts f;
  WASL_ASSIGN_OR_RETURN(f.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(f.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(f.status, row.get_text("status"));
  WASL_ASSIGN_OR_RETURN(f.type, row.get_text("consultation_type"));
  WASL_ASSIGN_OR_RETURN(f.appointment_ref, optional_text(row, "appointment_ref"));
  WASL_ASSIGN_OR_RETURN(f.video_instance, optional_text(row, "video_instance"));
  WASL_ASSIGN_OR_RETURN(f.video_room_id, optional_text(row, "video_room_id"));
  WASL_ASSIGN_OR_RETURN(f.scheduled_at, optional_int(row, "scheduled_at"));
  WASL_ASSIGN_OR_RETURN(f.created_at, optional_int(row, "created_at"));
  return std::optional<ConsultationFacts>(std::move(f));
}

Status ConsultationStore::update_status(storage::Transaction& tx, std::string_view facility_id,
                                        std::string_view id, domain::ConsultationStatus status,
                                        std::int64_t now_ms,
                                        std::optional<domain::ConsultationStatus> expected,
                                        std::optional<std::int64_t> ended_at) {
  std::string sql =
      "UPDATE consultations SET status = $1, updated_at = $2, ended_at = COALESCE($3, ended_at) "
      "WHERE facility_id = $4 AND id = $5";
  storage::Params params{std::string(domain::to_string(status)), now_ms, int_or_null(ended_at),
                         std::string(facility_id), std::string(id)};
  if (expected) {
    sql += " AND status = $6";
    params.push_back(std::string(domain::to_string(*expected)));
  }
  WASL_ASSIGN_OR_RETURN(std::int64_t changed, tx.exec(sql, params));
  if (changed > 0) return {};
  if (expected) {
    WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                          tx.query("SELECT status FROM consultations WHERE facility_id = $1 AND "
                                   "id = $2",
                                   {std::string(facility_id), std::string(id)}));
    if (!rows.empty()) {
      WASL_ASSIGN_OR_RETURN(std::string current, rows.front().get_text(0));
      return Error(ErrorCode::kFailedPrecondition, "consultation " + std::string(id) + " is " +
                                                       current + ", not " +
                                                       std::string(domain::to_string(*expected)));
    }
  }
  return not_found_consultation(id);
}

bool is_cancel_reason(std::string_view reason) {
  if (reason.empty() || reason.size() > 40 || reason[0] < 'a' || reason[0] > 'z') return false;
  for (char c : reason) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Status ConsultationStore::set_cancel_reason(storage::Transaction& tx, std::string_view facility_id,
                                            std::string_view id, std::string_view reason,
                                            std::int64_t now_ms) {
  if (!is_cancel_reason(reason)) {
    return Error(ErrorCode::kInvalidArgument,
                 "a cancel reason is a code of a-z, 0-9 and _ (at most 40), such as "
                 "patient_request or no_show",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE consultations SET cancel_reason = $1, updated_at = $2 "
              "WHERE facility_id = $3 AND id = $4",
              {std::string(reason), now_ms, std::string(facility_id), std::string(id)}));
  if (changed == 0) return not_found_consultation(id);
  return {};
}

Status ConsultationStore::set_scheduled_at(storage::Transaction& tx, std::string_view facility_id,
                                           std::string_view id, std::int64_t scheduled_at_ms,
                                           std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE consultations SET scheduled_at = $1, updated_at = $2 "
              "WHERE facility_id = $3 AND id = $4",
              {scheduled_at_ms, now_ms, std::string(facility_id), std::string(id)}));
  if (changed == 0) return not_found_consultation(id);
  return {};
}

Status ConsultationStore::set_report_facts(storage::Transaction& tx, std::string_view facility_id,
                                           std::string_view id,
                                           const ConsultationReportFacts& facts,
                                           std::int64_t now_ms) {
  auto text = [](const std::optional<std::string>& v) {
    return v ? storage::Value(*v) : storage::null_value();
  };
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE consultations SET specialty = COALESCE($1, specialty), "
              "service_type = COALESCE($2, service_type), "
              "session_started_at = COALESCE($3, session_started_at), "
              "session_ended_at = COALESCE($4, session_ended_at), updated_at = $5 "
              "WHERE facility_id = $6 AND id = $7",
              {text(facts.specialty), text(facts.service_type),
               int_or_null(facts.session_started_at), int_or_null(facts.session_ended_at), now_ms,
               std::string(facility_id), std::string(id)}));
  if (changed == 0) return not_found_consultation(id);
  return {};
}

Status ConsultationStore::set_room(storage::Transaction& tx, std::string_view facility_id,
                                   std::string_view id, std::string_view video_instance,
                                   std::string_view video_room_id, std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE consultations SET video_instance = $1, video_room_id = $2, updated_at = $3, "
              "room_opened_at = CASE WHEN video_room_id = $2 AND room_opened_at IS NOT NULL "
              "THEN room_opened_at ELSE $3 END "
              "WHERE facility_id = $4 AND id = $5",
              {std::string(video_instance), std::string(video_room_id), now_ms,
               std::string(facility_id), std::string(id)}));
  if (changed == 0) return not_found_consultation(id);
  return {};
}

namespace {

// The later of the scheduled start and the room's opening.
constexpr std::string_view kCountedFrom =
    "CASE WHEN scheduled_at IS NOT NULL AND scheduled_at > room_opened_at THEN scheduled_at "
    "ELSE room_opened_at END";

}  // namespace

Result<std::vector<DueArrival>> ConsultationStore::arrivals_due(storage::Transaction& tx,
                                                                std::string_view facility_id,
                                                                std::int64_t cutoff_ms, int limit) {
  const std::string counted(kCountedFrom);
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id, scheduled_at, room_opened_at, " + counted +
                   " AS counted_from FROM consultations WHERE facility_id = $1 AND status = "
                   "'waiting_room' AND video_room_id IS NOT NULL AND room_opened_at IS NOT NULL "
                   "AND arrival_settled_at IS NULL AND " +
                   counted + " <= $2 ORDER BY counted_from, id LIMIT $3",
               {std::string(facility_id), cutoff_ms, std::int64_t{std::max(limit, 1)}}));
  std::vector<DueArrival> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    DueArrival a;
    WASL_ASSIGN_OR_RETURN(a.id, row.get_text("id"));
    WASL_ASSIGN_OR_RETURN(a.scheduled_at, optional_int(row, "scheduled_at"));
    WASL_ASSIGN_OR_RETURN(a.room_opened_at, row.get_int("room_opened_at"));
    WASL_ASSIGN_OR_RETURN(a.counted_from, row.get_int("counted_from"));
    out.push_back(std::move(a));
  }
  return out;
}

Status ConsultationStore::settle_arrival(storage::Transaction& tx, std::string_view facility_id,
                                         std::string_view id, std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE consultations SET arrival_settled_at = COALESCE(arrival_settled_at, $1) "
              "WHERE facility_id = $2 AND id = $3",
              {now_ms, std::string(facility_id), std::string(id)}));
  if (changed == 0) return not_found_consultation(id);
  return {};
}

Status ConsultationStore::set_workflow(storage::Transaction& tx, std::string_view facility_id,
                                       std::string_view id, std::string_view workflow_name,
                                       std::int64_t workflow_version, std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE consultations SET workflow_name = $1, workflow_version = $2, "
              "updated_at = $3 WHERE facility_id = $4 AND id = $5",
              {std::string(workflow_name), workflow_version, now_ms, std::string(facility_id),
               std::string(id)}));
  if (changed == 0) return not_found_consultation(id);
  return {};
}

Result<bool> ConsultationStore::exists(storage::Transaction& tx, std::string_view facility_id,
                                       std::string_view id) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT id FROM consultations WHERE facility_id = $1 AND id = $2",
                                 {std::string(facility_id), std::string(id)}));
  return !rows.empty();
}

Result<std::optional<ReportedConsultation>> ConsultationStore::reported(
    storage::Transaction& tx, std::string_view facility_id, std::string_view id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT status, consultation_type, scheduled_at, created_at, ended_at, "
               "specialty, service_type, session_started_at, session_ended_at "
               "FROM consultations WHERE facility_id = $1 AND id = $2",
               {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return std::optional<ReportedConsultation>();
  const storage::Row& row = rows.front();
  ReportedConsultation r;
  WASL_ASSIGN_OR_RETURN(r.status, row.get_text("status"));
  WASL_ASSIGN_OR_RETURN(r.type, row.get_text("consultation_type"));
  WASL_ASSIGN_OR_RETURN(r.scheduled_at, optional_int(row, "scheduled_at"));
  WASL_ASSIGN_OR_RETURN(r.created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(r.ended_at, optional_int(row, "ended_at"));
  WASL_ASSIGN_OR_RETURN(r.facts.specialty, optional_text(row, "specialty"));
  WASL_ASSIGN_OR_RETURN(r.facts.service_type, optional_text(row, "service_type"));
  WASL_ASSIGN_OR_RETURN(r.facts.session_started_at, optional_int(row, "session_started_at"));
  WASL_ASSIGN_OR_RETURN(r.facts.session_ended_at, optional_int(row, "session_ended_at"));
  return std::optional<ReportedConsultation>(std::move(r));
}

namespace {

// The facility's consultations in the period, bound to $1 (facility), $2
// (start) and $3 (end); a statement goes on after it with AND or GROUP BY.
constexpr std::string_view kInPeriod =
    "FROM consultations WHERE facility_id = $1 AND "
    "COALESCE(scheduled_at, created_at) >= $2 AND "
    "COALESCE(scheduled_at, created_at) < $3 ";

// {value: count} of the two columns `sql` returns.
Result<std::map<std::string, std::int64_t>> counts_by(storage::Transaction& tx,
                                                      const std::string& sql,
                                                      const storage::Params& params) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  std::map<std::string, std::int64_t> out;
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(std::string name, row.get_text(0));
    WASL_ASSIGN_OR_RETURN(std::int64_t n, row.get_int(1));
    out[name] = n;
  }
  return out;
}

}  // namespace

Result<ConsultationPeriodCounts> ConsultationStore::count_in_period(storage::Transaction& tx,
                                                                    std::string_view facility_id,
                                                                    std::int64_t start_ms,
                                                                    std::int64_t end_ms) {
  const storage::Params p{std::string(facility_id), start_ms, end_ms};
  const std::string from(kInPeriod);
  ConsultationPeriodCounts out;
  WASL_ASSIGN_OR_RETURN(out.by_status,
                        counts_by(tx, "SELECT status, COUNT(*) " + from + "GROUP BY status", p));
  WASL_ASSIGN_OR_RETURN(
      out.by_type,
      counts_by(tx, "SELECT consultation_type, COUNT(*) " + from + "GROUP BY consultation_type",
                p));
  WASL_ASSIGN_OR_RETURN(out.by_specialty,
                        counts_by(tx,
                                  "SELECT COALESCE(specialty, 'unspecified'), COUNT(*) " + from +
                                      "GROUP BY COALESCE(specialty, 'unspecified')",
                                  p));
  WASL_ASSIGN_OR_RETURN(
      out.by_cancel_reason,
      counts_by(tx,
                "SELECT COALESCE(cancel_reason, 'unspecified'), COUNT(*) " + from +
                    "AND status = 'cancelled' AND COALESCE(cancel_reason, '') <> 'no_show' "
                    "GROUP BY COALESCE(cancel_reason, 'unspecified')",
                p));
  WASL_ASSIGN_OR_RETURN(
      storage::Rows no_shows,
      tx.query("SELECT COUNT(*) " + from +
                   "AND (status = 'no_show' OR (status = 'cancelled' AND cancel_reason = "
                   "'no_show'))",
               p));
  if (!no_shows.empty() && !no_shows[0].is_null(0)) {
    WASL_ASSIGN_OR_RETURN(out.no_shows, no_shows[0].get_int(0));
  }
  WASL_ASSIGN_OR_RETURN(
      storage::Rows clinician_no_shows,
      tx.query("SELECT COUNT(*) " + from + "AND status = 'clinician_no_show'", p));
  if (!clinician_no_shows.empty() && !clinician_no_shows[0].is_null(0)) {
    WASL_ASSIGN_OR_RETURN(out.clinician_no_shows, clinician_no_shows[0].get_int(0));
  }
  WASL_ASSIGN_OR_RETURN(storage::Rows durations,
                        tx.query("SELECT session_ended_at - session_started_at " + from +
                                     "AND session_started_at IS NOT NULL AND session_ended_at IS "
                                     "NOT NULL AND session_ended_at >= session_started_at",
                                 p));
  out.session_durations_ms.reserve(durations.size());
  for (const storage::Row& row : durations) {
    WASL_ASSIGN_OR_RETURN(std::int64_t ms, row.get_int(0));
    out.session_durations_ms.push_back(ms);
  }
  return out;
}

Result<std::vector<std::string>> ConsultationStore::ids_in_period(storage::Transaction& tx,
                                                                  std::string_view facility_id,
                                                                  std::int64_t start_ms,
                                                                  std::int64_t end_ms) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query("SELECT id " + std::string(kInPeriod),
                                                     {std::string(facility_id), start_ms, end_ms}));
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(std::string id, row.get_text(0));
    ids.push_back(std::move(id));
  }
  return ids;
}

Result<std::vector<OpenVideoRoom>> ConsultationStore::open_video_rooms(
    storage::Transaction& tx, const std::optional<std::pair<std::int64_t, std::string>>& after,
    int limit) {
  std::string sql =
      "SELECT id, facility_id, video_instance, video_room_id, updated_at FROM consultations "
      "WHERE video_room_id IS NOT NULL AND video_room_id <> '' AND status IN "
      "('waiting', 'waiting_room', 'in_session')";
  storage::Params params;
  if (after) {
    const std::string at = storage::bind(params, after->first);
    const std::string id = storage::bind(params, after->second);
    sql += " AND (updated_at > " + at + " OR (updated_at = " + at + " AND id > " + id + "))";
  }
  sql += " ORDER BY updated_at, id LIMIT " + storage::bind(params, std::int64_t{limit});
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  std::vector<OpenVideoRoom> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    OpenVideoRoom room;
    WASL_ASSIGN_OR_RETURN(room.id, row.get_text("id"));
    WASL_ASSIGN_OR_RETURN(room.facility_id, row.get_text("facility_id"));
    WASL_ASSIGN_OR_RETURN(room.video_instance, optional_text(row, "video_instance"));
    WASL_ASSIGN_OR_RETURN(room.video_room_id, row.get_text("video_room_id"));
    WASL_ASSIGN_OR_RETURN(room.updated_at, row.get_int("updated_at"));
    out.push_back(std::move(room));
  }
  return out;
}

Result<std::map<std::string, std::optional<std::string>>> ConsultationStore::video_instances(
    storage::Transaction& tx, const std::vector<std::string>& ids) {
  std::map<std::string, std::optional<std::string>> out;
  for (const auto& chunk : storage::chunks(ids)) {
    storage::Params params;
    WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                          tx.query("SELECT id, video_instance FROM consultations WHERE " +
                                       storage::in_list(params, tx.dialect(), "id",
                                                        {chunk.begin(), chunk.end()}, "TEXT"),
                                   params));
    for (const storage::Row& row : rows) {
      WASL_ASSIGN_OR_RETURN(std::string id, row.get_text("id"));
      WASL_ASSIGN_OR_RETURN(out[id], optional_text(row, "video_instance"));
    }
  }
  return out;
}

namespace {

constexpr const char* kSessionColumns =
    "SELECT id, video_instance, video_room_id, practitioner_ref, ended_at FROM consultations ";

Result<SessionFacts> session_of(const storage::Row& row) {
  SessionFacts f;
  WASL_ASSIGN_OR_RETURN(f.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(f.video_instance, optional_text(row, "video_instance"));
  WASL_ASSIGN_OR_RETURN(f.video_room_id, optional_text(row, "video_room_id"));
  WASL_ASSIGN_OR_RETURN(f.practitioner_ref, optional_text(row, "practitioner_ref"));
  WASL_ASSIGN_OR_RETURN(f.ended_at, optional_int(row, "ended_at"));
  return f;
}

}  // namespace

Result<std::optional<SessionFacts>> ConsultationStore::session_in_room(
    storage::Transaction& tx, std::string_view facility_id, std::string_view video_instance,
    std::string_view room_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kSessionColumns) +
                   "WHERE facility_id = $1 AND video_instance = $2 AND video_room_id = $3 "
                   "ORDER BY created_at, id LIMIT 1",
               {std::string(facility_id), std::string(video_instance), std::string(room_id)}));
  if (rows.empty()) return std::optional<SessionFacts>();
  WASL_ASSIGN_OR_RETURN(SessionFacts f, session_of(rows.front()));
  return std::optional<SessionFacts>(std::move(f));
}

Result<std::map<std::string, SessionFacts>> ConsultationStore::sessions(
    storage::Transaction& tx, std::string_view facility_id, const std::vector<std::string>& ids) {
  std::map<std::string, SessionFacts> out;
  for (const auto& chunk : storage::chunks(ids)) {
    storage::Params params{std::string(facility_id)};
    const std::string ids_in =
        storage::in_list(params, tx.dialect(), "id", {chunk.begin(), chunk.end()}, "TEXT");
    WASL_ASSIGN_OR_RETURN(
        storage::Rows rows,
        tx.query(std::string(kSessionColumns) + "WHERE facility_id = $1 AND " + ids_in, params));
    for (const storage::Row& row : rows) {
      WASL_ASSIGN_OR_RETURN(SessionFacts f, session_of(row));
      std::string id = f.id;
      out.emplace(std::move(id), std::move(f));
    }
  }
  return out;
}

}  // namespace wasl::records
