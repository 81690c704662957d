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
    if (!a.input.is_null()) item["input"] = a.input;
    if (!a.input_template.is_null()) item["input_template"] = a.input_template;
    if (!a.output.is_null()) item["output"] = a.output;
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
  if (!attendance.empty()) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : attendance) {
      nlohmann::json item = {{"mark", e.mark}, {"at_ms", e.at_ms}};
      if (!e.participant_id.empty()) item["participant_id"] = e.participant_id;
      if (!e.provider_participant_id.empty()) {
        item["provider_participant_id"] = e.provider_participant_id;
      }
      if (!e.role.empty()) item["role"] = e.role;
      entries.push_back(std::move(item));
    }
    out["attendance"] = std::move(entries);
  }
  if (next_attempt) {
    nlohmann::json next = {{"step_id", next_attempt->step_id},
                           {"attempt", next_attempt->attempt},
                           {"retry", next_attempt->retry},
                           {"at_ms", next_attempt->at_ms}};
    if (next_attempt->compensation) next["compensation"] = true;
    out["next_attempt"] = std::move(next);
  }
  return out;
}

}  // namespace wasl::workflow
