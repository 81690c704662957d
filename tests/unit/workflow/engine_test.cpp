// Engine behaviour on both stores: outputs threaded through steps, retries
// and backoff, on_failure, compensations, cancel, retry from the failed step,
// wait_for and events, timeouts, lease takeover and two engines sharing work.
#include "hub/workflow/engine.hpp"

#include <algorithm>
#include <thread>

#include "hub/audit/audit_writer.hpp"
#include "hub/jobs/job_queue.hpp"
#include "hub/workflow/idempotency_key.hpp"
#include "tests/unit/audit/audit_outage.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using storage::Dialect;
using storage::Params;

const char* kChain = R"(name: chain
version: 1
trigger:
  kind: api
steps:
  - id: appointment
    call: ehr.read_appointment
    with:
      id: ${trigger.appointment_id}
  - id: patient
    call: ehr.read_patient
    with:
      id: ${steps.appointment.output.patient_id}
  - id: room
    call: video.create_room
    with:
      name: room-${steps.patient.output.id}
      participant_limit: 3
  - id: done
    call: hub.set_status
    with:
      status: completed
)";

class EngineTest : public EngineFixture {};

TEST_P(EngineTest, MultiStepWorkflowThreadsOutputsAndSetsConsultationStatus) {
  deploy(kChain);
  exec(
      "INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
      "updated_at) VALUES ('c1', 'f1', 'scheduled', 'standard', 0, 0)");
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "chain", {{"appointment_id", "A1"}}, "c1");
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  EXPECT_EQ(attempt_list(t), (std::vector<std::string>{"appointment:succeeded", "patient:succeeded",
                                                       "room:succeeded", "done:succeeded"}));
  auto rooms = invoker_->calls_of("video.create_room");
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].input["name"], "room-pat-A1");
  EXPECT_EQ(rooms[0].input["participant_limit"], 3);
  EXPECT_EQ(rooms[0].key, step_idempotency_key(run, "room"));
  EXPECT_EQ(rooms[0].input["idempotency_key"], rooms[0].key);
  auto patient = invoker_->calls_of("ehr.read_patient");
  ASSERT_EQ(patient.size(), 1u);
  EXPECT_EQ(patient[0].input["id"], "pat-A1");
  auto status = query("SELECT status FROM consultations WHERE id = 'c1'");
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(*status[0].get_text(0), "completed");
  // Every attempt has its times; the runs gauge and step histogram are exported.
  for (const auto& a : t.attempts) {
    EXPECT_GT(a.started_at_ms, 0);
    ASSERT_TRUE(a.finished_at_ms.has_value());
    EXPECT_GE(*a.finished_at_ms, a.started_at_ms);
  }
  std::string text = metrics_.render();
  EXPECT_NE(text.find("wasl_workflow_runs{status=\"succeeded\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("wasl_workflow_step_duration_seconds_count{outcome=\"ok\"}"),
            std::string::npos)
      << text;
  // /metrics is unauthenticated: no facility's workflow or step names in it.
  EXPECT_EQ(text.find("workflow=\""), std::string::npos) << text;
  EXPECT_EQ(text.find("step=\""), std::string::npos) << text;
  EXPECT_EQ(text.find("\"chain\""), std::string::npos) << text;
  EXPECT_NE(text.find("wasl_workflow_queue_depth"), std::string::npos);
}

TEST_P(EngineTest, RetriesWithBackoffHonouringRetryAfterAndKeepsTheKey) {
  deploy(R"(name: retrying
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: r
    retry:
      max_attempts: 4
      initial_delay: 20ms
      multiplier: 2
      max_delay: 1s
      jitter: 0.2
)");
  invoker_->fail("video.create_room", Error(ErrorCode::kResourceExhausted, "slow down", true,
                                            std::chrono::milliseconds(400)));
  invoker_->fail("video.create_room", Error(ErrorCode::kUnavailable, "provider 503", true));
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "retrying");
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  ASSERT_EQ(t.attempts.size(), 3u);
  EXPECT_EQ(t.attempts[0].status, "failed");
  EXPECT_EQ(t.attempts[0].error_code, "resource_exhausted");
  EXPECT_EQ(t.attempts[1].error_code, "unavailable");
  EXPECT_EQ(t.attempts[2].status, "succeeded");
  // retry_after (400 ms) beats the computed 20 ms; the second delay is 40 ms − 20 % jitter.
  EXPECT_GE(t.attempts[1].started_at_ms - *t.attempts[0].finished_at_ms, 400);
  EXPECT_GE(t.attempts[2].started_at_ms - *t.attempts[1].finished_at_ms, 32);
  auto calls = invoker_->calls_of("video.create_room");
  ASSERT_EQ(calls.size(), 3u);
  for (const auto& c : calls) EXPECT_EQ(c.key, step_idempotency_key(run, "room"));
  for (const auto& a : t.attempts) EXPECT_EQ(a.idempotency_key, calls[0].key);
}

// A deferral ("not yet", Error::deferred) is called again after its
// retry_after and does not use up the step's attempts: three deferrals and
// one real failure fit in max_attempts: 2.
TEST_P(EngineTest, DeferredAttemptsDoNotCountAgainstTheRetryPolicy) {
  deploy(R"(name: deferring
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: r
    retry:
      max_attempts: 2
      initial_delay: 10ms
)");
  Error too_early(ErrorCode::kFailedPrecondition, "the meeting is created 10 minutes ahead", true,
                  std::chrono::milliseconds(150));
  too_early.deferred = true;
  invoker_->fail("video.create_room", too_early, 3);
  invoker_->fail("video.create_room", Error(ErrorCode::kUnavailable, "provider 503", true));
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "deferring");
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  ASSERT_EQ(t.attempts.size(), 5u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(t.attempts[i].error_code, "failed_precondition");
  EXPECT_EQ(t.attempts[3].error_code, "unavailable");
  EXPECT_EQ(t.attempts[4].status, "succeeded");
  // Each deferral waited its retry_after.
  for (int i = 1; i < 4; ++i) {
    EXPECT_GE(t.attempts[i].started_at_ms - *t.attempts[i - 1].finished_at_ms, 150);
  }
  for (const auto& c : invoker_->calls_of("video.create_room")) {
    EXPECT_EQ(c.key, step_idempotency_key(run, "room"));
  }
}

// A deferred call is prepared again when it comes due: an input naming the
// consultation's start reads it anew, so a start the EHR moved in between
// (an EHR booking's reschedule) reaches a call that names it.
TEST_P(EngineTest, ADeferredCallReadsTheConsultationsStartAnewWhenItComesDue) {
  exec(
      "INSERT INTO consultations (id, facility_id, status, consultation_type, scheduled_at, "
      "created_at, updated_at) VALUES ('c1', 'f1', 'scheduled', 'standard', 1000, 0, 0)");
  deploy(R"(name: just_in_time
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: r
      scheduled_start_ms: ${consultation.scheduled_at_ms}
)");
  Error too_early(ErrorCode::kFailedPrecondition, "the meeting is created 10 minutes ahead", true,
                  std::chrono::milliseconds(500));
  too_early.deferred = true;
  invoker_->fail("video.create_room", too_early, 1);
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "just_in_time", {}, "c1");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (invoker_->calls_of("video.create_room").empty() &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(invoker_->calls_of("video.create_room").size(), 1u);
  exec("UPDATE consultations SET scheduled_at = 2000 WHERE id = 'c1'");
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  auto calls = invoker_->calls_of("video.create_room");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].input["scheduled_start_ms"], 1000);
  EXPECT_EQ(calls[1].input["scheduled_start_ms"], 2000);
}

// Without the flag, the same answers exhaust max_attempts: 2.
TEST_P(EngineTest, UndeferredRetryableErrorsUseUpTheAttempts) {
  deploy(R"(name: exhausting
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: r
    retry:
      max_attempts: 2
      initial_delay: 10ms
)");
  invoker_->fail(
      "video.create_room",
      Error(ErrorCode::kFailedPrecondition, "not yet", true, std::chrono::milliseconds(20)), 3);
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "exhausting");
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "failed");
  EXPECT_EQ(invoker_->calls_of("video.create_room").size(), 2u);
}

TEST_P(EngineTest, PermanentErrorFailsTheRunWithoutRetry) {
  deploy(kChain);
  invoker_->fail("ehr.read_patient", Error(ErrorCode::kInvalidArgument, "bad id", false));
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "chain", {{"appointment_id", "A1"}});
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "failed");
  EXPECT_EQ(t.failed_step, "patient");
  EXPECT_NE(t.error.find("invalid_argument"), std::string::npos) << t.error;
  EXPECT_EQ(attempt_list(t), (std::vector<std::string>{"appointment:succeeded", "patient:failed"}));
  EXPECT_TRUE(invoker_->calls_of("video.create_room").empty());
  ASSERT_TRUE(t.finished_at_ms.has_value());
}

TEST_P(EngineTest, OnFailureContinueMarksTheStepFailedAndGoesOn) {
  deploy(R"(name: cont
version: 1
trigger:
  kind: api
steps:
  - id: coverage
    call: ehr.read_coverage
    with:
      patient_id: p1
    on_failure: continue
  - id: eligibility
    call: billing.check_eligibility
    when: exists(steps.coverage.output.id)
    with:
      patient_id: p1
  - id: noted
    call: hub.record_event
    when: steps.coverage.status == "failed"
    with:
      type: coverage.missing
)");
  invoker_->fail("ehr.read_coverage", Error(ErrorCode::kNotFound, "no coverage", false));
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "cont");
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  EXPECT_EQ(attempt_list(t), (std::vector<std::string>{"coverage:failed", "eligibility:skipped",
                                                       "noted:succeeded"}));
  EXPECT_TRUE(invoker_->calls_of("billing.check_eligibility").empty());
  auto notes = query("SELECT type FROM workflow_notes WHERE run_id = $1", Params{run});
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(*notes[0].get_text(0), "coverage.missing");
}

const char* kCompensating = R"(name: comp
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: r
  - id: arrived
    call: ehr.update_appointment_status
    with:
      appointment_id: a1
      status: arrived
    retry:
      max_attempts: 1
    on_failure:
      compensate: end_room
  - id: never
    call: video.stop_recording
    with:
      room_id: ${steps.room.output.provider_room_id}
compensations:
  - id: end_room
    call: video.end_room
    with:
      room_id: ${steps.room.output.provider_room_id}
    retry:
      max_attempts: 1
    on_failure: continue
    then: cancelled
  - id: cancelled
    call: hub.set_status
    with:
      status: cancelled
)";

TEST_P(EngineTest, CompensationChainRunsInOrderAndTheRunFails) {
  deploy(kCompensating);
  exec(
      "INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
      "updated_at) VALUES ('c2', 'f1', 'scheduled', 'standard', 0, 0)");
  invoker_->fail("ehr.update_appointment_status",
                 Error(ErrorCode::kPermissionDenied, "denied", false));
  // end_room fails too; its on_failure: continue still runs `then`.
  invoker_->fail("video.end_room", Error(ErrorCode::kNotFound, "unknown room", false));
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "comp", {}, "c2");
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "failed");
  EXPECT_EQ(t.failed_step, "arrived");
  EXPECT_EQ(attempt_list(t), (std::vector<std::string>{"room:succeeded", "arrived:failed",
                                                       "end_room:failed", "cancelled:succeeded"}));
  EXPECT_TRUE(t.attempts[2].compensation);
  EXPECT_TRUE(invoker_->calls_of("video.stop_recording").empty());
  auto end = invoker_->calls_of("video.end_room");
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0].input["room_id"], "RM-r");
  EXPECT_EQ(*query("SELECT status FROM consultations WHERE id = 'c2'")[0].get_text(0), "cancelled");
  EXPECT_NE(t.error.find("arrived"), std::string::npos);
  EXPECT_NE(t.error.find("end_room"), std::string::npos);
}

TEST_P(EngineTest, RetryResumesAFailedRunAtItsFailedStep) {
  deploy(kChain);
  invoker_->fail("video.create_room", Error(ErrorCode::kUnauthenticated, "bad key", false));
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "chain", {{"appointment_id", "A9"}});
  auto failed = wait_status(e, run);
  ASSERT_EQ(failed.status, "failed");
  EXPECT_EQ(failed.failed_step, "room");
  // Retrying a run that did not fail is refused.
  EXPECT_EQ(e.retry("nope").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(e.retry(run).ok());
  auto t = wait_status(e, run, {"succeeded", "cancelled"});
  EXPECT_EQ(t.status, "succeeded") << t.error;
  EXPECT_EQ(attempt_list(t),
            (std::vector<std::string>{"appointment:succeeded", "patient:succeeded", "room:failed",
                                      "room:succeeded", "done:succeeded"}));
  EXPECT_EQ(t.attempts[3].attempt, 2);
  EXPECT_EQ(invoker_->calls_of("ehr.read_appointment").size(), 1u);
  EXPECT_EQ(e.retry(run).error().code, ErrorCode::kFailedPrecondition);
}

const char* kWaiting = R"(name: waits
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: ${trigger.name}
  - id: joined
    wait_for: participant.connected
    correlation: ${steps.room.output.provider_room_id}
    timeout: 1h
    on_failure:
      compensate: end_room
  - id: ended
    wait_for: room.ended
    correlation: ${steps.room.output.provider_room_id}
    timeout: 1h
  - id: report
    call: hub.record_event
    with:
      type: session.done
      detail:
        ended_at: ${steps.ended.output.occurred_at_ms}
compensations:
  - id: end_room
    call: video.end_room
    with:
      room_id: ${steps.room.output.provider_room_id}
)";

TEST_P(EngineTest, EventsBeforeAndAfterTheWaitDuplicatesAndOutOfOrder) {
  deploy(kWaiting);
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  // The room's end arrives before the session start, and before the run waits at all.
  json ended = {{"type", "room.ended"}, {"room_id", "RM-a"}, {"occurred_at_ms", 42}};
  auto early = e.deliver_event("f1", "room.ended", "RM-a", ended, "evt-end-a");
  ASSERT_TRUE(early.ok()) << early.error().message;
  EXPECT_FALSE(early->duplicate);
  EXPECT_TRUE(early->matched_run.empty());

  std::string run = start(e, "waits", {{"name", "a"}});
  auto waiting = wait_status(e, run, {"waiting"});
  EXPECT_EQ(waiting.current_step, "joined");

  json joined = {{"type", "participant.connected"}, {"room_id", "RM-a"}};
  auto first = e.deliver_event("f1", "participant.connected", "RM-a", joined, "evt-join-a");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->matched_run, run);
  auto again = e.deliver_event("f1", "participant.connected", "RM-a", joined, "evt-join-a");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->event_id, first->event_id);
  auto dup_end = e.deliver_event("f1", "room.ended", "RM-a", ended, "evt-end-a");
  ASSERT_TRUE(dup_end.ok());
  EXPECT_TRUE(dup_end->duplicate);

  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  EXPECT_EQ(attempt_list(t), (std::vector<std::string>{"room:succeeded", "joined:succeeded",
                                                       "ended:succeeded", "report:succeeded"}));
  ASSERT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.events[0].type, "participant.connected");
  EXPECT_EQ(t.events[1].type, "room.ended");
  auto notes = query("SELECT detail FROM workflow_notes WHERE run_id = $1", Params{run});
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(json::parse(*notes[0].get_text(0))["ended_at"], 42);
  auto count = query("SELECT COUNT(*) FROM workflow_events");
  EXPECT_EQ(*count[0].get_int(0), 2);
}

TEST_P(EngineTest, AFailedEventInABatchLeavesNothingAndTheOthersGoThrough) {
  deploy(kWaiting);
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run_c = start(e, "waits", {{"name", "c"}});
  std::string run_d = start(e, "waits", {{"name", "d"}});
  EXPECT_EQ(wait_status(e, run_c, {"waiting"}).current_step, "joined");
  EXPECT_EQ(wait_status(e, run_d, {"waiting"}).current_step, "joined");
  json joined = {{"type", "participant.connected"}};
  // Delivered in (facility, type, correlation) order: the two that wake a
  // run go through before the one without a dedupe key fails.
  std::vector<IncomingEvent> events = {
      {"f1", "participant.connected", "RM-x", joined, "", ""},
      {"f1", "participant.connected", "RM-c", joined, "batch-c", ""},
      {"f1", "participant.connected", "RM-d", joined, "batch-d", ""}};
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto delivered = e.deliver_events(**tx, events);
  ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  ASSERT_EQ(delivered->size(), 3u);
  EXPECT_FALSE((*delivered)[0].ok());
  for (std::size_t i : {1u, 2u}) {
    ASSERT_TRUE((*delivered)[i].ok()) << (*delivered)[i].error().message;
    EXPECT_FALSE((*delivered)[i]->duplicate);  // the first try of the batch left nothing
    EXPECT_TRUE((*delivered)[i]->advanced);
  }
  EXPECT_EQ((*delivered)[1]->matched_run, run_c);
  EXPECT_EQ((*delivered)[2]->matched_run, run_d);
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_events")[0].get_int(0), 2);
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_events WHERE correlation = 'RM-x'")[0].get_int(0),
            0);
  EXPECT_EQ(wait_status(e, run_c, {"waiting"}).current_step, "ended");
  EXPECT_EQ(wait_status(e, run_d, {"waiting"}).current_step, "ended");
}

// Events delivered together (one statement per phase for a batch) meet their
// runs as they would one by one: two events of one key go to its two waiting
// runs oldest first, a dedupe key seen twice is a duplicate the second time,
// and another facility's event wakes nothing.
TEST_P(EngineTest, EventsDeliveredTogetherMeetTheirRunsAsOneByOne) {
  deploy(kWaiting);
  exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('f2', 'F2', 0, 0)");
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run_a = start(e, "waits", {{"name", "a"}});
  std::string run_b = start(e, "waits", {{"name", "b"}});
  std::string run_c1 = start(e, "waits", {{"name", "c"}});
  std::string run_c2 = start(e, "waits", {{"name", "c"}});
  for (const auto& run : {run_a, run_b, run_c1, run_c2}) {
    EXPECT_EQ(wait_status(e, run, {"waiting"}).current_step, "joined");
  }
  auto first = e.deliver_event("f1", "participant.connected", "RM-b", json::object(), "k-pre");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->matched_run, run_b);
  EXPECT_EQ(wait_status(e, run_b, {"waiting"}).current_step, "ended");
  auto oldest_c = query("SELECT id FROM workflow_runs WHERE id IN ($1, $2) ORDER BY created_at, id",
                        Params{run_c1, run_c2});
  ASSERT_EQ(oldest_c.size(), 2u);
  const std::string older = *oldest_c[0].get_text(0);
  const std::string newer = *oldest_c[1].get_text(0);

  json joined = {{"type", "participant.connected"}};
  json ended = {{"type", "room.ended"}, {"occurred_at_ms", 7}};
  std::vector<IncomingEvent> events = {
      {"f1", "participant.connected", "RM-c", joined, "k-c1", ""},
      {"f1", "participant.connected", "RM-a", joined, "k-a", ""},
      {"f1", "participant.connected", "RM-c", joined, "k-c2", ""},
      {"f1", "participant.connected", "RM-c", joined, "k-c1", ""},
      {"f1", "participant.connected", "RM-none", joined, "k-n", ""},
      {"f2", "participant.connected", "RM-b", joined, "k-f2", ""},
      {"f1", "participant.connected", "RM-b", joined, "k-pre", ""},
      {"f1", "room.ended", "RM-b", ended, "k-end-b", ""}};
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto delivered = e.deliver_events(**tx, events);
  ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  ASSERT_TRUE((*tx)->commit().ok());
  ASSERT_EQ(delivered->size(), events.size());
  for (const auto& one : *delivered) ASSERT_TRUE(one.ok()) << one.error().message;
  auto at = [&](std::size_t i) { return *(*delivered)[i]; };
  EXPECT_EQ(at(0).matched_run, older);
  EXPECT_TRUE(at(0).advanced);
  EXPECT_EQ(at(1).matched_run, run_a);
  EXPECT_EQ(at(2).matched_run, newer);
  EXPECT_TRUE(at(2).advanced);
  EXPECT_TRUE(at(3).duplicate);
  EXPECT_EQ(at(3).event_id, at(0).event_id);
  EXPECT_EQ(at(3).matched_run, older);
  EXPECT_FALSE(at(4).duplicate);
  EXPECT_TRUE(at(4).matched_run.empty());
  EXPECT_TRUE(at(5).matched_run.empty());
  EXPECT_TRUE(at(6).duplicate);
  EXPECT_EQ(at(6).event_id, first->event_id);
  EXPECT_EQ(at(6).matched_run, run_b);
  EXPECT_EQ(at(7).matched_run, run_b);
  EXPECT_TRUE(at(7).advanced);

  for (const auto& run : {run_a, run_c1, run_c2}) {
    EXPECT_EQ(wait_status(e, run, {"waiting"}).current_step, "ended");
  }
  auto b = wait_status(e, run_b);
  EXPECT_EQ(b.status, "succeeded") << b.error;
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_events")[0].get_int(0), 7);
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_events WHERE run_id IS NULL")[0].get_int(0), 2);
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_runs WHERE facility_id = 'f2'")[0].get_int(0), 0);
}

// A woken run's resume is written with its next status change: a run whose
// wait was its last step is written once, as it ends; a run that goes on to
// a call no longer awaits its event. Counted by a trigger on workflow_runs.
TEST_P(EngineTest, AWokenRunIsWrittenWithItsNextStatusChange) {
  deploy(kWaiterWorkflow);
  deploy(kWaiting);
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string last = start(e, "waiter", {{"appointment", "AP-1"}});
  std::string waits = start(e, "waits", {{"name", "w"}});
  EXPECT_EQ(wait_status(e, last, {"waiting"}).current_step, "updated");
  EXPECT_EQ(wait_status(e, waits, {"waiting"}).current_step, "joined");
  exec("CREATE TABLE run_updates (run_id TEXT NOT NULL)");
  if (GetParam() == Dialect::kPostgres) {
    exec(
        "CREATE FUNCTION count_run_update() RETURNS trigger LANGUAGE plpgsql AS "
        "$body$ BEGIN INSERT INTO run_updates VALUES (NEW.id); RETURN NEW; END $body$");
    exec(
        "CREATE TRIGGER count_run_updates AFTER UPDATE ON workflow_runs FOR EACH ROW "
        "EXECUTE FUNCTION count_run_update()");
  } else {
    exec(
        "CREATE TRIGGER count_run_updates AFTER UPDATE ON workflow_runs BEGIN "
        "INSERT INTO run_updates VALUES (NEW.id); END");
  }

  // The room's end goes in with the join: the run takes it stored as its
  // next wait starts, in the same transaction, and goes on to its call.
  json ended = {{"type", "room.ended"}, {"occurred_at_ms", 9}};
  std::vector<IncomingEvent> events = {
      {"f1", "appointment.updated", "AP-1", json::object(), "k-updated"},
      {"f1", "participant.connected", "RM-w", json::object(), "k-joined"},
      {"f1", "room.ended", "RM-w", ended, "k-ended", ""}};
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto delivered = e.deliver_events(**tx, events);
  ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  ASSERT_TRUE((*tx)->commit().ok());
  for (const auto& one : *delivered) ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ((*delivered)[0]->matched_run, last);
  EXPECT_TRUE((*delivered)[0]->advanced);
  EXPECT_EQ((*delivered)[1]->matched_run, waits);
  EXPECT_TRUE((*delivered)[1]->advanced);

  auto row = query(
      "SELECT status, wait_event, wait_correlation, finished_at, updated_at "
      "FROM workflow_runs WHERE id = $1",
      Params{last});
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(*row[0].get_text("status"), "succeeded");
  EXPECT_TRUE(row[0].is_null("wait_event"));
  EXPECT_TRUE(row[0].is_null("wait_correlation"));
  EXPECT_FALSE(row[0].is_null("finished_at"));
  EXPECT_EQ(*row[0].get_int("updated_at"), *row[0].get_int("finished_at"));
  EXPECT_EQ(
      *query("SELECT COUNT(*) FROM run_updates WHERE run_id = $1", Params{last})[0].get_int(0), 1);

  auto t = wait_status(e, waits);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  EXPECT_EQ(attempt_list(t), (std::vector<std::string>{"room:succeeded", "joined:succeeded",
                                                       "ended:succeeded", "report:succeeded"}));
  auto waits_row =
      query("SELECT wait_event, wait_correlation FROM workflow_runs WHERE id = $1", Params{waits});
  ASSERT_EQ(waits_row.size(), 1u);
  EXPECT_TRUE(waits_row[0].is_null("wait_event"));
  EXPECT_TRUE(waits_row[0].is_null("wait_correlation"));
  // No run waits for the events just delivered.
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_runs WHERE status = 'waiting'")[0].get_int(0), 0);
}

// Concurrency that needs two writers at once: PostgreSQL only.
class EnginePostgresTest : public EngineFixture {};

// A run that stops waiting (here: another transaction sets it cancelling)
// between the match and the lock of its row: the batch is delivered again
// event by event, that run's event is kept for a later wait, and the other
// event of the batch goes through.
TEST_P(EnginePostgresTest, ARunThatStopsWaitingDuringADeliveryLeavesItsEventUnmatched) {
  deploy(kWaiting);
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run_x = start(e, "waits", {{"name", "x"}});
  std::string run_y = start(e, "waits", {{"name", "y"}});
  EXPECT_EQ(wait_status(e, run_x, {"waiting"}).current_step, "joined");
  EXPECT_EQ(wait_status(e, run_y, {"waiting"}).current_step, "joined");

  auto canceller = store_->begin();
  ASSERT_TRUE(canceller.ok());
  ASSERT_TRUE((*canceller)
                  ->exec("UPDATE workflow_runs SET status = 'cancelling', wait_event = NULL, "
                         "wait_correlation = NULL WHERE id = $1",
                         Params{run_x})
                  .ok());

  std::vector<IncomingEvent> events = {
      {"f1", "participant.connected", "RM-x", json::object(), "k-x"},
      {"f1", "participant.connected", "RM-y", json::object(), "k-y"}};
  sdk::Result<std::vector<sdk::Result<DeliveredEvent>>> delivered =
      Error(ErrorCode::kInternal, "not run");
  std::thread delivery([&] {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    delivered = e.deliver_events(**tx, events);
    if (delivered.ok()) EXPECT_TRUE((*tx)->commit().ok());
  });
  // The delivery matched run x (its row said waiting to others) and now
  // waits for the row's lock.
  bool blocked = false;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       !blocked && std::chrono::steady_clock::now() < until;) {
    blocked = *query(
                   "SELECT COUNT(*) FROM pg_locks WHERE NOT granted AND locktype = "
                   "'transactionid'")[0]
                   .get_int(0) > 0;
    if (!blocked) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(blocked);
  ASSERT_TRUE((*canceller)->commit().ok());
  delivery.join();

  ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  ASSERT_EQ(delivered->size(), 2u);
  for (const auto& one : *delivered) ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_FALSE((*delivered)[0]->duplicate);
  EXPECT_TRUE((*delivered)[0]->matched_run.empty());
  EXPECT_EQ((*delivered)[1]->matched_run, run_y);
  EXPECT_TRUE((*delivered)[1]->advanced);
  auto kept = query("SELECT run_id FROM workflow_events WHERE dedupe_key = 'k-x'");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_TRUE(kept[0].is_null("run_id"));
  EXPECT_EQ(*query("SELECT status FROM workflow_runs WHERE id = $1", Params{run_x})[0].get_text(0),
            "cancelling");
  EXPECT_EQ(wait_status(e, run_y, {"waiting"}).current_step, "ended");
}

INSTANTIATE_TEST_SUITE_P(Postgres, EnginePostgresTest, ::testing::Values(Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

TEST_P(EngineTest, EventForAnotherCorrelationOrFacilityDoesNotMatch) {
  deploy(kWaiting);
  exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('f2', 'F2', 0, 0)");
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "waits", {{"name", "b"}});
  wait_status(e, run, {"waiting"});
  auto other = e.deliver_event("f1", "participant.connected", "RM-zzz", json::object(), "k1");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->matched_run.empty());
  auto foreign = e.deliver_event("f2", "participant.connected", "RM-b", json::object(), "k2");
  ASSERT_TRUE(foreign.ok());
  EXPECT_TRUE(foreign->matched_run.empty());
  auto t = e.timeline(run);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->status, "waiting");
}

TEST_P(EngineTest, WaitTimeoutFiresOnFailure) {
  deploy(R"(name: short_wait
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: t
  - id: ended
    wait_for: room.ended
    correlation: ${steps.room.output.provider_room_id}
    timeout: 300ms
    on_failure:
      compensate: end_room
compensations:
  - id: end_room
    call: video.end_room
    with:
      room_id: ${steps.room.output.provider_room_id}
)");
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "short_wait");
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "failed");
  EXPECT_EQ(attempt_list(t),
            (std::vector<std::string>{"room:succeeded", "ended:failed", "end_room:succeeded"}));
  EXPECT_EQ(t.attempts[1].error_code, "deadline_exceeded");
  EXPECT_GE(*t.attempts[1].finished_at_ms - t.attempts[1].started_at_ms, 300);
  EXPECT_EQ(invoker_->calls_of("video.end_room").size(), 1u);
  // A late event is kept, not matched to the ended run.
  auto late = e.deliver_event("f1", "room.ended", "RM-t", json::object(), "late");
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE(late->matched_run.empty());
}

TEST_P(EngineTest, CancelWhileWaitingRunsTheStepsCompensation) {
  deploy(kWaiting);
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "waits", {{"name", "c"}});
  wait_status(e, run, {"waiting"});
  ASSERT_TRUE(e.cancel(run).ok());
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "cancelled");
  EXPECT_EQ(attempt_list(t),
            (std::vector<std::string>{"room:succeeded", "joined:cancelled", "end_room:succeeded"}));
  auto end = invoker_->calls_of("video.end_room");
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0].input["room_id"], "RM-c");
  EXPECT_EQ(e.cancel(run).error().code, ErrorCode::kFailedPrecondition);
  // The session event arriving after the cancel matches nothing.
  auto late = e.deliver_event("f1", "participant.connected", "RM-c", json::object(), "late-c");
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE(late->matched_run.empty());
}

TEST_P(EngineTest, CancelDuringACallLetsItFinishThenCompensates) {
  deploy(kCompensating);
  invoker_->stall("ehr.update_appointment_status");
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "comp");
  // Wait until the stalled call is in flight.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (invoker_->calls_of("ehr.update_appointment_status").empty() &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(invoker_->calls_of("ehr.update_appointment_status").size(), 1u);
  ASSERT_TRUE(e.cancel(run).ok());
  invoker_->release_stalls();
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "cancelled");
  EXPECT_EQ(attempt_list(t),
            (std::vector<std::string>{"room:succeeded", "arrived:succeeded", "end_room:succeeded",
                                      "cancelled:succeeded"}));
  EXPECT_TRUE(invoker_->calls_of("video.stop_recording").empty());
}

TEST_P(EngineTest, CallTimeoutCountsAsDeadlineExceeded) {
  deploy(R"(name: slow
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: s
    timeout: 150ms
    retry:
      max_attempts: 2
      initial_delay: 10ms
)");
  invoker_->stall("video.create_room");
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "slow");
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  ASSERT_EQ(t.attempts.size(), 2u);
  EXPECT_EQ(t.attempts[0].error_code, "deadline_exceeded");
  EXPECT_GE(*t.attempts[0].finished_at_ms - t.attempts[0].started_at_ms, 150);
  // Whether the worker gave up on the stalled call or the call, kept to its
  // budget, returned at the deadline by itself, the step says the same.
  EXPECT_NE(t.attempts[0].error_message.find("did not answer within the step timeout of 150 ms"),
            std::string::npos)
      << t.attempts[0].error_message;
  EXPECT_EQ(invoker_->overlaps(), 0);
}

TEST_P(EngineTest, UnregisteredHubActionFailsWithUnimplemented) {
  deploy(R"(name: report_only
version: 1
trigger:
  kind: api
steps:
  - id: body
    call: hub.build_report
    with:
      kind: consultation
)");
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "report_only");
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "failed");
  ASSERT_EQ(t.attempts.size(), 1u);
  EXPECT_EQ(t.attempts[0].error_code, "unimplemented");
  EXPECT_NE(t.attempts[0].error_message.find("hub.build_report"), std::string::npos);
}

TEST_P(EngineTest, StartRunInsideTheCallersTransactionIsAtomic) {
  deploy(kChain);
  auto& e = engine();
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)
                    ->exec("INSERT INTO consultations (id, facility_id, status, "
                           "consultation_type, created_at, updated_at) VALUES "
                           "('c3', 'f1', 'new', 'standard', 0, 0)")
                    .ok());
    StartRunRequest r{"chain", std::nullopt, "f1", "c3", {{"appointment_id", "A"}}};
    ASSERT_TRUE(e.start_run(**tx, r).ok());
    (*tx)->rollback();
  }
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_runs")[0].get_int(0), 0);
  EXPECT_EQ(*query("SELECT COUNT(*) FROM jobs")[0].get_int(0), 0);
  StartRunRequest missing{"chain", std::nullopt, "no-such-facility", "", json::object()};
  EXPECT_EQ(e.start_run(missing).error().code, ErrorCode::kFailedPrecondition);
  StartRunRequest unknown{"nope", std::nullopt, "f1", "", json::object()};
  EXPECT_EQ(e.start_run(unknown).error().code, ErrorCode::kNotFound);
}

TEST_P(EngineTest, RunsKeepTheVersionTheyStartedWith) {
  deploy(R"(name: versioned
version: 1
trigger:
  kind: api
steps:
  - id: one
    call: hub.record_event
    with:
      type: v1
)");
  auto& e = engine();
  std::string first = start(e, "versioned");
  deploy(R"(name: versioned
version: 1
trigger:
  kind: api
steps:
  - id: one
    call: hub.record_event
    with:
      type: v2
)");
  std::string second = start(e, "versioned");
  ASSERT_TRUE(e.start().ok());
  EXPECT_EQ(wait_status(e, first).version, 1);
  EXPECT_EQ(wait_status(e, second).version, 2);
  auto rows = query("SELECT type FROM workflow_notes WHERE run_id = $1", Params{first});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(*rows[0].get_text(0), "v1");
  rows = query("SELECT type FROM workflow_notes WHERE run_id = $1", Params{second});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(*rows[0].get_text(0), "v2");
}

TEST_P(EngineTest, ExpiredLeaseOfADeadWorkerIsTakenOverWithTheSameKey) {
  deploy(kChain);
  auto& e = engine();  // not started yet: the "dead" worker claims first
  std::string run = start(e, "chain", {{"appointment_id", "L"}});
  // A worker claims the first step, records its start, makes the call, and dies.
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto claimed = jobs::JobQueue::claim(**tx, GetParam(), "dead-worker", now,
                                         std::chrono::milliseconds(300), 1);
    ASSERT_TRUE(claimed.ok()) << claimed.error().message;
    ASSERT_EQ(claimed->size(), 1u);
    EXPECT_FALSE((*claimed)[0].takeover);
    ASSERT_TRUE((*tx)
                    ->exec("INSERT INTO workflow_steps (id, run_id, step_id, attempt, status, "
                           "idempotency_key, started_at) VALUES ('dead', $1, 'appointment', 1, "
                           "'running', $2, $3)",
                           Params{run, step_idempotency_key(run, "appointment"), now})
                    .ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  ASSERT_TRUE(invoker_
                  ->invoke("f1", "ehr.read_appointment", {{"id", "L"}},
                           step_idempotency_key(run, "appointment"))
                  .ok());
  ASSERT_TRUE(e.start().ok());
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  EXPECT_EQ(attempt_list(t).front(), "appointment:lost");
  EXPECT_EQ(t.attempts[0].error_code, "lease_expired");
  EXPECT_EQ(t.attempts[1].step_id, "appointment");
  EXPECT_EQ(t.attempts[1].attempt, 2);
  EXPECT_EQ(e.stats().lease_takeovers, 1);
  auto calls = invoker_->calls_of("ehr.read_appointment");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].key, calls[1].key);
  EXPECT_NE(metrics_.render().find("wasl_workflow_lease_takeovers_total 1"), std::string::npos);
}

TEST_P(EngineTest, TwoEnginesShareTwoHundredRunsWithoutOverlapOrLoss) {
  deploy(kChain);
  invoker_->set_work_time(std::chrono::microseconds(300));
  storage::testing::StoreSettings settings;
  settings.pool_size = 8;
  auto second_store = db_->open(settings);
  ASSERT_TRUE(second_store.ok());
  auto options = fast_options();
  options.workers = 4;
  auto& a = engine(options);
  auto& b = engine(options, second_store->get());
  std::vector<std::string> runs;
  for (int i = 0; i < 200; ++i) {
    runs.push_back(start(i % 2 ? a : b, "chain", {{"appointment_id", "R" + std::to_string(i)}}));
  }
  ASSERT_TRUE(a.start().ok());
  ASSERT_TRUE(b.start().ok());
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::int64_t done = 0;
  while (std::chrono::steady_clock::now() < until) {
    done = *query("SELECT COUNT(*) FROM workflow_runs WHERE status = 'succeeded'")[0].get_int(0);
    if (done == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(done, 200);
  EXPECT_EQ(invoker_->overlaps(), 0);
  // Each step of each run succeeded once, was attempted once and called once.
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_steps WHERE status = 'succeeded'")[0].get_int(0),
            800);
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_steps")[0].get_int(0), 800);
  EXPECT_EQ(invoker_->calls().size(), 600u);  // three plugin steps; hub.set_status is in-hub
  std::set<std::string> keys;
  for (const auto& c : invoker_->calls()) keys.insert(c.key);
  EXPECT_EQ(keys.size(), 600u);
  EXPECT_GT(a.stats().steps_finished, 0);
  EXPECT_GT(b.stats().steps_finished, 0);
  EXPECT_EQ(*query("SELECT COUNT(*) FROM jobs")[0].get_int(0), 0);
  b.stop();
  (void)second_store;
}

std::string step_workflow(const std::string& name, const std::vector<std::string>& methods) {
  std::string text = "name: " + name + "\nversion: 1\ntrigger:\n  kind: api\nsteps:\n";
  for (std::size_t i = 0; i < methods.size(); ++i) {
    std::string id = "s" + std::to_string(i + 1);
    text += "  - id: " + id + "\n    call: " + methods[i] + "\n    with:\n";
    text +=
        methods[i] == "video.create_room" ? "      name: " + id + "\n" : "      id: " + id + "\n";
  }
  return text;
}

TEST_P(EngineTest, ChainedRunAdvancesEveryStepInOneLeaseWithOneCommitPerStep) {
  deploy(step_workflow("five", std::vector<std::string>(5, "ehr.read_patient")));
  auto measure = [&](bool chain) {
    auto& counted = counting_store();
    auto options = fast_options();
    options.workers = 1;
    options.chain_steps = chain;
    auto& e = engine(options, &counted);
    std::string run = start(e, "five");
    EXPECT_TRUE(e.start().ok());
    auto t = wait_status(e, run);
    EXPECT_EQ(t.status, "succeeded") << t.error;
    EXPECT_EQ(attempt_list(t),
              (std::vector<std::string>{"s1:succeeded", "s2:succeeded", "s3:succeeded",
                                        "s4:succeeded", "s5:succeeded"}));
    for (std::size_t i = 1; i < t.attempts.size(); ++i) {
      // Each attempt started once its predecessor's result was recorded.
      EXPECT_GE(t.attempts[i].started_at_ms, *t.attempts[i - 1].finished_at_ms);
    }
    e.stop();
    EXPECT_EQ(e.stats().chained_steps, chain ? 4 : 0);
    // The worker polled again after the run ended and found nothing: an idle
    // poll commits nothing.
    EXPECT_EQ(counted.all_commits(), counted.writing_commits());
    return counted.writing_commits();
  };
  // start_run, one claim, five finishes (the first four also start the next step).
  EXPECT_EQ(measure(true), 1 + 1 + 5);
  // start_run, then a claim and a finish per step.
  EXPECT_EQ(measure(false), 1 + 5 * 2);
  auto calls = invoker_->calls_of("ehr.read_patient");
  ASSERT_EQ(calls.size(), 10u);
  std::set<std::string> keys;
  for (const auto& c : calls) keys.insert(c.key);
  EXPECT_EQ(keys.size(), 10u);
  EXPECT_EQ(invoker_->overlaps(), 0);
  EXPECT_EQ(*query("SELECT COUNT(*) FROM jobs")[0].get_int(0), 0);
}

TEST_P(EngineTest, TakeoverInTheMiddleOfAChainRetriesOnlyTheStepInFlight) {
  deploy(step_workflow("midchain", {"ehr.read_patient", "ehr.read_appointment", "video.create_room",
                                    "ehr.read_patient"}));
  invoker_->stall("video.create_room");
  auto& dying = counting_store();
  auto first = fast_options();
  first.workers = 1;
  first.lease = std::chrono::milliseconds(600);
  auto& a = engine(first, &dying);
  std::string run = start(a, "midchain");
  ASSERT_TRUE(a.start().ok());
  ASSERT_TRUE(eventually([&] { return invoker_->calls_of("video.create_room").size() == 1; }));
  // s3's start was committed with s2's result, before the call.
  auto before = a.timeline(run);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(attempt_list(*before),
            (std::vector<std::string>{"s1:succeeded", "s2:succeeded", "s3:running"}));
  EXPECT_EQ(a.stats().chained_steps, 2);
  // The worker loses its database mid-call: it can renew nothing, record nothing.
  dying.cut();
  auto second = fast_options();
  second.workers = 1;
  auto& b = engine(second);
  ASSERT_TRUE(b.start().ok());
  auto t = wait_status(b, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  EXPECT_EQ(attempt_list(t), (std::vector<std::string>{"s1:succeeded", "s2:succeeded", "s3:lost",
                                                       "s3:succeeded", "s4:succeeded"}));
  EXPECT_EQ(t.attempts[2].error_code, "lease_expired");
  EXPECT_EQ(b.stats().lease_takeovers, 1);
  // Only the step in flight was called again, with the same key.
  auto rooms = invoker_->calls_of("video.create_room");
  ASSERT_EQ(rooms.size(), 2u);
  EXPECT_EQ(rooms[0].key, rooms[1].key);
  EXPECT_EQ(invoker_->calls_of("ehr.read_appointment").size(), 1u);
  EXPECT_EQ(invoker_->calls_of("ehr.read_patient").size(), 2u);  // s1 and s4
  invoker_->release_stalls();
  a.stop();
  auto after = b.timeline(run);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(attempt_list(*after), attempt_list(t));
}

// A worker that loses its database mid-call can renew nothing: once its lease
// lapses it stops waiting for the call instead of assuming the lease is still
// held (which it did until the step timeout, 10 s here).
TEST_P(EngineTest, AWorkerThatCannotRenewItsLeaseAbandonsItsCall) {
  deploy(step_workflow("lonely", {"video.create_room"}));
  invoker_->stall("video.create_room");
  auto& dying = counting_store();
  auto options = fast_options();
  options.workers = 1;
  options.lease = std::chrono::milliseconds(600);
  auto& a = engine(options, &dying);
  start(a, "lonely");
  ASSERT_TRUE(a.start().ok());
  ASSERT_TRUE(eventually([&] { return invoker_->calls_of("video.create_room").size() == 1; }));
  const auto cut_at = std::chrono::steady_clock::now();
  dying.cut();
  EXPECT_TRUE(
      eventually([&] { return a.stats().abandoned_calls == 1; }, std::chrono::milliseconds(3000)));
  EXPECT_LT(std::chrono::steady_clock::now() - cut_at, std::chrono::milliseconds(3000));
  invoker_->release_stalls();
  a.stop();
}

TEST_P(EngineTest, ClaimBatchExtendsTheLeaseOfJobsWaitingTheirTurn) {
  deploy(step_workflow("one", {"ehr.read_patient"}));
  // Four jobs per claim, 400 ms per call: the fourth waits a whole lease.
  invoker_->set_work_time(std::chrono::milliseconds(400));
  auto options = fast_options();
  options.workers = 1;
  options.claim_batch = 4;
  options.lease = std::chrono::milliseconds(1200);
  auto& a = engine(options);
  auto& b = engine(options);
  std::vector<std::string> runs;
  for (int i = 0; i < 12; ++i) runs.push_back(start(a, "one"));
  ASSERT_TRUE(a.start().ok());
  ASSERT_TRUE(b.start().ok());
  for (const auto& run : runs) {
    auto t = wait_status(a, run, {"succeeded", "failed", "cancelled"}, std::chrono::seconds(30));
    EXPECT_EQ(t.status, "succeeded") << t.error;
  }
  // No job was called by two workers: one call per run, none overlapping.
  auto calls = invoker_->calls_of("ehr.read_patient");
  EXPECT_EQ(calls.size(), 12u);
  std::set<std::string> keys;
  for (const auto& c : calls) keys.insert(c.key);
  EXPECT_EQ(keys.size(), 12u);
  EXPECT_EQ(invoker_->overlaps(), 0);
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_steps WHERE status = 'succeeded'")[0].get_int(0),
            12);
}

TEST_P(EngineTest, StopGivesBackClaimedJobsThatWereNotCalled) {
  deploy(step_workflow("one", {"ehr.read_patient"}));
  invoker_->stall("ehr.read_patient");
  auto options = fast_options();
  options.workers = 1;
  options.claim_batch = 3;
  auto& a = engine(options);
  std::vector<std::string> runs;
  for (int i = 0; i < 3; ++i) runs.push_back(start(a, "one"));
  ASSERT_TRUE(a.start().ok());
  ASSERT_TRUE(eventually([&] { return invoker_->calls_of("ehr.read_patient").size() == 1; }));
  a.stop();
  // The call in flight keeps its job leased; the two never called are due again.
  EXPECT_EQ(*query("SELECT COUNT(*) FROM jobs WHERE lease_owner IS NULL")[0].get_int(0), 2);
  EXPECT_EQ(*query("SELECT COUNT(*) FROM workflow_steps")[0].get_int(0), 1);
  auto& b = engine(options);
  ASSERT_TRUE(b.start().ok());
  int succeeded = 0;
  ASSERT_TRUE(eventually([&] {
    succeeded = static_cast<int>(
        *query("SELECT COUNT(*) FROM workflow_runs WHERE status = 'succeeded'")[0].get_int(0));
    return succeeded == 2;
  }));
  EXPECT_EQ(b.stats().lease_takeovers, 0);
  EXPECT_EQ(invoker_->calls_of("ehr.read_patient").size(), 3u);
}

TEST_P(EngineTest, DefinitionStoreVersionsOnlyChangedSources) {
  auto first = definitions_->deploy_source(kChain, "chain.yaml", "alice");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->version, 1);
  auto same = definitions_->deploy_source(kChain, "chain.yaml", "bob");
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->created);
  EXPECT_EQ(same->version, 1);
  std::string changed = std::string(kChain) + "# a comment changes the checksum\n";
  auto second = definitions_->deploy_source(changed, "chain.yaml", "bob");
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->created);
  EXPECT_EQ(second->version, 2);
  auto latest = definitions_->latest("chain", "");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->checksum, second->checksum);
  auto old = definitions_->get("chain", 1);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ((*old)->checksum, first->checksum);
  EXPECT_EQ(definitions_->get("chain", 3).error().code, ErrorCode::kNotFound);
  auto list = definitions_->list();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  EXPECT_EQ(definitions_->deploy_source("name: [", "bad.yaml", "x").error().code,
            ErrorCode::kInvalidArgument);
}

// A version deployed for one facility is that facility's alone: the others
// keep running the platform's, and cannot start it even by its number.
TEST_P(EngineTest, DefinitionStoreKeepsEachOwnersVersions) {
  ASSERT_TRUE(definitions_->deploy_source(kChain, "chain.yaml", "workflows_dir").ok());
  std::string changed = std::string(kChain) + "# facility f2's own\n";
  auto own = definitions_->deploy_source(changed, "chain.yaml", "apikey:k2", "f2");
  ASSERT_TRUE(own.ok()) << own.error().message;
  EXPECT_EQ(own->version, 2);
  EXPECT_EQ(own->facility_id, "f2");
  auto again = definitions_->deploy_source(changed, "chain.yaml", "apikey:k2", "f2");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);

  auto for_f1 = definitions_->latest("chain", "f1");
  ASSERT_TRUE(for_f1.ok());
  EXPECT_NE((*for_f1)->checksum, own->checksum);
  auto for_f2 = definitions_->latest("chain", "f2");
  ASSERT_TRUE(for_f2.ok());
  EXPECT_EQ((*for_f2)->checksum, own->checksum);
  auto listed = definitions_->list_for("f1");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().version, 1);
  EXPECT_EQ(listed->front().facility_id, "");
  listed = definitions_->list_for("f2");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().version, 2);

  Engine& e = engine();
  std::string run = start(e, "chain", {{"appointment_id", "a1"}});
  EXPECT_EQ(*query("SELECT workflow_version FROM workflow_runs WHERE id = $1", {run})[0].get_int(0),
            1);
  StartRunRequest pinned;
  pinned.workflow = "chain";
  pinned.version = 2;
  pinned.facility_id = "f1";
  EXPECT_EQ(e.start_run(pinned).error().code, ErrorCode::kNotFound);
}

// A step output that holds PHI (a patient read from the EHR) is stored with
// its "workflow.step_output" audit event or not at all: while the audit
// cannot be written, the result is rolled back and the step is attempted
// again after its lease; no output is stored and the run does not move on.
TEST_P(EngineTest, PhiStepOutputsCommitWithTheirAuditEvent) {
  deploy(step_workflow("phi", {"ehr.read_patient", "video.create_room"}));
  audit::AuditWriter audit(GetParam(), std::string(32, 'a'));
  auto options = fast_options();
  options.workers = 1;
  options.lease = std::chrono::milliseconds(300);
  engines_.push_back(std::make_unique<Engine>(*store_, *definitions_, invoker_, actions_, metrics_,
                                              options, nullptr, &audit));
  Engine& e = *engines_.back();
  std::string run = start(e, "phi");
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, true).ok());
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually([&] { return invoker_->calls_of("ehr.read_patient").size() >= 2; }))
      << "the first read's result was stored without its audit event";
  EXPECT_EQ(query("SELECT id FROM workflow_steps WHERE run_id = $1 AND status = 'succeeded'", {run})
                .size(),
            0u);
  EXPECT_TRUE(invoker_->calls_of("video.create_room").empty());
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, false).ok());

  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  auto stored = query(
      "SELECT id FROM workflow_steps WHERE run_id = $1 AND step_id = 's1' AND "
      "status = 'succeeded'",
      {run});
  ASSERT_EQ(stored.size(), 1u);
  // One event, for the PHI output only (the room's output holds none).
  auto events = query(
      "SELECT entity_type, entity_id, facility_id, actor, detail FROM "
      "audit_events WHERE action = 'workflow.step_output'");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].get_text(0).value_or(""), "workflow_step");
  EXPECT_EQ(events[0].get_text(1).value_or(""), stored[0].get_text(0).value_or("?"));
  EXPECT_EQ(events[0].get_text(2).value_or(""), "f1");
  EXPECT_EQ(events[0].get_text(3).value_or(""), "system");
  json detail = json::parse(events[0].get_text(4).value_or("{}"));
  EXPECT_EQ(detail["run_id"], run);
  EXPECT_EQ(detail["call"], "ehr.read_patient");
}

INSTANTIATE_TEST_SUITE_P(Stores, EngineTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
