// The whole consultation (workflows/consultation.yaml) on Twilio, end to end:
// the real `wasl serve` with the shipped Twilio plugin against the Twilio
// emulator (tests/peers/twilio: callbacks signed by the npm twilio library,
// tokens checked by it), the FHIR plugin against the FHIR peer as the EHR, the
// NPHIES plugin against the NPHIES peer over mutual TLS and the MOH plugin
// against the MOH peer.
//   - CallbacksDuplicatedAndReordered: one room; the patient's token only
//     after admission, and both tokens accepted by the npm library; the room
//     ends with room-ended delivered twice and ahead of the disconnect and
//     recording callbacks it follows (which come newest first); one
//     composition; its archived plaintext has the emulator's SHA-256 and the
//     file on disk is not plaintext; the Twilio copies are deleted; the
//     FHIR server holds one Encounter and one DocumentReference, NPHIES one
//     eligibility request and one approved claim; status completed.
//   - ARemovedPatientCannotStayInTheRoom: both connect with the tokens the
//     hub issued; the patient is removed (DELETE), and connects again with
//     its old token, which Twilio still accepts; the hub, told by the
//     participant-connected callback, disconnects it again and audits
//     participant.evict; the doctor stays connected.
//   - ALostRoomEndedIsReconciled: the emulator drops room-ended; the hub's
//     session reconciliation reads the room (video.get_room → FetchRoom),
//     sees it completed and ends the session; the consultation completes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "tests/integration/consultation/consultation_participants.hpp"
#include "tests/integration/consultation/twilio_side.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kMediaBytes = 400000;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class TwilioConsultationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    twilio_ = TwilioSide::start(kMediaBytes);
    ASSERT_TRUE(twilio_);
    ConsultationHubOptions options;
    options.port = free_loopback_port();
    hub_ = std::make_unique<ConsultationHub>(twilio_->binding(options.port), options);
    ASSERT_TRUE(hub_->start());
  }
  void TearDown() override {
    hub_.reset();
    twilio_.reset();
  }

  // Books the consultation and waits for its room (status waiting_room).
  std::string book(const std::string& appointment) {
    HubApiClient api = hub_->client("hospital");
    std::string id = hub_->book(api, appointment);
    EXPECT_FALSE(id.empty());
    if (id.empty()) return id;
    EXPECT_EQ(hub_->wait_for_status(api, id, {"waiting_room"}, 30s), "waiting_room")
        << hub_->timeline(api, id) << hub_->log();
    return id;
  }

  std::string wait_until_over(const std::string& id, std::chrono::milliseconds deadline) {
    HubApiClient api = hub_->client("hospital");
    return hub_->wait_for_status(api, id, {"completed", "failed", "cancelled"}, deadline);
  }

  std::string timeline(const std::string& id) {
    return hub_->timeline(hub_->client("hospital"), id);
  }

  // The consultation's one archived recording: decrypted by the hub, it is
  // the emulator's composition byte for byte; the files at rest are not.
  void expect_archive_is_the_composition(const std::string& id, const std::string& room) {
    TwilioSide::Media media = twilio_->composition_of(room);
    ASSERT_FALSE(media.sid.empty());
    HubApiClient api = hub_->client("hospital");
    ApiAnswer list = api.get("/v1/consultations/" + id + "/recordings");
    ASSERT_EQ(list.status, 200) << list.body;
    ASSERT_EQ(list.json["items"].size(), 1u) << list.body;
    ApiAnswer content =
        api.get("/v1/recordings/" + list.json["items"][0].value("id", std::string()) + "/content");
    ASSERT_EQ(content.status, 200) << content.body.substr(0, 300);
    EXPECT_EQ(static_cast<std::int64_t>(content.body.size()), media.size);
    EXPECT_EQ(sha256_hex(content.body), media.sha256);

    const std::string head = content.body.substr(0, 4096);
    int files = 0;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(hub_->dir().file("recordings"))) {
      if (!entry.is_regular_file()) continue;
      ++files;
      EXPECT_EQ(read_file(entry.path()).find(head), std::string::npos)
          << entry.path() << " holds plaintext";
    }
    EXPECT_GE(files, 1);
  }

  // Each effect the consultation has, once: one Encounter and one
  // DocumentReference on the FHIR server (validated as R4 when written), and
  // one eligibility request and one claim at NPHIES, approved there and here.
  void expect_effects_once(const std::string& id) {
    EXPECT_EQ(hub_->ehr_resources("Encounter"), 1);
    EXPECT_EQ(hub_->ehr_resources("DocumentReference"), 1);
    hub_->expect_billed_once(hub_->client("hospital"), id);
    EXPECT_EQ(hub_->moh_consultation_reports(), 1);  // the MOH peer's message Bundles
  }

  std::unique_ptr<TwilioSide> twilio_;
  std::unique_ptr<ConsultationHub> hub_;
};

TEST_F(TwilioConsultationTest, CallbacksDuplicatedAndReordered) {
  const std::string id = book("appt-twilio-1");
  ASSERT_FALSE(id.empty());
  ConsultationParticipants people = admit_doctor_and_patient(*hub_, id);
  ASSERT_EQ(people.joined.size(), 2u);
  ASSERT_EQ(people.room_id.substr(0, 2), "RM") << people.room_id;
  EXPECT_FALSE(people.patient_before_admission.contains("join"))
      << "a waiting patient must have no token: " << people.patient_before_admission.dump();
  std::vector<std::string> identities;
  for (const JoinedParticipant& p : people.joined) {
    std::string reason;
    EXPECT_TRUE(
        twilio_->token_accepted(p.join.value("token", std::string()), p.id, people.room_id, reason))
        << p.role << ": " << reason;
    identities.push_back(p.id);
  }
  twilio_->join(people.room_id, identities);

  // Ending the room publishes, per participant, two recording-completed and
  // a participant-disconnected, then room-ended. room-ended goes out at once
  // and twice; the six before it are held until the flush and released newest
  // first, after the hub may already have acted on room-ended.
  twilio_->post("/_peer/faults",
                json::array({{{"callbacks", "duplicate"}, {"count", 1}, {"event", "room-ended"}},
                             {{"callbacks", "hold"}, {"count", 6}}}));
  twilio_->end(people.room_id);
  json released = twilio_->post("/_peer/callbacks/flush", json::object());
  EXPECT_EQ(released.value("released", 0), 6) << released.dump();

  EXPECT_EQ(wait_until_over(id, 90s), "completed") << timeline(id) << hub_->log();

  std::vector<json> ended = twilio_->callbacks("room-ended");
  ASSERT_EQ(ended.size(), 1u);
  ASSERT_EQ(ended[0]["deliveries"].size(), 2u) << ended[0].dump();
  for (const auto& delivery : ended[0]["deliveries"]) {
    EXPECT_EQ(delivery.value("status", 0) / 100, 2) << delivery.dump();
  }
  json effects = twilio_->effects();
  EXPECT_EQ(effects["roomsCreated"], 1) << effects.dump();
  EXPECT_EQ(effects["compositionsCreated"], 1) << effects.dump();
  EXPECT_EQ(effects["callbacks"]["failed"], 0) << "every callback was accepted by the hub";
  EXPECT_EQ(effects["callbacks"]["held"], 0);
  expect_archive_is_the_composition(id, people.room_id);
  // delete_after_archive (default on): the composition and the four track
  // recordings it was made from are gone at Twilio.
  effects = twilio_->effects();
  EXPECT_EQ(effects["compositionsDeleted"], 1) << effects.dump();
  EXPECT_EQ(effects["recordingsDeleted"], 4) << effects.dump();
  expect_effects_once(id);
}

TEST_F(TwilioConsultationTest, ARemovedPatientCannotStayInTheRoom) {
  const std::string id = book("appt-twilio-3");
  ASSERT_FALSE(id.empty());
  ConsultationParticipants people = admit_doctor_and_patient(*hub_, id);
  ASSERT_EQ(people.joined.size(), 2u);
  const JoinedParticipant* doctor = nullptr;
  const JoinedParticipant* patient = nullptr;
  for (const JoinedParticipant& p : people.joined) (p.role == "patient" ? patient : doctor) = &p;
  ASSERT_TRUE(doctor != nullptr && patient != nullptr);
  const std::string patient_token = patient->join.value("token", std::string());
  EXPECT_EQ(twilio_->join_with_token(people.room_id, doctor->join.value("token", std::string())),
            doctor->id);
  EXPECT_EQ(twilio_->join_with_token(people.room_id, patient_token), patient->id);

  HubApiClient api = hub_->client("hospital");
  ApiAnswer removed =
      hub_->client("clinician").del("/v1/consultations/" + id + "/participants/" + patient->id);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(twilio_->connected(people.room_id), std::vector<std::string>{doctor->id});

  // The old token is still valid at Twilio: the patient gets back in ...
  ASSERT_EQ(twilio_->join_with_token(people.room_id, patient_token), patient->id);
  // ... and the hub puts it out again.
  auto until = std::chrono::steady_clock::now() + 20s;
  while (twilio_->connected(people.room_id).size() != 1 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(twilio_->connected(people.room_id), std::vector<std::string>{doctor->id})
      << hub_->log();
  json effects = twilio_->effects();
  EXPECT_EQ(effects["participantsDisconnectedByApi"], 2) << effects.dump();

  ApiAnswer audit = hub_->client("auditor").get("/v1/audit?action=participant.evict");
  ASSERT_EQ(audit.status, 200) << audit.body;
  ASSERT_EQ(audit.json["items"].size(), 1u) << audit.body;
  EXPECT_EQ(audit.json["items"][0].value("entity_id", std::string()), patient->id);
  EXPECT_EQ(audit.json["items"][0].value("actor", std::string()), "system");

  // The consultation itself goes on: the doctor's session is untouched.
  ApiAnswer read = api.get("/v1/consultations/" + id);
  EXPECT_EQ(read.json.value("status", std::string()), "waiting_room") << read.body;
}

TEST_F(TwilioConsultationTest, ALostRoomEndedIsReconciled) {
  twilio_->post("/_peer/faults", {{"callbacks", "drop"}, {"count", 1}, {"event", "room-ended"}});
  const std::string id = book("appt-twilio-2");
  ASSERT_FALSE(id.empty());
  ConsultationParticipants people = admit_doctor_and_patient(*hub_, id);
  ASSERT_EQ(people.joined.size(), 2u);
  twilio_->join(people.room_id, {people.joined[0].id, people.joined[1].id});
  twilio_->end(people.room_id);

  EXPECT_EQ(wait_until_over(id, 90s), "completed") << timeline(id) << hub_->log();
  json effects = twilio_->effects();
  EXPECT_EQ(effects["callbacks"]["dropped"], 1) << effects.dump();
  EXPECT_GE(effects["requests"]["byOperation"].value("FetchRoom", 0), 1) << effects.dump();
  EXPECT_NE(hub_->log().find("has ended at the provider; delivered room.ended"), std::string::npos)
      << "the end came from reconciliation:\n"
      << hub_->log();
  EXPECT_EQ(effects["roomsCreated"], 1);
  EXPECT_EQ(effects["compositionsCreated"], 1);
}

}  // namespace
}  // namespace wasl::testing
