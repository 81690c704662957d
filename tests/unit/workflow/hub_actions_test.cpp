// HubActions, the registry the features fill at start-up: a hub action is
// registered once, only when the workflow language declares it, and the hub
// can tell which declared action has no implementation; observers and
// reactions are one per method and event type.
#include "hub/workflow/hub_actions.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace wasl::workflow
