#include "hub/consultations/rejoin_guard.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "hub/records/participant_store.hpp"
#include "hub/storage/savepoint.hpp"
#include "wasl/sdk/types.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::consultations {

using nlohmann::json;
using sdk::Result;

RejoinGuard::RejoinGuard(const records::CellCipher& cipher,
                         std::shared_ptr<workflow::CapabilityInvoker> invoker,
                         const audit::AuditWriter* audit, observability::Metrics* metrics)
    : cipher_(cipher), invoker_(std::move(invoker)), audit_(audit), metrics_(metrics) {}

Result<bool> RejoinGuard::act(storage::Transaction& tx, const std::string& instance,
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
  const domain::Participant& removed = *found;

  return storage::under_savepoint(tx, "rejoin_guard", [&]() -> Result<bool> {
    if (audit_ != nullptr) {
      audit::AuditEvent audited;
      audited.actor = "system";
      audited.facility_id = event.facility_id;
      audited.action = "participant.evict";
      audited.entity_type = "participant";
      audited.entity_id = removed.id;
      audited.outcome = std::string(audit::kOutcomeSuccess);
      audited.detail = json{{"consultation_id", removed.consultation_id},
                            {"instance", instance},
                            {"event", event.dedupe_key}}
                           .dump();
      WASL_RETURN_IF_ERROR(audit_->append(tx, audited));
    }
    // The participant's key, not the event's: every reconnection of one
    // removed participant asks for the same disconnection.
    const std::string key = "evict:" + removed.id;
    json input = {{"idempotency_key", key}, {"room_id", room_id}, {"participant_id", provider_id}};
    auto evicted =
        invoker_->invoke_bound({{"video", instance}}, event.facility_id,
                               std::string(sdk::VideoProvider::kRemoveParticipant), input, key);
    if (!evicted.ok() && evicted.error().code != sdk::ErrorCode::kNotFound) {
      sdk::Error error = std::move(evicted).error();
      error.message = "disconnecting removed participant " + removed.id + " from room " + room_id +
                      " of " + instance + ": " + error.message;
      return error;
    }
    spdlog::warn(
        "participant {} of consultation {} connected to room {} after its removal; "
        "disconnected it again",
        removed.id, removed.consultation_id, room_id);
    if (metrics_ != nullptr) {
      metrics_->counter_add("wasl_participant_evictions_total",
                            "Removed participants disconnected again after reconnecting",
                            {{"instance", instance}}, 1);
    }
    return true;
  });
}

}  // namespace wasl::consultations
