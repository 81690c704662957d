// The Janus plugin's pure parts: settings, the admin API answer parser and
// the event verifier, without a Janus.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/janus/admin_client.hpp"
#include "plugins/janus/event_verifier.hpp"
#include "plugins/janus/janus_video_provider.hpp"
#include "plugins/janus/recording_converter.hpp"
#include "plugins/janus/settings.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::janus {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::string kSchema = WASL_SOURCE_DIR "/plugins/janus/schema.json";

json base_settings() {
  return {{"api_url", "https://video.hospital.sa/janus"},
          {"admin_url", "http://127.0.0.1:7088/admin"},
          {"admin_secret", "s3cret"},
          {"room_admin_key", "k3y"},
          {"recording_root", "/srv/janus/recordings"},
          {"events", {{"user", "janus-events"}, {"password", "ev-pass"}}}};
}

sdk::Result<JanusSettings> parse(json settings, SettingsUse use = SettingsUse::kVideo) {
  sdk::testing::FakeHost host;
  return parse_settings(sdk::testing::settings_from_schema(kSchema, settings), host, use);
}

TEST(JanusSettingsTest, ReadsTheSettingsWithDefaults) {
  auto settings = parse(base_settings());
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->admin_url, "http://127.0.0.1:7088/admin");
  EXPECT_EQ(settings->token_ttl, std::chrono::seconds(14400));
  EXPECT_EQ(settings->recording_root, "/srv/janus/recordings");
  EXPECT_TRUE(settings->events_password.empty());  // only read for the webhook
  auto webhook = parse(base_settings(), SettingsUse::kWebhook);
  ASSERT_TRUE(webhook.ok());
  EXPECT_EQ(webhook->events_password, "ev-pass");
}

TEST(JanusSettingsTest, RefusesPlainHttpToAnotherHost) {
  json settings = base_settings();
  settings["admin_url"] = "http://janus.hospital.sa:7088/admin";
  auto parsed = parse(settings);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(parsed.error().message, HasSubstr("admin_url"));
  EXPECT_THAT(url_problem("http://127.0.0.1.evil.example/", "api_url"), HasSubstr("api_url"));
  EXPECT_THAT(url_problem("http://user@127.0.0.1/", "api_url"), HasSubstr("user"));
  EXPECT_EQ(url_problem("http://[::1]:8088/janus", "api_url"), "");
  EXPECT_EQ(url_problem("http://localhost:8088/janus", "api_url"), "");
  EXPECT_EQ(url_problem("https://janus.hospital.sa/janus", "api_url"), "");
}

TEST(JanusSettingsTest, NeedsTheAdminSecretAndRoomKey) {
  json settings = base_settings();
  settings.erase("admin_secret");
  auto parsed = parse(settings);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.error().message, HasSubstr("admin_secret"));
  EXPECT_THAT(parsed.error().message, ::testing::Not(HasSubstr("s3cret")));
  settings = base_settings();
  settings["recording_root"] = "/srv/../etc";
  EXPECT_FALSE(parse(settings).ok());
}

TEST(JanusAdminAnswerTest, MapsJanusErrors) {
  auto ok = parse_admin_answer(
      200, R"({"janus":"success","response":{"videoroom":"success","exists":true}})", true);
  ASSERT_TRUE(ok.ok);
  EXPECT_TRUE(ok.document["exists"].get<bool>());

  auto no_room = parse_admin_answer(
      200,
      R"({"janus":"success","response":{"videoroom":"event","error_code":426,"error":"No such room"}})",
      true);
  ASSERT_FALSE(no_room.ok);
  EXPECT_EQ(no_room.failure.janus_code, kRoomNoSuchRoom);
  EXPECT_EQ(no_room.failure.error.code, sdk::ErrorCode::kNotFound);

  auto refused = parse_admin_answer(
      200, R"({"janus":"error","error":{"code":403,"reason":"Unauthorized request"}})", false);
  EXPECT_EQ(refused.failure.error.code, sdk::ErrorCode::kUnauthenticated);
  EXPECT_FALSE(refused.failure.error.retryable);

  auto down = parse_admin_answer(503, "", false);
  EXPECT_EQ(down.failure.error.code, sdk::ErrorCode::kUnavailable);
  EXPECT_TRUE(down.failure.error.retryable);

  auto garbage = parse_admin_answer(200, "<html>proxy</html>", true);
  EXPECT_FALSE(garbage.ok);
  EXPECT_TRUE(garbage.failure.error.retryable);

  auto deep = parse_admin_answer(200, std::string(5000, '[') + std::string(5000, ']'), true);
  EXPECT_FALSE(deep.ok);

  auto odd = parse_admin_answer(200, R"({"janus":"success","response":{"error_code":"x"}})", true);
  EXPECT_FALSE(odd.ok);
  EXPECT_EQ(odd.failure.error.code, sdk::ErrorCode::kUnavailable);
}

TEST(JanusSettingsTest, ConvertersDefaultToDebiansPaths) {
  auto settings = parse(base_settings());
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->janus_pp_rec, "/usr/bin/janus-pp-rec");
  EXPECT_EQ(settings->ffmpeg, "/usr/bin/ffmpeg");
  EXPECT_EQ(settings->conversion_timeout, std::chrono::seconds(1800));
  json relative = base_settings();
  relative["ffmpeg"] = "ffmpeg";
  EXPECT_THROW(sdk::testing::settings_from_schema(kSchema, relative), std::exception);
}

TEST(JanusRecordingTest, ReadsJanusFileNames) {
  auto streams = mjr_streams({"videoroom-42-user-7-1700000002000000-video-1.mjr",
                              "videoroom-42-user-7-1700000002000000-audio-0.mjr",
                              "videoroom-42-user-9-1700000000500000-audio.mjr",
                              "videoroom-42-user-9-1700000000500000-data-2.mjr", "notes.txt",
                              "composition", "../x-audio.mjr"});
  ASSERT_EQ(streams.size(), 3u);
  EXPECT_EQ(streams[0].file, "videoroom-42-user-9-1700000000500000-audio.mjr");
  EXPECT_EQ(streams[0].kind, "audio");
  EXPECT_EQ(streams[0].start_us, 1700000000500000);
  EXPECT_EQ(streams[1].kind, "audio");
  EXPECT_EQ(streams[2].kind, "video");
  EXPECT_EQ(streams[2].publisher, "videoroom-42-user-7-1700000002000000");
}

TEST(JanusRecordingTest, MixesAudioAndTilesVideoIntoOneWebM) {
  auto args = ffmpeg_mix_arguments({{"0.opus", "audio", 0},
                                    {"1.webm", "video", 0},
                                    {"2.opus", "audio", 1500},
                                    {"3.webm", "video", 1500},
                                    {"4.webm", "video", 2000}},
                                   "out.webm.part");
  auto at = std::find(args.begin(), args.end(), "-filter_complex");
  ASSERT_NE(at, args.end());
  const std::string graph = *(at + 1);
  EXPECT_THAT(graph, HasSubstr("xstack=inputs=3:layout=0_0|640_0|0_480:fill=black[v]"));
  EXPECT_THAT(graph, HasSubstr("amix=inputs=2:duration=longest"));
  EXPECT_THAT(graph, HasSubstr("adelay=1500:all=1"));
  EXPECT_THAT(graph, HasSubstr("tpad=start_duration=2.000:color=black"));
  EXPECT_EQ(args.back(), "out.webm.part");
  EXPECT_THAT(args, ::testing::Contains("libvpx"));
  EXPECT_THAT(args, ::testing::Contains("libopus"));
  EXPECT_EQ(std::count(args.begin(), args.end(), "-i"), 5);

  // One publisher: no grid, no mix.
  auto one = ffmpeg_mix_arguments({{"0.opus", "audio", 0}, {"1.webm", "video", 0}}, "o");
  const std::string single = *(std::find(one.begin(), one.end(), "-filter_complex") + 1);
  EXPECT_THAT(single, HasSubstr("[v0]null[v]"));
  EXPECT_THAT(single, HasSubstr("[a0]anull[a]"));
}

TEST(JanusIdsTest, AreStableAndFitJavaScriptNumbers) {
  EXPECT_EQ(room_id_for_key("consultation:1"), room_id_for_key("consultation:1"));
  EXPECT_NE(room_id_for_key("consultation:1"), room_id_for_key("consultation:2"));
  EXPECT_LT(room_id_for_key("consultation:1"), std::uint64_t{1} << 53);
  EXPECT_NE(feed_id_for(7, "p", 0), feed_id_for(7, "p", 1));
}

class JanusVerifierTest : public ::testing::Test {
 protected:
  JanusVerifierTest() {
    auto settings = parse(base_settings(), SettingsUse::kWebhook);
    verifier_ = std::make_unique<JanusEventVerifier>(*settings);
  }

  static sdk::WebhookRequest request(std::string body, std::string authorization) {
    sdk::WebhookRequest r;
    r.method = "POST";
    r.url = "https://hub.example/v1/webhooks/video.janus";
    if (!authorization.empty()) r.headers.emplace_back("Authorization", authorization);
    r.body = std::move(body);
    return r;
  }

  static std::string good() { return "Basic " + sdk::base64_encode("janus-events:ev-pass"); }

  std::unique_ptr<JanusEventVerifier> verifier_;
};

const char* kEvents = R"([
  {"emitter":"j1","type":64,"timestamp":1700000000123456,"session_id":11,"handle_id":22,
   "event":{"plugin":"janus.plugin.videoroom","data":{"event":"joined","room":1234,"id":555,"display":"x"}}},
  {"emitter":"j1","type":64,"timestamp":1700000001000000,"session_id":11,"handle_id":22,
   "event":{"plugin":"janus.plugin.videoroom","data":{"event":"leaving","room":1234,"id":555}}},
  {"emitter":"j1","type":64,"timestamp":1700000002000000,
   "event":{"plugin":"janus.plugin.videoroom","data":{"event":"destroyed","room":1234}}},
  {"emitter":"j1","type":1,"timestamp":1700000002000000,"session_id":11,"event":{"name":"created"}},
  {"emitter":"j1","type":64,"timestamp":1700000002000000,
   "event":{"plugin":"janus.plugin.echotest","data":{"event":"joined","room":1,"id":2}}}
])";

TEST_F(JanusVerifierTest, MapsVideoRoomEvents) {
  auto events = verifier_->verify(request(kEvents, good()));
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].type, "participant.connected");
  EXPECT_EQ((*events)[0].room_id, "1234");
  EXPECT_EQ((*events)[0].participant_id, "555");
  EXPECT_EQ((*events)[0].occurred_at_ms, 1700000000123);
  EXPECT_EQ((*events)[1].type, "participant.disconnected");
  EXPECT_EQ((*events)[2].type, "room.ended");
  EXPECT_NE((*events)[0].dedupe_key, (*events)[1].dedupe_key);
  auto again = verifier_->verify(request(kEvents, good()));
  EXPECT_EQ((*again)[0].dedupe_key, (*events)[0].dedupe_key);
}

TEST_F(JanusVerifierTest, RefusesForgedOrUnsignedEvents) {
  for (const std::string& authorization :
       {std::string(), "Basic " + sdk::base64_encode("janus-events:wrong"),
        "Basic " + sdk::base64_encode("other:ev-pass"), std::string("Bearer x")}) {
    auto events = verifier_->verify(request(kEvents, authorization));
    ASSERT_FALSE(events.ok()) << authorization;
    EXPECT_EQ(events.error().code, sdk::ErrorCode::kUnauthenticated);
  }
  // No credential configured: everything is refused.
  auto settings = parse(base_settings(), SettingsUse::kVideo);
  JanusEventVerifier closed(*settings);
  EXPECT_EQ(closed.verify(request(kEvents, good())).error().code, sdk::ErrorCode::kUnauthenticated);
}

TEST_F(JanusVerifierTest, RefusesBadBodies) {
  EXPECT_EQ(verifier_->verify(request("not json", good())).error().code,
            sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(verifier_->verify(request("42", good())).error().code,
            sdk::ErrorCode::kInvalidArgument);
  json many = json::array();
  for (int i = 0; i < 101; ++i) many.push_back(json::object());
  EXPECT_EQ(verifier_->verify(request(many.dump(), good())).error().code,
            sdk::ErrorCode::kResourceExhausted);
  // Odd members are ignored, never a crash.
  auto odd = verifier_->verify(request(
      R"([{"type":64,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"joined","room":-1,"id":[1]}}},
          {"type":"64"},{"type":64,"event":[]},null,7])",
      good()));
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->empty());
}

}  // namespace
}  // namespace wasl::plugins::janus
