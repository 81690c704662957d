// RoomWaits: what the session reconciler (hub/archive) asks of workflow
// runs and events to find the video rooms whose "room ended" event may
// have been lost: the runs waiting for a room to end, whether a room's
// ended event is stored already, and the bindings of a consultation's
// latest run (the instance its room was opened on).
//
// Every function reads through the caller's transaction, across
// facilities (each result carries its facility). Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hub/storage/store.hpp"
#include "hub/workflow/run_bindings.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// A run's role bindings as stored, or why they cannot be read.
struct StoredBindings {
  RoleBindings bindings;  // empty when the run kept none (NULL)
  std::optional<sdk::Error> unreadable;
};

// A run waiting for "room.ended" (a video room's end) on a room.
struct RoomWait {
  std::string run_id;
  std::string facility_id;
  std::optional<std::string> consultation_id;
  std::string room_id;  // the wait's correlation
  StoredBindings bindings;
};

// (facility id, room id)
using FacilityRoom = std::pair<std::string, std::string>;

// Runs waiting for "room.ended" with a room id, for whose room no such
// event is stored, least recently updated first (then id), at most `limit`.
sdk::Result<std::vector<RoomWait>> runs_waiting_for_room_end(storage::Transaction& tx, int limit);

// The rooms of `rooms` for which a "room.ended" event is stored (of that
// facility, correlated by the room id), whether a run took it or not.
sdk::Result<std::set<FacilityRoom>> rooms_with_ended_event(storage::Transaction& tx,
                                                           const std::vector<FacilityRoom>& rooms);

// Each consultation's most recently created run's bindings (then the
// highest run id); a consultation without runs is absent.
sdk::Result<std::map<std::string, StoredBindings>> latest_run_bindings(
    storage::Transaction& tx, const std::vector<std::string>& consultation_ids);

}  // namespace wasl::workflow
