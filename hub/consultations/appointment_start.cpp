#include "hub/consultations/appointment_start.hpp"

#include <string>

#include "hub/audit/audit_event.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/notifications/consultation_notices.hpp"
#include "hub/records/consultation_store.hpp"

namespace wasl::consultations {

using nlohmann::json;

sdk::Status follow_appointment_start(const audit::AuditWriter* audit,
                                     const workflow::HubActionContext& ctx, const json& /*input*/,
                                     const sdk::Result<json>& result,
                                     const config::Config* config) {
  if (!result.ok() || ctx.tx == nullptr || ctx.consultation_id.empty()) return {};
  const json& appointment = result.value();
  if (!appointment.is_object()) return {};
  const json& start = appointment.contains("start_ms") ? appointment["start_ms"] : json();
  const json& id = appointment.contains("id") ? appointment["id"] : json();
  if (!start.is_number_integer() || !id.is_string() || start.get<std::int64_t>() <= 0) return {};
  const std::int64_t start_ms = start.get<std::int64_t>();

  WASL_ASSIGN_OR_RETURN(
      auto facts, records::ConsultationStore::facts(*ctx.tx, ctx.facility_id, ctx.consultation_id));
  if (!facts || facts->status != domain::to_string(domain::ConsultationStatus::kScheduled) ||
      facts->appointment_ref != "Appointment/" + id.get<std::string>() ||
      facts->scheduled_at == start_ms) {
    return {};
  }
  WASL_RETURN_IF_ERROR(records::ConsultationStore::set_scheduled_at(
      *ctx.tx, ctx.facility_id, ctx.consultation_id, start_ms, ctx.now_ms));
  if (config != nullptr) {
    WASL_RETURN_IF_ERROR(notifications::consultation_rescheduled(
        *ctx.tx, *config, ctx.facility_id, ctx.consultation_id, facts->scheduled_at, start_ms,
        ctx.now_ms));
  }
  if (audit == nullptr) return {};
  audit::AuditEvent event;
  event.actor = "workflow:" + ctx.run_id;
  event.facility_id = ctx.facility_id;
  event.action = "consultation.reschedule";
  event.entity_type = "consultation";
  event.entity_id = ctx.consultation_id;
  event.outcome = std::string(audit::kOutcomeSuccess);
  json detail = {{"scheduled_at", domain::format_timestamp(start_ms)}, {"source", "ehr"}};
  if (facts->scheduled_at) detail["previous"] = domain::format_timestamp(*facts->scheduled_at);
  event.detail = detail.dump();
  auto appended = audit->append(*ctx.tx, event);
  if (!appended.ok()) return std::move(appended).error();
  return {};
}

}  // namespace wasl::consultations
