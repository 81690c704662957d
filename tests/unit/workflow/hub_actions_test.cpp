// HubActions, the registry the features fill at start-up: a hub action is
// registered once, only when the workflow language declares it, and the hub
// can tell which declared action has no implementation; observers and
// observers are one per method; reactions one per event type and owner, called
// in registration order.
#include "hub/workflow/hub_actions.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hub/workflow/language/capabilities.hpp"

namespace wasl::workflow {
namespace {

using sdk::ErrorCode;

sdk::Result<nlohmann::json> nothing(const HubActionContext&, const nlohmann::json&) {
  return nlohmann::json::object();
}

TEST(HubActions, AnActionIsRegisteredOnceAndOnlyWhenTheLanguageDeclaresIt) {
  HubActions actions;
  EXPECT_TRUE(actions.add("hub.record_event", HubActionMode::kInTransaction, nothing).ok());
  auto twice = actions.add("hub.record_event", HubActionMode::kStandalone, nothing);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(twice.error().message.find("hub/workflow"), std::string::npos) << twice.error().message;
  // The first registration stays.
  EXPECT_EQ(actions.find("hub.record_event")->mode, HubActionMode::kInTransaction);

  EXPECT_EQ(actions.add("hub.made_up", HubActionMode::kInTransaction, nothing).error().code,
            ErrorCode::kInvalidArgument);
  // A capability method is a plugin's, not a hub action.
  EXPECT_EQ(actions.add("video.create_room", HubActionMode::kStandalone, nothing).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(HubActions, CompleteNamesEveryDeclaredActionWithoutAnImplementationAndItsFolder) {
  HubActions actions;
  ASSERT_TRUE(add_builtin_hub_actions(actions).ok());
  auto missing = actions.complete();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kFailedPrecondition);
  const std::string& m = missing.error().message;
  EXPECT_NE(m.find("hub.set_status (hub/consultations)"), std::string::npos) << m;
  EXPECT_NE(m.find("hub.build_claim (hub/claims)"), std::string::npos) << m;
  EXPECT_NE(m.find("hub.build_report (hub/reports)"), std::string::npos) << m;
  EXPECT_NE(m.find("hub.archive_recording (hub/archive)"), std::string::npos) << m;
  EXPECT_EQ(m.find("hub.record_event"), std::string::npos) << m;

  for (const std::string& method : methods_of("hub")) {
    const std::string name = "hub." + method;
    if (actions.find(name) == nullptr) {
      ASSERT_TRUE(actions.add(name, HubActionMode::kInTransaction, nothing).ok()) << name;
    }
  }
  EXPECT_TRUE(actions.complete().ok());
}

TEST(HubActions, EveryDeclaredHubActionNamesTheFolderThatImplementsIt) {
  for (const std::string& method : methods_of("hub")) {
    const Capability* c = find_capability("hub." + method);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->implemented_in.rfind("hub/", 0), 0u) << c->name;
  }
  EXPECT_TRUE(find_capability("video.create_room")->implemented_in.empty());
}

TEST(HubActions, ObserversAndReactionsAreOnePerMethodAndEventType) {
  HubActions actions;
  StepObserver observer = [](const HubActionContext&, const nlohmann::json&,
                             const sdk::Result<nlohmann::json>&) { return sdk::Status(); };
  EXPECT_TRUE(actions.observe("billing.submit_claim", observer).ok());
  EXPECT_EQ(actions.observe("billing.submit_claim", observer).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(actions.observe("billing.made_up", observer).error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(actions.observer("billing.submit_claim"), nullptr);
  EXPECT_EQ(actions.observer("reporting.submit_report"), nullptr);

  EventReaction reaction = [](storage::Transaction&, const std::string& instance,
                              const IncomingEvent& event) -> sdk::Result<bool> {
    return instance == "ehr.main" && event.correlation == "Appointment/1";
  };
  EXPECT_TRUE(actions.react("appointment.updated", reaction).ok());
  EXPECT_EQ(actions.react("appointment.updated", reaction).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(actions.react("made.up", reaction).error().code, ErrorCode::kInvalidArgument);
}

// A Transaction test double that keeps the text of every statement and
// runs none of them.
class StatementLog final : public storage::Transaction {
 public:
  storage::Dialect dialect() const override { return storage::Dialect::kSqlite; }
  sdk::Result<std::int64_t> exec(std::string_view sql, const storage::Params&) override {
    statements.emplace_back(sql);
    return 0;
  }
  sdk::Result<storage::Rows> query(std::string_view sql, const storage::Params&) override {
    statements.emplace_back(sql);
    return storage::Rows{};
  }
  sdk::Status exec_script(std::string_view sql) override {
    statements.emplace_back(sql);
    return {};
  }
  sdk::Status commit() override { return {}; }
  void rollback() noexcept override {}
  std::vector<std::string> statements;
};

TEST(HubActions, SeveralOwnersReactToOneEventTypeInRegistrationOrder) {
  HubActions actions;
  std::vector<std::string> called;
  auto reaction = [&called](const std::string& name, sdk::Result<bool> answer) {
    return [&called, name, answer](storage::Transaction& tx, const std::string&,
                                   const IncomingEvent&) -> sdk::Result<bool> {
      called.push_back(name);
      (void)tx.exec("INSERT " + name, {});
      return answer;
    };
  };
  ASSERT_TRUE(actions.react("participant.connected", reaction("guard", false)).ok());
  ASSERT_TRUE(
      actions.react("participant.connected", reaction("attendance", true), "hub/attendance").ok());
  EXPECT_EQ(actions.react("participant.connected", reaction("again", true), "hub/attendance")
                .error()
                .code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(actions.react("participant.connected", reaction("unnamed", true)).error().code,
            ErrorCode::kAlreadyExists);

  StatementLog tx;
  IncomingEvent connected{"f1", "participant.connected", "RM1", nlohmann::json::object(), "k1", ""};
  auto taken = actions.react_to(tx, "video.main", connected);
  ASSERT_TRUE(taken.ok());
  EXPECT_TRUE(*taken);  // the second took it though the first did not
  EXPECT_EQ(called, (std::vector<std::string>{"guard", "attendance"}));
  EXPECT_EQ(tx.statements,
            (std::vector<std::string>{"SAVEPOINT event_reactions", "INSERT guard",
                                      "INSERT attendance", "RELEASE SAVEPOINT event_reactions"}));

  // Nobody took it: false, and both were asked.
  HubActions none;
  called.clear();
  ASSERT_TRUE(none.react("room.ended", reaction("a", false)).ok());
  ASSERT_TRUE(none.react("room.ended", reaction("b", false), "hub/attendance").ok());
  StatementLog quiet;
  IncomingEvent ended{"f1", "room.ended", "RM1", nlohmann::json::object(), "k2", ""};
  EXPECT_FALSE(*none.react_to(quiet, "video.main", ended));
  EXPECT_EQ(called, (std::vector<std::string>{"a", "b"}));
}

TEST(HubActions, AnErrorFromALaterReactionUndoesTheEarlierOnesWrites) {
  HubActions actions;
  std::vector<std::string> called;
  ASSERT_TRUE(actions
                  .react("participant.disconnected",
                         [&called](storage::Transaction& tx, const std::string&,
                                   const IncomingEvent&) -> sdk::Result<bool> {
                           called.push_back("first");
                           (void)tx.exec("INSERT first", {});
                           return true;
                         })
                  .ok());
  ASSERT_TRUE(actions
                  .react(
                      "participant.disconnected",
                      [&called](storage::Transaction&, const std::string&,
                                const IncomingEvent&) -> sdk::Result<bool> {
                        called.push_back("second");
                        return sdk::Error(ErrorCode::kUnavailable, "the store went away", true);
                      },
                      "hub/attendance")
                  .ok());
  StatementLog tx;
  IncomingEvent left{"f1", "participant.disconnected", "RM1", nlohmann::json::object(), "k", ""};
  auto taken = actions.react_to(tx, "video.main", left);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(taken.error().retryable);
  EXPECT_EQ(called, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(tx.statements, (std::vector<std::string>{"SAVEPOINT event_reactions", "INSERT first",
                                                     "ROLLBACK TO SAVEPOINT event_reactions",
                                                     "RELEASE SAVEPOINT event_reactions"}));
}

TEST(HubActions, ASingleReactionIsCalledAsBeforeWithoutASavepoint) {
  HubActions actions;
  ASSERT_TRUE(actions
                  .react("appointment.updated",
                         [](storage::Transaction& tx, const std::string& instance,
                            const IncomingEvent&) -> sdk::Result<bool> {
                           (void)tx.exec("INSERT only", {});
                           return instance == "ehr.main";
                         })
                  .ok());
  StatementLog tx;
  IncomingEvent updated{"f1", "appointment.updated", "Appointment/1", nlohmann::json::object(), "k",
                        ""};
  EXPECT_TRUE(*actions.react_to(tx, "ehr.main", updated));
  EXPECT_EQ(tx.statements, (std::vector<std::string>{"INSERT only"}));
  // No reaction to a type: false.
  IncomingEvent ended{"f1", "room.ended", "RM1", nlohmann::json::object(), "k3", ""};
  EXPECT_FALSE(*actions.react_to(tx, "video.main", ended));
}

}  // namespace
}  // namespace wasl::workflow
