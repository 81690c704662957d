// A Janus room's recording from a real publisher to one archived WebM:
// Debian's chromium with a fake camera and microphone publishes for 4 s
// through janus.js (tests/janus_browser) into a recorded room the plugin
// made on the real Janus (ctest fixture janus); the room ends, the plugin
// composes (janus-pp-rec, ffmpeg, through the hub's process runner) and
// streams the WebM, which ffprobe reads as one VP8 video and one Opus audio
// stream of at least 3 s; release_media then removes the raw files and the
// WebM.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/janus/janus_video_provider.hpp"
#include "plugins/janus/settings.hpp"
#include "plugins/janus/tests/janus_server.hpp"
#include "tests/peers/support/loopback_host.hpp"
#include "tests/peers/support/peer_process.hpp"
#include "wasl/sdk/random.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::janus {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::JanusServer;
namespace fs = std::filesystem;

const std::string kSchema = WASL_SOURCE_DIR "/plugins/janus/schema.json";
const std::string kFfprobe = "/usr/bin/ffprobe";

// ffprobe's JSON description of `file` (streams and format).
json probe(const fs::path& file, const fs::path& log) {
  auto ran = wasl::testing::run_to_completion(
      "ffprobe",
      {kFfprobe, "-v", "error", "-show_entries", "stream=codec_type,codec_name:format=duration",
       "-of", "json", file.string()},
      log.string(), std::chrono::seconds(60));
  EXPECT_TRUE(ran.ok()) << ran.error().message;
  std::ifstream in(log);
  return json::parse(in, nullptr, false);
}

TEST(JanusRecordingTest, ARealPublishersRecordingBecomesOneWebM) {
  const JanusServer server = JanusServer::from_fixture(WASL_BINARY_DIR);
  json given =
      sdk::testing::settings_from_schema(kSchema, {{"api_url", server.api_url},
                                                   {"admin_url", server.admin_url},
                                                   {"admin_secret", server.admin_secret},
                                                   {"room_admin_key", server.room_admin_key},
                                                   {"recording_root", server.recordings},
                                                   {"conversion_timeout_seconds", 120}});
  wasl::testing::LoopbackHost host(given, "video.janus-rec");
  // As the hub does for the schema's x-executable settings.
  host.allow_executables(
      {given.at("janus_pp_rec").get<std::string>(), given.at("ffmpeg").get<std::string>()});
  auto settings = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  JanusVideoProvider provider(host, *settings);

  sdk::CreateRoomRequest create;
  create.idempotency_key = "consultation:" + *sdk::random_hex(8);
  create.name = "recorded";
  create.participant_limit = 2;
  create.recording = true;
  auto room = provider.create_room(create);
  ASSERT_TRUE(room.ok()) << room.error().message;
  const std::string room_id = room->provider_room_id;
  sdk::JoinTokenRequest join;
  join.idempotency_key = "participant:clinician";
  join.room_id = room_id;
  join.participant.identity = "clinician";
  join.participant.display_name = "clinician";
  join.participant.role = "clinician";
  join.participant.status = "admitted";
  join.ttl_seconds = 600;
  auto token = provider.issue_join_token(join);
  ASSERT_TRUE(token.ok()) << token.error().message;

  // The composition is refused while the room is open.
  sdk::CompositionRequest compose;
  compose.room_id = room_id;
  compose.format = "webm";
  auto early = provider.request_composition(compose);
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(early.error().retryable);

  auto publisher = wasl::testing::PeerProcess::start("../janus_browser");
  ASSERT_TRUE(publisher.ok()) << publisher.error().message;
  auto started = (*publisher)
                     ->post("/publish", {{"api", server.api_url},
                                         {"room", std::stoull(room_id)},
                                         {"token", token->token},
                                         {"feed", token->raw.at("feed_id")},
                                         {"seconds", 4}});
  ASSERT_TRUE(started.ok()) << started.error().message;
  json status;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < until) {
    auto got = (*publisher)->get("/status");
    ASSERT_TRUE(got.ok()) << got.error().message;
    status = *got;
    if (status.value("state", "") != "publishing") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(status.value("state", ""), "done")
      << status.dump() << " (publisher log: " << (*publisher)->log_file() << ")";
  EXPECT_GE(status.value("published_ms", 0), 4000);

  const fs::path folder = room->raw.at("recording_folder").get<std::string>();
  int mjr = 0;
  for (const auto& entry : fs::directory_iterator(folder))
    mjr += entry.path().extension() == ".mjr";
  EXPECT_GE(mjr, 2) << "one audio and one video stream recorded";

  ASSERT_TRUE(provider.end_room({"", room_id}).ok());
  auto composition = provider.request_composition(compose);
  ASSERT_TRUE(composition.ok()) << composition.error().message;
  EXPECT_EQ(composition->status, "completed");  // fetchable: nothing will announce it
  EXPECT_EQ(composition->raw.value("converted", true), false);
  EXPECT_EQ(composition->content_type, "video/webm");

  std::string bytes;
  int chunks = 0;
  const auto converting = std::chrono::steady_clock::now();
  auto fetched = provider.fetch_media({composition->provider_id}, [&](std::string_view chunk) {
    bytes.append(chunk);
    ++chunks;
    return sdk::Status();
  });
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  std::cout << "conversion and fetch: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - converting)
                   .count()
            << " ms, " << bytes.size() << " bytes in " << chunks << " chunks\n";
  EXPECT_EQ(fetched->content_type, "video/webm");
  EXPECT_EQ(fetched->size_bytes, static_cast<std::int64_t>(bytes.size()));
  EXPECT_GT(chunks, 1);

  const fs::path webm = folder / "composition" / composition->provider_id;
  ASSERT_TRUE(fs::exists(webm));
  EXPECT_EQ(fs::file_size(webm), bytes.size());
  std::ifstream in(webm, std::ios::binary);
  std::stringstream on_disk;
  on_disk << in.rdbuf();
  EXPECT_TRUE(on_disk.str() == bytes) << "fetch_media's bytes are the file's";

  const fs::path copy = fs::path(WASL_BINARY_DIR) / "test-janus-recording.webm";
  std::ofstream(copy, std::ios::binary) << bytes;
  json probed = probe(copy, fs::path(WASL_BINARY_DIR) / "test-janus-recording.ffprobe.json");
  int audio = 0;
  int video = 0;
  for (const auto& stream : probed.value("streams", json::array())) {
    if (stream.value("codec_type", "") == "audio") {
      ++audio;
      EXPECT_EQ(stream.value("codec_name", ""), "opus");
    }
    if (stream.value("codec_type", "") == "video") {
      ++video;
      EXPECT_EQ(stream.value("codec_name", ""), "vp8");
    }
  }
  EXPECT_EQ(audio, 1) << probed.dump();
  EXPECT_EQ(video, 1) << probed.dump();
  const double duration = std::stod(probed["format"].value("duration", "0"));
  EXPECT_GE(duration, 3.0) << probed.dump();
  fs::remove(copy);

  auto listed = provider.list_recordings({"", room_id});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].status, "completed");
  EXPECT_EQ((*listed)[0].size_bytes, static_cast<std::int64_t>(bytes.size()));
  EXPECT_GE((*listed)[0].duration_seconds, 3);

  ASSERT_TRUE(provider.release_media({composition->provider_id}).ok());
  EXPECT_FALSE(fs::exists(webm));
  EXPECT_FALSE(fs::exists(folder)) << "the .mjr files and the folder are removed";
  auto gone = provider.fetch_media({composition->provider_id},
                                   [](std::string_view) { return sdk::Status(); });
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, sdk::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace wasl::plugins::janus
