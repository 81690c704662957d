#include "wasl/sdk/json_member.hpp"

#include <gtest/gtest.h>

namespace wasl::sdk {
namespace {

using nlohmann::json;

TEST(JsonMember, ReadsAStringMember) {
  EXPECT_EQ(string_member(json{{"resourceType", "Patient"}}, "resourceType"), "Patient");
}

// What nlohmann's value("key", "") throws type_error for reads as absent.
TEST(JsonMember, AnotherTypeOrNoObjectIsEmpty) {
  for (const json& odd : {json{{"resourceType", json::array({1})}}, json{{"resourceType", 7}},
                          json{{"resourceType", nullptr}}, json{{"resourceType", json::object()}},
                          json::array({"resourceType"}), json("resourceType"), json(), json(3.5)}) {
    EXPECT_EQ(string_member(odd, "resourceType"), "") << odd.dump();
    EXPECT_TRUE(bool_member(odd, "resourceType", true)) << odd.dump();
  }
  EXPECT_EQ(string_member(json{{"id", "p1"}}, "resourceType"), "");
}

TEST(JsonMember, ReadsABooleanMember) {
  EXPECT_TRUE(bool_member(json{{"preferred", true}}, "preferred", false));
  EXPECT_FALSE(bool_member(json{{"preferred", false}}, "preferred", true));
  EXPECT_FALSE(bool_member(json{{"preferred", "true"}}, "preferred", false));
}

}  // namespace
}  // namespace wasl::sdk
