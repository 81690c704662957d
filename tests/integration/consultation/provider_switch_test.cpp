// Switching the video provider is one line of configuration: the same hub
// config declares a Twilio instance (against the Twilio emulator) and a
// Chime instance (against the Chime peer); facility hospital-a's video
// binding names the Twilio one. A consultation runs to completion on
// Twilio; the hub stops; the binding line alone is changed to the Chime
// instance; the hub starts again and the same consultation request (a new
// appointment and idempotency key) completes on Chime. The workflow file is
// byte for byte the shipped workflows/consultation.yaml throughout, and the
// two configs differ in that one line.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "tests/integration/consultation/consultation_participants.hpp"
#include "tests/integration/consultation/twilio_side.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kChimeInstance[] = "video.chime-main";
constexpr char kChimeEventsSecret[] = "switch-eventbridge-secret";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The Chime instance: every AWS endpoint on the peer, SigV4 test keys.
VideoBinding chime_instance(const PeerProcess& peer) {
  VideoBinding chime{"chime", WASL_CHIME_PLUGIN_FILE, kChimeInstance, json::object()};
  json& s = chime.settings;
  for (const char* service : {"meetings", "media_pipelines", "s3"}) {
    s["endpoints"][service] = peer.url();
  }
  s["credentials"]["access_key_id"] = "AKIDEXAMPLE";
  s["credentials"]["secret_access_key"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  s["capture"]["bucket_arn"] = "arn:aws:s3:::wasl-switch-recordings";
  s["eventbridge"]["header_value"] = kChimeEventsSecret;
  return chime;
}

class ProviderSwitchTest : public ::testing::Test {
 protected:
  // Books a consultation, admits a doctor and a patient, lets `hold` run the
  // session at the provider, and waits for the end of the run; the
  // participants (room id first) for the provider-side checks.
  template <typename Hold>
  ConsultationParticipants run_consultation(ConsultationHub& hub, const std::string& appointment,
                                            Hold&& hold) {
    HubApiClient api = hub.client("hospital");
    std::string id = hub.book(api, appointment);
    EXPECT_FALSE(id.empty());
    if (id.empty()) return {};
    EXPECT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 40s), "waiting_room")
        << hub.timeline(api, id) << hub.log();
    ConsultationParticipants people = admit_doctor_and_patient(hub, id);
    EXPECT_EQ(people.joined.size(), 2u);
    if (people.joined.size() != 2) return people;
    hold(people);
    EXPECT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 90s), "completed")
        << hub.timeline(api, id) << hub.log();
    ApiAnswer recordings = api.get("/v1/consultations/" + id + "/recordings");
    EXPECT_EQ(recordings.json["items"].size(), 1u) << recordings.body;
    return people;
  }
};

TEST_F(ProviderSwitchTest, OneBindingLineMovesTheConsultationFromTwilioToChime) {
  std::unique_ptr<TwilioSide> twilio = TwilioSide::start();
  ASSERT_TRUE(twilio);
  PeerOptions chime_options;
  chime_options.args = {"--idle-end-ms",     "600000", "--concatenation-ms",    "100",
                        "--recording-bytes", "200000", "--events-header-value", kChimeEventsSecret};
  chime_options.start_deadline = 60s;
  auto chime = PeerProcess::start("chime", chime_options);
  ASSERT_TRUE(chime.ok()) << chime.error().message;
  PeerProcess& chime_peer = **chime;

  ConsultationHubOptions options;
  options.port = free_loopback_port();
  options.other_videos = {chime_instance(chime_peer)};
  ConsultationHub hub(twilio->binding(options.port), options);
  const std::string workflow_path = hub.dir().file("workflows/consultation.yaml");
  const std::string shipped_workflow =
      read_text(std::string(WASL_SOURCE_DIR) + "/workflows/consultation.yaml");
  ASSERT_EQ(read_text(workflow_path), shipped_workflow);
  const std::string chime_events =
      "http://127.0.0.1:" + std::to_string(options.port) + "/v1/webhooks/" + kChimeInstance;
  ASSERT_TRUE(chime_peer.post("/_peer/config", {{"eventsUrl", chime_events}}).ok());

  // 1. On Twilio.
  ASSERT_TRUE(hub.start());
  ConsultationParticipants on_twilio =
      run_consultation(hub, "appt-switch-1", [&](const ConsultationParticipants& people) {
        twilio->join(people.room_id, {people.joined[0].id, people.joined[1].id});
        twilio->end(people.room_id);
      });
  EXPECT_EQ(on_twilio.room_id.substr(0, 2), "RM") << "a Twilio room SID: " << on_twilio.room_id;
  EXPECT_EQ(twilio->effects()["roomsCreated"], 1);
  EXPECT_EQ(twilio->effects()["compositionsCreated"], 1);
  auto chime_effects = chime_peer.get("/_peer/effects");
  ASSERT_TRUE(chime_effects.ok());
  EXPECT_EQ((*chime_effects)["meetingsCreated"], 0);

  // 2. The facility's video binding, and nothing else, now names Chime.
  hub.stop();
  const std::string before = read_text(hub.config_path());
  const std::string twilio_line = std::string("      video: ") + TwilioSide::kInstance;
  const std::string chime_line = std::string("      video: ") + kChimeInstance;
  std::vector<std::string> lines = lines_of(before);
  int bindings = 0;
  for (std::string& line : lines) {
    if (line == twilio_line) {
      line = chime_line;
      ++bindings;
    }
  }
  ASSERT_EQ(bindings, 1) << before;
  std::string after;
  for (const std::string& line : lines) after += line + "\n";
  {
    std::ofstream out(hub.config_path(), std::ios::binary | std::ios::trunc);
    out << after;
  }
  const std::vector<std::string> old_lines = lines_of(before);
  const std::vector<std::string> new_lines = lines_of(read_text(hub.config_path()));
  ASSERT_EQ(old_lines.size(), new_lines.size());
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < old_lines.size(); ++i) {
    if (old_lines[i] != new_lines[i]) changed.push_back(i);
  }
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(old_lines[changed[0]], twilio_line);
  EXPECT_EQ(new_lines[changed[0]], chime_line);

  // 3. The same consultation request, now on Chime.
  ASSERT_TRUE(hub.start());
  ConsultationParticipants on_chime =
      run_consultation(hub, "appt-switch-2", [&](const ConsultationParticipants& people) {
        json joins = json::array();
        for (const JoinedParticipant& p : people.joined) {
          joins.push_back({{"type", "join"}, {"externalUserId", p.id}});
        }
        const std::string simulate = "/_peer/meetings/" + people.room_id + "/simulate";
        ASSERT_TRUE(chime_peer.post(simulate, {{"actions", joins}}).ok());
        // The session lasts past the next whole second: Chime's EventBridge
        // time has whole seconds, and hub.build_claim refuses a service that
        // ends (truncated) before it started (the room's creation, in ms).
        // This models the consultation's length; it synchronises nothing.
        std::this_thread::sleep_for(1200ms);
        ASSERT_TRUE(chime_peer.post(simulate, {{"type", "end"}}).ok());
      });
  EXPECT_NE(on_chime.room_id.substr(0, 2), "RM") << on_chime.room_id;
  chime_effects = chime_peer.get("/_peer/effects");
  ASSERT_TRUE(chime_effects.ok());
  EXPECT_EQ((*chime_effects)["meetingsCreated"], 1) << chime_effects->dump();
  EXPECT_EQ((*chime_effects)["concatenationPipelinesCreated"], 1) << chime_effects->dump();
  EXPECT_EQ(twilio->effects()["roomsCreated"], 1) << "nothing more on Twilio";

  EXPECT_EQ(read_text(workflow_path), shipped_workflow) << "the workflow was not edited";
  EXPECT_EQ(hub.ehr_resources("Encounter"), 2);
  EXPECT_EQ(hub.moh_consultation_reports(), 2);
}

}  // namespace
}  // namespace wasl::testing
