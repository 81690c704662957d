#include "hub/workflow/language/definition.hpp"

#include <gtest/gtest.h>

#include "hub/workflow/language/workflow_file.hpp"

namespace wasl::workflow {
namespace {

WorkflowDefinition load(const std::string& text) {
  auto r = load_workflow(text, "w.yaml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : WorkflowDefinition{};
}

TEST(Definition, RolesUsedCoversCallsCompensationsHubActionsAndEvents) {
  WorkflowDefinition d = load(R"(name: w
version: 2
trigger: {kind: event, event: appointment.updated}
steps:
  - id: status
    call: hub.set_status
    with: {status: waiting}
  - id: archive
    call: hub.archive_recording
    with: {media_id: m}
    on_failure: {compensate: report}
compensations:
  - id: report
    call: reporting.submit_report
)");
  EXPECT_EQ(roles_used(d), (std::set<std::string>{"ehr", "reporting", "video"}));

  WorkflowDefinition only_hub = load(R"(name: w
version: 1
trigger: {kind: api}
steps:
  - {id: s, call: hub.set_status, with: {status: waiting}}
)");
  EXPECT_TRUE(roles_used(only_hub).empty());
}

TEST(Definition, CanonicalJsonHasEffectiveValues) {
  WorkflowDefinition d = load(R"(name: w
version: 3
trigger: {kind: api, consultation_type: standard}
steps:
  - id: room
    call: video.create_room
    with: {participant_limit: 2}
    retry: {max_attempts: 5, initial_delay: 250ms, on: [unavailable]}
    timeout: 30s
  - id: ended
    wait_for: room.ended
    correlation: ${steps.room.output.provider_room_id}
    timeout: 2h
    when: exists(steps.room.output)
    on_failure: continue
)");
  nlohmann::json j = to_canonical_json(d);
  EXPECT_EQ(j["name"], "w");
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["trigger"], nlohmann::json({{"kind", "api"}, {"consultation_type", "standard"}}));
  const auto& room = j["steps"][0];
  EXPECT_EQ(room["kind"], "call");
  EXPECT_EQ(room["with"], nlohmann::json({{"participant_limit", 2}}));
  EXPECT_EQ(room["retry"]["max_attempts"], 5);
  EXPECT_EQ(room["retry"]["initial_delay_ms"], 250);
  EXPECT_EQ(room["retry"]["max_delay_ms"], 60000);  // default
  EXPECT_EQ(room["retry"]["on"], nlohmann::json({"unavailable"}));
  EXPECT_EQ(room["timeout_ms"], 30000);
  EXPECT_EQ(room["on_failure"]["action"], "fail");
  const auto& ended = j["steps"][1];
  EXPECT_EQ(ended["kind"], "wait_for");
  EXPECT_EQ(ended["event"], "room.ended");
  EXPECT_EQ(ended["timeout_ms"], 7200000);
  EXPECT_EQ(ended["when"], "exists(steps.room.output)");
  EXPECT_EQ(ended["on_failure"]["action"], "continue");
  // Sorted keys, compact: the text is stable.
  EXPECT_EQ(canonical_text(d), j.dump());
  EXPECT_EQ(canonical_text(d).substr(0, 18), R"({"compensations":[)");
}

TEST(Definition, DefaultRetryPolicy) {
  WorkflowDefinition d = load(R"(name: w
version: 1
trigger: {kind: api}
steps:
  - {id: s, call: hub.set_status, with: {status: waiting}}
)");
  const RetryPolicy& r = d.steps[0].retry;
  EXPECT_FALSE(r.declared);
  EXPECT_EQ(r.max_attempts, 3);
  EXPECT_EQ(r.initial_delay, std::chrono::seconds(1));
  EXPECT_DOUBLE_EQ(r.multiplier, 2.0);
  EXPECT_EQ(r.max_delay, std::chrono::minutes(1));
  EXPECT_DOUBLE_EQ(r.jitter, 0.2);
  EXPECT_TRUE(r.on.empty());
}

}  // namespace
}  // namespace wasl::workflow
