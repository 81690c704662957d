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

TEST(JsonMember, ObjectAndArrayMembersAreThereOrEmpty) {
  const json resource = {{"meta", {{"versionId", "2"}}}, {"entry", json::array({1, 2})}};
  EXPECT_EQ(object_member(resource, "meta").at("versionId"), "2");
  EXPECT_EQ(array_member(resource, "entry").size(), 2u);
  EXPECT_EQ(&member(resource, "entry"), &resource.at("entry"));
  EXPECT_TRUE(member(resource, "missing").is_null());
  // Where nlohmann's value("key", json::object()) throws type_error (the
  // receiver is not an object) or hands back a member of another type.
  for (const json& odd : {json{{"meta", json::array({1})}, {"entry", json::object()}},
                          json{{"meta", 7}, {"entry", "x"}}, json{{"meta", nullptr}},
                          json::array({"meta"}), json("meta"), json(), json(3.5)}) {
    EXPECT_EQ(object_member(odd, "meta"), json::object()) << odd.dump();
    EXPECT_EQ(array_member(odd, "entry"), json::array()) << odd.dump();
    if (!odd.is_object()) EXPECT_TRUE(member(odd, "meta").is_null()) << odd.dump();
  }
}

}  // namespace
}  // namespace wasl::sdk
