// Each class of mistake in a workflow file gives one exact `file:line: message`.
// Parser and validator are tested together through parse_workflow, the way
// every caller sees them.
#include "hub/workflow/language/validator.hpp"

#include <gtest/gtest.h>

#include "hub/workflow/language/workflow_file.hpp"

namespace wasl::workflow {
namespace {

// Lines 1-4; the first step starts on line 5.
const std::string kHead = "name: w\nversion: 1\ntrigger: {kind: api}\nsteps:\n";

std::vector<std::string> problems(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& p : parse_workflow(text, "w.yaml").problems) out.push_back(p.to_string());
  return out;
}

using Lines = std::vector<std::string>;

TEST(Validator, MinimalWorkflowIsValid) {
  EXPECT_EQ(problems(kHead + "  - id: s\n    call: hub.set_status\n    with: {status: waiting}\n"),
            Lines{});
}

TEST(Validator, MissingTopLevelFields) {
  EXPECT_EQ(problems("description: nothing\n"),
            (Lines{"w.yaml:1: missing name (the workflow's name, e.g. name: consultation)",
                   "w.yaml:1: missing version (a whole number, e.g. version: 1)",
                   "w.yaml:1: missing trigger (e.g. trigger: {kind: api})",
                   "w.yaml:1: missing steps (the list of steps the workflow runs)"}));
}

TEST(Validator, UnknownKeysWithSuggestion) {
  EXPECT_EQ(
      problems(kHead + "  - id: s\n"
                       "    call: hub.set_status\n"
                       "    with: {status: waiting}\n"
                       "    timout: 5s\n"
                       "descripton: x\n"),
      (Lines{"w.yaml:8: unknown key 'timout' in step 's'; did you mean timeout? (expected id, "
             "call, wait_for, with, correlation, when, retry, timeout, on_failure, "
             "description)",
             "w.yaml:9: unknown key 'descripton' in the workflow; did you mean description? "
             "(expected name, version, description, trigger, steps, compensations)"}));
}

TEST(Validator, UnknownStepKind) {
  EXPECT_EQ(problems(kHead + "  - id: s\n    invoke: ehr.read_patient\n"),
            Lines{"w.yaml:6: step 's': unknown step kind 'invoke' (expected call or wait_for)"});
  EXPECT_EQ(problems(kHead + "  - id: s\n    when: true\n"),
            Lines{"w.yaml:5: step 's' needs a kind: call or wait_for"});
}

TEST(Validator, DuplicateStepIds) {
  EXPECT_EQ(problems(kHead + "  - id: s\n    call: hub.set_status\n    with: {status: a}\n"
                             "  - id: s\n    call: hub.set_status\n    with: {status: b}\n"),
            Lines{"w.yaml:8: duplicate step id 's' (first used at line 5)"});
}

TEST(Validator, ReferencesToMissingOrLaterSteps) {
  EXPECT_EQ(problems(kHead + "  - id: a\n"
                             "    call: ehr.read_patient\n"
                             "    with:\n"
                             "      id: ${steps.b.output.id}\n"
                             "  - id: b\n"
                             "    call: ehr.read_patient\n"
                             "    with:\n"
                             "      id: ${steps.patiemt.output.id}\n"
                             "    when: steps.b.status == \"x\"\n"),
            (Lines{"w.yaml:8: step 'a': ${steps.b.output.id} refers to step 'b' (line 9), which "
                   "comes later; a step may only use steps above it",
                   "w.yaml:12: step 'b': ${steps.patiemt.output.id} refers to step 'patiemt', "
                   "which does not exist",
                   "w.yaml:13: step 'b': ${steps.b.status} refers to the step's own result"}));
}

TEST(Validator, OutputMembersAreCheckedAgainstTheSdk) {
  EXPECT_EQ(problems(kHead + "  - id: room\n"
                             "    call: video.create_room\n"
                             "  - id: end\n"
                             "    wait_for: room.ended\n"
                             "    correlation: ${steps.room.output.room_id}\n"
                             "    timeout: 1h\n"),
            Lines{"w.yaml:9: step 'end': ${steps.room.output.room_id}: the output of "
                  "video.create_room has no member 'room_id' at steps.room.output (members: "
                  "created_at_ms, ended_at_ms, name, participant_limit, provider_room_id, raw, "
                  "recording, status)"});
}

TEST(Validator, UnknownRoleMethodAndHubAction) {
  EXPECT_EQ(problems(kHead + "  - id: a\n    call: vidoe.create_room\n"
                             "  - id: b\n    call: billing.submit_claims\n"
                             "  - id: c\n    call: hub.set_statu\n"
                             "  - id: d\n    call: create_room\n"
                             "  - id: e\n    call: video.fetch_media\n"),
            (Lines{"w.yaml:6: step 'a': unknown role 'vidoe' in call 'vidoe.create_room'; did you "
                   "mean video? (roles: billing, ehr, notify, reporting, video, hub)",
                   "w.yaml:8: step 'b': the billing role has no method 'submit_claims'; did you "
                   "mean submit_claim? (billing methods: acknowledge, answer_information_request, "
                   "cancel, check_eligibility, check_status, poll, poll_messages, "
                   "request_prior_authorization, send_payment_notice, submit_batch, "
                   "submit_claim)",
                   "w.yaml:10: step 'c': unknown hub action 'hub.set_statu'; did you mean "
                   "set_status? (hub actions: alert, answer_information_request, "
                   "archive_recording, attendance, await_prior_authorization, "
                   "billing_service, build_claim, build_eligibility, build_report, "
                   "build_visit_summary, describe_consultation, notify, queue_claim, "
                   "record_event, set_status, "
                   "write_notes_to_ehr, write_prescriptions_to_ehr, write_vitals_to_ehr)",
                   "w.yaml:12: step 'd': call 'create_room' must name role.method (e.g. "
                   "video.create_room) or hub.<action>",
                   "w.yaml:14: step 'e': video.fetch_media streams media and cannot be called "
                   "from a workflow; use hub.archive_recording, which fetches the media from the "
                   "video plugin and archives it encrypted"}));
}

TEST(Validator, WithMembersTypesAndRequiredInputs) {
  EXPECT_EQ(problems(kHead + "  - id: room\n"
                             "    call: video.create_room\n"
                             "    with:\n"
                             "      participant_limt: 2\n"
                             "      recording: \"yes\"\n"
                             "      idempotency_key: k\n"
                             "  - id: status\n"
                             "    call: hub.set_status\n"
                             "    with: {reason: x}\n"),
            (Lines{"w.yaml:8: step 'room': video.create_room has no input with.participant_limt; "
                   "did you mean participant_limit? (inputs: max_duration_seconds, name, "
                   "participant_limit, recording, region, scheduled_start_ms, status_callback_url)",
                   "w.yaml:9: step 'room': with.recording must be true or false for "
                   "video.create_room, not a string",
                   "w.yaml:10: step 'room': with.idempotency_key is set by the engine from the run "
                   "and the step; remove it",
                   "w.yaml:13: step 'status': hub.set_status needs with: status"}));
}

TEST(Validator, BadDurations) {
  EXPECT_EQ(problems(kHead + "  - id: s\n    call: hub.set_status\n    with: {status: a}\n"
                             "    timeout: 5 minutes\n"
                             "  - id: t\n    call: hub.set_status\n    with: {status: a}\n"
                             "    timeout: 0s\n"),
            (Lines{"w.yaml:8: step 's': timeout: '5 minutes' is not a duration; expected a whole "
                   "number and a unit, such as 250ms, 5s, 2m, 1h or 7d",
                   "w.yaml:12: step 't': timeout must be from 1ms to 30d"}));
}

TEST(Validator, BadExpressionGivesTheColumn) {
  EXPECT_EQ(problems(kHead + "  - id: s\n    call: hub.set_status\n    with: {status: a}\n"
                             "    when: trigger.type = \"emergency\"\n"),
            Lines{"w.yaml:8: step 's': when: column 14: unexpected '='; write == to compare"});
}

TEST(Validator, RetryValuesOutOfRange) {
  EXPECT_EQ(problems(kHead + "  - id: s\n    call: hub.set_status\n    with: {status: a}\n"
                             "    retry:\n"
                             "      max_attempts: 0\n"
                             "      initial_delay: 10s\n"
                             "      multiplier: 0.5\n"
                             "      max_delay: 1s\n"
                             "      jitter: 2\n"
                             "      on: [unavailabel]\n"),
            (Lines{"w.yaml:9: step 's': retry.max_attempts must be a whole number from 1 to 100",
                   "w.yaml:11: step 's': retry.multiplier must be from 1 to 10",
                   "w.yaml:12: step 's': retry.max_delay (1s) is shorter than initial_delay (10s)",
                   "w.yaml:13: step 's': retry.jitter must be from 0 to 1",
                   "w.yaml:14: step 's': retry.on: unknown error code 'unavailabel'; did you mean "
                   "unavailable? (expected one of invalid_argument, not_found, already_exists, "
                   "conflict, permission_denied, unauthenticated, failed_precondition, "
                   "resource_exhausted, unavailable, deadline_exceeded, cancelled, unimplemented, "
                   "internal)"}));
}

TEST(Validator, WaitForNeedsTimeoutCorrelationAndAKnownEvent) {
  EXPECT_EQ(problems(kHead + "  - id: w\n"
                             "    wait_for: room.endd\n"),
            (Lines{"w.yaml:5: step 'w': a wait_for step needs a timeout (e.g. timeout: 12h)",
                   "w.yaml:5: step 'w': a wait_for step needs a correlation, e.g. correlation: "
                   "${steps.room.output.provider_room_id}",
                   "w.yaml:6: step 'w': unknown event type 'room.endd'; did you mean room.ended? "
                   "(known events: appointment.updated, billing.information_request, "
                   "composition.completed, notification.delivered, notification.failed, "
                   "participant.connected, participant.disconnected, patient.arrival, "
                   "recording.completed, room.ended)"}));
  EXPECT_EQ(problems(kHead + "  - id: w\n"
                             "    wait_for: room.ended\n"
                             "    correlation: fixed\n"
                             "    timeout: 1h\n"
                             "    retry: {max_attempts: 2}\n"),
            (Lines{"w.yaml:7: step 'w': correlation must use a value of the run, e.g. "
                   "${steps.room.output.provider_room_id}",
                   "w.yaml:9: step 'w': retry applies only to call steps (a wait_for timeout goes "
                   "to on_failure)"}));
}

const std::string kCompensationHead = kHead +
                                      "  - id: room\n"                            // 5
                                      "    call: video.create_room\n"             // 6
                                      "  - id: waiting\n"                         // 7
                                      "    call: hub.set_status\n"                // 8
                                      "    with: {status: waiting}\n"             // 9
                                      "    on_failure: {compensate: end_room}\n"  // 10
                                      "  - id: later\n"                           // 11
                                      "    call: hub.set_status\n"                // 12
                                      "    with: {status: x}\n"                   // 13
                                      "compensations:\n";                         // 14

TEST(Validator, CompensationsAreValid) {
  EXPECT_EQ(problems(kCompensationHead +
                     "  - id: end_room\n"
                     "    call: video.end_room\n"
                     "    with: {room_id: \"${steps.room.output.provider_room_id}\"}\n"
                     "    then: cancelled\n"
                     "  - id: cancelled\n"
                     "    call: hub.set_status\n"
                     "    with: {status: cancelled}\n"),
            Lines{});
}

TEST(Validator, CompensationCycle) {
  EXPECT_EQ(problems(kCompensationHead + "  - id: end_room\n"  // 15
                                         "    call: video.end_room\n"
                                         "    then: cancelled\n"
                                         "  - id: cancelled\n"  // 18
                                         "    call: hub.set_status\n"
                                         "    with: {status: cancelled}\n"
                                         "    on_failure: {compensate: end_room}\n"
                                         "  - id: again\n"  // 22
                                         "    call: hub.record_event\n"
                                         "    with: {type: t}\n"
                                         "    then: again\n"),
            (Lines{"w.yaml:15: compensations form a cycle: end_room -> cancelled -> end_room",
                   "w.yaml:22: compensations form a cycle: again -> again"}));
}

TEST(Validator, CompensationTargetMissing) {
  EXPECT_EQ(problems(kHead + "  - id: s\n    call: hub.set_status\n    with: {status: a}\n"
                             "    on_failure: {compensate: end_rom}\n"
                             "  - id: t\n    call: hub.set_status\n    with: {status: a}\n"
                             "    on_failure: {compensate: s}\n"
                             "compensations:\n"
                             "  - id: end_room\n    call: video.end_room\n    then: nothing\n"),
            (Lines{"w.yaml:8: step 's': on_failure.compensate names compensation 'end_rom', which "
                   "does not exist; did you mean end_room?",
                   "w.yaml:12: step 't': on_failure.compensate names 's', which is a step, not a "
                   "compensation; list it under compensations",
                   "w.yaml:16: compensation 'end_room': then names compensation 'nothing', which "
                   "does not exist"}));
}

TEST(Validator, CompensationMayOnlyUseStepsBeforeItsTrigger) {
  EXPECT_EQ(problems(kCompensationHead + "  - id: end_room\n"
                                         "    call: video.end_room\n"
                                         "    with: {room_id: \"${steps.later.output.status}\"}\n"
                                         "  - id: wait\n"
                                         "    wait_for: room.ended\n"
                                         "    correlation: x\n"
                                         "    timeout: 1h\n"),
            (Lines{"w.yaml:17: compensation 'end_room': ${steps.later.output.status} refers to "
                   "step 'later' (line 11), which has not run when step 'waiting' (line 7) fails "
                   "and leads to this compensation",
                   "w.yaml:19: compensation 'wait': a compensation must be a call step, not "
                   "wait_for",
                   "w.yaml:20: compensation 'wait': correlation must use a value of the run, e.g. "
                   "${steps.room.output.provider_room_id}"}));
}

TEST(Validator, OnFailureForms) {
  EXPECT_EQ(problems(kHead + "  - id: s\n    call: hub.set_status\n    with: {status: a}\n"
                             "    on_failure: retry\n"
                             "  - id: t\n    call: hub.set_status\n    with: {status: a}\n"
                             "    on_failure: compensate\n"),
            (Lines{"w.yaml:8: step 's': unknown on_failure 'retry'; expected fail, continue or "
                   "{compensate: <compensation id>}",
                   "w.yaml:12: step 't': compensate needs the compensation to run: on_failure: "
                   "{compensate: <compensation id>}"}));
}

TEST(Validator, TriggerForms) {
  EXPECT_EQ(problems("name: w\nversion: 1\ntrigger:\n  kind: event\n  event: room.endde\nsteps:\n"
                     "  - {id: s, call: hub.set_status, with: {status: a}}\n"),
            Lines{"w.yaml:5: trigger: unknown event type 'room.endde'; did you mean room.ended? "
                  "(known events: appointment.updated, billing.information_request, "
                  "composition.completed, notification.delivered, notification.failed, "
                  "participant.connected, participant.disconnected, patient.arrival, "
                  "recording.completed, room.ended)"});
  EXPECT_EQ(problems("name: w\nversion: 1\ntrigger: {kind: apy}\nsteps:\n"
                     "  - {id: s, call: hub.set_status, with: {status: a}}\n"),
            Lines{"w.yaml:3: unknown trigger kind 'apy'; did you mean api? (expected api, "
                  "event or schedule)"});
}

TEST(Validator, ScheduleTriggersAreCheckedWithTheirLines) {
  const std::string steps = "steps:\n  - {id: s, call: hub.set_status, with: {status: a}}\n";
  EXPECT_EQ(problems("name: w\nversion: 1\ntrigger:\n  kind: schedule\n  every: 1d at 02:00\n"
                     "  time_zone: Asia/Riyadh\n  period: day\n" +
                     steps),
            Lines{});
  EXPECT_EQ(
      problems("name: w\nversion: 1\ntrigger:\n  kind: schedule\n  cron: \"0 25 * * *\"\n" + steps),
      Lines{"w.yaml:5: trigger.cron: cron hour: 25 is out of range 0-23"});
  EXPECT_EQ(
      problems("name: w\nversion: 1\ntrigger:\n  kind: schedule\n  cron: \"0 2 * *\"\n" + steps),
      Lines{"w.yaml:5: trigger.cron: cron '0 2 * *' has 4 fields; it needs 5: minute hour "
            "day-of-month month day-of-week (e.g. \"0 2 * * *\")"});
  EXPECT_EQ(problems("name: w\nversion: 1\ntrigger:\n  kind: schedule\n  every: 1d at 2am\n"
                     "  time_zone: Asia/Riyad\n  period: week\n" +
                     steps),
            (Lines{"w.yaml:5: trigger.every: every '1d at 2am': the time after 'at' must be "
                   "HH:MM (00:00 to 23:59)",
                   "w.yaml:6: trigger.time_zone: 'Asia/Riyad' is not an IANA time zone (e.g. "
                   "Asia/Riyadh)",
                   "w.yaml:7: trigger.period must be day or month, not 'week'"}));
  EXPECT_EQ(problems("name: w\nversion: 1\ntrigger:\n  kind: schedule\n" + steps),
            Lines{"w.yaml:3: a trigger of kind schedule needs cron: \"0 2 * * *\" or every: 1d "
                  "at 02:00"});
  EXPECT_EQ(problems("name: w\nversion: 1\ntrigger:\n  kind: api\n  every: 1h\n" + steps),
            Lines{"w.yaml:5: trigger.every applies only to kind: schedule"});
}

TEST(Validator, YamlSyntaxErrorsHaveALine) {
  auto p = problems(kHead + "  - id: s\n    call: [hub.set_status\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind("w.yaml:", 0), 0u);
  EXPECT_NE(p[0].find(": not valid YAML: "), std::string::npos) << p[0];
}

TEST(Validator, NameVersionAndIdForms) {
  EXPECT_EQ(problems("name: Standard Flow\nversion: 1.5\ntrigger: {kind: api}\nsteps:\n"
                     "  - {id: Room-1, call: hub.set_status, with: {status: a}}\n"),
            (Lines{"w.yaml:1: name 'Standard Flow' must be lowercase letters, digits, - and _, "
                   "starting with a letter or digit",
                   "w.yaml:2: version must be a whole number from 1 to 1000000",
                   "w.yaml:5: step id 'Room-1' must be lowercase letters, digits and _, starting "
                   "with a letter or _"}));
}

TEST(Validator, DuplicateKeys) {
  EXPECT_EQ(problems("name: w\nname: v\nversion: 1\ntrigger: {kind: api}\nsteps:\n"
                     "  - {id: s, call: hub.set_status, with: {status: a, status: b}}\n"),
            (Lines{"w.yaml:2: the workflow: duplicate key 'name'",
                   "w.yaml:6: with: duplicate key 'status'"}));
}

TEST(Validator, WithAsOneReference) {
  const std::string head = kHead +
                           "  - id: claim\n    call: hub.build_claim\n"
                           "    with: {patient_id: p, practitioner_id: q, coverage: {}}\n";
  EXPECT_EQ(problems(head + "  - id: submit\n    call: billing.submit_claim\n"
                            "    with: ${steps.claim.output}\n"),
            Lines{});
  EXPECT_EQ(problems(head + "  - id: submit\n    call: billing.submit_claim\n"
                            "    with: claim ${steps.claim.output}\n"),
            Lines{"w.yaml:10: step 'submit': with must be a mapping of input members, or exactly "
                  "one reference such as ${steps.claim.output}"});
}

TEST(Validator, CollectsEveryProblemInLineOrder) {
  auto p = problems(
      "version: x\ntrigger: {kind: api}\nsteps:\n"
      "  - id: a\n    call: video.nope\n"
      "  - id: b\n    call: hub.set_status\n    with: {status: a}\n    timeout: 5\n");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0], "w.yaml:1: version must be a number, not 'x'");
  EXPECT_EQ(p[1], "w.yaml:1: missing name (the workflow's name, e.g. name: consultation)");
  EXPECT_EQ(p[2].substr(0, 10), "w.yaml:5: ");
  EXPECT_EQ(p[3].substr(0, 10), "w.yaml:9: ");
}

}  // namespace
}  // namespace wasl::workflow
