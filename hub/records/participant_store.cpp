#include "hub/records/participant_store.hpp"

#include "hub/records/row_fields.hpp"

namespace wasl::records {

using domain::Participant;
using domain::ParticipantState;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using namespace row_fields;

namespace {

constexpr std::string_view kParticipantTable = "participants";
constexpr std::string_view kNameColumn = "display_name_enc";

constexpr std::string_view kParticipantSelect =
    "SELECT id, consultation_id, facility_id, role, display_name_enc, state, consent_family, "
    "provider_participant_id, token_expires_at, created_at, admitted_at, removed_at, "
    "practitioner_ref "
    "FROM participants ";

Error not_found_participant(std::string_view id) { return not_found("participant", id); }

}  // namespace

Status ParticipantStore::insert(storage::Transaction& tx, const Participant& p) const {
  if (p.id.empty() || p.consultation_id.empty() || p.facility_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a participant needs an id, a consultation id and a facility id");
  }
  WASL_ASSIGN_OR_RETURN(std::string name_enc,
                        cipher_.encrypt(kParticipantTable, kNameColumn, p.id, p.display_name));
  // The consultation must belong to the facility.
  WASL_ASSIGN_OR_RETURN(storage::Rows owner,
                        tx.query("SELECT id FROM consultations WHERE facility_id = $1 AND id = $2",
                                 {p.facility_id, p.consultation_id}));
  if (owner.empty()) return not_found("consultation", p.consultation_id);
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO participants (id, consultation_id, facility_id, role, "
              "display_name_enc, state, consent_family, provider_participant_id, "
              "token_expires_at, created_at, admitted_at, removed_at, practitioner_ref) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
              {p.id, p.consultation_id, p.facility_id, std::string(domain::to_string(p.role)),
               storage::Blob{std::move(name_enc)}, std::string(domain::to_string(p.state)),
               std::int64_t{p.family_consent ? 1 : 0}, text_or_null(p.provider_participant_id),
               int_or_null(p.token_expires_at), p.created_at, int_or_null(p.admitted_at),
               int_or_null(p.removed_at), text_or_null(p.practitioner)}));
  return {};
}

Result<Participant> ParticipantStore::from_row(const storage::Row& row) const {
  Participant p;
  WASL_ASSIGN_OR_RETURN(p.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(p.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(p.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(std::string role, row.get_text("role"));
  WASL_ASSIGN_OR_RETURN(std::string state, row.get_text("state"));
  auto parsed_role = domain::parse_participant_role(role);
  auto parsed_state = domain::parse_participant_state(state);
  if (!parsed_role || !parsed_state) {
    return Error(ErrorCode::kInternal,
                 "participant " + p.id + " has an unknown role or state in the database");
  }
  p.role = *parsed_role;
  p.state = *parsed_state;
  WASL_ASSIGN_OR_RETURN(auto name_enc, optional_blob(row, kNameColumn));
  if (name_enc) {
    WASL_ASSIGN_OR_RETURN(p.display_name,
                          cipher_.decrypt(kParticipantTable, kNameColumn, p.id, *name_enc));
  }
  WASL_ASSIGN_OR_RETURN(std::int64_t consent, row.get_int("consent_family"));
  p.family_consent = consent != 0;
  WASL_ASSIGN_OR_RETURN(p.provider_participant_id, optional_text(row, "provider_participant_id"));
  WASL_ASSIGN_OR_RETURN(p.token_expires_at, optional_int(row, "token_expires_at"));
  WASL_ASSIGN_OR_RETURN(p.created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(p.admitted_at, optional_int(row, "admitted_at"));
  WASL_ASSIGN_OR_RETURN(p.removed_at, optional_int(row, "removed_at"));
  WASL_ASSIGN_OR_RETURN(p.practitioner, optional_text(row, "practitioner_ref"));
  return p;
}

Result<Participant> ParticipantStore::get(storage::Transaction& tx, std::string_view facility_id,
                                          std::string_view consultation_id,
                                          std::string_view participant_id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kParticipantSelect) +
                                     "WHERE facility_id = $1 AND consultation_id = $2 AND id = $3",
                                 {std::string(facility_id), std::string(consultation_id),
                                  std::string(participant_id)}));
  if (rows.empty()) return not_found_participant(participant_id);
  return from_row(rows.front());
}

Result<std::optional<Participant>> ParticipantStore::find_in_room(
    storage::Transaction& tx, std::string_view facility_id, std::string_view video_instance,
    std::string_view room_id, std::string_view provider_participant_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kParticipantSelect) +
                   "WHERE facility_id = $1 AND provider_participant_id = $2 AND consultation_id IN "
                   "(SELECT id FROM consultations WHERE facility_id = $1 AND video_instance = $3 "
                   "AND video_room_id = $4) ORDER BY created_at, id",
               {std::string(facility_id), std::string(provider_participant_id),
                std::string(video_instance), std::string(room_id)}));
  if (rows.empty()) return std::optional<Participant>();
  WASL_ASSIGN_OR_RETURN(Participant p, from_row(rows.front()));
  return std::optional<Participant>(std::move(p));
}

Result<std::vector<Participant>> ParticipantStore::list(storage::Transaction& tx,
                                                        std::string_view facility_id,
                                                        std::string_view consultation_id,
                                                        bool include_removed) const {
  std::string sql =
      std::string(kParticipantSelect) + "WHERE facility_id = $1 AND consultation_id = $2";
  if (!include_removed) sql += " AND state <> 'removed'";
  sql += " ORDER BY created_at, id";
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(sql, {std::string(facility_id), std::string(consultation_id)}));
  std::vector<Participant> out;
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(Participant p, from_row(row));
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::int64_t> ParticipantStore::count_present(storage::Transaction& tx,
                                                     std::string_view facility_id,
                                                     std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT COUNT(*) FROM participants WHERE facility_id = $1 AND "
                                 "consultation_id = $2 AND state <> 'removed'",
                                 {std::string(facility_id), std::string(consultation_id)}));
  return rows.front().get_int(0);
}

Result<bool> ParticipantStore::practitioner_admitted(storage::Transaction& tx,
                                                     std::string_view facility_id,
                                                     std::string_view consultation_id,
                                                     std::string_view practitioner) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(
          "SELECT COUNT(*) FROM participants WHERE facility_id = $1 AND "
          "consultation_id = $2 AND practitioner_ref = $3 AND state = 'admitted'",
          {std::string(facility_id), std::string(consultation_id), std::string(practitioner)}));
  WASL_ASSIGN_OR_RETURN(std::int64_t n, rows.front().get_int(0));
  return n > 0;
}

Result<Participant> ParticipantStore::admit(storage::Transaction& tx, std::string_view facility_id,
                                            std::string_view consultation_id,
                                            std::string_view participant_id,
                                            std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(Participant p, get(tx, facility_id, consultation_id, participant_id));
  if (p.state == ParticipantState::kRemoved) {
    return Error(ErrorCode::kFailedPrecondition,
                 "participant " + p.id + " was removed and cannot be admitted");
  }
  if (p.state == ParticipantState::kAdmitted) return p;
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE participants SET state = 'admitted', admitted_at = $1 "
              "WHERE facility_id = $2 AND consultation_id = $3 AND id = $4 AND state = 'waiting'",
              {now_ms, std::string(facility_id), std::string(consultation_id),
               std::string(participant_id)}));
  return get(tx, facility_id, consultation_id, participant_id);
}

Result<Participant> ParticipantStore::remove(storage::Transaction& tx, std::string_view facility_id,
                                             std::string_view consultation_id,
                                             std::string_view participant_id,
                                             std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(Participant p, get(tx, facility_id, consultation_id, participant_id));
  if (p.state == ParticipantState::kRemoved) return p;
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE participants SET state = 'removed', removed_at = $1 "
              "WHERE facility_id = $2 AND consultation_id = $3 AND id = $4",
              {now_ms, std::string(facility_id), std::string(consultation_id),
               std::string(participant_id)}));
  return get(tx, facility_id, consultation_id, participant_id);
}

Status ParticipantStore::set_token(storage::Transaction& tx, std::string_view facility_id,
                                   std::string_view consultation_id,
                                   std::string_view participant_id,
                                   std::string_view provider_participant_id,
                                   std::int64_t token_expires_at_ms) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE participants SET provider_participant_id = $1, token_expires_at = $2 "
              "WHERE facility_id = $3 AND consultation_id = $4 AND id = $5",
              {std::string(provider_participant_id), token_expires_at_ms, std::string(facility_id),
               std::string(consultation_id), std::string(participant_id)}));
  if (changed == 0) return not_found_participant(participant_id);
  return {};
}

Status ParticipantStore::set_gender_preference(storage::Transaction& tx,
                                               std::string_view facility_id,
                                               std::string_view participant_id,
                                               domain::GenderPreference preference) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE participants SET gender_preference = $1 WHERE id = $2 AND facility_id = $3",
              {std::string(domain::to_string(preference)), std::string(participant_id),
               std::string(facility_id)}));
  if (changed == 0) return not_found_participant(participant_id);
  return {};
}

}  // namespace wasl::records
