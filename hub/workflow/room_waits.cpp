#include "hub/workflow/room_waits.hpp"

#include "hub/storage/bind.hpp"

namespace wasl::workflow {

using sdk::Result;

namespace {

StoredBindings stored_bindings(const storage::Row& row, const std::string& run_id) {
  StoredBindings out;
  auto kept = run_bindings_of(row, "bindings", run_id);
  if (kept.ok()) {
    out.bindings = std::move(kept).value();
  } else {
    out.unreadable = kept.error();
  }
  return out;
}

std::optional<std::string> text_or_none(const storage::Row& row, std::string_view column) {
  if (row.is_null(column)) return std::nullopt;
  auto v = row.get_text(column);
  return v.ok() ? std::optional<std::string>(*v) : std::nullopt;
}

}  // namespace

Result<std::vector<RoomWait>> runs_waiting_for_room_end(storage::Transaction& tx, int limit) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT r.id, r.facility_id, r.consultation_id, r.wait_correlation, r.bindings "
               "FROM workflow_runs r "
               "WHERE r.status = 'waiting' AND r.wait_event = 'room.ended' AND "
               "r.wait_correlation IS NOT NULL AND r.wait_correlation <> '' AND NOT EXISTS "
               "(SELECT 1 FROM workflow_events e WHERE e.facility_id = r.facility_id AND "
               "e.type = 'room.ended' AND e.correlation = r.wait_correlation) "
               "ORDER BY r.updated_at, r.id LIMIT $1",
               {std::int64_t{limit}}));
  std::vector<RoomWait> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    RoomWait wait;
    WASL_ASSIGN_OR_RETURN(wait.run_id, row.get_text("id"));
    WASL_ASSIGN_OR_RETURN(wait.facility_id, row.get_text("facility_id"));
    wait.consultation_id = text_or_none(row, "consultation_id");
    WASL_ASSIGN_OR_RETURN(wait.room_id, row.get_text("wait_correlation"));
    wait.bindings = stored_bindings(row, wait.run_id);
    out.push_back(std::move(wait));
  }
  return out;
}

Result<std::set<FacilityRoom>> rooms_with_ended_event(storage::Transaction& tx,
                                                      const std::vector<FacilityRoom>& rooms) {
  std::set<FacilityRoom> asked(rooms.begin(), rooms.end());
  std::set<FacilityRoom> ended;
  for (const auto& chunk : storage::chunks(rooms)) {
    std::set<std::string> facilities;
    std::set<std::string> room_ids;
    for (const auto& [facility, room] : chunk) {
      facilities.insert(facility);
      room_ids.insert(room);
    }
    storage::Params params;
    std::string sql = "SELECT facility_id, correlation FROM workflow_events WHERE ";
    sql += storage::in_list(params, tx.dialect(), "facility_id",
                            {facilities.begin(), facilities.end()}, "TEXT");
    sql += " AND type = 'room.ended' AND ";
    sql += storage::in_list(params, tx.dialect(), "correlation", {room_ids.begin(), room_ids.end()},
                            "TEXT");
    WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
    for (const storage::Row& row : rows) {
      FacilityRoom found;
      WASL_ASSIGN_OR_RETURN(found.first, row.get_text(0));
      WASL_ASSIGN_OR_RETURN(found.second, row.get_text(1));
      if (asked.count(found)) ended.insert(std::move(found));
    }
  }
  return ended;
}

Result<std::map<std::string, StoredBindings>> latest_run_bindings(
    storage::Transaction& tx, const std::vector<std::string>& consultation_ids) {
  std::map<std::string, StoredBindings> out;
  for (const auto& chunk : storage::chunks(consultation_ids)) {
    storage::Params params;
    WASL_ASSIGN_OR_RETURN(
        storage::Rows rows,
        tx.query("SELECT consultation_id, id, bindings FROM workflow_runs WHERE " +
                     storage::in_list(params, tx.dialect(), "consultation_id",
                                      {chunk.begin(), chunk.end()}, "TEXT") +
                     " ORDER BY consultation_id, created_at DESC, id DESC",
                 params));
    for (const storage::Row& row : rows) {
      WASL_ASSIGN_OR_RETURN(std::string consultation, row.get_text("consultation_id"));
      if (out.count(consultation)) continue;  // a later run came first
      WASL_ASSIGN_OR_RETURN(std::string run_id, row.get_text("id"));
      out.emplace(std::move(consultation), stored_bindings(row, run_id));
    }
  }
  return out;
}

}  // namespace wasl::workflow
