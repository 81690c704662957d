// hub.archive_recording: the capabilities.hpp contract (inputs, outputs),
// instance choice, registration, duration from list_recordings, a room that
// recorded no media, and release_media after the archive when the instance
// settings ask for it.
#include "hub/archive/archive_action.hpp"

#include <chrono>
#include <filesystem>
#include <thread>

#include "hub/workflow/call_pool.hpp"
#include "hub/workflow/language/capabilities.hpp"
#include "tests/unit/archive/archive_fixture.hpp"

namespace wasl::archive::testing {
namespace {

using nlohmann::json;
using sdk::ErrorCode;

class ArchiveActionTest : public ArchiveFixture {
 protected:
  workflow::HubActionContext context(const std::string& facility, const std::string& consultation) {
    workflow::HubActionContext ctx;
    ctx.run_id = "run-1";
    ctx.facility_id = facility;
    ctx.consultation_id = consultation;
    ctx.workflow = "consultation";
    ctx.step_id = "archive";
    ctx.idempotency_key = "run-1/archive";
    ctx.now_ms = kT0;
    ctx.store = store_.get();
    return ctx;
  }
  ArchiveServices services() { return archive_services_from(config_, *plugins_, *archive_); }
};

TEST_P(ArchiveActionTest, RegisteredStandaloneAndAnswersTheCataloguedOutput) {
  add_consultation(kFacilityA, "c1");
  ArchiveServices s = services();
  workflow::HubActions actions;
  ASSERT_TRUE(add_archive_actions(actions, s).ok());
  const auto* entry = actions.find("hub.archive_recording");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->mode, workflow::HubActionMode::kStandalone);

  load_plugins({{"listed_media", "pattern-300000"}, {"duration_seconds", 754}});
  s = services();
  auto out = entry->action(context(kFacilityA, "c1"), {{"media_id", "pattern-300000"},
                                                       {"room_id", "room-1"},
                                                       {"content_type", "video/mp4"},
                                                       {"retention_days", 2555}});
  ASSERT_TRUE(out.ok()) << out.error().message;

  // Exactly the members the catalogue promises.
  const auto* cap = workflow::find_capability("hub.archive_recording");
  ASSERT_NE(cap, nullptr);
  for (const auto& [key, sample] : cap->output.items()) {
    EXPECT_TRUE(out->contains(key)) << key;
  }
  EXPECT_EQ(out->size(), cap->output.size());
  const std::string id = (*out)["archive_id"];
  EXPECT_EQ((*out)["url"], "https://wasl.hospital-a.example/v1/recordings/" + id + "/content");
  EXPECT_EQ((*out)["content_type"], "video/mp4");
  EXPECT_EQ((*out)["size_bytes"], 300000);
  EXPECT_EQ((*out)["sha256_hex"], pattern_sha256_hex(300000));
  EXPECT_EQ((*out)["retain_until_ms"], kT0 + 2555 * kDayMs);
  EXPECT_EQ(scalar("SELECT duration_ms FROM recordings WHERE id = $1", {id}), 754000);

  // The engine's retry of the step: the same answer, one row.
  auto again = entry->action(context(kFacilityA, "c1"), {{"media_id", "pattern-300000"}});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)["archive_id"], id);
  EXPECT_EQ((*again)["sha256_hex"], (*out)["sha256_hex"]);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recordings"), 1);
}

// A composition failed because its room recorded nothing (raw.no_media):
// nothing is fetched or archived, no row is written, and the step succeeds
// with a null archive_id, so the run goes on without a recording.
TEST_P(ArchiveActionTest, ARoomThatRecordedNoMediaArchivesNothing) {
  add_consultation(kFacilityA, "c1");
  load_plugins({{"listed_media", "pattern-300000"}, {"no_media", true}});
  ArchiveServices s = services();
  auto out = archive_recording_action(s, context(kFacilityA, "c1"),
                                      {{"media_id", "pattern-300000"}, {"room_id", "room-1"}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  const auto* cap = workflow::find_capability("hub.archive_recording");
  ASSERT_NE(cap, nullptr);
  for (const auto& [key, sample] : cap->output.items()) {
    EXPECT_TRUE(out->contains(key)) << key;
  }
  EXPECT_EQ((*out)["no_media"], true);
  EXPECT_TRUE((*out)["archive_id"].is_null());
  EXPECT_TRUE((*out)["url"].is_null());
  EXPECT_EQ((*out)["size_bytes"], 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recordings"), 0);
  EXPECT_EQ(count_lines(calls_file_, "release_media pattern-300000"), 0);

  // A media the listing does not mark so is archived as before.
  auto other = archive_recording_action(s, context(kFacilityA, "c1"),
                                        {{"media_id", "pattern-5"}, {"room_id", "room-1"}});
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_EQ((*other)["no_media"], false);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recordings"), 1);
}

TEST_P(ArchiveActionTest, ReleasesMediaWhenTheInstanceAsksForDataMinimisation) {
  add_consultation(kFacilityA, "c1");
  ArchiveServices on = services();  // delete_after_archive defaults to true
  auto out = archive_recording_action(on, context(kFacilityA, "c1"), {{"media_id", "pattern-5"}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(count_lines(calls_file_, "release_media pattern-5"), 1);

  load_plugins({{"delete_after_archive", false}});
  ArchiveServices off = services();
  out = archive_recording_action(off, context(kFacilityA, "c1"), {{"media_id", "pattern-6"}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(count_lines(calls_file_, "release_media pattern-6"), 0);
}

TEST_P(ArchiveActionTest, UsesTheConsultationsOwnInstanceBeforeTheBinding) {
  add_consultation(kFacilityA, "c1");
  exec_raw("UPDATE consultations SET video_instance = 'video.gone' WHERE id = 'c1'");
  ArchiveServices s = services();
  auto out = archive_recording_action(s, context(kFacilityA, "c1"), {{"media_id", "pattern-5"}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kNotFound) << out.error().message;  // not loaded
}

TEST_P(ArchiveActionTest, RefusesBadInputAndMissingWiring) {
  add_consultation(kFacilityA, "c1");
  ArchiveServices s = services();
  auto ctx = context(kFacilityA, "c1");
  EXPECT_EQ(archive_recording_action(s, ctx, json::object()).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(archive_recording_action(s, ctx, {{"media_id", 7}}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(archive_recording_action(s, ctx, {{"media_id", "pattern-1"}, {"retention_days", -1}})
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  auto no_consultation = context(kFacilityA, "");
  EXPECT_EQ(archive_recording_action(s, no_consultation, {{"media_id", "pattern-1"}}).error().code,
            ErrorCode::kFailedPrecondition);
  s.video_bindings.clear();
  auto unbound = archive_recording_action(s, ctx, {{"media_id", "pattern-1"}});
  ASSERT_FALSE(unbound.ok());
  EXPECT_EQ(unbound.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(unbound.error().retryable);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recordings"), 0);
}

// What happens to an archive running when the hub stops: the engine's
// CallPool cancels it, the media sink stops taking chunks, and stop() returns
// only once the action has returned, its temporary file gone and the
// recording not marked failed (a later run archives it again).
TEST_P(ArchiveActionTest, StoppingTheCallPoolCancelsARunningArchiveAndWaitsForIt) {
  add_consultation(kFacilityA, "c1");
  ArchiveServices s = services();
  workflow::CallPool pool(1, 4);
  // 64 GiB: it cannot finish while the test runs.
  const std::string media = "pattern-68719476736";
  auto ticket = pool.submit(
      [&s, ctx = context(kFacilityA, "c1"), media] {
        return archive_recording_action(s, ctx, {{"media_id", media}});
      },
      std::chrono::steady_clock::now() + std::chrono::minutes(10));
  ASSERT_TRUE(ticket.ok()) << ticket.error().message;
  // The archive is under way once its temporary file holds data.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto writing = [&] {
    for (const auto& f : archive_files()) {
      std::error_code ec;
      if (std::filesystem::file_size(f, ec) > 0 && !ec) return true;
    }
    return false;
  };
  while (!writing() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(writing()) << "the archive did not start writing";

  const auto stopping = std::chrono::steady_clock::now();
  pool.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(10));
  ASSERT_TRUE((*ticket)->done());
  auto out = (*ticket)->take();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kCancelled) << out.error().message;
  EXPECT_TRUE(out.error().retryable);
  EXPECT_TRUE(archive_files().empty());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recordings WHERE state = 'failed'"), 0);
}

WASL_RECORDS_INSTANTIATE(ArchiveActionTest);

}  // namespace
}  // namespace wasl::archive::testing
