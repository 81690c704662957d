#include "hub/workflow/run_timeline.hpp"

namespace wasl::workflow {

nlohmann::json RunTimeline::to_json() const {
  nlohmann::json out = {{"run_id", run_id},
                        {"workflow", workflow},
                        {"version", version},
                        {"facility_id", facility_id},
                        {"status", status},
                        {"created_at_ms", created_at_ms},
                        {"attempts", nlohmann::json::array()},
                        {"events", nlohmann::json::array()}};
  if (!consultation_id.empty()) out["consultation_id"] = consultation_id;
  if (!current_step.empty()) out["current_step"] = current_step;
  if (!failed_step.empty()) out["failed_step"] = failed_step;
  if (!error.empty()) out["error"] = error;
  if (finished_at_ms) out["finished_at_ms"] = *finished_at_ms;
  for (const auto& a : attempts) {
    nlohmann::json item = {{"step_id", a.step_id},
                           {"attempt", a.attempt},
                           {"status", a.status},
                           {"started_at_ms", a.started_at_ms}};
    if (a.compensation) item["compensation"] = true;
    if (!a.idempotency_key.empty()) item["idempotency_key"] = a.idempotency_key;
    if (a.finished_at_ms) item["finished_at_ms"] = *a.finished_at_ms;
    if (!a.error_code.empty()) {
      item["error"] = {{"code", a.error_code}, {"message", a.error_message}};
    }
    out["attempts"].push_back(std::move(item));
  }
  for (const auto& e : events) {
    out["events"].push_back({{"event_id", e.event_id},
                             {"type", e.type},
                             {"correlation", e.correlation},
                             {"step_id", e.step_id},
                             {"received_at_ms", e.received_at_ms},
                             {"matched_at_ms", e.matched_at_ms}});
  }
  return out;
}

}  // namespace wasl::workflow
