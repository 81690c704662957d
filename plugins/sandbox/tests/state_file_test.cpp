#include "plugins/sandbox/state_file.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "plugins/sandbox/tests/effects_table.hpp"
#include "tests/integration/hub_process.hpp"

namespace wasl::plugins::sandbox {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using testing::count_effects;
using testing::read_effect;
using wasl::testing::TempDir;

TEST(SandboxStateFileTest, TheFirstCallRunsTheBodyAndRepeatsOnlyCount) {
  TempDir dir;
  auto state = StateFile::open(dir.file("state.db"));
  ASSERT_TRUE(state.ok()) << state.error().message;
  int runs = 0;
  auto body = [&](EffectScope& scope) -> Result<json> {
    ++runs;
    return json{{"n", scope.sequence()}};
  };
  auto first = (*state)->record_effect("create_encounter", "k1", body);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->calls, 1);
  auto second = (*state)->record_effect("create_encounter", "k1", body);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->calls, 2);
  EXPECT_EQ(second->result, first->result);
  EXPECT_EQ(runs, 1);

  // Another key, or the same key of another method, is another effect.
  auto other = (*state)->record_effect("create_encounter", "k2", body);
  auto document = (*state)->record_effect("attach_document", "k1", body);
  ASSERT_TRUE(other.ok() && document.ok());
  EXPECT_EQ(runs, 3);
  EXPECT_NE(other->result, first->result);

  auto row = read_effect(dir.file("state.db"), "create_encounter", "k1");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->calls, 2);
  EXPECT_EQ(json::parse(row->result), first->result);
  EXPECT_EQ(count_effects(dir.file("state.db"), "create_encounter"), 2);
}

TEST(SandboxStateFileTest, AFailingBodyRecordsNothing) {
  TempDir dir;
  auto state = StateFile::open(dir.file("state.db"));
  ASSERT_TRUE(state.ok());
  auto failed = (*state)->record_effect("submit_claim", "k", [](EffectScope&) -> Result<json> {
    return Error(ErrorCode::kInvalidArgument, "refused", false);
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "refused");
  EXPECT_FALSE(read_effect(dir.file("state.db"), "submit_claim", "k").has_value());
  auto retried = (*state)->record_effect(
      "submit_claim", "k", [](EffectScope&) -> Result<json> { return json{{"ok", true}}; });
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->calls, 1);
}

TEST(SandboxStateFileTest, EverythingSurvivesAReopen) {
  TempDir dir;
  json stored;
  {
    auto state = StateFile::open(dir.file("state.db"));
    ASSERT_TRUE(state.ok());
    auto r = (*state)->record_effect(
        "submit_claim", "k", [](EffectScope& s) -> Result<json> { return json(s.sequence()); });
    ASSERT_TRUE(r.ok());
    stored = r->result;
  }
  auto state = StateFile::open(dir.file("state.db"));
  ASSERT_TRUE(state.ok());
  auto r = (*state)->record_effect("submit_claim", "k", [](EffectScope&) -> Result<json> {
    ADD_FAILURE() << "a repeat must not run the body";
    return json();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->calls, 2);
  EXPECT_EQ(r->result, stored);
}

TEST(SandboxStateFileTest, QueuedResponsesAreDeliveredOnceInOrder) {
  TempDir dir;
  auto state = StateFile::open(dir.file("state.db"));
  ASSERT_TRUE(state.ok());
  auto queue = [&](const std::string& key) {
    auto r = (*state)->record_effect("submit_claim", key, [&](EffectScope& s) -> Result<json> {
      WASL_RETURN_IF_ERROR(s.queue_response(key, json{{"request_id", key}}));
      return json::object();
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
  };
  queue("a");
  queue("b");
  queue("c");
  auto take = [&](const std::string& key, int max) {
    auto r = (*state)->record_effect("poll", key, [&](EffectScope& s) -> Result<json> {
      WASL_ASSIGN_OR_RETURN(auto taken, s.take_queued(max));
      return json(taken);
    });
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->result : json();
  };
  EXPECT_EQ(take("p1", 2), json::parse(R"([{"request_id":"a"},{"request_id":"b"}])"));
  auto dropped = (*state)->record_effect("cancel", "x", [](EffectScope& s) -> Result<json> {
    WASL_ASSIGN_OR_RETURN(bool was, s.drop_queued("c"));
    return json(was);
  });
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->result, true);
  EXPECT_EQ(take("p2", 10), json::array());
}

TEST(SandboxStateFileTest, AnUnusablePathIsAClearError) {
  TempDir dir;
  std::ofstream(dir.file("plain-file")) << "not a directory";
  auto under_file = StateFile::open(dir.file("plain-file") + "/state.db");
  ASSERT_FALSE(under_file.ok());
  EXPECT_EQ(under_file.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(under_file.error().message.find("state_file"), std::string::npos);

  std::ofstream(dir.file("garbage.db")) << std::string(4096, 'x');
  auto garbage = StateFile::open(dir.file("garbage.db"));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(garbage.error().message.find("not a usable sandbox state file"), std::string::npos)
      << garbage.error().message;
}

TEST(SandboxStateFileTest, MissingParentDirectoriesAreCreated) {
  TempDir dir;
  auto state = StateFile::open(dir.file("var/nested/state.db"));
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ((*state)->path(), dir.file("var/nested/state.db"));
}

}  // namespace
}  // namespace wasl::plugins::sandbox
