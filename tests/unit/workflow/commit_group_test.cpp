// CommitGroup on both stores: a piece handed in alone commits at once and
// alone; pieces that wait while a group is in flight share the next
// transaction; one failing piece rolls back its whole group and nothing of
// that group stays; below two, grouping is off.
#include "hub/workflow/commit_group.hpp"

#include <future>
#include <thread>

#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

using storage::Dialect;
using storage::Params;
using Outcome = CommitGroup::Outcome;

class CommitGroupTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    if (HasFatalFailure()) return;
    exec("CREATE TABLE group_rows (id TEXT PRIMARY KEY)");
  }

  static CommitGroup::Work insert(const std::string& id) {
    return [id](storage::Transaction& tx) -> sdk::Status {
      auto done = tx.exec("INSERT INTO group_rows (id) VALUES ($1)", Params{id});
      if (!done.ok()) return std::move(done).error();
      return {};
    };
  }

  std::vector<std::string> stored() {
    std::vector<std::string> out;
    for (const auto& row : query("SELECT id FROM group_rows ORDER BY id")) {
      out.push_back(row.get_text(0).value_or(""));
    }
    return out;
  }

  // Runs `first` as the only group in flight (one leader); while it runs,
  // hands in `others` from threads of their own and lets `first` finish only
  // once all of them wait. Returns the outcomes of `others`, in order.
  std::vector<Outcome> behind_one(CommitGroup& group, const std::string& first,
                                  const std::vector<CommitGroup::Work>& others) {
    std::promise<void> leading;
    auto leading_started = leading.get_future();
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    CommitGroup::Work lead_work = [&](storage::Transaction& tx) -> sdk::Status {
      leading.set_value();
      released.wait();
      return insert(first)(tx);
    };
    auto lead = std::async(std::launch::async, [&] { return group.run(lead_work); });
    leading_started.wait();
    std::vector<std::future<Outcome>> behind;
    for (const auto& work : others) {
      behind.push_back(std::async(std::launch::async, [&group, &work] { return group.run(work); }));
    }
    EXPECT_TRUE(eventually([&] { return group.waiting() == others.size(); }));
    release.set_value();
    EXPECT_EQ(lead.get(), Outcome::kCommitted);
    std::vector<Outcome> out;
    for (auto& f : behind) out.push_back(f.get());
    return out;
  }
};

TEST_P(CommitGroupTest, APieceAloneCommitsAtOnceAndAlone) {
  CommitGroup group(*store_, 16, 2);
  EXPECT_EQ(group.run(insert("a")), Outcome::kCommitted);
  EXPECT_EQ(stored(), std::vector<std::string>{"a"});
  EXPECT_EQ(group.groups_committed(), 1);
  EXPECT_EQ(group.pieces_committed(), 1);
  EXPECT_EQ(group.waiting(), 0u);
}

TEST_P(CommitGroupTest, PiecesThatWaitForAGroupInFlightShareTheNextCommit) {
  CommitGroup group(*store_, 16, 1);
  std::vector<CommitGroup::Work> others;
  for (const char* id : {"b", "c", "d", "e", "f"}) others.push_back(insert(id));
  auto outcomes = behind_one(group, "a", others);
  for (auto o : outcomes) EXPECT_EQ(o, Outcome::kCommitted);
  EXPECT_EQ(stored(), (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(group.groups_committed(), 2);  // "a" alone, then the five together
  EXPECT_EQ(group.pieces_committed(), 6);
}

TEST_P(CommitGroupTest, AGroupHoldsAtMostItsLimitOfPieces) {
  CommitGroup group(*store_, 2, 1);
  std::vector<CommitGroup::Work> others;
  for (const char* id : {"b", "c", "d", "e"}) others.push_back(insert(id));
  auto outcomes = behind_one(group, "a", others);
  for (auto o : outcomes) EXPECT_EQ(o, Outcome::kCommitted);
  EXPECT_EQ(stored().size(), 5u);
  EXPECT_EQ(group.groups_committed(), 3);  // "a", then two groups of two
  EXPECT_EQ(group.pieces_committed(), 5);
}

TEST_P(CommitGroupTest, OneFailingPieceRollsBackItsWholeGroup) {
  CommitGroup group(*store_, 16, 1);
  std::vector<CommitGroup::Work> others;
  others.push_back(insert("b"));
  others.push_back(insert("c"));
  others.push_back([](storage::Transaction&) -> sdk::Status {
    return sdk::Error(sdk::ErrorCode::kInternal, "this piece fails", false);
  });
  others.push_back(insert("d"));
  auto outcomes = behind_one(group, "a", others);
  for (auto o : outcomes) EXPECT_EQ(o, Outcome::kRolledBack);
  // Nothing of the failed group stays, whether its pieces ran before the
  // failing one or not; the owners run theirs again alone.
  EXPECT_EQ(stored(), std::vector<std::string>{"a"});
  EXPECT_EQ(group.groups_committed(), 1);
  EXPECT_EQ(group.run(insert("b")), Outcome::kCommitted);
  EXPECT_EQ(stored(), (std::vector<std::string>{"a", "b"}));
}

TEST_P(CommitGroupTest, BelowTwoGroupingIsOffAndNothingRuns) {
  CommitGroup group(*store_, 1, 1);
  EXPECT_FALSE(group.enabled());
  bool ran = false;
  CommitGroup::Work work = [&ran](storage::Transaction&) -> sdk::Status {
    ran = true;
    return {};
  };
  EXPECT_EQ(group.run(work), Outcome::kRolledBack);
  EXPECT_FALSE(ran);
  EXPECT_EQ(group.groups_committed(), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, CommitGroupTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
