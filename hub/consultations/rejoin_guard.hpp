// RejoinGuard: a removed participant does not stay in the room. Removing a
// participant (DELETE /v1/consultations/{id}/participants/{pid}) disconnects
// it at the provider, but a Twilio access token cannot be revoked and stays
// valid until it expires, so the removed person could connect again with it.
// The provider reports every connection ("participant.connected", its
// participant_id the one the hub holds as participants.provider_participant_id,
// which video.remove_participant accepts).
//
// react() is the reaction to those events (HubActions::react), called in the
// dispatcher's batch transaction. It finds the facility's participant with
// that provider id in the consultation whose room it is (video_instance = the
// inbox row's instance, video_room_id = the event's room_id); when that
// participant is removed, it asks for the participant's eviction task (one
// per participant: a reconnection while the task waits or runs asks it
// again) and answers true: the inbox row is "dispatched". Anything else
// (another event type, an unknown room or participant, one not removed,
// another facility's room) answers false and asks for nothing. It never
// calls the provider: the dispatcher's transaction stays short.
//
// The task (run(), on the hub's task runner, outside any transaction)
// disconnects the participant again through video.remove_participant on that
// instance (the consultation's own, not the facility's current binding), with
// the key "evict:<participant id>" (every reconnection of one removed
// participant asks for the same disconnection); the provider's not_found
// (already gone) counts as done. Then, in a transaction of its own, it audits
// "participant.evict" (actor "system", detail: consultation id, instance and
// the event's dedupe key) and counts wasl_participant_evictions_total. A
// retryable error is retried by the task runner with backoff, so the
// eviction is not lost while the provider is down; any other error, or the
// last retry's, parks the event's inbox row (audited "webhook.parked").
//
// Thread-safe: stateless apart from borrowed collaborators (the CellCipher,
// AuditWriter and Metrics must outlive it; `video_of` is called from the
// task runner's threads).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "hub/audit/audit_writer.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::consultations {

// The eviction task's kind.
inline constexpr const char* kEvictionTask = "task.participant_eviction";

// The video instance named (the typed door to plugins:
// plugin_host::PluginHost::video); an error when it is not loaded.
using VideoOf =
    std::function<sdk::Result<std::shared_ptr<sdk::VideoProvider>>(const std::string& instance)>;

class RejoinGuard final : public jobs::TaskHandler {
 public:
  // `audit` and `metrics` may be null (tests only).
  RejoinGuard(const records::CellCipher& cipher, VideoOf video_of, const audit::AuditWriter* audit,
              observability::Metrics* metrics);

  // The reaction; `instance` is the inbox row's.
  sdk::Result<bool> react(storage::Transaction& tx, const std::string& instance,
                          const workflow::IncomingEvent& event) const;

  sdk::Result<jobs::TaskSettlement> run(const jobs::Task& task) override;
  sdk::Status give_up(storage::Transaction& tx, const jobs::Task& task,
                      const sdk::Error& error) override;
  void settled(const jobs::Task& task) override;  // the log line and the metric

 private:
  const records::CellCipher& cipher_;
  VideoOf video_of_;
  const audit::AuditWriter* audit_;
  observability::Metrics* metrics_;
};

}  // namespace wasl::consultations
