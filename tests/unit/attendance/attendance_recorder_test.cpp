// AttendanceRecorder and AttendanceStore on both backends: the providers'
// joins, leaves and room ends as the webhook dispatcher hands them over,
// late, repeated and out of order, give each participant the same merged
// periods; the patient's first join reaches a waiting run as
// patient.arrival; attendee-seconds are counted once, after the commit, by
// the task runner; hub.attendance answers what ehr.create_encounter takes;
// another facility's room is left alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hub/attendance/attendance_action.hpp"
#include "hub/records/inbox_store.hpp"
#include "tests/unit/attendance/attendance_fixture.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::attendance::testing {
namespace {

using domain::ParticipantRole;
using nlohmann::json;
using storage::Params;

class AttendanceRecorderTest : public AttendanceFixture {
 protected:
  void SetUp() override {
    AttendanceFixture::SetUp();
    if (HasFatalFailure()) return;
    add_consultation("f1", "c1", "RM1");
    add_participant("f1", "c1", "p-patient", ParticipantRole::kPatient, "att-patient");
    add_participant("f1", "c1", "p-doctor", ParticipantRole::kDoctor, "att-doctor");
    add_participant("f1", "c1", "p-nurse", ParticipantRole::kNurse, "att-nurse", "Practitioner/77");
    add_participant("f1", "c1", "p-interp", ParticipantRole::kInterpreter, "att-interp");
  }

  const ParticipantAttendance* find(const ConsultationAttendance& a, const std::string& provider) {
    for (const auto& p : a.participants) {
      if (p.provider_participant_id == provider) return &p;
    }
    return nullptr;
  }

  using Periods = std::vector<Period>;
};

TEST_P(AttendanceRecorderTest, ADropAndRejoinGivesTwoPeriodsAndTheirSeconds) {
  EXPECT_TRUE(join("att-doctor", 500, "d-j1"));
  EXPECT_TRUE(join("att-patient", 1000, "p-j1"));
  EXPECT_TRUE(leave("att-patient", 61000, "p-l1"));  // dropped
  EXPECT_TRUE(join("att-patient", 121000, "p-j2"));  // back
  EXPECT_TRUE(leave("att-patient", 181500, "p-l2"));
  EXPECT_TRUE(leave("att-doctor", 200000, "d-l1"));
  ConsultationAttendance a = attendance("f1", "c1");
  ASSERT_EQ(a.participants.size(), 2u);
  // Ordered by first join.
  EXPECT_EQ(a.participants[0].participant_id, "p-doctor");
  EXPECT_EQ(a.participants[0].role, "clinician");
  EXPECT_EQ(a.participants[0].practitioner_id, "3");  // the consultation's, for its doctor
  EXPECT_EQ(a.participants[0].periods, (Periods{{500, 200000}}));
  EXPECT_EQ(a.participants[0].seconds, 199);
  EXPECT_EQ(a.participants[1].participant_id, "p-patient");
  EXPECT_EQ(a.participants[1].role, "patient");
  EXPECT_EQ(a.participants[1].periods, (Periods{{1000, 61000}, {121000, 181500}}));
  EXPECT_EQ(a.participants[1].seconds, 120);
  EXPECT_TRUE(a.patient_joined);
  EXPECT_TRUE(a.clinician_joined);
  EXPECT_EQ(a.attendee_seconds, 319);
  EXPECT_EQ(count("SELECT COUNT(*) FROM attendance_events WHERE facility_id = 'f1'"), 6);
}

TEST_P(AttendanceRecorderTest, RepeatedEventsAreStoredOnceAndNeverDoubleAPeriod) {
  EXPECT_TRUE(join("att-patient", 1000, "p-j1"));
  EXPECT_TRUE(join("att-patient", 1000, "p-j1"));  // the same delivery again: taken, not stored
  EXPECT_TRUE(leave("att-patient", 61000, "p-l1"));
  EXPECT_TRUE(leave("att-patient", 61000, "p-l1"));
  // The provider reported the same connection twice under new ids.
  EXPECT_TRUE(join("att-patient", 1000, "p-j1-again"));
  EXPECT_TRUE(join("att-patient", 30000, "p-j1-late-copy"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM attendance_events"), 4);
  ConsultationAttendance a = attendance("f1", "c1");
  ASSERT_EQ(a.participants.size(), 1u);
  EXPECT_EQ(a.participants[0].periods, (Periods{{1000, 61000}}));
  EXPECT_EQ(a.participants[0].seconds, 60);
}

TEST_P(AttendanceRecorderTest, EventsInAnyOrderGiveTheSamePeriods) {
  struct Mark {
    bool join;
    std::int64_t at;
    std::string key;
  };
  std::vector<Mark> marks = {
      {true, 1000, "j1"}, {false, 61000, "l1"}, {true, 121000, "j2"}, {false, 181500, "l2"}};
  // Every order the four can arrive in, each into a consultation of its own.
  std::sort(marks.begin(), marks.end(), [](const Mark& a, const Mark& b) { return a.key < b.key; });
  int n = 0;
  do {
    const std::string c = "c-order-" + std::to_string(n);
    const std::string room = "RM-order-" + std::to_string(n);
    add_consultation("f1", c, room);
    add_participant("f1", c, c + "-patient", ParticipantRole::kPatient, c + "-att");
    for (const Mark& m : marks) {
      if (m.join) {
        EXPECT_TRUE(join(c + "-att", m.at, c + m.key, "f1", room));
      } else {
        EXPECT_TRUE(leave(c + "-att", m.at, c + m.key, "f1", room));
      }
    }
    ConsultationAttendance a = attendance("f1", c);
    ASSERT_EQ(a.participants.size(), 1u) << c;
    EXPECT_EQ(a.participants[0].periods, (Periods{{1000, 61000}, {121000, 181500}})) << c;
    EXPECT_EQ(a.attendee_seconds, 120) << c;
    ++n;
  } while (std::next_permutation(marks.begin(), marks.end(),
                                 [](const Mark& a, const Mark& b) { return a.key < b.key; }));
  EXPECT_EQ(n, 24);
}

TEST_P(AttendanceRecorderTest, ALeaveArrivingBeforeItsJoinClosesThePeriodOnceTheJoinComes) {
  EXPECT_TRUE(leave("att-patient", 61000, "p-l1"));
  ConsultationAttendance before = attendance("f1", "c1");
  ASSERT_EQ(before.participants.size(), 1u);
  EXPECT_TRUE(before.participants[0].periods.empty());
  EXPECT_FALSE(before.patient_joined);
  EXPECT_TRUE(join("att-patient", 1000, "p-j1"));
  ConsultationAttendance after = attendance("f1", "c1");
  ASSERT_EQ(after.participants.size(), 1u);
  EXPECT_EQ(after.participants[0].periods, (Periods{{1000, 61000}}));
  EXPECT_TRUE(after.patient_joined);
}

TEST_P(AttendanceRecorderTest, TheRoomsEndClosesOpenPeriodsEvenWhenItArrivesFirst) {
  EXPECT_TRUE(room_end(300000, "end"));  // early: before anyone's join
  EXPECT_TRUE(join("att-doctor", 500, "d-j1"));
  EXPECT_TRUE(join("att-patient", 1000, "p-j1"));
  EXPECT_TRUE(leave("att-patient", 61000, "p-l1"));
  EXPECT_TRUE(join("att-patient", 121000, "p-j2"));  // never left
  EXPECT_TRUE(join("att-interp", 400000, "i-j1"));   // after the end: no period
  ConsultationAttendance a = attendance("f1", "c1");
  EXPECT_EQ(a.room_ended_at_ms, 300000);
  EXPECT_EQ(find(a, "att-doctor")->periods, (Periods{{500, 300000}}));
  EXPECT_EQ(find(a, "att-patient")->periods, (Periods{{1000, 61000}, {121000, 300000}}));
  EXPECT_TRUE(find(a, "att-interp")->periods.empty());
  EXPECT_EQ(a.attendee_seconds, 299 + 60 + 179);
  // A second room end from the provider later changes nothing: the first
  // stands.
  EXPECT_TRUE(room_end(350000, "end-again"));
  EXPECT_EQ(attendance("f1", "c1").attendee_seconds, 299 + 60 + 179);
}

// The session reconciler's end (or the empty-room task's) says when the hub
// found the room gone; the provider's, when it arrives, says when the room
// ended, and closes the periods instead, earlier or later.
TEST_P(AttendanceRecorderTest, TheProvidersEndWinsOverOneTheHubObserved) {
  EXPECT_TRUE(join("att-doctor", 500, "d-j1"));
  EXPECT_TRUE(observed_end(20000, std::string(kReconciledEndKeyPrefix) + "room.ended:RM1"));
  EXPECT_TRUE(join("att-patient", 30000, "p-j1"));  // a late event, stamped after it
  ConsultationAttendance observed = attendance("f1", "c1");
  EXPECT_EQ(observed.room_ended_at_ms, 20000);
  EXPECT_EQ(find(observed, "att-doctor")->periods, (Periods{{500, 20000}}));
  EXPECT_TRUE(find(observed, "att-patient")->periods.empty());
  EXPECT_TRUE(observed_end(25000, std::string(kEmptyRoomEndKeyPrefix) + "c1"));
  EXPECT_EQ(listed_room_ends("c1"), std::vector<std::int64_t>{20000});  // the first observed

  EXPECT_TRUE(room_end(120000, "end"));
  ConsultationAttendance reported = attendance("f1", "c1");
  EXPECT_EQ(reported.room_ended_at_ms, 120000);
  EXPECT_EQ(find(reported, "att-doctor")->periods, (Periods{{500, 120000}}));
  EXPECT_EQ(find(reported, "att-patient")->periods, (Periods{{30000, 120000}}));
  EXPECT_EQ(reported.attendee_seconds, 119 + 90);
  // The timeline lists the provider's end alone.
  EXPECT_EQ(listed_room_ends("c1"), std::vector<std::int64_t>{120000});
}

TEST_P(AttendanceRecorderTest, TheConsultationsEndClosesOpenPeriodsWhenNoRoomEndArrived) {
  EXPECT_TRUE(join("att-patient", 1000, "p-j1"));
  EXPECT_EQ(attendance("f1", "c1").participants[0].periods, (Periods{{1000, 0}}));
  exec("UPDATE consultations SET ended_at = 91000 WHERE id = 'c1'");
  ConsultationAttendance a = attendance("f1", "c1");
  EXPECT_EQ(a.participants[0].periods, (Periods{{1000, 91000}}));
  EXPECT_EQ(a.attendee_seconds, 90);
}

TEST_P(AttendanceRecorderTest, UnknownParticipantsAreGuestsAndUnknownRoomsAreLeftAlone) {
  EXPECT_TRUE(join("someone-else", 1000, "x-j1"));
  EXPECT_TRUE(leave("someone-else", 11000, "x-l1"));
  ConsultationAttendance a = attendance("f1", "c1");
  ASSERT_EQ(a.participants.size(), 1u);
  EXPECT_EQ(a.participants[0].participant_id, "");
  EXPECT_EQ(a.participants[0].provider_participant_id, "someone-else");
  EXPECT_EQ(a.participants[0].role, "guest");
  EXPECT_EQ(a.participants[0].periods, (Periods{{1000, 11000}}));
  EXPECT_FALSE(a.patient_joined);
  EXPECT_FALSE(a.clinician_joined);

  // A room no consultation of the facility holds: not taken, nothing stored.
  EXPECT_FALSE(join("att-patient", 1000, "u-j1", "f1", "RM-unknown"));
  // Another event type, or one with no room or participant: not taken.
  EXPECT_FALSE(*react(event("f1", "recording.completed", "RM1", "", 1000, "r1")));
  EXPECT_FALSE(*react(event("f1", "participant.connected", "", "att-patient", 1000, "e1")));
  EXPECT_FALSE(*react(event("f1", "participant.connected", "RM1", "", 1000, "e2")));
  EXPECT_EQ(count("SELECT COUNT(*) FROM attendance_events"), 2);
}

TEST_P(AttendanceRecorderTest, AnotherFacilitysRoomIsInvisible) {
  add_consultation("f2", "c2", "RM2");
  add_participant("f2", "c2", "q-patient", ParticipantRole::kPatient, "att-q");
  // f1's delivery of an event in f2's room: nothing.
  EXPECT_FALSE(join("att-q", 1000, "q-j1", "f1", "RM2"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM attendance_events"), 0);
  EXPECT_TRUE(join("att-q", 1000, "q-j1", "f2", "RM2"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM attendance_events WHERE facility_id = 'f2'"), 1);
  // Read as f1, f2's consultation has no attendance; its events stay out of
  // f1's timeline.
  EXPECT_TRUE(attendance("f1", "c2").participants.empty());
  auto tx = store_->begin(storage::TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto events = AttendanceStore(*cipher_).events_of(**tx, "f1", "c2");
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
  EXPECT_EQ(attendance("f2", "c2").participants.size(), 1u);
}

TEST_P(AttendanceRecorderTest, TheStoreRefusesAnotherFacilitysConsultationAndAKeylessEvent) {
  add_consultation("f2", "c2", "RM2");
  AttendanceEvent e;
  e.facility_id = "f1";
  e.consultation_id = "c2";
  e.video_instance = kInstance;
  e.room_id = "RM2";
  e.provider_participant_id = "x";
  e.role = "guest";
  e.occurred_at_ms = 1000;
  e.dedupe_key = "k";
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  AttendanceStore store(*cipher_);
  EXPECT_EQ(store.record(**tx, e, 5).error().code, sdk::ErrorCode::kNotFound);
  e.consultation_id = "c1";
  e.dedupe_key.clear();
  EXPECT_EQ(store.record(**tx, e, 5).error().code, sdk::ErrorCode::kInvalidArgument);
  // An event with no time of its own takes the time it was recorded.
  e.dedupe_key = "k";
  e.occurred_at_ms = 0;
  EXPECT_TRUE(*store.record(**tx, e, 4242));
  auto events = store.events_of(**tx, "f1", "c1");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].occurred_at_ms, 4242);
}

// "arrival": waits for the patient's arrival at its consultation, then
// writes what the event said into its timeline.
constexpr const char* kArrivalWorkflow = R"(name: arrival
version: 1
trigger:
  kind: api
steps:
  - id: arrived
    wait_for: patient.arrival
    correlation: ${trigger.consultation}
    timeout: 1h
  - id: note
    call: hub.record_event
    with:
      type: arrival
      detail:
        outcome: ${steps.arrived.output.payload.outcome}
        participant_id: ${steps.arrived.output.payload.participant_id}
        at: ${steps.arrived.output.occurred_at_ms}
)";

TEST_P(AttendanceRecorderTest, ThePatientsFirstJoinReachesTheWaitingRunOnce) {
  deploy(kArrivalWorkflow);
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  AttendanceRecorder recorder(*cipher_, &e, &metrics_);
  const std::string run = start(e, "arrival", {{"consultation", "c1"}}, "c1");
  EXPECT_EQ(wait_status(e, run, {"waiting"}).current_step, "arrived");

  // The doctor's join is no arrival.
  ASSERT_TRUE(
      *react(event("f1", "participant.connected", "RM1", "att-doctor", 500, "d-j1"), &recorder));
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_events WHERE type = 'patient.arrival'"), 0);
  ASSERT_TRUE(
      *react(event("f1", "participant.connected", "RM1", "att-patient", 1000, "p-j1"), &recorder));
  e.work_available();
  EXPECT_EQ(wait_status(e, run).status, "succeeded");
  auto notes = query("SELECT detail FROM workflow_notes WHERE run_id = $1", Params{run});
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(json::parse(*notes[0].get_text(0)),
            (json{{"outcome", "joined"}, {"participant_id", "p-patient"}, {"at", 1000}}));
  // The drop and the rejoin deliver nothing more.
  ASSERT_TRUE(*react(event("f1", "participant.disconnected", "RM1", "att-patient", 2000, "p-l1"),
                     &recorder));
  ASSERT_TRUE(
      *react(event("f1", "participant.connected", "RM1", "att-patient", 3000, "p-j2"), &recorder));
  auto arrivals = query(
      "SELECT correlation, dedupe_key, run_id FROM workflow_events WHERE type = 'patient.arrival'");
  ASSERT_EQ(arrivals.size(), 1u);
  EXPECT_EQ(*arrivals[0].get_text(0), "c1");
  EXPECT_EQ(*arrivals[0].get_text(1), "patient.arrival/f1/c1");
  EXPECT_EQ(*arrivals[0].get_text(2), run);
}

TEST_P(AttendanceRecorderTest, AJoinBeforeTheRunWaitsIsKeptForTheWait) {
  deploy(kArrivalWorkflow);
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  AttendanceRecorder recorder(*cipher_, &e, &metrics_);
  ASSERT_TRUE(
      *react(event("f1", "participant.connected", "RM1", "att-patient", 1000, "p-j1"), &recorder));
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_events WHERE type = 'patient.arrival' AND "
                  "run_id IS NULL"),
            1);
  const std::string run = start(e, "arrival", {{"consultation", "c1"}}, "c1");
  EXPECT_EQ(wait_status(e, run).status, "succeeded");
}

TEST_P(AttendanceRecorderTest, AVerdictStoredFirstWinsOverALaterJoin) {
  // The no-show verdict took the key: the join is recorded, its arrival is a
  // duplicate and changes nothing.
  workflow::IncomingEvent absent{"f1",
                                 "patient.arrival",
                                 "c1",
                                 json{{"type", "patient.arrival"},
                                      {"resource_id", "c1"},
                                      {"occurred_at_ms", 900},
                                      {"payload", {{"outcome", "absent"}}}},
                                 patient_arrival_key("f1", "c1"),
                                 ""};
  deploy(kArrivalWorkflow);
  auto& e = engine();
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto delivered = e.deliver_events(**tx, {absent});
    ASSERT_TRUE(delivered.ok());
    ASSERT_TRUE((*delivered)[0].ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  AttendanceRecorder recorder(*cipher_, &e, &metrics_);
  ASSERT_TRUE(
      *react(event("f1", "participant.connected", "RM1", "att-patient", 1000, "p-j1"), &recorder));
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_events WHERE type = 'patient.arrival'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM attendance_events"), 1);
  EXPECT_TRUE(attendance("f1", "c1").patient_joined);
}

TEST_P(AttendanceRecorderTest, AttendeeSecondsAreCountedOnceAfterTheCommit) {
  jobs::TaskRunnerOptions options;
  options.max_attempts = 2;
  jobs::TaskRunner tasks(*store_, options);
  ASSERT_TRUE(tasks.handle(kCountTask, recorder_).ok());
  auto drain = [&tasks] {
    int ran = 0;
    while (true) {
      auto once = tasks.run_once();
      EXPECT_TRUE(once.ok());
      if (!once.ok() || !*once) return ran;
      ++ran;
    }
  };
  const std::string series =
      R"(wasl_attendance_seconds_total{facility="f1",instance="video.main"})";
  auto counted = [this, &series]() -> std::string {
    const std::string text = metrics_.render();
    auto at = text.find(series + " ");
    if (at == std::string::npos) return "";
    auto end = text.find('\n', at);
    return text.substr(at + series.size() + 1, end - at - series.size() - 1);
  };

  EXPECT_TRUE(join("att-patient", 1000, "p-j1"));
  EXPECT_EQ(drain(), 0);  // an open period counts nothing yet
  EXPECT_TRUE(leave("att-patient", 61000, "p-l1"));
  EXPECT_EQ(drain(), 1);
  EXPECT_EQ(counted(), "60");
  // The same leave again, and a copy of it under another key: nothing more.
  EXPECT_TRUE(leave("att-patient", 61000, "p-l1"));
  EXPECT_TRUE(leave("att-patient", 61000, "p-l1-copy"));
  EXPECT_EQ(drain(), 0);
  EXPECT_EQ(counted(), "60");
  // A rolled-back dispatch counts nothing.
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(*recorder_->react(
        **tx, kInstance, event("f1", "participant.connected", "RM1", "att-doctor", 500, "d-j1")));
    ASSERT_TRUE(*recorder_->react(
        **tx, kInstance,
        event("f1", "participant.disconnected", "RM1", "att-doctor", 100500, "d-l1")));
    (*tx)->rollback();
  }
  EXPECT_EQ(drain(), 0);
  EXPECT_EQ(counted(), "60");
  // The room's end closes the doctor's period, delivered after all.
  EXPECT_TRUE(join("att-doctor", 500, "d-j1"));
  EXPECT_TRUE(room_end(90500, "end"));
  EXPECT_EQ(drain(), 1);
  EXPECT_EQ(counted(), "150");
  EXPECT_EQ(attendance("f1", "c1").attendee_seconds, 150);
}

TEST_P(AttendanceRecorderTest, HubAttendanceAnswersWhatCreateEncounterTakes) {
  EXPECT_TRUE(join("att-doctor", 500, "d-j1"));
  EXPECT_TRUE(join("att-nurse", 700, "n-j1"));
  EXPECT_TRUE(leave("att-nurse", 10700, "n-l1"));
  EXPECT_TRUE(join("att-patient", 1000, "p-j1"));
  EXPECT_TRUE(leave("att-patient", 61000, "p-l1"));
  EXPECT_TRUE(join("att-patient", 121000, "p-j2"));  // still in the room
  EXPECT_TRUE(join("att-interp", 2000, "i-j1"));
  EXPECT_TRUE(leave("att-interp", 3000, "i-l1"));

  workflow::HubActions actions;
  jobs::TaskRunner tasks(*store_, jobs::TaskRunnerOptions{});
  ASSERT_TRUE(add_attendance(actions, tasks, {cipher_.get(), nullptr, nullptr}).ok());
  const auto* entry = actions.find("hub.attendance");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->mode, workflow::HubActionMode::kInTransaction);
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  workflow::HubActionContext ctx;
  ctx.facility_id = "f1";
  ctx.consultation_id = "c1";
  ctx.now_ms = 181000;
  ctx.tx = tx->get();
  ctx.store = store_.get();
  auto out = entry->action(ctx, json::object());
  ASSERT_TRUE(out.ok()) << out.error().message;
  // The room has not ended: the open periods end now.
  EXPECT_EQ(*out, (json{{"participants",
                         {{{"role", "clinician"},
                           {"practitioner_id", "3"},
                           {"periods", {{{"start_ms", 500}, {"end_ms", 181000}}}}},
                          {{"role", "clinician"},
                           {"practitioner_id", "77"},
                           {"periods", {{{"start_ms", 700}, {"end_ms", 10700}}}}},
                          {{"role", "patient"},
                           {"practitioner_id", ""},
                           {"periods",
                            {{{"start_ms", 1000}, {"end_ms", 61000}},
                             {{"start_ms", 121000}, {"end_ms", 181000}}}}},
                          {{"role", "interpreter"},
                           {"practitioner_id", ""},
                           {"periods", {{{"start_ms", 2000}, {"end_ms", 3000}}}}}}},
                        {"attendee_seconds", 180 + 10 + 60 + 60 + 1},
                        {"patient_joined", true},
                        {"clinician_joined", true}}));
  // The answer parses as ehr.create_encounter's participants.
  auto participants = (*out)["participants"].get<std::vector<sdk::EncounterParticipant>>();
  EXPECT_EQ(participants.size(), 4u);

  // A run without a consultation: nobody.
  ctx.consultation_id.clear();
  EXPECT_EQ((*entry->action(ctx, json::object()))["participants"], json::array());
}

TEST_P(AttendanceRecorderTest, HubAttendanceWaitsForTheRoomsEventsTheHubHasNotDispatchedYet) {
  // The patient's drop reached the hub before the room's end, but its
  // dispatch failed once and waits for a retry: the room's end is recorded,
  // the quiet period passes, and the answer still waits for the drop.
  EXPECT_TRUE(join("att-doctor", 500, "d-j1"));
  EXPECT_TRUE(join("att-patient", 1000, "p-j1"));
  EXPECT_TRUE(room_end(300000, "end"));
  records::InboxStore inbox(*cipher_);
  auto received = [&](const std::string& id, const std::string& facility,
                      const std::string& correlation) {
    records::InboxEntry e;
    e.id = id;
    e.instance = std::string(kInstance);
    e.dedupe_key = id;
    if (!facility.empty()) e.facility_id = facility;
    e.received_at = 1;
    e.body = "{}";
    e.event_type = "participant.disconnected";
    e.correlation = correlation;
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(inbox.insert(**tx, e).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  };
  // Another facility's row about a room of the same id, and a row about
  // another room: neither holds the answer.
  received("in-other-facility", "f2", "RM1");
  received("in-other-room", "f1", "RM2");

  workflow::HubActions actions;
  jobs::TaskRunner tasks(*store_, jobs::TaskRunnerOptions{});
  AttendanceServices services{cipher_.get(), nullptr, nullptr};
  services.settle = std::chrono::seconds(10);
  ASSERT_TRUE(add_attendance(actions, tasks, services).ok());
  const auto* entry = actions.find("hub.attendance");
  ASSERT_NE(entry, nullptr);
  auto ask = [&](std::int64_t now_ms) {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    workflow::HubActionContext ctx;
    ctx.facility_id = "f1";
    ctx.consultation_id = "c1";
    ctx.now_ms = now_ms;
    ctx.tx = tx->get();
    ctx.store = store_.get();
    auto out = entry->action(ctx, json::object());
    (*tx)->rollback();
    return out;
  };
  const std::int64_t quiet_over = attendance("f1", "c1").last_recorded_at_ms + 10000;
  ASSERT_TRUE(ask(quiet_over).ok());

  // The drop, stored without a facility (an instance several facilities
  // share) and not dispatched: deferred, a second at a time.
  received("in-drop", "", "RM1");
  auto waiting = ask(quiet_over);
  ASSERT_FALSE(waiting.ok());
  EXPECT_TRUE(waiting.error().deferred);
  ASSERT_TRUE(waiting.error().retry_after.has_value());
  EXPECT_EQ(waiting.error().retry_after->count(), 1000);
  EXPECT_NE(waiting.error().message.find("not yet dispatched"), std::string::npos)
      << waiting.error().message;

  // Dispatched (the drop recorded): the quiet period starts again from it,
  // and the answer then has the patient's period closed at the drop.
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(inbox.set_dispatch_state(**tx, "in-drop", records::InboxState::kDispatched).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  EXPECT_TRUE(leave("att-patient", 61000, "p-l1"));
  const std::int64_t restarted = attendance("f1", "c1").last_recorded_at_ms;
  EXPECT_FALSE(ask(restarted + 9999).ok());
  auto settled = ask(restarted + 10000);
  ASSERT_TRUE(settled.ok()) << settled.error().message;
  EXPECT_EQ((*settled)["attendee_seconds"], 299 + 60);
}

TEST_P(AttendanceRecorderTest, HubAttendanceWaitsForTheProvidersLastEventsAfterTheEnd) {
  // The room ends before the doctor's join is delivered (a provider that
  // holds or reorders its callbacks).
  EXPECT_TRUE(join("att-patient", 1000, "p-j1"));
  EXPECT_TRUE(room_end(300000, "end"));

  workflow::HubActions actions;
  jobs::TaskRunner tasks(*store_, jobs::TaskRunnerOptions{});
  AttendanceServices services{cipher_.get(), nullptr, nullptr};
  services.settle = std::chrono::seconds(10);
  ASSERT_TRUE(add_attendance(actions, tasks, services).ok());
  const auto* entry = actions.find("hub.attendance");
  ASSERT_NE(entry, nullptr);
  auto ask = [&](std::int64_t now_ms) {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    workflow::HubActionContext ctx;
    ctx.facility_id = "f1";
    ctx.consultation_id = "c1";
    ctx.now_ms = now_ms;
    ctx.tx = tx->get();
    ctx.store = store_.get();
    auto out = entry->action(ctx, json::object());
    (*tx)->rollback();
    return out;
  };

  const std::int64_t quiet_from = attendance("f1", "c1").last_recorded_at_ms;
  ASSERT_GT(quiet_from, 0);
  // Within the quiet period: deferred until its end, not answered.
  auto early = ask(quiet_from + 9000);
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(early.error().deferred);
  ASSERT_TRUE(early.error().retry_after.has_value());
  EXPECT_EQ(early.error().retry_after->count(), 1000);

  // The doctor's join arrives late: the quiet period starts again, and the
  // answer, once given, has the doctor.
  EXPECT_TRUE(join("att-doctor", 500, "d-j1"));
  const std::int64_t restarted = attendance("f1", "c1").last_recorded_at_ms;
  ASSERT_GE(restarted, quiet_from);
  EXPECT_FALSE(ask(restarted + 9999).ok());
  auto settled = ask(restarted + 10000);
  ASSERT_TRUE(settled.ok()) << settled.error().message;
  EXPECT_EQ((*settled)["clinician_joined"], true);
  EXPECT_EQ((*settled)["patient_joined"], true);
  EXPECT_EQ((*settled)["attendee_seconds"], 299 + 299);

  // Before the room ends nothing waits (the answer is "so far").
  add_consultation("f1", "c2", "RM3");
  add_participant("f1", "c2", "p2-patient", ParticipantRole::kPatient, "att-p2");
  EXPECT_TRUE(join("att-p2", 1000, "p2-j1", "f1", "RM3"));
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  workflow::HubActionContext ctx;
  ctx.facility_id = "f1";
  ctx.consultation_id = "c2";
  ctx.now_ms = 61000;
  ctx.tx = tx->get();
  ctx.store = store_.get();
  auto open = entry->action(ctx, json::object());
  ASSERT_TRUE(open.ok()) << open.error().message;
  EXPECT_EQ((*open)["attendee_seconds"], 60);
}

INSTANTIATE_TEST_SUITE_P(Backends, AttendanceRecorderTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return std::string(storage::to_string(info.param));
                         });

}  // namespace
}  // namespace wasl::attendance::testing
