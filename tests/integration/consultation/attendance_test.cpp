// Who came, end to end on Chime: the real `wasl serve` running
// workflows/consultation.yaml with the Chime plugin against the Chime peer,
// the FHIR peer as the EHR, the NPHIES peer and the MOH peer (see
// chime_consultation_test.cpp for the harness):
//   - ThePatientJoinsLateDropsAndRejoins: the doctor is in the meeting from
//     the start; the patient joins 90.5 s late, drops, rejoins, and the
//     meeting ends. The periods the hub answers (GET
//     /v1/consultations/{id}/attendance) are those computed here from the
//     peer's own events, their whole seconds and attendee-minutes too, and
//     GET /v1/usage sums to the same seconds; the consultation completes,
//     and the Encounter on the FHIR server carries the doctor's period as
//     its practitioner participant and the patient's two as the subject's
//     period extensions.
//   - TheClinicianNeverJoins: the patient waits ten minutes alone and the
//     meeting ends: clinician_no_show, the alert consultation.
//     clinician_no_show in GET /v1/alerts, the EHR appointment noshow, no
//     Encounter and no claim.
//   - ThePatientNeverJoins: no_show_after is 8 s; the doctor waits in the
//     meeting, the patient never joins: the consultation becomes no_show,
//     the meeting is ended, the EHR appointment is noshow, no Encounter is
//     written and NPHIES receives no claim (the eligibility check before the
//     session stays the only message); the ministry's consultation report
//     says no-show, and the day's aggregate report, run now, counts it as a
//     no-show and not as completed.
//   - AnEmergencyWritesWhoAttended: workflows/emergency.yaml opens its room
//     at once and waits for nobody; the doctor and the patient join and the
//     meeting ends: the emergency completes, its Encounter carries their
//     periods and one claim is sent. (Its room that nobody joins: see
//     twilio_attendance_test.cpp; a Chime meeting nobody joined is not the
//     room's end.)
// Both on SQLite, and on PostgreSQL in the binary built with
// WASL_CONSULTATION_POSTGRES.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "tests/integration/consultation/attendance_expectation.hpp"
#include "tests/integration/consultation/chime_side.hpp"
#include "tests/integration/consultation/consultation_hub.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::int64_t epoch_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The peer's attendance events of `meeting`, as marks.
std::vector<AttendanceMark> marks_of(const PeerProcess& peer, const std::string& meeting) {
  std::vector<AttendanceMark> marks;
  auto events = peer.get("/_peer/events");
  EXPECT_TRUE(events.ok()) << events.error().message;
  if (!events.ok()) return marks;
  for (const auto& e : (*events)["events"]) {
    const json& detail = e["detail"];
    if (detail.value("meetingId", std::string()) != meeting) continue;
    const std::string type = e.value("eventType", std::string());
    AttendanceMark m;
    m.who = detail.value("attendeeId", std::string());
    m.at_ms = detail.value("timestamp", std::int64_t{0});
    if (type == "chime:AttendeeJoined") {
      m.kind = AttendanceMark::kJoin;
    } else if (type == "chime:AttendeeLeft" || type == "chime:AttendeeDropped") {
      m.kind = AttendanceMark::kLeave;
    } else if (type == "chime:MeetingEnded") {
      m.kind = AttendanceMark::kRoomEnd;
    } else {
      continue;
    }
    marks.push_back(m);
  }
  return marks;
}

// Polls GET /v1/consultations/{id}/attendance until `done` holds; the last answer.
json attendance_when(const HubApiClient& api, const std::string& id,
                     const std::function<bool(const json&)>& done,
                     std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  json last;
  while (std::chrono::steady_clock::now() < until) {
    ApiAnswer read = api.get("/v1/consultations/" + id + "/attendance");
    if (read.status == 200 && read.json.is_object()) {
      last = read.json;
      if (done(last)) return last;
    }
    std::this_thread::sleep_for(100ms);
  }
  return last;
}

std::int64_t fhir_ms(const json& instant) {
  auto ms = sdk::parse_iso8601(instant.is_string() ? instant.get<std::string>() : std::string());
  return ms ? *ms : -1;
}

class AttendanceTest : public ::testing::TestWithParam<bool /*postgres*/> {
 protected:
  ConsultationHubOptions options() {
    ConsultationHubOptions o;
    if (GetParam()) o.postgres_url = postgres_test_url();
    return o;
  }
};

TEST_P(AttendanceTest, ThePatientJoinsLateDropsAndRejoins) {
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  ConsultationHub hub(chime_binding(*peer), options());
  ASSERT_TRUE(hub.start());
  send_events_to(*peer, hub);
  HubApiClient api = hub.client("hospital");
  std::string id = hub.book(api, "appt-late", 20s);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 30s), "waiting_room")
      << hub.timeline(api, id) << hub.log();
  Session session = admit_participants(hub, id);
  ASSERT_EQ(session.attendees.size(), 2u);
  const std::string& doctor = session.attendees[0];
  const std::string& patient = session.attendees[1];

  // The session's minutes, as Chime would report them: the doctor from the
  // start, the patient 90.5 s late, dropping after 109.75 s and back 59.75 s
  // later until the end.
  const std::int64_t start = hub.appointment_start_ms("appt-late");
  ASSERT_GT(start, 0);
  auto at = [&](const std::string& type, const std::string& who, std::int64_t ms) {
    json a = {{"type", type}, {"at", start + ms}};
    if (!who.empty()) a["attendeeId"] = who;
    return a;
  };
  auto simulated = peer->post(
      "/_peer/meetings/" + session.meeting_id + "/simulate",
      {{"actions", json::array({at("join", doctor, 0), at("join", patient, 90'500),
                                at("drop", patient, 200'250), at("join", patient, 260'000),
                                at("end", "", 360'000)})}});
  ASSERT_TRUE(simulated.ok()) << simulated.error().message;
  ASSERT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled", "no_show"}, 60s),
            "completed")
      << hub.timeline(api, id);

  // What the peer's events say, computed here.
  const auto expected = expected_periods(marks_of(*peer, session.meeting_id));
  ASSERT_EQ(expected.size(), 2u);
  EXPECT_EQ(expected.at(doctor), (Periods{{start, start + 360'000}}));
  EXPECT_EQ(expected.at(patient),
            (Periods{{start + 90'500, start + 200'250}, {start + 260'000, start + 360'000}}));
  const std::int64_t seconds =
      whole_seconds(expected.at(doctor)) + whole_seconds(expected.at(patient));
  EXPECT_EQ(seconds, 360 + 109 + 100);

  json attendance = attendance_when(
      api, id, [](const json& a) { return a.contains("room_ended_at_ms"); }, 10s);
  EXPECT_EQ(periods_of(attendance), expected) << attendance.dump();
  EXPECT_EQ(attendance.value("attendee_seconds", -1), seconds) << attendance.dump();
  EXPECT_EQ(attendance.value("attendee_minutes", -1.0), 9.48) << attendance.dump();  // 569 / 60
  EXPECT_TRUE(attendance.value("patient_joined", false));
  EXPECT_TRUE(attendance.value("clinician_joined", false));
  for (const auto& p : attendance["participants"]) {
    const std::string who = p.value("provider_participant_id", std::string());
    EXPECT_EQ(p.value("role", std::string()), who == patient ? "patient" : "clinician");
    EXPECT_EQ(p.value("seconds", -1), whole_seconds(expected.at(who)));
  }

  // The usage of the facility around the session: the same seconds.
  const std::string from = sdk::format_iso8601(start - 3'600'000);
  const std::string to = sdk::format_iso8601(start + 3'600'000);
  ApiAnswer usage = api.get("/v1/usage?from=" + from + "&to=" + to);
  ASSERT_EQ(usage.status, 200) << usage.body;
  EXPECT_EQ(usage.json["total"].value("attendee_seconds", -1), seconds) << usage.body;

  // The Encounter: the doctor as its practitioner with her period, the
  // patient's two periods on the subject.
  ASSERT_NE(hub.fhir_peer(), nullptr);
  auto encounters = hub.fhir_peer()->resources("Encounter");
  ASSERT_TRUE(encounters.ok()) << encounters.error().message;
  ASSERT_EQ(encounters->size(), 1u);
  const json& encounter = (*encounters)[0];
  Periods practitioner;
  for (const auto& p : encounter.value("participant", json::array())) {
    if (p.contains("period")) {
      EXPECT_EQ(p["individual"].value("reference", std::string()),
                std::string(FhirPeer::kDemoPractitioner))
          << p.dump();
      practitioner.emplace_back(fhir_ms(p["period"]["start"]), fhir_ms(p["period"]["end"]));
    }
  }
  EXPECT_EQ(practitioner, expected.at(doctor)) << encounter.dump();
  Periods subject;
  for (const auto& x : encounter.value("extension", json::array())) {
    if (x.value("url", std::string()) == "urn:wasl:fhir:encounter-subject-period") {
      subject.emplace_back(fhir_ms(x["valuePeriod"]["start"]), fhir_ms(x["valuePeriod"]["end"]));
    }
  }
  EXPECT_EQ(subject, expected.at(patient)) << encounter.dump();
  EXPECT_EQ(hub.ehr_appointment_status("appt-late"), "fulfilled");
  hub.expect_billed_once(api, id);
}

TEST_P(AttendanceTest, ThePatientNeverJoins) {
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  ConsultationHubOptions o = options();
  o.no_show_after = "8s";
  o.no_show_interval = "200ms";
  o.daily_report = true;
  ConsultationHub hub(chime_binding(*peer), o);
  ASSERT_TRUE(hub.start());
  send_events_to(*peer, hub);
  HubApiClient api = hub.client("hospital");
  std::string id = hub.book(api, "appt-absent", 1s);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 30s), "waiting_room")
      << hub.timeline(api, id) << hub.log();
  // The doctor and the patient are let in (well within the 8 s); the
  // doctor waits in the meeting, the patient never comes.
  Session session = admit_participants(hub, id);
  ASSERT_EQ(session.attendees.size(), 2u);
  auto joined = peer->post("/_peer/meetings/" + session.meeting_id + "/simulate",
                           {{"type", "join"}, {"attendeeId", session.attendees[0]}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;

  ASSERT_EQ(hub.wait_for_status(api, id, {"no_show", "completed", "failed", "cancelled"}, 40s),
            "no_show")
      << hub.timeline(api, id) << hub.log();
  const std::int64_t start = hub.appointment_start_ms("appt-absent");
  json timeline = json::parse(hub.timeline(api, id), nullptr, false);
  ASSERT_TRUE(timeline.is_object());
  bool absent = false;
  for (const auto& a : timeline.value("attempts", json::array())) {
    if (a.value("step_id", std::string()) == "arrival" && a.contains("output")) {
      absent = a["output"]["payload"].value("outcome", std::string()) == "absent";
      // Not before the scheduled start plus no_show_after.
      EXPECT_GE(a["output"].value("occurred_at_ms", std::int64_t{0}), start + 8000);
    }
  }
  EXPECT_TRUE(absent) << timeline.dump();

  // The meeting was ended, the appointment is noshow, nothing was written
  // or billed for the visit; the eligibility check stays.
  EXPECT_TRUE(wait_for_effect(*peer, "meetingsEnded", 1, 20s)) << peer_effects(*peer).dump();
  auto until = std::chrono::steady_clock::now() + 20s;
  while (hub.ehr_appointment_status("appt-absent") != "noshow" &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(hub.ehr_appointment_status("appt-absent"), "noshow");
  EXPECT_EQ(hub.ehr_resources("Encounter"), 0);
  EXPECT_EQ(hub.ehr_resources("DocumentReference"), 0);
  EXPECT_EQ(hub.nphies_messages("eligibility-request"), 1);
  EXPECT_EQ(hub.nphies_messages("claim-request"), 0);
  EXPECT_TRUE(hub.nphies_claims()["items"].empty()) << hub.nphies_claims().dump();
  ApiAnswer claims = api.get("/v1/consultations/" + id + "/claims");
  ASSERT_EQ(claims.status, 200) << claims.body;
  EXPECT_TRUE(claims.json["items"].empty()) << claims.body;

  // The ministry's consultation report says no-show.
  json reports;
  until = std::chrono::steady_clock::now() + 20s;
  do {
    reports = hub.moh_reports();
    if (reports.is_object() && !reports["messages"].empty()) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < until);
  ASSERT_EQ(reports["messages"].size(), 1u) << reports.dump();
  json encounter;
  for (const auto& e : reports["messages"][0]["bundle"]["entry"]) {
    if (e["resource"].value("resourceType", std::string()) == "Encounter")
      encounter = e["resource"];
  }
  EXPECT_EQ(encounter.value("status", std::string()), "cancelled") << encounter.dump();
  EXPECT_EQ(encounter["extension"][0]["valueCoding"].value("code", std::string()), "no-show")
      << encounter.dump();

  // The day's aggregate report, run now for the day of the start (Riyadh).
  auto day = sdk::format_iso8601(start + 3 * 3'600'000).substr(0, 10);
  CommandResult run = hub.run_command(
      {"workflow", "run-now", "moh_daily_report", "--facility", "hospital-a", "--period", day});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  json measure;
  until = std::chrono::steady_clock::now() + 30s;
  do {
    reports = hub.moh_reports();
    for (const auto& m : reports.value("measureReports", json::array())) {
      const std::string label = m["resource"]["period"].value("start", std::string()).substr(0, 10);
      if (label == day) measure = m["resource"];
    }
    if (!measure.is_null()) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < until);
  ASSERT_TRUE(measure.is_object()) << reports.dump() << hub.log();
  std::map<std::string, json> groups;
  for (const auto& g : measure["group"]) groups[g["code"]["coding"][0].value("code", "")] = g;
  EXPECT_EQ(groups["no-show"]["measureScore"].value("value", -1), 1) << measure.dump();
  EXPECT_EQ(groups["clinician-no-show"]["measureScore"].value("value", -1), 0);
  EXPECT_EQ(groups["completed"]["measureScore"].value("value", -1), 0);
  EXPECT_EQ(groups["total"]["measureScore"].value("value", -1), 1);
}

TEST_P(AttendanceTest, TheClinicianNeverJoins) {
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  ConsultationHub hub(chime_binding(*peer), options());
  ASSERT_TRUE(hub.start());
  send_events_to(*peer, hub);
  HubApiClient api = hub.client("hospital");
  std::string id = hub.book(api, "appt-no-doctor", 20s);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 30s), "waiting_room")
      << hub.timeline(api, id) << hub.log();
  Session session = admit_participants(hub, id);
  ASSERT_EQ(session.attendees.size(), 2u);
  // The patient waits ten minutes alone; the meeting ends.
  const std::int64_t start = hub.appointment_start_ms("appt-no-doctor");
  auto simulated = peer->post(
      "/_peer/meetings/" + session.meeting_id + "/simulate",
      {{"actions",
        json::array({{{"type", "join"}, {"attendeeId", session.attendees[1]}, {"at", start}},
                     {{"type", "end"}, {"at", start + 600'000}}})}});
  ASSERT_TRUE(simulated.ok()) << simulated.error().message;

  ASSERT_EQ(
      hub.wait_for_status(api, id, {"clinician_no_show", "completed", "failed", "cancelled"}, 60s),
      "clinician_no_show")
      << hub.timeline(api, id);
  // The operators are alerted, on the facility's video instance.
  json alert;
  auto until = std::chrono::steady_clock::now() + 10s;
  do {
    ApiAnswer alerts = api.get("/v1/alerts");
    for (const auto& a : alerts.json.value("items", json::array())) {
      if (a.value("kind", std::string()) == "consultation.clinician_no_show") alert = a;
    }
    if (!alert.is_null()) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < until);
  ASSERT_TRUE(alert.is_object()) << api.get("/v1/alerts").body;
  EXPECT_EQ(alert.value("instance", std::string()), "video.chime-main");
  EXPECT_EQ(alert.value("message", std::string()), "consultation " + id + ": clinician_no_show");
  // The patient's ten minutes are recorded; nothing was written or billed.
  ApiAnswer attendance = api.get("/v1/consultations/" + id + "/attendance");
  ASSERT_EQ(attendance.status, 200) << attendance.body;
  EXPECT_EQ(attendance.json.value("attendee_seconds", -1), 600) << attendance.body;
  EXPECT_FALSE(attendance.json.value("clinician_joined", true));
  until = std::chrono::steady_clock::now() + 20s;
  while (hub.ehr_appointment_status("appt-no-doctor") != "noshow" &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(hub.ehr_appointment_status("appt-no-doctor"), "noshow");
  EXPECT_EQ(hub.ehr_resources("Encounter"), 0);
  EXPECT_EQ(hub.nphies_messages("claim-request"), 0);
  EXPECT_TRUE(hub.nphies_claims()["items"].empty()) << hub.nphies_claims().dump();
}

// POST /v1/consultations for an emergency (workflows/emergency.yaml) of
// the demo patient and practitioner; its id.
std::string open_emergency(const HubApiClient& api, const std::string& key) {
  json body = {{"type", "emergency"},
               {"patient", {{"id", "fatimah-alzahrani"}}},
               {"practitioner", {{"id", "khalid-alharbi"}}}};
  ApiAnswer opened = api.post("/v1/consultations", body, key);
  EXPECT_EQ(opened.status, 201) << opened.body;
  EXPECT_EQ(opened.json.value("workflow_name", std::string()), "emergency") << opened.body;
  return opened.json.value("id", std::string());
}

// Starts `hub` with the peer's events sent to it and opens an emergency
// (idempotency key `key`); its id once in session, else empty (the failure
// reported).
std::string emergency_in_session(ConsultationHub& hub, PeerProcess& peer, const std::string& key) {
  if (!hub.start()) {
    ADD_FAILURE() << "the hub did not start";
    return {};
  }
  send_events_to(peer, hub);
  HubApiClient api = hub.client("hospital");
  const std::string id = open_emergency(api, key);
  if (id.empty()) return {};
  const std::string status = hub.wait_for_status(api, id, {"in_session"}, 30s);
  if (status != "in_session") {
    ADD_FAILURE() << "consultation " << id << " is " << status << ", not in_session\n"
                  << hub.timeline(api, id) << hub.log();
    return {};
  }
  return id;
}

TEST_P(AttendanceTest, AnEmergencyWritesWhoAttended) {
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  ConsultationHubOptions o = options();
  o.emergency_workflow = true;
  ConsultationHub hub(chime_binding(*peer), o);
  const std::string id = emergency_in_session(hub, *peer, "emergency-held");
  ASSERT_FALSE(id.empty());
  HubApiClient api = hub.client("hospital");
  Session session = admit_participants(hub, id);
  ASSERT_EQ(session.attendees.size(), 2u);
  const std::int64_t start = epoch_ms_now();
  auto simulated = peer->post(
      "/_peer/meetings/" + session.meeting_id + "/simulate",
      {{"actions",
        json::array(
            {{{"type", "join"}, {"attendeeId", session.attendees[0]}, {"at", start}},
             {{"type", "join"}, {"attendeeId", session.attendees[1]}, {"at", start + 30'000}},
             {{"type", "end"}, {"at", start + 120'000}}})}});
  ASSERT_TRUE(simulated.ok()) << simulated.error().message;
  ASSERT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 90s), "completed")
      << hub.timeline(api, id);

  ApiAnswer attendance = api.get("/v1/consultations/" + id + "/attendance");
  ASSERT_EQ(attendance.status, 200) << attendance.body;
  EXPECT_EQ(attendance.json.value("attendee_seconds", -1), 120 + 90) << attendance.body;
  ASSERT_NE(hub.fhir_peer(), nullptr);
  auto encounters = hub.fhir_peer()->resources("Encounter");
  ASSERT_TRUE(encounters.ok()) << encounters.error().message;
  ASSERT_EQ(encounters->size(), 1u);
  const json& encounter = (*encounters)[0];
  Periods practitioner;
  for (const auto& p : encounter.value("participant", json::array())) {
    if (p.contains("period")) {
      practitioner.emplace_back(fhir_ms(p["period"]["start"]), fhir_ms(p["period"]["end"]));
    }
  }
  EXPECT_EQ(practitioner, (Periods{{start, start + 120'000}})) << encounter.dump();
  Periods subject;
  for (const auto& x : encounter.value("extension", json::array())) {
    if (x.value("url", std::string()) == "urn:wasl:fhir:encounter-subject-period") {
      subject.emplace_back(fhir_ms(x["valuePeriod"]["start"]), fhir_ms(x["valuePeriod"]["end"]));
    }
  }
  EXPECT_EQ(subject, (Periods{{start + 30'000, start + 120'000}})) << encounter.dump();
  hub.expect_billed_once(api, id);
}

// The output of the run's session_ended step once it succeeded (null until
// then, bounded by `deadline`).
json session_ended_output(ConsultationHub& hub, const HubApiClient& api, const std::string& id,
                          std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    json timeline = json::parse(hub.timeline(api, id), nullptr, false);
    for (const auto& a : timeline.value("attempts", json::array())) {
      if (a.value("step_id", std::string()) == "session_ended" &&
          a.value("status", std::string()) == "succeeded" && a.contains("output")) {
        return a["output"];
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  return nullptr;
}

// EventBridge runs late: the meeting has ended and Chime has deleted it, so
// the hub's reconciler finds it gone and ends the wait itself, before the
// meeting's last events arrive. The attendance step still waits for them (the
// reconciler's end is recorded like the provider's), and the room's end is
// the one Chime reports, not the moment the hub noticed.
TEST_P(AttendanceTest, ProviderEventsLaterThanTheReconcilersEndStillCount) {
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  ConsultationHubOptions o = options();
  o.emergency_workflow = true;
  o.attendance_settle = "8s";  // bounds the wait for the released events, not the test
  ConsultationHub hub(chime_binding(*peer), o);
  const std::string id = emergency_in_session(hub, *peer, "emergency-late-events");
  ASSERT_FALSE(id.empty());
  HubApiClient api = hub.client("hospital");
  Session session = admit_participants(hub, id);
  ASSERT_EQ(session.attendees.size(), 2u);

  // The doctor's join arrives (once someone has joined, the plugin no longer
  // takes a missing meeting for one Chime ended idle and it may recreate);
  // everything after it is late.
  const std::int64_t start = epoch_ms_now() - 200'000;
  auto joined = peer->post("/_peer/meetings/" + session.meeting_id + "/simulate",
                           {{"type", "join"}, {"attendeeId", session.attendees[0]}, {"at", start}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  json doctor_in = attendance_when(
      api, id, [](const json& a) { return a.value("clinician_joined", false); }, 30s);
  ASSERT_TRUE(doctor_in.value("clinician_joined", false)) << doctor_in.dump();
  ASSERT_TRUE(peer->post("/_peer/config", {{"holdEvents", true}}).ok());
  auto simulated = peer->post(
      "/_peer/meetings/" + session.meeting_id + "/simulate",
      {{"actions",
        json::array(
            {{{"type", "join"}, {"attendeeId", session.attendees[1]}, {"at", start + 30'000}},
             {{"type", "end"}, {"at", start + 120'000}}})}});
  ASSERT_TRUE(simulated.ok()) << simulated.error().message;

  const json ended = session_ended_output(hub, api, id, 30s);
  ASSERT_TRUE(ended.is_object()) << hub.timeline(api, id) << hub.log();
  EXPECT_EQ(ended["payload"].value("source", std::string()), "reconciliation") << ended.dump();
  // Nothing is concluded from an attendance no event has reached yet.
  ApiAnswer before = api.get("/v1/consultations/" + id);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.json.value("status", std::string()), "in_session") << hub.timeline(api, id);

  ASSERT_TRUE(peer->post("/_peer/config", {{"holdEvents", false}}).ok());
  ASSERT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 90s), "completed")
      << hub.timeline(api, id);
  ApiAnswer attendance = api.get("/v1/consultations/" + id + "/attendance");
  ASSERT_EQ(attendance.status, 200) << attendance.body;
  EXPECT_EQ(attendance.json.value("attendee_seconds", -1), 120 + 90) << attendance.body;
  EXPECT_EQ(attendance.json.value("room_ended_at_ms", std::int64_t{0}), start + 120'000)
      << attendance.body;
  auto encounters = hub.fhir_peer()->resources("Encounter");
  ASSERT_TRUE(encounters.ok()) << encounters.error().message;
  ASSERT_EQ(encounters->size(), 1u);
  Periods practitioner;
  for (const auto& p : (*encounters)[0].value("participant", json::array())) {
    if (p.contains("period")) {
      practitioner.emplace_back(fhir_ms(p["period"]["start"]), fhir_ms(p["period"]["end"]));
    }
  }
  EXPECT_EQ(practitioner, (Periods{{start, start + 120'000}})) << (*encounters)[0].dump();
  hub.expect_billed_once(api, id);
}

#ifdef WASL_CONSULTATION_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, AttendanceTest, ::testing::Values(true),
                         [](const auto&) { return std::string("postgres"); });
#else
INSTANTIATE_TEST_SUITE_P(Sqlite, AttendanceTest, ::testing::Values(false),
                         [](const auto&) { return std::string("sqlite"); });
#endif

}  // namespace
}  // namespace wasl::testing
