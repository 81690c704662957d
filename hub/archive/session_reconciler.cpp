#include "hub/archive/session_reconciler.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "hub/attendance/attendance_store.hpp"
#include "hub/jobs/period_lease.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/workflow/room_waits.hpp"
#include "hub/workflow/run_bindings.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::archive {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr const char* kRoomEnded = "room.ended";

struct Session {
  std::string facility;
  std::string instance;                 // may be empty: use the run's, else the facility's binding
  workflow::RoleBindings run_bindings;  // the snapshot of the session's run
  std::optional<Error> unreadable;      // the snapshot could not be read
  std::string room;
};

Session session_of(const workflow::StoredBindings& kept) {
  Session s;
  s.run_bindings = kept.bindings;
  s.unreadable = kept.unreadable;
  return s;
}

// Open consultations with a room no "room.ended" event is stored for, least
// recently updated first, at most `limit`; each with the bindings of its
// latest run.
Result<std::vector<Session>> consultation_sessions(storage::Transaction& tx, int limit) {
  std::vector<records::OpenVideoRoom> open;
  std::optional<std::pair<std::int64_t, std::string>> after;
  for (;;) {
    WASL_ASSIGN_OR_RETURN(auto page,
                          records::ConsultationStore::open_video_rooms(tx, after, limit));
    std::vector<workflow::FacilityRoom> rooms;
    rooms.reserve(page.size());
    for (const auto& room : page) rooms.emplace_back(room.facility_id, room.video_room_id);
    WASL_ASSIGN_OR_RETURN(auto ended, workflow::rooms_with_ended_event(tx, rooms));
    for (auto& room : page) {
      if (static_cast<int>(open.size()) >= limit) break;
      if (ended.count({room.facility_id, room.video_room_id}) == 0) open.push_back(room);
    }
    if (static_cast<int>(open.size()) >= limit || static_cast<int>(page.size()) < limit) break;
    after = std::make_pair(page.back().updated_at, page.back().id);
  }
  std::vector<std::string> ids;
  ids.reserve(open.size());
  for (const auto& room : open) ids.push_back(room.id);
  WASL_ASSIGN_OR_RETURN(auto bindings, workflow::latest_run_bindings(tx, ids));
  std::vector<Session> sessions;
  sessions.reserve(open.size());
  for (auto& room : open) {
    auto kept = bindings.find(room.id);
    Session s = kept == bindings.end() ? Session{} : session_of(kept->second);
    s.facility = std::move(room.facility_id);
    s.instance = room.video_instance.value_or(std::string());
    s.room = std::move(room.video_room_id);
    sessions.push_back(std::move(s));
  }
  return sessions;
}

// Runs waiting for the end of a room no "room.ended" event is stored for,
// least recently updated first, at most `limit`; each with its
// consultation's instance, if recorded.
Result<std::vector<Session>> run_sessions(storage::Transaction& tx, int limit) {
  WASL_ASSIGN_OR_RETURN(auto waits, workflow::runs_waiting_for_room_end(tx, limit));
  std::vector<std::string> consultation_ids;
  for (const auto& wait : waits) {
    if (wait.consultation_id) consultation_ids.push_back(*wait.consultation_id);
  }
  WASL_ASSIGN_OR_RETURN(auto instances,
                        records::ConsultationStore::video_instances(tx, consultation_ids));
  std::vector<Session> sessions;
  sessions.reserve(waits.size());
  for (auto& wait : waits) {
    Session s = session_of(wait.bindings);
    s.facility = std::move(wait.facility_id);
    if (wait.consultation_id) {
      auto instance = instances.find(*wait.consultation_id);
      if (instance != instances.end()) s.instance = instance->second.value_or(std::string());
    }
    s.room = std::move(wait.room_id);
    sessions.push_back(std::move(s));
  }
  return sessions;
}

}  // namespace

std::string reconcile_dedupe_key(const std::string& room_id) {
  return std::string(attendance::kReconciledEndKeyPrefix) + kRoomEnded + ":" + room_id;
}

SessionReconcilerServices session_reconciler_services_from(const config::Config& config,
                                                           const plugin_host::PluginHost& plugins,
                                                           storage::Store& store,
                                                           workflow::Engine& engine,
                                                           const workflow::HubActions& actions) {
  SessionReconcilerServices services;
  services.store = &store;
  services.video = [&plugins](const std::string& instance) { return plugins.video(instance); };
  for (const auto& [id, facility] : config.facilities) {
    auto it = facility.bindings.find("video");
    if (it != facility.bindings.end()) services.video_bindings[id] = it->second;
  }
  services.deliver = [&store, &engine, &actions](
                         const std::string& instance, const std::string& facility,
                         const std::string& type, const std::string& correlation,
                         const nlohmann::json& payload,
                         const std::string& dedupe_key) -> Result<workflow::DeliveredEvent> {
    const workflow::IncomingEvent event{facility, type,       correlation,
                                        payload,  dedupe_key, /*inbox_id=*/""};
    WASL_ASSIGN_OR_RETURN(auto tx, store.begin());
    WASL_ASSIGN_OR_RETURN(auto delivered, engine.deliver_events(*tx, {event}));
    if (delivered.size() != 1) {
      return Error(ErrorCode::kInternal, "the engine answered no delivery for room.ended", false);
    }
    if (!delivered[0].ok()) return std::move(delivered[0]).error();
    if (!delivered[0]->duplicate) {
      WASL_ASSIGN_OR_RETURN(bool taken, actions.react_to(*tx, instance, event));
      (void)taken;  // whether a feature kept it changes nothing here
    }
    WASL_RETURN_IF_ERROR(tx->commit());
    engine.work_available();
    return std::move(delivered[0]).value();
  };
  return services;
}

Result<RoomState> probe_by_participants(sdk::VideoProvider& video, const std::string& room_id) {
  auto listed = video.list_participants(sdk::RoomRef{"", room_id});
  if (listed.ok()) return RoomState::kOpen;
  if (listed.error().code == ErrorCode::kNotFound) return RoomState::kEnded;
  return std::move(listed).error();
}

Result<RoomState> probe_by_room_status(sdk::VideoProvider& video, const std::string& room_id) {
  auto room = video.get_room(sdk::RoomRef{"", room_id});
  if (!room.ok()) {
    if (room.error().code == ErrorCode::kNotFound) return RoomState::kEnded;
    return std::move(room).error();
  }
  if (room->status == "completed" || room->status == "failed") return RoomState::kEnded;
  return RoomState::kOpen;
}

Result<RoomState> probe_room(sdk::VideoProvider& video, const std::string& room_id) {
  auto state = probe_by_room_status(video, room_id);
  if (state.ok() || state.error().code != ErrorCode::kUnimplemented) return state;
  return probe_by_participants(video, room_id);
}

SessionReconciler::SessionReconciler(SessionReconcilerServices services,
                                     SessionReconcilerOptions options)
    : services_(std::move(services)), options_(std::move(options)) {
  if (!options_.probe) options_.probe = probe_room;
  if (options_.max_sessions < 1) options_.max_sessions = 1;
}

SessionReconciler::~SessionReconciler() { stop(); }

std::int64_t SessionReconciler::now_ms() const {
  auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

Result<ReconcilePass> SessionReconciler::run_once() {
  if (services_.store == nullptr || !services_.video || !services_.deliver) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the session reconciler is not wired to a store, the video plugins and the "
                 "engine",
                 false);
  }
  std::vector<Session> sessions;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, services_.store->begin(storage::TxMode::kReadOnly));
    // Rooms of open consultations, then rooms runs are waiting on.
    WASL_ASSIGN_OR_RETURN(std::vector<Session> consultations,
                          consultation_sessions(*tx, options_.max_sessions));
    WASL_ASSIGN_OR_RETURN(std::vector<Session> runs, run_sessions(*tx, options_.max_sessions));
    tx->rollback();
    std::set<std::pair<std::string, std::string>> seen;
    for (auto* found : {&consultations, &runs}) {
      for (Session& s : *found) {
        if (static_cast<int>(sessions.size()) >= options_.max_sessions) break;
        if (seen.emplace(s.facility, s.room).second) sessions.push_back(std::move(s));
      }
    }
  }

  ReconcilePass pass;
  for (const Session& s : sessions) {
    ++pass.sessions;
    if (s.unreadable) {
      ++pass.errors;
      spdlog::warn("reconcile: room {} is not checked: {}", s.room, s.unreadable->message);
      continue;
    }
    std::string instance = s.instance;
    if (instance.empty()) instance = workflow::bound_instance(s.run_bindings, {}, "video");
    if (instance.empty()) {
      auto bound = services_.video_bindings.find(s.facility);
      if (bound == services_.video_bindings.end()) {
        ++pass.errors;
        spdlog::warn("reconcile: facility '{}' has no video binding; room {} is not checked",
                     s.facility, s.room);
        continue;
      }
      instance = bound->second;
    }
    auto video = services_.video(instance);
    if (!video.ok()) {
      ++pass.errors;
      spdlog::warn("reconcile: video instance '{}' is not available: {}", instance,
                   video.error().message);
      continue;
    }
    auto state = options_.probe(**video, s.room);
    if (!state.ok()) {
      ++pass.errors;
      spdlog::info("reconcile: room {} of instance '{}' could not be checked: {}", s.room, instance,
                   state.error().message);
      continue;
    }
    if (*state == RoomState::kOpen) {
      ++pass.open;
      continue;
    }
    sdk::Event event;
    event.type = kRoomEnded;
    event.room_id = s.room;
    event.occurred_at_ms = now_ms();
    event.dedupe_key = reconcile_dedupe_key(s.room);
    event.payload = {{"source", "reconciliation"}, {"instance", instance}};
    auto delivered = services_.deliver(instance, s.facility, kRoomEnded, s.room,
                                       nlohmann::json(event), event.dedupe_key);
    if (!delivered.ok()) {
      ++pass.errors;
      spdlog::warn("reconcile: delivering room.ended for room {} failed: {}", s.room,
                   delivered.error().message);
      continue;
    }
    if (delivered->duplicate) {
      ++pass.duplicates;
    } else {
      ++pass.ended;
      spdlog::info(
          "reconcile: room {} of facility {} has ended at the provider; delivered "
          "room.ended{}",
          s.room, s.facility,
          delivered->matched_run.empty() ? "" : " to run " + delivered->matched_run);
    }
  }
  return pass;
}

Status SessionReconciler::start() {
  if (!runner_) {
    if (services_.store == nullptr) {
      return Error(ErrorCode::kFailedPrecondition, "the session reconciler has no store", false);
    }
    WASL_ASSIGN_OR_RETURN(auto tick, jobs::once_per_period(
                                         *services_.store, "archive.reconcile", options_.interval,
                                         [this]() -> Status {
                                           auto pass = run_once();
                                           if (!pass.ok()) return pass.error();
                                           return {};
                                         },
                                         jobs::period_options(options_.clock, options_.metrics)));
    runner_ = std::make_unique<jobs::PeriodicRunner>("session reconciliation", options_.interval,
                                                     std::move(tick));
  }
  return runner_->start();
}

void SessionReconciler::stop() {
  if (runner_) runner_->stop();
}

}  // namespace wasl::archive
