#include "wasl/sdk/schema_defaults.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::sdk {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const json kSchema = json::parse(R"({
  "type": "object",
  "required": ["base_url"],
  "additionalProperties": false,
  "properties": {
    "base_url": {"type": "string", "pattern": "^https://"},
    "timeout_ms": {"type": "integer", "minimum": 100, "default": 15000},
    "mode": {"enum": ["a", "b"], "default": "a"},
    "retry": {"type": "object", "default": {},
              "properties": {"attempts": {"type": "integer", "default": 3},
                             "backoff_ms": {"type": "integer", "default": 200}}},
    "rooms": {"type": "array",
              "items": {"type": "object", "properties": {"capacity": {"default": 4}}}},
    "labels": {"type": "object", "additionalProperties": {"properties": {"weight": {"default": 1}}}}
  }
})");

TEST(SchemaDefaultsTest, FillsAbsentPropertiesRecursively) {
  json given = json::parse(R"({"base_url": "https://x", "retry": {"attempts": 5},
                               "rooms": [{}, {"capacity": 9}], "labels": {"a": {}}})");
  json filled = with_schema_defaults(kSchema, given);
  EXPECT_EQ(filled["timeout_ms"], 15000);
  EXPECT_EQ(filled["mode"], "a");
  EXPECT_EQ(filled["retry"], json::parse(R"({"attempts": 5, "backoff_ms": 200})"));
  EXPECT_EQ(filled["rooms"], json::parse(R"([{"capacity": 4}, {"capacity": 9}])"));
  EXPECT_EQ(filled["labels"], json::parse(R"({"a": {"weight": 1}})"));
  EXPECT_EQ(filled["base_url"], "https://x");
  EXPECT_FALSE(given.contains("mode"));  // the input is not modified
  // A default object is itself completed.
  EXPECT_EQ(with_schema_defaults(kSchema, json::object())["retry"],
            json::parse(R"({"attempts": 3, "backoff_ms": 200})"));
  // A null root counts as absent only when the root declares a default.
  EXPECT_TRUE(with_schema_defaults(kSchema, json(nullptr)).is_null());
  EXPECT_EQ(
      with_schema_defaults(json::parse(R"({"default": {}, "properties": {"a": {"default": 1}}})"),
                           json(nullptr)),
      json::parse(R"({"a": 1})"));
}

class SchemaSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "schema_settings_test.json";
    std::ofstream(path_) << kSchema.dump();
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_F(SchemaSettingsTest, CompletesValidSettingsAndRefusesInvalidOnes) {
  json settings = testing::settings_from_schema(path_, {{"base_url", "https://x"}});
  EXPECT_EQ(settings["timeout_ms"], 15000);
  EXPECT_EQ(settings["retry"]["attempts"], 3);
  EXPECT_THAT(testing::schema_violations(kSchema, settings), IsEmpty());
  EXPECT_THAT(testing::schema_violations(kSchema, {{"base_url", "https://x"}, {"timeout_ms", 5}}),
              Contains(HasSubstr("/timeout_ms")));
  try {
    testing::settings_from_schema(path_, {{"base_url", "http://x"}, {"mdoe", "a"}});
    ADD_FAILURE() << "invalid settings were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("/base_url"));
    EXPECT_THAT(e.what(), HasSubstr("mdoe"));
  }
  EXPECT_THROW(testing::read_schema(path_ + ".missing"), std::runtime_error);
}

}  // namespace
}  // namespace wasl::sdk
