// The Janus plugin's recording conversion with the real janus-pp-rec and
// ffmpeg run through the hub's process runner, on input that cannot be
// converted: a truncated .mjr is a clear, lasting error (the composition is
// "failed", the archive step stops retrying), nothing crashes, and
// release_media still removes the raw files. (A real recording from a real
// publisher is converted in tests/janus_browser.)
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/janus/janus_video_provider.hpp"
#include "plugins/janus/recording_converter.hpp"
#include "plugins/janus/settings.hpp"
#include "tests/peers/support/loopback_host.hpp"
#include "wasl/sdk/random.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::janus {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::string kSchema = WASL_SOURCE_DIR "/plugins/janus/schema.json";

// A .mjr whose header announces more bytes than the file holds, as a Janus
// killed mid-write leaves it.
void write_truncated_mjr(const fs::path& file) {
  const std::string header = R"({"t":"v","c":"vp8","s":1700000000000000,"u":1700000000100000})";
  std::ofstream out(file, std::ios::binary);
  out << "MJR00002";
  out.put(static_cast<char>(header.size() >> 8));
  out.put(static_cast<char>(header.size() & 0xff));
  out << header.substr(0, 20);
}

class JanusConversionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("wasl-janus-conv-" + *sdk::random_hex(6));
    fs::create_directories(root_);
    json settings =
        sdk::testing::settings_from_schema(kSchema, {{"api_url", "http://127.0.0.1:9/janus"},
                                                     {"admin_url", "http://127.0.0.1:9/admin"},
                                                     {"admin_secret", "unused"},
                                                     {"room_admin_key", "unused"},
                                                     {"recording_root", root_.string()},
                                                     {"conversion_timeout_seconds", 60}});
    host_ = std::make_unique<wasl::testing::LoopbackHost>(settings, "video.janus-conv");
    host_->allow_executables(
        {settings.at("janus_pp_rec").get<std::string>(), settings.at("ffmpeg").get<std::string>()});
    auto parsed = parse_settings(host_->settings(), *host_, SettingsUse::kVideo);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    settings_ = *parsed;
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  std::unique_ptr<wasl::testing::LoopbackHost> host_;
  JanusSettings settings_;
};

TEST_F(JanusConversionTest, ATruncatedMjrIsAClearErrorNamingTheFile) {
  const fs::path room = root_ / "42";
  fs::create_directories(room);
  const std::string name = "videoroom-42-user-7-1700000000000000-video-0.mjr";
  write_truncated_mjr(room / name);
  RecordingConverter converter(*host_, settings_.janus_pp_rec, settings_.ffmpeg);
  auto converted =
      converter.convert(room.string(), (room / "composition").string(),
                        (room / "composition" / "42.webm").string(), std::chrono::seconds(60));
  ASSERT_FALSE(converted.ok());
  EXPECT_EQ(converted.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(converted.error().retryable);
  EXPECT_THAT(converted.error().message, HasSubstr(name));
  EXPECT_THAT(converted.error().message, HasSubstr("janus-pp-rec exited with 1"));
  EXPECT_THAT(converted.error().message, HasSubstr("header"));
  EXPECT_FALSE(fs::exists(room / "composition" / "42.webm"));

  auto empty =
      converter.convert((root_ / "none").string(), (root_ / "none-work").string(),
                        (root_ / "none-work" / "x.webm").string(), std::chrono::seconds(10));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, sdk::ErrorCode::kNotFound);
}

TEST_F(JanusConversionTest, ConvertersTheSettingsDoNotNameAreRefused) {
  const fs::path room = root_ / "43";
  fs::create_directories(room);
  write_truncated_mjr(room / "videoroom-43-user-7-1700000000000000-audio-0.mjr");
  RecordingConverter converter(*host_, "/bin/cp", settings_.ffmpeg);
  auto converted = converter.convert(room.string(), (room / "c").string(),
                                     (room / "c" / "43.webm").string(), std::chrono::seconds(10));
  ASSERT_FALSE(converted.ok());
  EXPECT_EQ(converted.error().code, sdk::ErrorCode::kPermissionDenied);
}

// Through the provider: the ended room's composition is requested, the
// conversion fails in fetch_media and stays failed (not retried), the
// listing says why, and release_media removes the raw files.
TEST_F(JanusConversionTest, AFailedConversionStaysFailedAndReleaseStillCleansUp) {
  const std::uint64_t room_id = 4242;
  const fs::path room = root_ / std::to_string(room_id);
  fs::create_directories(room);
  write_truncated_mjr(room / "videoroom-4242-user-7-1700000000000000-video-0.mjr");
  ASSERT_TRUE(host_
                  ->state_put("room:4242", {{"key", "k"},
                                            {"secret", "s"},
                                            {"rec_dir", room.string()},
                                            {"participant_limit", 2},
                                            {"recording", true},
                                            {"created_at_ms", 1},
                                            {"ended_at_ms", 2},
                                            {"participants", json::object()}})
                  .ok());
  JanusVideoProvider provider(*host_, settings_);
  sdk::CompositionRequest request;
  request.room_id = std::to_string(room_id);
  auto composition = provider.request_composition(request);
  ASSERT_TRUE(composition.ok()) << composition.error().message;
  EXPECT_EQ(composition->status, "completed");  // fetchable: nothing will announce it
  EXPECT_EQ(composition->raw.value("converted", true), false);
  EXPECT_EQ(composition->provider_id, "4242.webm");

  std::string received;
  auto sink = [&](std::string_view chunk) {
    received.append(chunk);
    return sdk::Status();
  };
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto fetched = provider.fetch_media({"4242.webm"}, sink);
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error().code, sdk::ErrorCode::kFailedPrecondition);
    EXPECT_FALSE(fetched.error().retryable);
    EXPECT_THAT(fetched.error().message, HasSubstr("could not be converted"));
  }
  EXPECT_TRUE(received.empty());
  auto listed = provider.list_recordings({"", "4242"});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].status, "failed");
  EXPECT_THAT((*listed)[0].raw.value("error", ""), HasSubstr("janus-pp-rec"));

  ASSERT_TRUE(provider.release_media({"4242.webm"}).ok());
  EXPECT_FALSE(fs::exists(room));
  EXPECT_TRUE(provider.release_media({"4242.webm"}).ok());  // already gone: success
  auto bad = provider.fetch_media({"../4242.webm"}, sink);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, sdk::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace wasl::plugins::janus
