// Attendance from callbacks that arrive twice and out of order, end to end
// on Twilio (the real `wasl serve`, the Twilio emulator, and the FHIR,
// NPHIES and MOH peers; see twilio_consultation_test.cpp):
//   - DuplicatedAndReorderedCallbacksGiveTheSamePeriods: the patient joins,
//     leaves, joins again and leaves, the doctor stays until the end. The
//     emulator holds every participant-connected until the end of the room
//     and then sends them newest first, and sends every
//     participant-disconnected twice: the hub sees each leave (twice)
//     before the join it closes, and the room's end before any join. The
//     periods it answers are the ones computed here from the callbacks'
//     own timestamps, as they would be in order, with the same whole
//     seconds; the consultation completes with one claim.
//   - AnEmergencyNobodyJoinedIsCancelledWithoutAClaim: workflows/emergency.
//     yaml opens its room at once and waits for nobody; the room ends with
//     no one ever in it: the consultation is cancelled (reason
//     nobody_attended), with no Encounter and no claim.
// On SQLite, and on PostgreSQL in the binary built with
// WASL_CONSULTATION_POSTGRES.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/consultation/attendance_expectation.hpp"
#include "tests/integration/consultation/consultation_participants.hpp"
#include "tests/integration/consultation/twilio_side.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class TwilioAttendanceTest : public ::testing::TestWithParam<bool /*postgres*/> {};

TEST_P(TwilioAttendanceTest, DuplicatedAndReorderedCallbacksGiveTheSamePeriods) {
  auto twilio = TwilioSide::start();
  ASSERT_TRUE(twilio);
  ConsultationHubOptions options;
  options.port = free_loopback_port();
  if (GetParam()) options.postgres_url = postgres_test_url();
  ConsultationHub hub(twilio->binding(options.port), options);
  ASSERT_TRUE(hub.start());
  HubApiClient api = hub.client("hospital");
  const std::string id = hub.book(api, "appt-twilio-att", 20s);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 30s), "waiting_room")
      << hub.timeline(api, id) << hub.log();
  ConsultationParticipants people = admit_doctor_and_patient(hub, id);
  ASSERT_EQ(people.joined.size(), 2u);
  const std::string doctor = people.joined[0].id;
  const std::string patient = people.joined[1].id;

  twilio->post(
      "/_peer/faults",
      json::array(
          {{{"callbacks", "hold"}, {"count", 3}, {"event", "participant-connected"}},
           {{"callbacks", "duplicate"}, {"count", 3}, {"event", "participant-disconnected"}}}));
  const std::int64_t start = hub.appointment_start_ms("appt-twilio-att");
  ASSERT_GT(start, 0);
  auto act = [&](const std::string& type, const std::string& identity, std::int64_t ms) {
    json a = {{"type", type}, {"at", start + ms}};
    if (!identity.empty()) a["identity"] = identity;
    return a;
  };
  twilio->post(
      "/_peer/rooms/" + people.room_id + "/simulate",
      {{"actions", json::array({act("join", doctor, 0), act("join", patient, 60'000),
                                act("leave", patient, 120'500), act("join", patient, 180'000),
                                act("leave", patient, 240'999), act("leave", doctor, 300'000),
                                act("end", "", 300'000)})}});
  json released = twilio->post("/_peer/callbacks/flush", json::object());
  EXPECT_EQ(released.value("released", 0), 3) << released.dump();

  ASSERT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled", "no_show"}, 90s),
            "completed")
      << hub.timeline(api, id) << hub.log();

  // Each callback went out as the faults say.
  for (const auto& c : twilio->callbacks("participant-disconnected")) {
    EXPECT_EQ(c["deliveries"].size(), 2u) << c.dump();
  }
  // The periods, computed here from the callbacks' timestamps in their
  // order of occurrence.
  std::vector<AttendanceMark> marks;
  for (const char* event : {"participant-connected", "participant-disconnected", "room-ended"}) {
    for (const auto& c : twilio->callbacks(event)) {
      const json& params = c["params"];
      auto at = sdk::parse_iso8601(params.value("Timestamp", std::string()));
      ASSERT_TRUE(at.has_value()) << c.dump();
      AttendanceMark m;
      m.who = params.value("ParticipantIdentity", std::string());
      m.at_ms = *at;
      m.kind = std::string(event) == "participant-connected"      ? AttendanceMark::kJoin
               : std::string(event) == "participant-disconnected" ? AttendanceMark::kLeave
                                                                  : AttendanceMark::kRoomEnd;
      marks.push_back(m);
    }
  }
  const auto expected = expected_periods(marks);
  EXPECT_EQ(expected.at(doctor), (Periods{{start, start + 300'000}}));
  EXPECT_EQ(expected.at(patient),
            (Periods{{start + 60'000, start + 120'500}, {start + 180'000, start + 240'999}}));

  ApiAnswer attendance = api.get("/v1/consultations/" + id + "/attendance");
  ASSERT_EQ(attendance.status, 200) << attendance.body;
  EXPECT_EQ(periods_of(attendance.json), expected) << attendance.body;
  const std::int64_t seconds =
      whole_seconds(expected.at(doctor)) + whole_seconds(expected.at(patient));
  EXPECT_EQ(seconds, 300 + 60 + 60);
  EXPECT_EQ(attendance.json.value("attendee_seconds", -1), seconds) << attendance.body;
  EXPECT_EQ(attendance.json.value("attendee_minutes", -1.0), 7.0) << attendance.body;
  hub.expect_billed_once(api, id);
}

TEST_P(TwilioAttendanceTest, AnEmergencyNobodyJoinedIsCancelledWithoutAClaim) {
  auto twilio = TwilioSide::start();
  ASSERT_TRUE(twilio);
  ConsultationHubOptions options;
  options.port = free_loopback_port();
  options.emergency_workflow = true;
  if (GetParam()) options.postgres_url = postgres_test_url();
  ConsultationHub hub(twilio->binding(options.port), options);
  ASSERT_TRUE(hub.start());
  HubApiClient api = hub.client("hospital");
  json body = {{"type", "emergency"},
               {"patient", {{"id", "fatimah-alzahrani"}}},
               {"practitioner", {{"id", "khalid-alharbi"}}}};
  ApiAnswer opened = api.post("/v1/consultations", body, "emergency-nobody");
  ASSERT_EQ(opened.status, 201) << opened.body;
  EXPECT_EQ(opened.json.value("workflow_name", std::string()), "emergency") << opened.body;
  const std::string id = opened.json.value("id", std::string());
  ASSERT_EQ(hub.wait_for_status(api, id, {"in_session"}, 30s), "in_session")
      << hub.timeline(api, id) << hub.log();
  const std::string room = api.get("/v1/consultations/" + id).json.value("video_room_id", "");
  ASSERT_FALSE(room.empty());
  // The room opens; nobody comes; it ends.
  twilio->post("/_peer/rooms/" + room + "/simulate",
               {{"actions", json::array({{{"type", "end"}}})}});

  ASSERT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 60s), "cancelled")
      << hub.timeline(api, id);
  const std::string timeline = hub.timeline(api, id);
  EXPECT_NE(timeline.find("nobody_attended"), std::string::npos) << timeline;
  ApiAnswer attendance = api.get("/v1/consultations/" + id + "/attendance");
  ASSERT_EQ(attendance.status, 200) << attendance.body;
  EXPECT_EQ(attendance.json.value("attendee_seconds", -1), 0) << attendance.body;
  EXPECT_EQ(hub.ehr_resources("Encounter"), 0);
  EXPECT_EQ(hub.nphies_messages("claim-request"), 0);
  EXPECT_TRUE(hub.nphies_claims()["items"].empty()) << hub.nphies_claims().dump();
}

#ifdef WASL_CONSULTATION_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, TwilioAttendanceTest, ::testing::Values(true),
                         [](const auto&) { return std::string("postgres"); });
#else
INSTANTIATE_TEST_SUITE_P(Sqlite, TwilioAttendanceTest, ::testing::Values(false),
                         [](const auto&) { return std::string("sqlite"); });
#endif

}  // namespace
}  // namespace wasl::testing
