// SIGTERM while a recording is being archived: a real `wasl serve` runs a
// workflow whose one step archives a 64 GiB recording from pattern_video (the
// archive tests' video double, in-process and never finishing in time); once
// the encrypted file is growing, the hub gets SIGTERM. It must cancel the
// call (the media sink stops taking chunks), wait for it, and exit 0 within
// the shutdown budget, leaving no temporary file. Run with
// WASL_TEST_BINARY=<an AddressSanitizer build of wasl>, the same test shows
// that no call outlives the services it uses.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/hub_process.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kWorkflow = R"(name: archive_only
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: shutdown
  - id: composition
    call: video.request_composition
    with:
      room_id: ${steps.room.output.provider_room_id}
  - id: archive
    call: hub.archive_recording
    with:
      media_id: ${steps.composition.output.provider_id}
      room_id: ${steps.room.output.provider_room_id}
    timeout: 1h
)";

// Bytes in regular files under `root` (temporary archive files included).
std::uintmax_t bytes_under(const fs::path& root) {
  std::uintmax_t total = 0;
  std::error_code ec;
  if (!fs::exists(root, ec)) return 0;
  for (const auto& entry : fs::recursive_directory_iterator(root, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

TEST(ArchiveShutdown, SigtermDuringAnArchiveCancelsItAndExitsCleanly) {
  TempDir dir;
  CommandResult keys = run_wasl({"keys", "generate", "--file", dir.file("keys.json")});
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  fs::create_directories(dir.file("workflows"));
  dir.write("workflows/archive_only.yaml", kWorkflow);
  dir.write("wasl.yaml",
            "server:\n  host: 127.0.0.1\n  port: 0\n"
            "security:\n  key_file: " +
                dir.file("keys.json") +
                "\n"
                "storage:\n  sqlite:\n    path: " +
                dir.file("wasl.db") +
                "\n"
                "workflow:\n  poll_interval: 20ms\n"
                "archive:\n  root: " +
                dir.file("recordings") +
                "\n"
                "plugins:\n  directories: [" WASL_ARCHIVE_DOUBLES_DIR
                "]\n"
                "  files:\n    - name: pattern_video\n      file: libwasl_pattern_video.so\n"
                "instances:\n  video.pattern:\n    plugin: pattern_video\n"
                "    settings:\n      chunk_size: 65536\n      listed_media: pattern-68719476736\n"
                "facilities:\n  hospital-a:\n    name: Hospital A\n"
                "    bindings:\n      video: video.pattern\n"
                "workflows_dir: " +
                dir.file("workflows") + "\n");
  CommandResult created = run_wasl({"apikeys", "create", "--facility", "hospital-a", "--role",
                                    "hospital", "--config", dir.file("wasl.yaml")});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string key = created.out.substr(0, created.out.find('\n'));

  HubProcess hub(dir.file("wasl.yaml"));
  auto port = hub.wait_until_listening(30s);
  ASSERT_TRUE(port) << hub.log();
  nlohmann::json booking = {{"type", "doctor_patient"},
                            {"workflow", "archive_only"},
                            {"scheduled_at", "2030-01-01T09:00:00Z"},
                            {"patient", {{"id", "7"}}},
                            {"practitioner", {{"id", "3"}}}};
  HttpAnswer made =
      http_request(*port, "POST", "/v1/consultations", key, booking.dump(), "archive-stop-1");
  ASSERT_EQ(made.status, 201) << made.body;

  // Under way once the encrypted file holds data.
  const fs::path root = dir.file("recordings");
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (bytes_under(root) == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GT(bytes_under(root), 0u) << "the archive never started writing:\n" << hub.log();

  const auto signalled = std::chrono::steady_clock::now();
  hub.signal(SIGTERM);
  auto code = hub.wait_for_exit(60s);
  const auto took = std::chrono::steady_clock::now() - signalled;
  ASSERT_TRUE(code) << "the hub did not stop within 60 s:\n" << hub.log();
  EXPECT_EQ(*code, 0) << hub.log();
  EXPECT_LT(took, 20s);
  const std::string log = hub.log();
  EXPECT_NE(log.find("stopping: cancelled 1 running call(s)"), std::string::npos) << log;
  EXPECT_EQ(log.find("AddressSanitizer"), std::string::npos) << log;
  EXPECT_EQ(log.find("runtime error"), std::string::npos) << log;  // UBSan
  EXPECT_EQ(bytes_under(root), 0u) << "a temporary archive file was left behind";
}

}  // namespace
}  // namespace wasl::testing
