// SessionReconciler: ends consultations whose provider "room ended" event
// was lost. Provider event delivery is best effort (EventBridge, Twilio
// status callbacks), so while a session is open the reconciler asks the
// video plugin about the room and, once the room is gone, delivers the
// event itself.
//
// Open sessions, each pass (deduplicated by facility and room id):
//  - consultations with a video_room_id and status "waiting" (what the
//    standard workflow's hub.set_status writes), "waiting_room" or
//    "in_session";
//  - workflow runs waiting for "room.ended" (their wait correlation is the
//    room id), so a run whose consultation row lacks the room id is covered.
// A room for which any "room.ended" event is already stored (the provider's
// or an earlier synthetic one) is not polled again.
//
// The video instance asked about a room: the one recorded on the
// consultation (consultations.video_instance), else the one the session's
// run kept from its start (workflow_runs.bindings; for a consultation, its
// most recent run), else the facility's current binding — so a room opened
// before the facility was switched to another provider is asked of the
// provider that holds it. A run whose snapshot cannot be read is counted as
// an error and its room skipped.
//
// The probe (probe_room): VideoProvider::get_room(room) first — status
// "completed" or "failed", or kNotFound, means the room has ended; any other
// status means open (Twilio FetchRoom). A plugin that answers kUnimplemented
// (Chime, which has no room status, or a plugin built before get_room) is
// asked list_participants(room) instead: kNotFound means ended (Chime answers
// so once the meeting is deleted), a success means open. list_participants
// alone cannot see a Twilio room end: Twilio keeps listing the participants
// of a completed room. Any other error is counted and the room is asked
// again next pass.
//
// The synthetic event: delivered as Engine::deliver_event(facility,
// "room.ended", correlation = room id, payload, dedupe_key =
// "reconcile:room.ended:<room id>") and handed to the reactions to
// "room.ended" (the attendance recorder keeps it as a room end the hub
// observed: a provider's own end recorded later still says when the room
// ended, and hub.attendance waits its quiet period for the provider's late
// joins and leaves). The payload is the JSON form of sdk::Event, like the provider's:
// {type: "room.ended", room_id, occurred_at_ms: the time the end was
// observed, dedupe_key, payload: {"source": "reconciliation", "instance"}},
// so a wait_for step's output has the same members whichever delivered it.
// If the provider's own event arrives as well, the engine stores it
// unmatched (the wait is already satisfied) and nothing else happens.
//
// Thread-safety: run_once() from one thread at a time (plus the runner's own
// thread after start()); several hub processes may reconcile the same
// database: the dedupe key makes the second delivery a duplicate.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/config/config.hpp"
#include "hub/jobs/periodic_runner.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::archive {

// What the probe concluded about a room.
enum class RoomState { kOpen, kEnded };

// Delivers the synthetic event of `instance`'s room: Engine::deliver_event's
// arguments, with the video instance the room belongs to.
using RoomEventDelivery = std::function<sdk::Result<workflow::DeliveredEvent>(
    const std::string& instance, const std::string& facility_id, const std::string& type,
    const std::string& correlation, const nlohmann::json& payload, const std::string& dedupe_key)>;

// Asks the provider about `room_id`; an error means "unknown this time".
using RoomProbe =
    std::function<sdk::Result<RoomState>(sdk::VideoProvider& video, const std::string& room_id)>;

// list_participants: kNotFound = ended, success = open.
sdk::Result<RoomState> probe_by_participants(sdk::VideoProvider& video, const std::string& room_id);

// get_room: status "completed"/"failed" or kNotFound = ended, another status
// = open; kUnimplemented (and every other error) is returned as it is.
sdk::Result<RoomState> probe_by_room_status(sdk::VideoProvider& video, const std::string& room_id);

// The default probe: probe_by_room_status, then probe_by_participants when
// the plugin answers kUnimplemented.
sdk::Result<RoomState> probe_room(sdk::VideoProvider& video, const std::string& room_id);

struct SessionReconcilerOptions {
  std::chrono::milliseconds interval{std::chrono::seconds(30)};
  // Sessions examined per pass at most (oldest first).
  int max_sessions = 500;
  RoomProbe probe;  // unset = probe_room
  // Wall clock; unset = system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
  // Counts the periods this process runs; may be null.
  observability::Metrics* metrics = nullptr;
};

struct ReconcilePass {
  std::int64_t sessions = 0;    // open sessions examined
  std::int64_t open = 0;        // rooms the provider still has
  std::int64_t ended = 0;       // synthetic room.ended events delivered (new ones)
  std::int64_t duplicates = 0;  // deliveries the engine already had
  std::int64_t errors = 0;      // probes or deliveries that failed (logged)
};

struct SessionReconcilerServices {
  storage::Store* store = nullptr;  // borrowed
  // The video provider of a loaded instance (PluginHost::video).
  std::function<sdk::Result<std::shared_ptr<sdk::VideoProvider>>(const std::string& instance)>
      video;
  // facility id → video instance, for sessions whose consultation and run
  // name none.
  std::map<std::string, std::string> video_bindings;
  RoomEventDelivery deliver;
};

class SessionReconciler {
 public:
  SessionReconciler(SessionReconcilerServices services, SessionReconcilerOptions options = {});
  ~SessionReconciler();

  // One pass. Errors only when the open sessions cannot be read.
  sdk::Result<ReconcilePass> run_once();

  // run_once() now and every options.interval, on a thread of its own.
  sdk::Status start();
  void stop();

 private:
  std::int64_t now_ms() const;

  SessionReconcilerServices services_;
  SessionReconcilerOptions options_;
  std::unique_ptr<jobs::PeriodicRunner> runner_;
};

// Services from the config (video bindings), the loaded plugins, the engine
// and the features' reactions to events. deliver = in one transaction, as
// the webhook dispatcher does for the provider's own event:
// Engine::deliver_events, then (unless it is a duplicate)
// HubActions::react_to, so the attendance recorder records the room's end
// with the run's wait settled; then Engine::work_available. All must
// outlive the result.
SessionReconcilerServices session_reconciler_services_from(const config::Config& config,
                                                           const plugin_host::PluginHost& plugins,
                                                           storage::Store& store,
                                                           workflow::Engine& engine,
                                                           const workflow::HubActions& actions);

// The synthetic event's dedupe key.
std::string reconcile_dedupe_key(const std::string& room_id);

}  // namespace wasl::archive
