#include "hub/clinical/ehr_write_store.hpp"

#include <utility>

namespace wasl::clinical {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kEhrWriteSelect =
    "SELECT facility_id, consultation_id, item_kind, item_id, item_version, idempotency_key, "
    "ehr_instance, state, resource_type, resource_id, claimed_at, written_at "
    "FROM clinical_ehr_writes ";

std::optional<EhrItemKind> parse_kind(std::string_view text) {
  if (text == "note") return EhrItemKind::kNote;
  if (text == "prescription") return EhrItemKind::kPrescription;
  if (text == "observation") return EhrItemKind::kObservation;
  return std::nullopt;
}

std::optional<EhrWriteState> parse_state(std::string_view text) {
  if (text == "claimed") return EhrWriteState::kClaimed;
  if (text == "written") return EhrWriteState::kWritten;
  if (text == "cancelled") return EhrWriteState::kCancelled;
  return std::nullopt;
}

storage::Value text_or_null(const std::optional<std::string>& v) {
  return v ? storage::Value{*v} : storage::null_value();
}

Result<EhrWrite> from_row(const storage::Row& row) {
  EhrWrite w;
  WASL_ASSIGN_OR_RETURN(w.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(w.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(std::string kind, row.get_text("item_kind"));
  WASL_ASSIGN_OR_RETURN(w.item_id, row.get_text("item_id"));
  WASL_ASSIGN_OR_RETURN(w.item_version, row.get_int("item_version"));
  WASL_ASSIGN_OR_RETURN(w.idempotency_key, row.get_text("idempotency_key"));
  WASL_ASSIGN_OR_RETURN(w.ehr_instance, row.get_text("ehr_instance"));
  WASL_ASSIGN_OR_RETURN(std::string state, row.get_text("state"));
  auto parsed_kind = parse_kind(kind);
  auto parsed_state = parse_state(state);
  if (!parsed_kind || !parsed_state) {
    return Error(ErrorCode::kInternal,
                 "EHR write of " + w.item_id + " has an unknown kind or state in the database");
  }
  w.kind = *parsed_kind;
  w.state = *parsed_state;
  if (!row.is_null("resource_type")) {
    WASL_ASSIGN_OR_RETURN(std::string t, row.get_text("resource_type"));
    w.resource_type = std::move(t);
  }
  if (!row.is_null("resource_id")) {
    WASL_ASSIGN_OR_RETURN(std::string id, row.get_text("resource_id"));
    w.resource_id = std::move(id);
  }
  WASL_ASSIGN_OR_RETURN(w.claimed_at, row.get_int("claimed_at"));
  if (!row.is_null("written_at")) {
    WASL_ASSIGN_OR_RETURN(std::int64_t at, row.get_int("written_at"));
    w.written_at = at;
  }
  return w;
}

}  // namespace

std::string_view to_string(EhrItemKind kind) {
  switch (kind) {
    case EhrItemKind::kNote: return "note";
    case EhrItemKind::kPrescription: return "prescription";
    case EhrItemKind::kObservation: return "observation";
  }
  return "note";
}

std::string_view to_string(EhrWriteState state) {
  switch (state) {
    case EhrWriteState::kClaimed: return "claimed";
    case EhrWriteState::kWritten: return "written";
    case EhrWriteState::kCancelled: return "cancelled";
  }
  return "claimed";
}

Result<std::vector<EhrWrite>> EhrWriteStore::list(storage::Transaction& tx,
                                                  std::string_view facility_id,
                                                  std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kEhrWriteSelect) + "WHERE facility_id = $1 AND consultation_id = $2",
               {std::string(facility_id), std::string(consultation_id)}));
  std::vector<EhrWrite> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(EhrWrite w, from_row(row));
    out.push_back(std::move(w));
  }
  return out;
}

Result<std::optional<EhrWrite>> EhrWriteStore::find(storage::Transaction& tx,
                                                    const EhrWrite& key) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kEhrWriteSelect) +
                   "WHERE facility_id = $1 AND item_kind = $2 AND item_id = $3 AND "
                   "item_version = $4",
               {key.facility_id, std::string(to_string(key.kind)), key.item_id, key.item_version}));
  if (rows.empty()) return std::optional<EhrWrite>();
  WASL_ASSIGN_OR_RETURN(EhrWrite w, from_row(rows.front()));
  return std::optional<EhrWrite>(std::move(w));
}

Result<EhrWrite> EhrWriteStore::claim(storage::Transaction& tx, const EhrWrite& write) const {
  WASL_ASSIGN_OR_RETURN(std::optional<EhrWrite> existing, find(tx, write));
  if (existing) return *std::move(existing);
  if (write.facility_id.empty() || write.consultation_id.empty() || write.item_id.empty() ||
      write.idempotency_key.empty() || write.ehr_instance.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "an EHR write needs a facility, consultation, item, key and instance");
  }
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO clinical_ehr_writes (facility_id, consultation_id, item_kind, item_id, "
      "item_version, idempotency_key, ehr_instance, state, claimed_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, 'claimed', $8)",
      {write.facility_id, write.consultation_id, std::string(to_string(write.kind)), write.item_id,
       write.item_version, write.idempotency_key, write.ehr_instance, write.claimed_at}));
  EhrWrite claimed = write;
  claimed.state = EhrWriteState::kClaimed;
  claimed.resource_type.reset();
  claimed.resource_id.reset();
  claimed.written_at.reset();
  return claimed;
}

Status EhrWriteStore::settle(storage::Transaction& tx, const EhrWrite& write, EhrWriteState state,
                             const std::optional<std::string>& resource_type,
                             const std::optional<std::string>& resource_id,
                             std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE clinical_ehr_writes SET state = $1, resource_type = $2, resource_id = $3, "
              "written_at = $4 WHERE facility_id = $5 AND item_kind = $6 AND item_id = $7 AND "
              "item_version = $8",
              {std::string(to_string(state)), text_or_null(resource_type),
               text_or_null(resource_id), now_ms, write.facility_id,
               std::string(to_string(write.kind)), write.item_id, write.item_version}));
  if (changed == 0) {
    return Error(ErrorCode::kNotFound, "no EHR write is claimed for " + write.item_id);
  }
  return {};
}

}  // namespace wasl::clinical
