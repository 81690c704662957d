// The Chime plugin against the Node Chime peer (tests/peers/chime), which
// verifies every request's SigV4 with @smithy/signature-v4 and counts effects
// by ClientRequestToken. The plugin is the real libwasl_chime.so loaded
// through PluginHost; the parts the SDK interface does not reach
// (BatchCreateAttendee, signing a request by hand) use the plugin's core over
// the hub's real HTTP client.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <fstream>
#include <thread>

#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "plugins/chime/chime_video_provider.hpp"
#include "plugins/chime/client_request_token.hpp"
#include "plugins/chime/eventbridge_verifier.hpp"
#include "tests/peers/support/loopback_host.hpp"
#include "tests/peers/support/peer_process.hpp"
#include "tests/sanitizers/sanitizers.hpp"
#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::chime {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using wasl::testing::LoopbackHost;
using wasl::testing::PeerOptions;
using wasl::testing::PeerProcess;

constexpr char kAccessKey[] = "AKIDEXAMPLE";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kBucketArn[] = "arn:aws:s3:::wasl-recordings";

std::string token_for(const std::string& key) { return *client_request_token(key); }

// VmHWM (peak resident set) of this process, in bytes.
std::int64_t peak_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

// SHA-256 of the peer's deterministic recording: the AES-256-CTR keystream
// under key SHA-256(seed) with a zero counter block, `size` bytes.
std::string expected_recording_sha256(const std::string& seed, std::int64_t size) {
  unsigned char key[32];
  unsigned int key_len = 0;
  EVP_Digest(seed.data(), seed.size(), key, &key_len, EVP_sha256(), nullptr);
  unsigned char iv[16] = {0};
  EVP_CIPHER_CTX* cipher = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(cipher, EVP_aes_256_ctr(), nullptr, key, iv);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  std::vector<unsigned char> zeros(1 << 20, 0), out((1 << 20) + 16);
  for (std::int64_t done = 0; done < size;) {
    int n = static_cast<int>(std::min<std::int64_t>(zeros.size(), size - done));
    int written = 0;
    EVP_EncryptUpdate(cipher, out.data(), &written, zeros.data(), n);
    EVP_DigestUpdate(md, out.data(), written);
    done += n;
  }
  unsigned char digest[32];
  unsigned int digest_len = 0;
  EVP_DigestFinal_ex(md, digest, &digest_len);
  EVP_MD_CTX_free(md);
  EVP_CIPHER_CTX_free(cipher);
  return wasl::sdk::to_hex(digest, sizeof digest);
}

class ChimePeerTest : public ::testing::Test {
 protected:
  // A failed install or start fails each test (PeerProcess keeps the
  // install's outcome).
  void SetUp() override {
    PeerOptions options;
    options.args = {"--concatenation-ms", "50", "--events-header-value", "peer-events-secret"};
    auto peer = PeerProcess::start("chime", options);
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(peer).value();
  }

  json settings(json overrides = json::object()) const {
    json s = {
        {"region", "us-east-1"},
        {"endpoints",
         {{"meetings", peer_->url()}, {"media_pipelines", peer_->url()}, {"s3", peer_->url()}}},
        {"credentials", {{"access_key_id", kAccessKey}, {"secret_access_key", kSecretKey}}},
        {"capture", {{"bucket_arn", kBucketArn}, {"prefix", "captures"}}},
        {"eventbridge", {{"header_value", "peer-events-secret"}}},
        {"retry", {{"max_attempts", 3}, {"max_delay_ms", 3000}, {"initial_backoff_ms", 20}}}};
    s.merge_patch(overrides);
    // As the hub hands them over: checked against schema.json, defaults filled in.
    return sdk::testing::settings_from_schema(WASL_SOURCE_DIR "/plugins/chime/schema.json", s);
  }

  // Loads libwasl_chime.so through the hub's PluginHost with one instance.
  std::shared_ptr<sdk::VideoProvider> load(json instance_settings) {
    config_.plugins.files = {{"chime", WASL_CHIME_PLUGIN_FILE, "", 1}};
    config::InstanceConfig instance;
    instance.name = "video.chime-peer";
    instance.plugin = "chime";
    instance.settings = std::move(instance_settings);
    config_.instances = {{instance.name, instance}};
    plugin_host::PluginHostOptions options;
    options.state = &state_;
    auto loaded = plugin_host::PluginHost::load(config_, metrics_, options);
    EXPECT_TRUE(loaded.ok()) << loaded.error().message;
    if (!loaded.ok()) return nullptr;
    plugin_host_ = std::move(loaded).value();
    auto video = plugin_host_->video("video.chime-peer");
    EXPECT_TRUE(video.ok()) << video.error().message;
    return video.ok() ? *video : nullptr;
  }

  json effects() {
    auto e = peer_->get("/_peer/effects");
    EXPECT_TRUE(e.ok()) << e.error().message;
    return e.ok() ? *e : json::object();
  }

  void fault(json rule) {
    auto r = peer_->post("/_peer/faults", rule);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  sdk::Room create_room(sdk::VideoProvider& video, const std::string& key, int limit = 4) {
    sdk::CreateRoomRequest request;
    request.idempotency_key = key;
    request.name = "consultation-" + std::to_string(limit);
    request.participant_limit = limit;
    auto room = video.create_room(request);
    EXPECT_TRUE(room.ok()) << room.error().message;
    return room.ok() ? *room : sdk::Room{};
  }

  sdk::Result<sdk::JoinToken> join(sdk::VideoProvider& video, const std::string& room,
                                   const std::string& identity, const std::string& role) {
    sdk::JoinTokenRequest request;
    request.idempotency_key = room + "/" + identity;
    request.room_id = room;
    request.participant.identity = identity;
    request.participant.role = role;
    return video.issue_join_token(request);
  }

  std::unique_ptr<PeerProcess> peer_;
  config::Config config_;
  observability::Metrics metrics_;
  plugin_host::InMemoryStateStore state_;
  std::unique_ptr<plugin_host::PluginHost> plugin_host_;
};

TEST_F(ChimePeerTest, OneIdempotencyKeyCreatesOneMeeting) {
  auto video = load(settings());
  ASSERT_TRUE(video);
  sdk::Room first = create_room(*video, "run-1/create_room");
  sdk::Room second = create_room(*video, "run-1/create_room");
  EXPECT_FALSE(first.provider_room_id.empty());
  EXPECT_EQ(first.provider_room_id, second.provider_room_id);
  EXPECT_TRUE(first.raw["Meeting"]["MediaPlacement"].contains("SignalingUrl"));
  json e = effects();
  EXPECT_EQ(e["meetingsCreated"], 1);
  EXPECT_EQ(e["meetingsByClientRequestToken"][token_for("run-1/create_room")], 1);
  EXPECT_EQ(e["requests"]["rejectedSignatures"], 0);
  EXPECT_EQ(e["requests"]["byOperation"]["CreateMeeting"], 2);

  sdk::Room other = create_room(*video, "run-2/create_room");
  EXPECT_NE(other.provider_room_id, first.provider_room_id);
  EXPECT_EQ(effects()["meetingsCreated"], 2);
}

TEST_F(ChimePeerTest, AttendeesGetJoinInformationAndFollowTheirRole) {
  auto video = load(settings());
  ASSERT_TRUE(video);
  sdk::Room room = create_room(*video, "run-3/create_room");
  auto clinician = join(*video, room.provider_room_id, "clinician-1", "clinician");
  auto observer = join(*video, room.provider_room_id, "observer-1", "observer");
  ASSERT_TRUE(clinician.ok()) << clinician.error().message;
  ASSERT_TRUE(observer.ok()) << observer.error().message;
  json info = json::parse(observer->token);
  EXPECT_EQ(info["Meeting"]["MeetingId"], room.provider_room_id);
  EXPECT_TRUE(info["Meeting"]["MediaPlacement"].contains("AudioHostUrl"));
  EXPECT_FALSE(info["Attendee"]["JoinToken"].get<std::string>().empty());
  EXPECT_EQ(info["Attendee"]["Capabilities"],
            json({{"Audio", "Receive"}, {"Video", "Receive"}, {"Content", "Receive"}}));

  // The same participant again is the same attendee (ExternalUserId).
  auto again = join(*video, room.provider_room_id, "clinician-1", "clinician");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->provider_participant_id, clinician->provider_participant_id);

  auto listed = video->list_participants({"", room.provider_room_id});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].identity, "clinician-1");
  EXPECT_EQ((*listed)[0].role, "clinician");
  EXPECT_EQ((*listed)[1].role, "observer");

  ASSERT_TRUE(
      video->remove_participant({"k", room.provider_room_id, observer->provider_participant_id})
          .ok());
  ASSERT_TRUE(
      video->remove_participant({"k", room.provider_room_id, observer->provider_participant_id})
          .ok());  // gone: ok
  EXPECT_EQ(effects()["attendeesCreated"], 2);
  EXPECT_EQ(effects()["attendeesDeleted"], 1);
}

TEST_F(ChimePeerTest, BatchCreateAttendeeReportsPartialErrorsPerParticipant) {
  LoopbackHost host(settings(), "video.chime-loopback");
  auto parsed = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_TRUE(parsed.ok());
  ChimeVideoProvider provider(host, *parsed);
  sdk::CreateRoomRequest request;
  request.idempotency_key = "run-4/create_room";
  request.name = "batch";
  request.participant_limit = 3;
  auto room = provider.create_room(request);
  ASSERT_TRUE(room.ok()) << room.error().message;
  std::vector<sdk::Participant> people;
  for (int i = 0; i < 5; ++i) {
    sdk::Participant p;
    p.identity = "person-" + std::to_string(i);
    p.role = i == 0 ? "clinician" : "patient";
    people.push_back(p);
  }
  auto results = provider.issue_join_tokens(room->provider_room_id, people, 600);
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_EQ(results->size(), 5u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE((*results)[i].ok()) << i;
  for (int i = 3; i < 5; ++i) {
    ASSERT_FALSE((*results)[i].ok()) << i;
    EXPECT_EQ((*results)[i].error().code, sdk::ErrorCode::kResourceExhausted);
  }
  EXPECT_EQ(effects()["attendeesCreated"], 3);
  EXPECT_EQ(effects()["requests"]["byOperation"]["BatchCreateAttendee"], 1);
}

TEST_F(ChimePeerTest, ARequestTamperedAfterSigningIsRefused) {
  LoopbackHost host(settings(), "video.chime-loopback");
  auto parsed = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_TRUE(parsed.ok());
  AwsTransport transport(host, parsed->credentials, "us-east-1", {}, {}, 10s);
  AwsCall call;
  call.operation = "CreateMeeting";
  call.service = "chime";
  call.endpoint = &parsed->meetings;
  call.method = "POST";
  call.path = "/meetings";
  call.body = json{{"ClientRequestToken", token_for("tamper")},
                   {"ExternalMeetingId", "original"},
                   {"MediaRegion", "us-east-1"}};
  auto request = transport.build(call);
  ASSERT_TRUE(request.ok());

  sdk::HttpRequest tampered = *request;
  tampered.body = json{
      {"ClientRequestToken", token_for("tamper")},
      {"ExternalMeetingId", "tampered"},
      {"MediaRegion",
       "us-east-1"}}.dump();
  auto refused = host.http(tampered);
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(refused->header("x-amzn-ErrorType"), "ForbiddenException");
  EXPECT_EQ(effects()["meetingsCreated"], 0);
  EXPECT_EQ(effects()["requests"]["rejectedSignatures"], 1);

  auto accepted = host.http(*request);  // the request exactly as signed
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->status, 200) << accepted->body;
  EXPECT_EQ(effects()["meetingsCreated"], 1);

  // The plugin with a wrong secret is refused, as unauthenticated and permanent.
  auto video = load(settings({{"credentials", {{"secret_access_key", "not-the-secret"}}}}));
  ASSERT_TRUE(video);
  sdk::CreateRoomRequest create;
  create.idempotency_key = "run-5/create_room";
  auto room = video->create_room(create);
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().code, sdk::ErrorCode::kUnauthenticated);
  EXPECT_FALSE(room.error().retryable);
  EXPECT_EQ(room.error().message.find("not-the-secret"), std::string::npos);
  EXPECT_EQ(effects()["requests"]["rejectedSignatures"], 2);
}

TEST_F(ChimePeerTest, EveryCallFailingOnceStillMakesOneMeetingAndOnePipeline) {
  auto video = load(settings());
  ASSERT_TRUE(video);
  ASSERT_TRUE(peer_->post("/_peer/config", {{"recordingBytes", 4096}}).ok());
  fault(json::array({
      {{"operation", "CreateMeeting"}, {"status", 500}, {"afterEffect", true}},
      {{"operation", "CreateAttendee"}, {"status", 503}, {"retryAfterSeconds", 1}},
      {{"operation", "GetMeeting"}, {"status", 429}, {"retryAfterSeconds", 0}},
      {{"operation", "ListAttendees"}, {"status", 503}, {"retryAfterSeconds", 0}},
      {{"operation", "CreateMediaCapturePipeline"}, {"status", 500}, {"afterEffect", true}},
      {{"operation", "DeleteMediaCapturePipeline"}, {"status", 503}, {"retryAfterSeconds", 0}},
      {{"operation", "CreateMediaConcatenationPipeline"}, {"status", 500}, {"afterEffect", true}},
      {{"operation", "GetMediaPipeline"}, {"status", 500}},
      {{"operation", "ListObjectsV2"}, {"status", 503}, {"retryAfterSeconds", 0}},
      {{"operation", "GetObject"}, {"status", 500}},
      {{"operation", "DeleteMeeting"}, {"status", 503}, {"retryAfterSeconds", 0}},
  }));

  auto started = std::chrono::steady_clock::now();
  sdk::Room room = create_room(*video, "run-6/create_room");
  ASSERT_FALSE(room.provider_room_id.empty());
  auto token = join(*video, room.provider_room_id, "patient-1", "patient");
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);  // CreateAttendee's Retry-After
  auto listed = video->list_participants({"", room.provider_room_id});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  auto recording = video->start_recording({"run-6/start_recording", room.provider_room_id});
  ASSERT_TRUE(recording.ok()) << recording.error().message;
  ASSERT_TRUE(video->stop_recording({"run-6/stop_recording", room.provider_room_id}).ok());
  sdk::CompositionRequest compose;
  compose.idempotency_key = "run-6/compose";
  compose.room_id = room.provider_room_id;
  auto composition = video->request_composition(compose);
  ASSERT_TRUE(composition.ok()) << composition.error().message;

  // Poll (bounded) until the concatenation has written its file.
  sdk::Result<sdk::MediaInfo> media = sdk::Error(sdk::ErrorCode::kInternal, "not fetched");
  std::string bytes;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    bytes.clear();
    media = video->fetch_media({composition->provider_id}, [&](std::string_view c) {
      bytes.append(c);
      return sdk::Status();
    });
    if (media.ok() || media.error().code != sdk::ErrorCode::kFailedPrecondition) break;
    std::this_thread::sleep_for(50ms);  // polling with a deadline
  }
  ASSERT_TRUE(media.ok()) << media.error().message;
  EXPECT_EQ(media->size_bytes, 4096);
  ASSERT_TRUE(video->end_room({"run-6/end_room", room.provider_room_id}).ok());

  json e = effects();
  EXPECT_EQ(e["meetingsCreated"], 1);
  EXPECT_EQ(e["meetingsByClientRequestToken"][token_for("run-6/create_room")], 1);
  EXPECT_EQ(e["attendeesCreated"], 1);
  EXPECT_EQ(e["capturePipelinesCreated"], 1);
  EXPECT_EQ(e["capturePipelinesByClientRequestToken"][token_for("run-6/start_recording")], 1);
  EXPECT_EQ(e["concatenationPipelinesCreated"], 1);
  EXPECT_EQ(e["meetingsEnded"], 1);
  EXPECT_EQ(e["requests"]["rejectedSignatures"], 0);
  auto pending = peer_->get("/_peer/faults");
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE((*pending)["rules"].empty()) << pending->dump();  // every fault fired
}

TEST_F(ChimePeerTest, TheHubsRetryOfALostCreateReusesTheToken) {
  auto video = load(settings({{"retry", {{"max_attempts", 1}}}}));
  ASSERT_TRUE(video);
  fault({{"operation", "CreateMeeting"}, {"status", 500}, {"afterEffect", true}});
  sdk::CreateRoomRequest request;
  request.idempotency_key = "run-7/create_room";
  auto lost = video->create_room(request);
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(lost.error().retryable);
  EXPECT_EQ(lost.error().code, sdk::ErrorCode::kUnavailable);
  auto retried = video->create_room(request);
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(effects()["meetingsCreated"], 1);
}

TEST_F(ChimePeerTest, AnEndedMeetingMovesToANewOneOnceAndReconciliationSeesTheEnd) {
  auto video = load(settings());
  ASSERT_TRUE(video);
  sdk::Room room = create_room(*video, "run-8/create_room");
  ASSERT_TRUE(
      peer_->post("/_peer/meetings/" + room.provider_room_id + "/simulate", {{"type", "end"}})
          .ok());

  // Nobody ever connected: the meeting expired, the room goes on (the next
  // join recreates it), so reconciliation must not see the room's end.
  auto polled = video->list_participants({"", room.provider_room_id});
  EXPECT_TRUE(polled.ok()) << polled.error().message;

  auto token = join(*video, room.provider_room_id, "patient-1", "patient");
  ASSERT_TRUE(token.ok()) << token.error().message;
  std::string moved_to = token->raw["room_id"];
  EXPECT_NE(moved_to, room.provider_room_id);
  EXPECT_EQ(token->raw["moved_from"], room.provider_room_id);
  json e = effects();
  EXPECT_EQ(e["meetingsCreated"], 2);
  EXPECT_EQ(e["meetingsByClientRequestToken"][token_for("run-8/create_room:2")], 1);

  // The old id keeps working for the room's later calls.
  auto second = join(*video, room.provider_room_id, "clinician-1", "clinician");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->raw["room_id"], moved_to);
  EXPECT_EQ(effects()["meetingsCreated"], 2);

  // Once only.
  ASSERT_TRUE(peer_->post("/_peer/meetings/" + moved_to + "/simulate", {{"type", "end"}}).ok());
  auto third = join(*video, room.provider_room_id, "observer-1", "observer");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(effects()["meetingsCreated"], 2);

  // Reconciliation: the poll learns the recreated meeting ended without an event.
  auto ended = video->list_participants({"", room.provider_room_id});
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().code, sdk::ErrorCode::kNotFound);
}

TEST_F(ChimePeerTest, RecordingIsCapturedConcatenatedAndStreamedInConstantMemory) {
  constexpr std::int64_t kSize = 64LL << 20;
  ASSERT_TRUE(peer_->post("/_peer/config", {{"recordingBytes", kSize}}).ok());
  auto video = load(settings());
  ASSERT_TRUE(video);
  sdk::Room room = create_room(*video, "run-9/create_room");
  auto recording = video->start_recording({"run-9/start_recording", room.provider_room_id});
  ASSERT_TRUE(recording.ok()) << recording.error().message;
  // Another step asking to record: one active capture per meeting (409) is success.
  auto again = video->start_recording({"run-9/start_recording-again", room.provider_room_id});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->provider_id, recording->provider_id);

  ASSERT_TRUE(video->stop_recording({"run-9/stop_recording", room.provider_room_id}).ok());
  sdk::CompositionRequest compose;
  compose.idempotency_key = "run-9/compose";
  compose.room_id = room.provider_room_id;
  auto composition = video->request_composition(compose);
  ASSERT_TRUE(composition.ok()) << composition.error().message;

  // Bounded poll until list_recordings reports the composition complete.
  bool completed = false;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!completed && std::chrono::steady_clock::now() < deadline) {
    auto listed = video->list_recordings({"", room.provider_room_id});
    ASSERT_TRUE(listed.ok()) << listed.error().message;
    for (const auto& r : *listed) {
      if (r.kind == "composition" && r.status == "completed") completed = true;
    }
    if (!completed) std::this_thread::sleep_for(50ms);  // polling with a deadline
  }
  ASSERT_TRUE(completed);

  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  std::int64_t received = 0;
  std::size_t largest_chunk = 0;
  const std::int64_t rss_before = peak_rss_bytes();
  auto media = video->fetch_media({composition->provider_id}, [&](std::string_view chunk) {
    EVP_DigestUpdate(md, chunk.data(), chunk.size());
    received += static_cast<std::int64_t>(chunk.size());
    largest_chunk = std::max(largest_chunk, chunk.size());
    return sdk::Status();
  });
  const std::int64_t rss_after = peak_rss_bytes();
  unsigned char digest[32];
  unsigned int digest_len = 0;
  EVP_DigestFinal_ex(md, digest, &digest_len);
  EVP_MD_CTX_free(md);
  ASSERT_TRUE(media.ok()) << media.error().message;
  EXPECT_EQ(media->size_bytes, kSize);
  EXPECT_EQ(received, kSize);
  EXPECT_EQ(media->content_type, "video/mp4");
  EXPECT_LE(largest_chunk, 1u << 20);
  // Not measurable under a sanitizer (tests/sanitizers/sanitizers.hpp).
  if (wasl::testing::kPeakRssIsMeasurable) {
    EXPECT_LT(rss_after - rss_before, 16LL << 20) << "peak RSS grew while streaming";
  }

  const std::string actual = wasl::sdk::to_hex(digest, sizeof digest);
  EXPECT_EQ(actual,
            expected_recording_sha256("wasl-chime-peer/" + composition->provider_id, kSize));
  auto objects = peer_->get("/_peer/objects?sha256=1");
  ASSERT_TRUE(objects.ok());
  ASSERT_EQ((*objects)["objects"].size(), 1u);
  EXPECT_EQ((*objects)["objects"][0]["sha256"], actual);

  json e = effects();
  EXPECT_EQ(e["capturePipelinesCreated"], 1);
  EXPECT_EQ(e["concatenationPipelinesCreated"], 1);
}

TEST_F(ChimePeerTest, ThePeersEventBridgeEventsVerifyAndNormalize) {
  auto video = load(settings());
  ASSERT_TRUE(video);
  sdk::Room room = create_room(*video, "run-10/create_room");
  // Someone connects before the end, so the end is the room's (an expiry with
  // nobody ever connected is not).
  auto token = join(*video, room.provider_room_id, "patient-1", "patient");
  ASSERT_TRUE(token.ok()) << token.error().message;
  ASSERT_TRUE(peer_
                  ->post("/_peer/meetings/" + room.provider_room_id + "/simulate",
                         {{"type", "join"}, {"attendeeId", token->provider_participant_id}})
                  .ok());
  ASSERT_TRUE(
      peer_->post("/_peer/meetings/" + room.provider_room_id + "/simulate", {{"type", "end"}})
          .ok());
  auto published = peer_->get("/_peer/events");
  ASSERT_TRUE(published.ok());
  auto verifier = plugin_host_->webhook("video.chime-peer");
  ASSERT_TRUE(verifier.ok()) << verifier.error().message;
  std::vector<std::string> types;
  for (const auto& item : (*published)["events"]) {
    json event = {{"version", "0"},
                  {"id", item["id"]},
                  {"source", "aws.chime"},
                  {"detail-type", item["detailType"]},
                  {"time", "2024-01-01T00:00:00Z"},
                  {"detail", item["detail"]}};
    sdk::WebhookRequest request;
    request.method = "POST";
    request.url = "http://127.0.0.1/v1/webhooks/video.chime-peer";
    request.headers = {{"x-wasl-eventbridge-secret", "peer-events-secret"}};
    request.body = event.dump();
    auto events = (*verifier)->verify(request);
    ASSERT_TRUE(events.ok()) << events.error().message;
    for (const auto& e : *events) {
      EXPECT_EQ(e.room_id, room.provider_room_id);
      EXPECT_EQ(e.dedupe_key, "chime:" + item["id"].get<std::string>());
      types.push_back(e.type);
    }
  }
  // The end disconnects whoever is still in the meeting, then ends it.
  EXPECT_EQ(types, (std::vector<std::string>{"room.started", "participant.connected",
                                             "participant.disconnected", "room.ended"}));
}

}  // namespace
}  // namespace wasl::plugins::chime
