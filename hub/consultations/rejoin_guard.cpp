#include "hub/consultations/rejoin_guard.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "hub/jobs/job_queue.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/records/participant_store.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::consultations {
namespace {

using nlohmann::json;
using sdk::Result;
using sdk::Status;

// What an eviction task is about, from its payload.
struct Eviction {
  std::string facility_id;
  std::string instance;
  std::string room_id;
  std::string provider_id;  // the provider's participant id
  std::string participant_id;
  std::string consultation_id;
  std::string event;     // the connection's dedupe key
  std::string inbox_id;  // its inbox row; empty when none
};

Eviction eviction_of(const json& payload) {
  return Eviction{sdk::string_member(payload, "facility_id"),
                  sdk::string_member(payload, "instance"),
                  sdk::string_member(payload, "room_id"),
                  sdk::string_member(payload, "provider_participant_id"),
                  sdk::string_member(payload, "participant_id"),
                  sdk::string_member(payload, "consultation_id"),
                  sdk::string_member(payload, "event"),
                  sdk::string_member(payload, "inbox_id")};
}

}  // namespace

RejoinGuard::RejoinGuard(const records::CellCipher& cipher, VideoOf video_of,
                         const audit::AuditWriter* audit, observability::Metrics* metrics)
    : cipher_(cipher), video_of_(std::move(video_of)), audit_(audit), metrics_(metrics) {}

Result<bool> RejoinGuard::react(storage::Transaction& tx, const std::string& instance,
                                const workflow::IncomingEvent& event) const {
  if (event.type != "participant.connected") return false;
  sdk::Event connection;  // the payload is the provider's event in its SDK form
  try {
    connection = event.payload.get<sdk::Event>();
  } catch (const json::exception&) {
    return false;
  }
  const std::string& room_id = connection.room_id;
  const std::string& provider_id = connection.participant_id;
  if (room_id.empty() || provider_id.empty()) return false;
  records::ParticipantStore participants(cipher_);
  WASL_ASSIGN_OR_RETURN(
      auto found, participants.find_in_room(tx, event.facility_id, instance, room_id, provider_id));
  if (!found || found->state != domain::ParticipantState::kRemoved) return false;
  const json payload = {{"facility_id", event.facility_id},
                        {"instance", instance},
                        {"room_id", room_id},
                        {"provider_participant_id", provider_id},
                        {"participant_id", found->id},
                        {"consultation_id", found->consultation_id},
                        {"event", event.dedupe_key},
                        {"inbox_id", event.inbox_id}};
  const std::int64_t now = audit::now_epoch_ms();
  WASL_RETURN_IF_ERROR(jobs::JobQueue::request_task(
      tx, kEvictionTask, std::string(kEvictionTask) + "/" + event.facility_id + "/" + found->id,
      payload, now, now));
  return true;
}

Result<jobs::TaskSettlement> RejoinGuard::run(const jobs::Task& task) {
  Eviction e = eviction_of(task.payload);
  WASL_ASSIGN_OR_RETURN(auto video, video_of_(e.instance));
  sdk::ParticipantRef ref;
  // The participant's key, not the event's: every reconnection of one
  // removed participant asks for the same disconnection.
  ref.idempotency_key = "evict:" + e.participant_id;
  ref.room_id = e.room_id;
  ref.participant_id = e.provider_id;
  Status evicted = video->remove_participant(ref);
  if (!evicted.ok() && evicted.error().code != sdk::ErrorCode::kNotFound) {
    sdk::Error error = std::move(evicted).error();
    error.message = "disconnecting removed participant " + e.participant_id + " from room " +
                    e.room_id + " of " + e.instance + ": " + error.message;
    return error;
  }
  if (audit_ == nullptr) return jobs::TaskSettlement();
  return jobs::TaskSettlement([this, e = std::move(e)](storage::Transaction& tx) -> Status {
    audit::AuditEvent audited;
    audited.actor = "system";
    audited.facility_id = e.facility_id;
    audited.action = "participant.evict";
    audited.entity_type = "participant";
    audited.entity_id = e.participant_id;
    audited.outcome = std::string(audit::kOutcomeSuccess);
    audited.detail =
        json{{"consultation_id", e.consultation_id}, {"instance", e.instance}, {"event", e.event}}
            .dump();
    WASL_RETURN_IF_ERROR(audit_->append(tx, audited));
    return Status();
  });
}

void RejoinGuard::settled(const jobs::Task& task) {
  const Eviction e = eviction_of(task.payload);
  spdlog::warn(
      "participant {} of consultation {} connected to room {} after its removal; "
      "disconnected it again",
      e.participant_id, e.consultation_id, e.room_id);
  if (metrics_ != nullptr) {
    metrics_->counter_add("wasl_participant_evictions_total",
                          "Removed participants disconnected again after reconnecting",
                          {{"instance", e.instance}}, 1);
  }
}

Status RejoinGuard::give_up(storage::Transaction& tx, const jobs::Task& task,
                            const sdk::Error& error) {
  const Eviction e = eviction_of(task.payload);
  if (e.inbox_id.empty()) return {};
  records::InboxStore inbox(cipher_);
  return inbox.park(
      tx, records::InboxScope{e.facility_id, {e.instance}, records::SharedRows::kEvery, {}},
      e.inbox_id, e.instance, task.attempt, error.message, audit_);
}

}  // namespace wasl::consultations
