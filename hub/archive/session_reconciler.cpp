#include "hub/archive/session_reconciler.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "hub/workflow/run_bindings.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::archive {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using storage::Params;

namespace {

constexpr const char* kRoomEnded = "room.ended";

struct Session {
  std::string facility;
  std::string instance;  // may be empty: use the run's, else the facility's binding
  workflow::RoleBindings run_bindings;  // the snapshot of the session's run
  std::optional<Error> unreadable;      // the snapshot could not be read
  std::string room;
};

}  // namespace

std::string reconcile_dedupe_key(const std::string& room_id) {
  return std::string("reconcile:") + kRoomEnded + ":" + room_id;
}

SessionReconcilerServices session_reconciler_services_from(const config::Config& config,
                                                           const plugin_host::PluginHost& plugins,
                                                           storage::Store& store,
                                                           workflow::Engine& engine) {
  SessionReconcilerServices services;
  services.store = &store;
  services.video = [&plugins](const std::string& instance) { return plugins.video(instance); };
  for (const auto& [id, facility] : config.facilities) {
    auto it = facility.bindings.find("video");
    if (it != facility.bindings.end()) services.video_bindings[id] = it->second;
  }
  services.deliver = [&engine](const std::string& facility, const std::string& type,
                               const std::string& correlation, const nlohmann::json& payload,
                               const std::string& dedupe_key) {
    return engine.deliver_event(facility, type, correlation, payload, dedupe_key);
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
  const Params limit{static_cast<std::int64_t>(options_.max_sessions)};
  std::vector<Session> sessions;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, services_.store->begin(storage::TxMode::kReadOnly));
    // Rooms of open consultations, then rooms runs are waiting on.
    WASL_ASSIGN_OR_RETURN(
        auto consultations,
        tx->query("SELECT c.facility_id, c.video_instance, c.video_room_id, "
                  "(SELECT r.bindings FROM workflow_runs r WHERE r.consultation_id = c.id "
                  "ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS run_bindings, "
                  "c.id AS owner FROM consultations c "
                  "WHERE c.video_room_id IS NOT NULL AND c.video_room_id <> '' AND c.status IN "
                  "('waiting', 'waiting_room', 'in_session') AND NOT EXISTS (SELECT 1 FROM "
                  "workflow_events e WHERE e.facility_id = c.facility_id AND e.type = "
                  "'room.ended' AND e.correlation = c.video_room_id) "
                  "ORDER BY c.updated_at, c.id LIMIT $1",
                  limit));
    WASL_ASSIGN_OR_RETURN(
        auto runs,
        tx->query("SELECT r.facility_id, c.video_instance, r.wait_correlation, "
                  "r.bindings AS run_bindings, r.id AS owner FROM workflow_runs r "
                  "LEFT JOIN consultations c ON c.id = r.consultation_id "
                  "WHERE r.status = 'waiting' AND r.wait_event = 'room.ended' AND "
                  "r.wait_correlation IS NOT NULL AND r.wait_correlation <> '' AND NOT EXISTS "
                  "(SELECT 1 FROM workflow_events e WHERE e.facility_id = r.facility_id AND "
                  "e.type = 'room.ended' AND e.correlation = r.wait_correlation) "
                  "ORDER BY r.updated_at, r.id LIMIT $1",
                  limit));
    tx->rollback();
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto* rows : {&consultations, &runs}) {
      for (const auto& row : *rows) {
        Session s;
        WASL_ASSIGN_OR_RETURN(s.facility, row.get_text(0));
        if (!row.is_null(1)) {
          WASL_ASSIGN_OR_RETURN(s.instance, row.get_text(1));
        }
        WASL_ASSIGN_OR_RETURN(s.room, row.get_text(2));
        WASL_ASSIGN_OR_RETURN(std::string owner, row.get_text("owner"));
        auto kept = workflow::run_bindings_of(row, "run_bindings", owner);
        if (kept.ok()) {
          s.run_bindings = std::move(kept).value();
        } else {
          s.unreadable = kept.error();
        }
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
      spdlog::info("reconcile: room {} of instance '{}' could not be checked: {}", s.room,
                   instance, state.error().message);
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
    auto delivered = services_.deliver(s.facility, kRoomEnded, s.room, nlohmann::json(event),
                                       event.dedupe_key);
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
      spdlog::info("reconcile: room {} of facility {} has ended at the provider; delivered "
                   "room.ended{}",
                   s.room, s.facility,
                   delivered->matched_run.empty() ? "" : " to run " + delivered->matched_run);
    }
  }
  return pass;
}

Status SessionReconciler::start() {
  if (!runner_) {
    runner_ = std::make_unique<jobs::PeriodicRunner>("session reconciliation", options_.interval,
                                               [this]() -> Status {
                                                 auto pass = run_once();
                                                 if (!pass.ok()) return pass.error();
                                                 return {};
                                               });
  }
  return runner_->start();
}

void SessionReconciler::stop() {
  if (runner_) runner_->stop();
}

}  // namespace wasl::archive
