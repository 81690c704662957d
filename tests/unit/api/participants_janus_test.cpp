// The waiting room through the participant API with the real Janus plugin
// (libwasl_janus.so loaded by the plugin host, its declared
// video.waiting_room_tokens read from its registration) against a real Janus
// (ctest fixture janus, scripts/test-janus), on SQLite and PostgreSQL. A
// participant's client is the Janus HTTP API used as the plugin's tests do
// (ParticipantSession), not a browser.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "plugins/janus/tests/janus_server.hpp"
#include "plugins/janus/tests/participant_session.hpp"
#include "tests/peers/support/loopback_host.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using plugins::janus::testing::JanusServer;
using plugins::janus::testing::JoinOutcome;
using plugins::janus::testing::ParticipantSession;

constexpr const char* kInstance = "video.janus-test";

class NoSecrets final : public plugin_host::SecretSource {
 public:
  sdk::Result<std::optional<std::string>> lookup(std::string_view, std::string_view) override {
    return std::optional<std::string>();
  }
};

class ParticipantsJanusTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    server_ = JanusServer::from_fixture(WASL_BINARY_DIR);
    config_.plugins.files.push_back({"janus", WASL_JANUS_PLUGIN_FILE, "", 1});
    config::InstanceConfig instance;
    instance.name = kInstance;
    instance.plugin = "janus";
    instance.settings = {
        {"api_url", server_.api_url},
        {"admin_url", server_.admin_url},
        {"admin_secret", server_.admin_secret},
        {"room_admin_key", server_.room_admin_key},
        {"recording_root", server_.recordings},
        {"events", {{"user", server_.events_user}, {"password", server_.events_password}}}};
    config_.instances[kInstance] = instance;
    config_.facilities[kFacilityA].bindings["video"] = kInstance;
    plugin_host::PluginHostOptions options;
    options.state = &state_;
    options.secrets = &secrets_;
    auto loaded = plugin_host::PluginHost::load(config_, metrics_, options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    plugins_ = std::move(loaded).value();
    // The hub's own lookups: providers and their declared features from
    // the plugin host, as `wasl serve` wires them.
    context_.video = nullptr;
    context_.video_features = nullptr;
    context_.plugins = plugins_.get();

    // The room the workflow's step would open, recorded on the consultation.
    id_ = create_id("janus-booking");
    auto provider = plugins_->video(kInstance);
    ASSERT_TRUE(provider.ok()) << provider.error().message;
    sdk::CreateRoomRequest request;
    request.idempotency_key = "consultation:" + id_;
    request.name = "consultation";
    request.participant_limit = 4;
    auto room = (*provider)->create_room(request);
    ASSERT_TRUE(room.ok()) << room.error().message;
    room_ = room->provider_room_id;
    records::ConsultationStore consultations(*cipher_);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(consultations.set_room(**tx, kFacilityA, id_, kInstance, room_, kNow).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  void TearDown() override {
    if (plugins_ != nullptr && !room_.empty()) {
      auto provider = plugins_->video(kInstance);
      if (provider.ok()) (void)(*provider)->end_room({"end:" + id_, room_});
    }
    ApiFixture::TearDown();
  }

  std::string path(const std::string& suffix = "") {
    return "/v1/consultations/" + id_ + "/participants" + suffix;
  }

  // The participant's client joining with what the API answered in `join`.
  JoinOutcome join(const nlohmann::json& join) {
    ParticipantSession session(client_, join["provider"]["api_url"].get<std::string>(),
                               join["token"].get<std::string>());
    return session.join(join["provider"]["room"].get<std::uint64_t>(),
                        join["provider"]["feed_id"].get<std::uint64_t>());
  }

  // Whether Janus still has `room` (VideoRoom `exists` over the admin API).
  bool room_exists(const std::string& room) {
    sdk::HttpRequest request;
    request.method = "POST";
    request.url = server_.admin_url;
    request.headers = {{"Content-Type", "application/json"}};
    request.body =
        nlohmann::json{
            {"janus", "message_plugin"},
            {"transaction", "exists"},
            {"admin_secret", server_.admin_secret},
            {"plugin", "janus.plugin.videoroom"},
            {"request",
             {{"request", "exists"}, {"room", static_cast<std::uint64_t>(std::stoull(room))}}}}
            .dump();
    auto answer = client_.http(request);
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message);
    if (!answer.ok()) return false;
    nlohmann::json body = nlohmann::json::parse(answer->body, nullptr, false);
    EXPECT_TRUE(body.is_object() && body["response"]["exists"].is_boolean()) << answer->body;
    return body.is_object() && body["response"].value("exists", false);
  }

  JanusServer server_;
  plugin_host::InMemoryStateStore state_;
  NoSecrets secrets_;
  std::unique_ptr<plugin_host::PluginHost> plugins_;
  wasl::testing::LoopbackHost client_;
  std::string id_;
  std::string room_;
};

TEST_P(ParticipantsJanusTest, TheWaitingTokenOpensTheRoomOnlyOnceAdmitted) {
  ASSERT_TRUE(plugins_->instance(kInstance).ok());
  EXPECT_TRUE((*plugins_->instance(kInstance))->library().has_feature("video.waiting_room_tokens"));

  http::Response added = send(
      {"POST", path(), nlohmann::json{{"role", "patient"}, {"display_name", kArabicName}}.dump()},
      Role::kHospital);
  ASSERT_EQ(added.status, 201) << added.body;
  nlohmann::json waiting = body_of(added);
  const std::string pid = waiting["id"];
  EXPECT_EQ(waiting["state"], "waiting");
  ASSERT_TRUE(waiting.contains("join")) << added.body;
  EXPECT_EQ(waiting["join"]["provider"]["admitted"], false);
  EXPECT_EQ(waiting["join"]["video_instance"], kInstance);
  EXPECT_EQ(waiting["join"]["room_id"], room_);
  const std::string token = waiting["join"]["token"];
  ASSERT_FALSE(token.empty());

  // Janus knows the token but the room refuses it: 433, not in `allowed`.
  JoinOutcome refused = join(waiting["join"]);
  EXPECT_EQ(refused.core_error, 0);
  EXPECT_EQ(refused.videoroom_error, 433) << refused.videoroom;

  http::Response admitted = send({"POST", path("/" + pid + "/admit")}, Role::kClinician);
  ASSERT_EQ(admitted.status, 200) << admitted.body;
  nlohmann::json a = body_of(admitted);
  EXPECT_EQ(a["state"], "admitted");
  EXPECT_EQ(a["join"]["token"], token) << "admission admits the token held while waiting";
  EXPECT_EQ(a["join"]["provider"]["admitted"], true);
  EXPECT_EQ(a["join"]["provider"]["feed_id"], waiting["join"]["provider"]["feed_id"]);

  // The same token, as the waiting page kept it, now joins.
  JoinOutcome joined = join(waiting["join"]);
  EXPECT_EQ(joined.core_error, 0);
  EXPECT_EQ(joined.videoroom, "joined") << joined.videoroom_error;
  EXPECT_EQ(std::to_string(joined.feed_id), a["provider_participant_id"].get<std::string>());
}

// A clinician added by her own key is admitted at once and joins at once.
TEST_P(ParticipantsJanusTest, AnAdmittedClinicianJoinsAtOnce) {
  http::Response added =
      send({"POST", path(), nlohmann::json{{"role", "doctor"}, {"display_name", "د. أحمد"}}.dump()},
           Role::kClinician);
  ASSERT_EQ(added.status, 201) << added.body;
  nlohmann::json p = body_of(added);
  EXPECT_EQ(p["state"], "admitted");
  EXPECT_EQ(p["join"]["provider"]["admitted"], true);
  JoinOutcome joined = join(p["join"]);
  EXPECT_EQ(joined.videoroom, "joined") << joined.core_error << " " << joined.videoroom_error;
}

// POST /v1/consultations/{id}/end-session ends the room the hub recorded at
// Janus, for the consultation's clinician, the hospital and an admin; an
// integrator or auditor is refused, another facility's key finds nothing,
// a consultation without a room is a conflict, and ending again answers
// the same.
TEST_P(ParticipantsJanusTest, EndingTheSessionEndsTheRoomAtJanus) {
  const std::string end = "/v1/consultations/" + id_ + "/end-session";
  const std::string roomless = create_id("janus-roomless", false, booking("43"));
  http::Response none =
      send({"POST", "/v1/consultations/" + roomless + "/end-session"}, Role::kClinician);
  EXPECT_EQ(none.status, 409) << none.body;
  EXPECT_EQ(none.headers.find("Content-Type")->second, "application/problem+json");
  EXPECT_EQ(body_of(none)["status"], 409);
  for (Role role : {Role::kAdmin, Role::kHospital, Role::kClinician}) {
    SCOPED_TRACE(std::string(access::to_string(role)));
    http::Response other = send({"POST", end}, role, /*facility_b=*/true);
    EXPECT_EQ(other.status, 404) << other.body;
    EXPECT_EQ(other.headers.find("Content-Type")->second, "application/problem+json");
  }
  for (Role role : {Role::kIntegrator, Role::kAuditor}) {
    SCOPED_TRACE(std::string(access::to_string(role)));
    http::Response refused = send({"POST", end}, role);
    EXPECT_EQ(refused.status, 403) << refused.body;
  }
  EXPECT_TRUE(room_exists(room_));
  EXPECT_EQ(audit_count("consultation.end_session"), 0);

  // The consultation's clinician (her key is Practitioner/3's, the one the
  // booking names) ends it; a participant in the room is then gone.
  http::Response doctor =
      send({"POST", path(), nlohmann::json{{"role", "doctor"}, {"display_name", "د. أحمد"}}.dump()},
           Role::kClinician);
  ASSERT_EQ(doctor.status, 201) << doctor.body;
  ASSERT_EQ(join(body_of(doctor)["join"]).videoroom, "joined");
  http::Response ended = send({"POST", end}, Role::kClinician);
  ASSERT_EQ(ended.status, 202) << ended.body;
  const nlohmann::json answer = body_of(ended);
  EXPECT_EQ(answer, (nlohmann::json{{"consultation_id", id_},
                                    {"video_instance", kInstance},
                                    {"room_id", room_},
                                    {"room_status", "ended"}}));
  EXPECT_FALSE(room_exists(room_));
  EXPECT_EQ(audit_count("consultation.end_session"), 1);

  // Again, by the hospital and an admin: the same answer, nothing else
  // changes at Janus.
  for (Role role : {Role::kHospital, Role::kAdmin}) {
    SCOPED_TRACE(std::string(access::to_string(role)));
    http::Response again = send({"POST", end}, role);
    EXPECT_EQ(again.status, 202) << again.body;
    EXPECT_EQ(body_of(again), answer);
  }
  EXPECT_FALSE(room_exists(room_));
  EXPECT_EQ(audit_count("consultation.end_session"), 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, ParticipantsJanusTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
