// The Twilio plugin (the real libwasl_twilio.so, loaded through PluginHost)
// against the peers in tests/peers/twilio:
//  - Prism serving Twilio's own OpenAPI spec, which answers 422 to any request
//    whose path, query or form body the spec does not allow: every REST call
//    the plugin makes must pass;
//  - the stateful emulator: one room per idempotency key across a lost
//    answer, participants, recording rules, one composition, media streamed
//    and checked by SHA-256, tokens checked by the npm twilio/jsonwebtoken
//    libraries, status callbacks signed by the npm twilio library and
//    verified by the plugin's WebhookVerifier, duplicated and reordered.
// Deleting the Twilio-side media after archiving is driven on the plugin's
// own provider over the hub's real HTTP client.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "plugins/twilio/room_unique_name.hpp"
#include "plugins/twilio/settings.hpp"
#include "plugins/twilio/twilio_video_provider.hpp"
#include "tests/integration/twilio/callback_receiver.hpp"
#include "tests/peers/support/loopback_host.hpp"
#include "tests/peers/support/peer_process.hpp"
#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::twilio {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::CallbackReceiver;
using wasl::testing::LoopbackHost;
using wasl::testing::PeerOptions;
using wasl::testing::PeerProcess;
using wasl::testing::SuitePeer;

constexpr char kAccount[] = "AC00000000000000000000000000000000";
constexpr char kKeySid[] = "SK00000000000000000000000000000000";
constexpr char kKeySecret[] = "wasl-test-api-key-secret";
constexpr char kAuthToken[] = "wasl-test-auth-token";
constexpr char kInstance[] = "video.twilio-peer";
constexpr char kWebhookPath[] = "/v1/webhooks/video.twilio-peer";

// Lower-case hex SHA-256, fed chunk by chunk.
class Sha256 {
 public:
  Sha256() : md_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(md_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(md_); }
  void update(std::string_view bytes) { EVP_DigestUpdate(md_, bytes.data(), bytes.size()); }
  std::string hex() {
    unsigned char digest[32];
    unsigned int length = 0;
    EVP_DigestFinal_ex(md_, digest, &length);
    return wasl::sdk::to_hex(digest, length);
  }

 private:
  EVP_MD_CTX* md_;
};

// Loads libwasl_twilio.so through the hub's PluginHost with one instance.
class LoadedPlugin {
 public:
  bool load(json settings) {
    config_.plugins.files = {{"twilio", WASL_TWILIO_PLUGIN_FILE, "", 1}};
    config::InstanceConfig instance;
    instance.name = kInstance;
    instance.plugin = "twilio";
    instance.settings = std::move(settings);
    config_.instances = {{instance.name, instance}};
    plugin_host::PluginHostOptions options;
    options.state = &state_;
    auto loaded = plugin_host::PluginHost::load(config_, metrics_, options);
    EXPECT_TRUE(loaded.ok()) << loaded.error().message;
    if (!loaded.ok()) return false;
    host_ = std::move(loaded).value();
    auto video = host_->video(kInstance);
    auto webhook = host_->webhook(kInstance);
    EXPECT_TRUE(video.ok()) << video.error().message;
    EXPECT_TRUE(webhook.ok()) << webhook.error().message;
    if (!video.ok() || !webhook.ok()) return false;
    video_ = *video;
    webhook_ = *webhook;
    return true;
  }

  sdk::VideoProvider& video() { return *video_; }
  sdk::WebhookVerifier& webhook() { return *webhook_; }

 private:
  config::Config config_;
  observability::Metrics metrics_;
  plugin_host::InMemoryStateStore state_;
  std::unique_ptr<plugin_host::PluginHost> host_;
  std::shared_ptr<sdk::VideoProvider> video_;
  std::shared_ptr<sdk::WebhookVerifier> webhook_;
};

sdk::CreateRoomRequest room_request(const std::string& key, const std::string& callback) {
  sdk::CreateRoomRequest request;
  request.idempotency_key = key;
  request.name = "consultation";
  request.participant_limit = 4;
  request.status_callback_url = callback;
  return request;
}

sdk::JoinTokenRequest token_request(const std::string& room, const std::string& identity) {
  sdk::JoinTokenRequest request;
  request.idempotency_key = room + "/" + identity;
  request.room_id = room;
  request.participant.identity = identity;
  request.participant.role = "clinician";
  request.ttl_seconds = 600;
  return request;
}

std::string describe(const sdk::Error& e) {
  return std::string(sdk::to_string(e.code)) + ": " + e.message;
}

// ---- Prism: the shape of every request ---------------------------------------------

class TwilioPrismTest : public ::testing::Test {
 protected:
  // One Prism for the suite; a failed install or start fails every test.
  static void SetUpTestSuite() {
    PeerOptions options;
    options.script = "src/prism.js";
    options.start_deadline = 120s;
    prism_.start("twilio", options);
  }
  void SetUp() override { ASSERT_TRUE(prism_.ok()) << prism_.error(); }
  static void TearDownTestSuite() { prism_.stop(); }
  static SuitePeer prism_;
};
SuitePeer TwilioPrismTest::prism_;

TEST_F(TwilioPrismTest, EveryRestRequestPassesTwilioSpec) {
  LoadedPlugin plugin;
  ASSERT_TRUE(plugin.load(
      {{"account_sid", kAccount},
       {"api_key_sid", kKeySid},
       {"api_key_secret", kKeySecret},
       {"auth_token", kAuthToken},
       {"base_url", prism_->url()},
       {"status_callback_url", "https://wasl.example.org/v1/webhooks/video.twilio-main"},
       {"record_participants_on_connect", true}}));
  sdk::VideoProvider& video = plugin.video();
  // A 422 from Prism maps to kInvalidArgument; every call must succeed.
  auto request = room_request("prism-run/create_room", "");
  request.region = "us1";
  auto room = video.create_room(request);
  ASSERT_TRUE(room.ok()) << describe(room.error()) << " (Prism log: " << prism_->log_file() << ")";
  const std::string sid = room->provider_room_id;
  ASSERT_FALSE(sid.empty());

  auto fetched = video.get_room({"", sid});
  EXPECT_TRUE(fetched.ok()) << describe(fetched.error());
  auto participants = video.list_participants({"", sid});
  EXPECT_TRUE(participants.ok()) << describe(participants.error());
  std::string participant_sid = "PAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  if (participants.ok() && !participants->empty())
    participant_sid = participants->front().provider_id;
  auto removed = video.remove_participant({"k", sid, participant_sid});
  EXPECT_TRUE(removed.ok()) << describe(removed.error());
  auto started = video.start_recording({"k", sid});
  EXPECT_TRUE(started.ok()) << describe(started.error());
  auto stopped = video.stop_recording({"k", sid});
  EXPECT_TRUE(stopped.ok()) << describe(stopped.error());
  auto ended = video.end_room({"k", sid});
  EXPECT_TRUE(ended.ok()) << describe(ended.error());
  auto fetched_after_end = video.get_room({"", sid});
  EXPECT_TRUE(fetched_after_end.ok()) << describe(fetched_after_end.error());
  auto recordings = video.list_recordings({"", sid});
  EXPECT_TRUE(recordings.ok()) << describe(recordings.error());
  sdk::CompositionRequest composition;
  composition.idempotency_key = "prism-run/compose";
  composition.room_id = sid;
  auto composed = video.request_composition(composition);
  EXPECT_TRUE(composed.ok()) << describe(composed.error());

  // The check can fail: Prism refuses a malformed request with 422 (which
  // the plugin maps to kInvalidArgument; see error_mapping_test).
  LoopbackHost host(json::object(), "video.twilio-loopback");
  sdk::HttpRequest malformed;
  malformed.method = "POST";
  malformed.url = prism_->url() + "/v1/Compositions";
  malformed.headers = {{"Authorization", "Basic U0swMDAwOnNlY3JldA=="},
                       {"Content-Type", "application/x-www-form-urlencoded"}};
  malformed.body = "RoomSid=not-a-room-sid&Format=mp4";
  auto answer = host.http(malformed);
  ASSERT_TRUE(answer.ok()) << describe(answer.error());
  EXPECT_EQ(answer->status, 422) << answer->body;

  // Prism's own log: of every request above, only the malformed one was
  // refused with 422. It is the last request, so once its line is in the log every
  // earlier line is too (one pipe, in order).
  std::string log;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < until;) {
    std::ifstream in(prism_->log_file());
    log.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    // Prism writes the 422's verdict after the validation errors: wait for it.
    if (log.find("UNPROCESSABLE_ENTITY") != std::string::npos) break;
    std::this_thread::sleep_for(20ms);  // polling with a deadline
  }
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    return n;
  };
  // (The readiness probe's request without credentials is refused with 401,
  // not 422, so it does not count.)
  EXPECT_EQ(count("UNPROCESSABLE_ENTITY"), 1u) << "see " << prism_->log_file();
  EXPECT_GE(count("Request received"), 14u);
}

// ---- the emulator: behaviour ------------------------------------------------------

class TwilioEmulatorTest : public ::testing::Test {
 protected:
  // A failed install or start fails each test (PeerProcess keeps the
  // install's outcome).
  void SetUp() override {
    PeerOptions options;
    options.args = {"--composition-ms", "200", "--media-bytes", "3000000"};
    auto peer = PeerProcess::start("twilio", options);
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(peer).value();
    receiver_ = std::make_unique<CallbackReceiver>();
  }

  // As the hub hands them over: checked against schema.json, defaults filled in.
  json settings() const {
    return sdk::testing::settings_from_schema(
        WASL_SOURCE_DIR "/plugins/twilio/schema.json",
        {{"account_sid", kAccount},
         {"api_key_sid", kKeySid},
         {"api_key_secret", kKeySecret},
         {"auth_token", kAuthToken},
         {"base_url", peer_->url()},
         {"status_callback_url", receiver_->url(kWebhookPath)},
         {"composition", {{"poll_interval_ms", 100}}}});
  }

  json effects() {
    auto e = peer_->get("/_peer/effects");
    EXPECT_TRUE(e.ok()) << e.error().message;
    return e.ok() ? *e : json::object();
  }

  void control(const std::string& path, const json& body) {
    auto r = peer_->post(path, body);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // Every callback the receiver holds, verified by the plugin, in arrival order.
  std::vector<sdk::Event> verified_events(sdk::WebhookVerifier& verifier) {
    std::vector<sdk::Event> events;
    for (const auto& callback : receiver_->received()) {
      auto request = CallbackReceiver::as_webhook(callback, receiver_->url(""));
      auto verified = verifier.verify(request);
      EXPECT_TRUE(verified.ok()) << describe(verified.error());
      if (verified.ok()) events.insert(events.end(), verified->begin(), verified->end());
    }
    return events;
  }

  std::unique_ptr<PeerProcess> peer_;
  std::unique_ptr<CallbackReceiver> receiver_;
};

TEST_F(TwilioEmulatorTest, OneRoomPerKeyWhenTheCreateAnswerIsLost) {
  LoadedPlugin plugin;
  ASSERT_TRUE(plugin.load(settings()));
  control("/_peer/faults",
          {{"operation", "CreateRoom"}, {"count", 1}, {"status", 500}, {"afterEffect", true}});
  auto first = plugin.video().create_room(room_request("run-1/create_room", ""));
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(first.error().retryable) << describe(first.error());

  auto second = plugin.video().create_room(room_request("run-1/create_room", ""));
  ASSERT_TRUE(second.ok()) << describe(second.error());
  auto third = plugin.video().create_room(room_request("run-1/create_room", ""));
  ASSERT_TRUE(third.ok()) << describe(third.error());
  EXPECT_EQ(second->provider_room_id, third->provider_room_id);
  EXPECT_EQ(second->status, "in_progress");

  json e = effects();
  const std::string name = *room_unique_name("run-1/create_room");
  EXPECT_EQ(e["roomsCreated"], 1);
  EXPECT_EQ(e["roomsCreatedByUniqueName"][name], 1);
  EXPECT_EQ(e["requests"]["unauthenticated"], 0);

  // A second key is a second room.
  auto other = plugin.video().create_room(room_request("run-2/create_room", ""));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->provider_room_id, second->provider_room_id);
  EXPECT_EQ(effects()["roomsCreated"], 2);
}

TEST_F(TwilioEmulatorTest, RateLimitCarriesRetryAfterThroughThePluginBoundary) {
  LoadedPlugin plugin;
  ASSERT_TRUE(plugin.load(settings()));
  control("/_peer/faults",
          {{"operation", "CreateRoom"}, {"count", 1}, {"status", 429}, {"retryAfterSeconds", 2}});
  auto limited = plugin.video().create_room(room_request("run-3/create_room", ""));
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, sdk::ErrorCode::kResourceExhausted);
  EXPECT_TRUE(limited.error().retryable);
  EXPECT_EQ(limited.error().retry_after, std::optional<std::chrono::milliseconds>(2000ms));
  auto retried = plugin.video().create_room(room_request("run-3/create_room", ""));
  ASSERT_TRUE(retried.ok()) << describe(retried.error());
  EXPECT_EQ(effects()["roomsCreated"], 1);
}

TEST_F(TwilioEmulatorTest, ParticipantsAreListedAndDisconnected) {
  LoadedPlugin plugin;
  ASSERT_TRUE(plugin.load(settings()));
  auto room = plugin.video().create_room(room_request("run-4/create_room", ""));
  ASSERT_TRUE(room.ok()) << describe(room.error());
  const std::string sid = room->provider_room_id;
  control("/_peer/rooms/" + sid + "/simulate",
          {{"actions", json::array({{{"type", "join"}, {"identity", "clinician-1"}},
                                    {{"type", "join"}, {"identity", "patient-1"}}})}});
  auto listed = plugin.video().list_participants({"", sid});
  ASSERT_TRUE(listed.ok()) << describe(listed.error());
  ASSERT_EQ(listed->size(), 2u);
  std::string patient;
  for (const auto& p : *listed) {
    EXPECT_EQ(p.status, "connected");
    EXPECT_EQ(p.provider_id.substr(0, 2), "PA");
    if (p.identity == "patient-1") patient = p.provider_id;
  }
  ASSERT_FALSE(patient.empty());
  ASSERT_TRUE(plugin.video().remove_participant({"k", sid, patient}).ok());
  auto again = plugin.video().remove_participant({"k", sid, patient});
  EXPECT_TRUE(again.ok()) << describe(again.error());  // already gone
  EXPECT_EQ(effects()["participantsDisconnectedByApi"], 1);
  auto after = plugin.video().list_participants({"", sid});
  ASSERT_TRUE(after.ok());
  for (const auto& p : *after) {
    if (p.provider_id == patient) {
      EXPECT_EQ(p.status, "disconnected");
    }
  }
}

// Twilio keeps listing the participants of a completed room; the room's
// status is what tells that it ended.
TEST_F(TwilioEmulatorTest, RoomStatusShowsTheEndThatTheParticipantListDoesNot) {
  LoadedPlugin plugin;
  ASSERT_TRUE(plugin.load(settings()));
  auto room = plugin.video().create_room(room_request("run-4b/create_room", ""));
  ASSERT_TRUE(room.ok()) << describe(room.error());
  const std::string sid = room->provider_room_id;
  control("/_peer/rooms/" + sid + "/simulate", {{"type", "join"}, {"identity", "clinician-1"}});
  auto open = plugin.video().get_room({"", sid});
  ASSERT_TRUE(open.ok()) << describe(open.error());
  EXPECT_EQ(open->status, "in_progress");

  control("/_peer/rooms/" + sid + "/simulate", {{"type", "end"}});
  auto listed = plugin.video().list_participants({"", sid});
  ASSERT_TRUE(listed.ok()) << describe(listed.error());
  EXPECT_EQ(listed->size(), 1u);
  auto ended = plugin.video().get_room({"", sid});
  ASSERT_TRUE(ended.ok()) << describe(ended.error());
  EXPECT_EQ(ended->status, "completed");
  EXPECT_GT(ended->ended_at_ms, 0);

  auto unknown = plugin.video().get_room({"", "RM0123456789abcdef0123456789abcdef"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, sdk::ErrorCode::kNotFound) << describe(unknown.error());
}

TEST_F(TwilioEmulatorTest, TokensAreAcceptedByTheTwilioLibraries) {
  LoadedPlugin plugin;
  ASSERT_TRUE(plugin.load(settings()));
  auto room = plugin.video().create_room(room_request("run-5/create_room", ""));
  ASSERT_TRUE(room.ok()) << describe(room.error());
  auto token = plugin.video().issue_join_token(token_request(room->provider_room_id, "patient-1"));
  ASSERT_TRUE(token.ok()) << describe(token.error());
  auto check = peer_->post(
      "/_peer/check-token",
      {{"token", token->token}, {"identity", "patient-1"}, {"room", room->provider_room_id}});
  ASSERT_TRUE(check.ok()) << check.error().message;
  EXPECT_EQ((*check)["valid"], true) << check->dump();
  EXPECT_EQ((*check)["header"]["cty"], "twilio-fpa;v=1");
  EXPECT_EQ((*check)["claims"]["grants"]["identity"], "patient-1");

  // The checker refuses what is wrong: another identity, another secret.
  auto wrong_identity =
      peer_->post("/_peer/check-token", {{"token", token->token}, {"identity", "patient-2"}});
  ASSERT_TRUE(wrong_identity.ok());
  EXPECT_EQ((*wrong_identity)["valid"], false);
  auto wrong_secret = peer_->post("/_peer/check-token",
                                  {{"token", token->token}, {"apiKeySecret", "another-secret"}});
  ASSERT_TRUE(wrong_secret.ok());
  EXPECT_EQ((*wrong_secret)["valid"], false);
}

TEST_F(TwilioEmulatorTest, RecordingCompositionOnceMediaStreamedAndDeletedAfterArchive) {
  LoadedPlugin plugin;
  ASSERT_TRUE(plugin.load(settings()));
  sdk::VideoProvider& video = plugin.video();
  auto room = video.create_room(room_request("run-6/create_room", ""));
  ASSERT_TRUE(room.ok()) << describe(room.error());
  const std::string sid = room->provider_room_id;
  control("/_peer/rooms/" + sid + "/simulate",
          {{"actions", json::array({{{"type", "join"}, {"identity", "clinician-1"}},
                                    {{"type", "join"}, {"identity", "patient-1"}}})}});
  auto started = video.start_recording({"run-6/start_recording", sid});
  ASSERT_TRUE(started.ok()) << describe(started.error());
  EXPECT_EQ(started->room_id, sid);
  ASSERT_TRUE(video.start_recording({"run-6/start_recording", sid}).ok());  // already recording
  json e = effects();
  EXPECT_EQ(e["recordingRulesUpdates"], 2);
  EXPECT_EQ(e["recordingsStarted"], 4);  // two participants, audio and video each
  ASSERT_TRUE(video.stop_recording({"run-6/stop_recording", sid}).ok());

  // Before the room has ended, a composition is not possible yet: retryable.
  sdk::CompositionRequest compose;
  compose.idempotency_key = "run-6/compose";
  compose.room_id = sid;
  auto early = video.request_composition(compose);
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(early.error().retryable) << describe(early.error());

  auto ended = video.end_room({"run-6/end_room", sid});
  ASSERT_TRUE(ended.ok()) << describe(ended.error());
  EXPECT_EQ(ended->status, "completed");
  auto ended_again = video.end_room({"run-6/end_room", sid});
  ASSERT_TRUE(ended_again.ok()) << describe(ended_again.error());

  auto recordings = video.list_recordings({"", sid});
  ASSERT_TRUE(recordings.ok()) << describe(recordings.error());
  ASSERT_EQ(recordings->size(), 4u);
  for (const auto& r : *recordings) {
    EXPECT_EQ(r.status, "completed");
    EXPECT_EQ(r.room_id, sid);
  }

  auto composition = video.request_composition(compose);
  ASSERT_TRUE(composition.ok()) << describe(composition.error());
  auto repeat = video.request_composition(compose);
  ASSERT_TRUE(repeat.ok()) << describe(repeat.error());
  EXPECT_EQ(repeat->provider_id, composition->provider_id);
  EXPECT_EQ(effects()["compositionsCreatedByRoomSid"][sid], 1);

  // The engine's polling: retry fetch_media while it says "retry later".
  const std::string cj = composition->provider_id;
  std::int64_t streamed = 0;
  std::size_t largest_chunk = 0;
  sdk::Result<sdk::MediaInfo> info = sdk::Error(sdk::ErrorCode::kInternal, "not fetched");
  int attempts = 0;
  for (auto until = std::chrono::steady_clock::now() + 20s;
       std::chrono::steady_clock::now() < until;) {
    Sha256 attempt_digest;
    std::int64_t attempt_bytes = 0;
    ++attempts;
    info = video.fetch_media({cj}, [&](std::string_view chunk) -> sdk::Status {
      attempt_digest.update(chunk);
      attempt_bytes += static_cast<std::int64_t>(chunk.size());
      largest_chunk = std::max(largest_chunk, chunk.size());
      return {};
    });
    if (info.ok()) {
      streamed = attempt_bytes;
      std::string hex = attempt_digest.hex();
      auto expected = peer_->get("/_peer/media-digest?kind=compositions&sid=" + cj);
      ASSERT_TRUE(expected.ok()) << expected.error().message;
      EXPECT_EQ(hex, (*expected)["sha256"]);
      EXPECT_EQ(streamed, (*expected)["size"].get<std::int64_t>());
      break;
    }
    ASSERT_TRUE(info.error().retryable) << describe(info.error());
    ASSERT_EQ(info.error().code, sdk::ErrorCode::kFailedPrecondition);
    std::this_thread::sleep_for(info.error().retry_after.value_or(100ms));  // the engine's backoff
  }
  ASSERT_TRUE(info.ok()) << describe(info.error()) << " after " << attempts << " attempts";
  EXPECT_EQ(info->size_bytes, 3000000);
  EXPECT_EQ(info->content_type, "video/mp4");
  EXPECT_LT(largest_chunk, 3000000u);  // streamed, not handed over whole
  EXPECT_EQ(effects()["mediaFetches"], 1);

  auto listed = video.list_recordings({"", sid});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 5u);
  EXPECT_EQ(listed->back().kind, "composition");
  EXPECT_EQ(listed->back().status, "completed");

  // After the archive commit: data minimisation at Twilio.
  LoopbackHost host(settings(), "video.twilio-loopback");
  auto parsed = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  TwilioVideoProvider provider(host, *parsed);
  ASSERT_TRUE(provider.release_media({cj}).ok());
  ASSERT_TRUE(provider.release_media({cj}).ok());  // idempotent
  e = effects();
  EXPECT_EQ(e["compositionsDeleted"], 1);
  EXPECT_EQ(e["recordingsDeleted"], 4);
  auto gone = video.fetch_media({cj}, [](std::string_view) { return sdk::Status(); });
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, sdk::ErrorCode::kNotFound);
}

TEST_F(TwilioEmulatorTest, SignedCallbacksAreVerifiedDedupedAndOrderedByTimestamp) {
  LoadedPlugin plugin;
  ASSERT_TRUE(plugin.load(settings()));
  control(
      "/_peer/faults",
      json::array({{{"callbacks", "duplicate"}, {"count", 1}, {"event", "participant-connected"}},
                   {{"callbacks", "duplicate"}, {"count", 1}, {"event", "room-ended"}}}));
  auto room = plugin.video().create_room(room_request("run-7/create_room", ""));
  ASSERT_TRUE(room.ok()) << describe(room.error());
  const std::string sid = room->provider_room_id;
  // The join, the leave and the end are held and delivered newest first.
  control("/_peer/faults", {{"callbacks", "reorder"}, {"count", 4}});
  control("/_peer/rooms/" + sid + "/simulate",
          {{"actions", json::array({{{"type", "join"}, {"identity", "clinician-1"}},
                                    {{"type", "join"}, {"identity", "patient-1"}},
                                    {{"type", "leave"}, {"identity", "patient-1"}},
                                    {{"type", "end"}}})}});
  control("/_peer/callbacks/flush", json::object());
  control("/_peer/callbacks/wait", json::object());

  std::vector<sdk::Event> events = verified_events(plugin.webhook());
  // room-created, 2 x participant-connected (+1 duplicate), 2 x disconnected
  // (the leave, then the end disconnects the clinician), room-ended (+1 duplicate).
  std::multiset<std::string> types;
  std::map<std::string, int> by_key;
  for (const auto& e : events) {
    types.insert(e.type);
    ++by_key[e.dedupe_key];
    EXPECT_EQ(e.room_id, sid);
    EXPECT_GT(e.occurred_at_ms, 0);
  }
  EXPECT_EQ(types.count("room.started"), 1u);
  EXPECT_EQ(types.count("participant.connected"), 3u);
  EXPECT_EQ(types.count("participant.disconnected"), 2u);
  EXPECT_EQ(types.count("room.ended"), 2u);
  EXPECT_EQ(by_key.size(), 6u);  // distinct events
  EXPECT_EQ(by_key["twilio:room-ended:" + sid], 2);

  // Arrival order is not the lifecycle order; Timestamp order is.
  auto position = [](const std::vector<sdk::Event>& list, const std::string& type) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i].type == type) return i;
    }
    return list.size();
  };
  EXPECT_LT(position(events, "room.ended"), position(events, "participant.disconnected"))
      << "the reorder fault did not take effect";
  std::vector<sdk::Event> sorted = events;
  std::stable_sort(sorted.begin(), sorted.end(), [](const sdk::Event& a, const sdk::Event& b) {
    return a.occurred_at_ms < b.occurred_at_ms;
  });
  EXPECT_EQ(sorted.front().type, "room.started");
  EXPECT_EQ(sorted.back().type, "room.ended");
  EXPECT_LT(position(sorted, "participant.connected"),
            position(sorted, "participant.disconnected"));
  EXPECT_LT(position(sorted, "participant.disconnected"), position(sorted, "room.ended"));

  // Tampered or replayed callbacks are refused.
  auto callbacks = receiver_->received();
  ASSERT_FALSE(callbacks.empty());
  auto tampered = CallbackReceiver::as_webhook(callbacks.front(), receiver_->url(""));
  tampered.body += "&Injected=1";
  auto refused = plugin.webhook().verify(tampered);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnauthenticated);
  auto replayed = CallbackReceiver::as_webhook(callbacks.front(), "https://elsewhere.example.org");
  EXPECT_EQ(plugin.webhook().verify(replayed).error().code, sdk::ErrorCode::kUnauthenticated);
}

TEST_F(TwilioEmulatorTest, CompositionCallbacksReachTheVerifier) {
  LoadedPlugin plugin;
  ASSERT_TRUE(plugin.load(settings()));
  auto room = plugin.video().create_room(room_request("run-8/create_room", ""));
  ASSERT_TRUE(room.ok()) << describe(room.error());
  const std::string sid = room->provider_room_id;
  control("/_peer/rooms/" + sid + "/simulate",
          {{"actions",
            json::array({{{"type", "join"}, {"identity", "clinician-1"}}, {{"type", "end"}}})}});
  sdk::CompositionRequest compose;
  compose.idempotency_key = "run-8/compose";
  compose.room_id = sid;
  auto composition = plugin.video().request_composition(compose);
  ASSERT_TRUE(composition.ok()) << describe(composition.error());
  // Poll the peer (bounded) until composition-available went out.
  bool available = false;
  for (auto until = std::chrono::steady_clock::now() + 20s;
       !available && std::chrono::steady_clock::now() < until;) {
    control("/_peer/callbacks/wait", json::object());
    for (const auto& e : verified_events(plugin.webhook())) {
      if (e.type == "composition.completed") {
        available = true;
        EXPECT_EQ(e.recording_id, composition->provider_id);
        EXPECT_EQ(e.dedupe_key, "twilio:composition-available:" + composition->provider_id);
      }
    }
    if (!available) std::this_thread::sleep_for(50ms);  // polling with a deadline
  }
  EXPECT_TRUE(available);
}

}  // namespace
}  // namespace wasl::plugins::twilio
