#include "hub/workflow/language/definition.hpp"

#include "hub/workflow/language/capabilities.hpp"

namespace wasl::workflow {
namespace {

using nlohmann::json;

const char* failure_name(FailureAction a) {
  switch (a) {
    case FailureAction::kFail: return "fail";
    case FailureAction::kContinue: return "continue";
    case FailureAction::kCompensate: return "compensate";
  }
  return "fail";
}

json step_json(const Step& s) {
  json j;
  j["id"] = s.id;
  j["kind"] = s.kind == StepKind::kCall ? "call" : "wait_for";
  if (!s.description.empty()) j["description"] = s.description;
  if (s.kind == StepKind::kCall) {
    j["call"] = s.call;
    j["with"] = s.with;
  } else {
    j["event"] = s.event;
    j["correlation"] = s.correlation;
  }
  if (s.when) j["when"] = s.when->text();
  json retry;
  retry["max_attempts"] = s.retry.max_attempts;
  retry["initial_delay_ms"] = s.retry.initial_delay.count();
  retry["multiplier"] = s.retry.multiplier;
  retry["max_delay_ms"] = s.retry.max_delay.count();
  retry["jitter"] = s.retry.jitter;
  json on = json::array();
  for (auto code : s.retry.on) on.push_back(std::string(sdk::to_string(code)));
  retry["on"] = std::move(on);
  j["retry"] = std::move(retry);
  if (s.timeout) j["timeout_ms"] = s.timeout->count();
  json failure;
  failure["action"] = failure_name(s.on_failure.action);
  if (s.on_failure.action == FailureAction::kCompensate) {
    failure["compensation"] = s.on_failure.compensation;
  }
  j["on_failure"] = std::move(failure);
  if (!s.then.empty()) j["then"] = s.then;
  return j;
}

}  // namespace

int Step::line_of(const std::string& key) const {
  auto it = lines.find(key);
  return it == lines.end() ? line : it->second;
}

const Step* WorkflowDefinition::find_step(const std::string& id) const {
  for (const auto& s : steps) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const Step* WorkflowDefinition::find_compensation(const std::string& id) const {
  for (const auto& s : compensations) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

json to_canonical_json(const WorkflowDefinition& d) {
  json j;
  j["name"] = d.name;
  j["version"] = d.version;
  j["description"] = d.description;
  json trigger;
  if (d.trigger.kind == TriggerKind::kApi) {
    trigger["kind"] = "api";
    trigger["consultation_type"] = d.trigger.consultation_type;
  } else if (d.trigger.kind == TriggerKind::kEvent) {
    trigger["kind"] = "event";
    trigger["event"] = d.trigger.event;
  } else {
    trigger["kind"] = "schedule";
    trigger["cron"] = d.trigger.cron;
    trigger["every"] = d.trigger.every;
    trigger["time_zone"] = d.trigger.time_zone;
    trigger["period"] = d.trigger.period;
  }
  j["trigger"] = std::move(trigger);
  json steps = json::array();
  for (const auto& s : d.steps) steps.push_back(step_json(s));
  j["steps"] = std::move(steps);
  json compensations = json::array();
  for (const auto& s : d.compensations) compensations.push_back(step_json(s));
  j["compensations"] = std::move(compensations);
  return j;
}

std::string canonical_text(const WorkflowDefinition& definition) {
  return to_canonical_json(definition).dump();
}

std::set<std::string> roles_used(const WorkflowDefinition& definition) {
  std::set<std::string> roles;
  auto add = [&roles](const Step& s) {
    if (s.kind == StepKind::kCall) {
      const Capability* cap = find_capability(s.call);
      if (cap != nullptr && !cap->needs_role.empty()) roles.insert(cap->needs_role);
    } else if (const EventType* event = find_event_type(s.event)) {
      roles.insert(event->role);
    }
  };
  if (definition.trigger.kind == TriggerKind::kEvent) {
    if (const EventType* event = find_event_type(definition.trigger.event)) {
      roles.insert(event->role);
    }
  }
  for (const auto& s : definition.steps) add(s);
  for (const auto& s : definition.compensations) add(s);
  return roles;
}

}  // namespace wasl::workflow
