#include "hub/workflow/action_input.hpp"

#include <gtest/gtest.h>

namespace wasl::workflow {
namespace {

TEST(ActionInput, ReadsMembersAndNamesTheOneThatIsWrong) {
  const nlohmann::json input = {{"s", "x"},        {"empty", ""}, {"n", 5},         {"neg", -1},
                                {"o", {{"a", 1}}}, {"l", {1, 2}}, {"null", nullptr}};
  ActionInput in("hub.test", input);
  EXPECT_TRUE(in.require_object().ok());
  EXPECT_EQ(in.text("s").value(), "x");
  EXPECT_EQ(in.text("missing").value(), "");
  EXPECT_EQ(in.text("null").value(), "");
  EXPECT_EQ(in.text("empty", true).error().message,
            "hub.test 'empty' is required (a non-empty string)");
  EXPECT_EQ(in.text("n").error().message, "hub.test 'n' must be a string");
  EXPECT_EQ(in.non_negative("n").value(), 5);
  EXPECT_EQ(in.non_negative("missing").value(), 0);
  EXPECT_EQ(in.non_negative("neg").error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(in.non_negative("s").ok());
  EXPECT_EQ(in.object("o").value(), &input["o"]);
  EXPECT_EQ(in.object("missing").value(), nullptr);
  EXPECT_FALSE(in.object("missing", true).ok());
  EXPECT_FALSE(in.object("l").ok());
  EXPECT_EQ(in.array("l").value(), &input["l"]);
  EXPECT_FALSE(in.array("o").ok());
  EXPECT_FALSE(in.text("n").error().retryable);
}

TEST(ActionInput, RefusesANonObjectAndHugeNumbers) {
  const nlohmann::json list = nlohmann::json::array();
  EXPECT_EQ(ActionInput("hub.test", list).require_object().error().message,
            "hub.test needs an object as input");
  const nlohmann::json big = {{"n", std::uint64_t{18446744073709551615ull}}};
  EXPECT_FALSE(ActionInput("hub.test", big).non_negative("n").ok());
}

}  // namespace
}  // namespace wasl::workflow
