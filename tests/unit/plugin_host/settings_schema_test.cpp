#include "hub/plugin_host/settings_schema.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wasl::plugin_host {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// "path: message" lines, to compare whole violation lists at once.
std::vector<std::string> lines(const std::vector<SchemaViolation>& violations) {
  std::vector<std::string> out;
  for (const auto& v : violations) out.push_back(v.path + ": " + v.message);
  return out;
}

SettingsSchema parse_ok(const json& schema) {
  auto parsed = SettingsSchema::parse(schema);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return std::move(parsed).value();
}

std::string parse_error(const json& schema) {
  auto parsed = SettingsSchema::parse(schema);
  EXPECT_FALSE(parsed.ok());
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.error().code, sdk::ErrorCode::kInvalidArgument);
  return parsed.error().message;
}

const json kVideoSchema = json::parse(R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://example.test/video.schema.json",
  "title": "Video provider settings",
  "description": "Settings of one video provider instance.",
  "type": "object",
  "required": ["region", "account_sid"],
  "additionalProperties": false,
  "properties": {
    "region": {"type": "string", "pattern": "^[a-z]{2}-[a-z]+-[0-9]$",
               "examples": ["eu-west-1"]},
    "account_sid": {"type": "string", "minLength": 34, "maxLength": 34},
    "auth_token": {"type": "string", "minLength": 32, "x-secret": true},
    "max_participants": {"type": "integer", "minimum": 2, "maximum": 50, "default": 10},
    "mode": {"enum": ["a", "b"], "default": "a"},
    "recording": {"type": "boolean", "default": false},
    "bitrate_ratio": {"type": "number", "minimum": 0, "maximum": 1},
    "callback_url": {"type": ["string", "null"], "default": null},
    "rooms": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["name"],
        "properties": {
          "name": {"type": "string", "minLength": 1, "maxLength": 8},
          "capacity": {"type": "integer", "default": 4}
        }
      }
    },
    "labels": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 5}},
    "tls": {
      "type": "object",
      "default": {},
      "properties": {
        "verify_depth": {"type": "integer", "default": 3},
        "pin": {"type": "string"}
      }
    }
  }
})");

const json kValidSettings = json::parse(R"({
  "region": "eu-west-1",
  "account_sid": "AC0123456789abcdef0123456789abcdef",
  "auth_token": "0123456789abcdef0123456789abcdef",
  "max_participants": 2,
  "mode": "b",
  "bitrate_ratio": 0.5,
  "callback_url": null,
  "rooms": [{"name": "clinic"}, {"name": "ward", "capacity": 9}],
  "labels": {"site": "riyad"}
})");

TEST(SettingsSchemaTest, ValidSettingsHaveNoViolations) {
  auto schema = parse_ok(kVideoSchema);
  EXPECT_THAT(schema.validate(kValidSettings), IsEmpty());
  EXPECT_EQ(schema.document(), kVideoSchema);
}

TEST(SettingsSchemaTest, RangeMessageNamesBoundsAndValue) {
  auto schema = parse_ok(kVideoSchema);
  json settings = kValidSettings;
  settings["max_participants"] = 99;
  EXPECT_THAT(lines(schema.validate(settings)),
              ElementsAre("/max_participants: expected an integer between 2 and 50, got 99"));
  settings["max_participants"] = 1;
  EXPECT_THAT(lines(schema.validate(settings)),
              ElementsAre("/max_participants: expected an integer between 2 and 50, got 1"));
  settings["max_participants"] = 50;  // bounds are inclusive
  EXPECT_THAT(schema.validate(settings), IsEmpty());
}

TEST(SettingsSchemaTest, OneSidedBounds) {
  auto schema = parse_ok(json::parse(R"({"properties": {
      "low": {"type": "number", "minimum": 1.5},
      "high": {"type": "integer", "maximum": -3}}})"));
  EXPECT_THAT(lines(schema.validate(json{{"low", 1}, {"high", -2}})),
              ElementsAre("/high: expected an integer of at most -3, got -2",
                          "/low: expected a number of at least 1.5, got 1"));
  EXPECT_THAT(schema.validate(json{{"low", 1.5}, {"high", -3}}), IsEmpty());
}

TEST(SettingsSchemaTest, EveryViolationIsCollectedWithNestedPaths) {
  auto schema = parse_ok(kVideoSchema);
  json settings = json::parse(R"({
    "regoin": "eu-west-1",
    "account_sid": "short",
    "max_participants": "ten",
    "mode": "c",
    "recording": "yes",
    "bitrate_ratio": 1.5,
    "callback_url": 7,
    "rooms": [{"name": "clinic"}, {"capacity": 2.5}, {"name": "much-too-long"}, 4],
    "labels": {"site": "riyadh", "ok": "x"}
  })");
  EXPECT_THAT(
      lines(schema.validate(settings)),
      ElementsAre("/region: required property is missing",
                  "/account_sid: expected a string of exactly 34 characters, got 5",
                  "/bitrate_ratio: expected a number between 0 and 1, got 1.5",
                  "/callback_url: expected a string or null, got 7",
                  "/labels/site: expected a string of at most 5 characters, got 6",
                  "/max_participants: expected an integer between 2 and 50, got a string",
                  "/mode: expected one of \"a\", \"b\"",
                  "/recording: expected a boolean, got a string",
                  "/regoin: unknown property (not allowed by additionalProperties: false); did you "
                  "mean \"region\"?",
                  "/rooms/1/name: required property is missing",
                  "/rooms/1/capacity: expected an integer, got 2.5",
                  "/rooms/2/name: expected a string of 1 to 8 characters, got 13",
                  "/rooms/3: expected an object, got 4"));
}

TEST(SettingsSchemaTest, PatternIsSearchedAndReported) {
  auto schema = parse_ok(json::parse(R"({"properties": {
      "region": {"type": "string", "pattern": "^[a-z]{2}-[a-z]+-[0-9]$"},
      "anywhere": {"type": "string", "pattern": "[0-9]"}}})"));
  EXPECT_THAT(lines(schema.validate(json{{"region", "EU-WEST-1"}})),
              ElementsAre("/region: does not match the pattern ^[a-z]{2}-[a-z]+-[0-9]$"));
  EXPECT_THAT(schema.validate(json{{"region", "me-central-1"}, {"anywhere", "abc1def"}}),
              IsEmpty());
  EXPECT_THAT(lines(schema.validate(json{{"anywhere", "abc"}})),
              ElementsAre("/anywhere: does not match the pattern [0-9]"));
}

TEST(SettingsSchemaTest, LengthCountsCodePointsNotBytes) {
  auto schema = parse_ok(json::parse(R"({"type": "string", "minLength": 4, "maxLength": 4})"));
  EXPECT_THAT(schema.validate(json("وصلة")), IsEmpty());  // 4 letters, 8 bytes
  EXPECT_THAT(lines(schema.validate(json("وصل"))),
              ElementsAre(": expected a string of exactly 4 characters, got 3"));
}

// minItems and maxItems bound a list (plugins/janus: ice_servers, urls);
// the count is reported even for secret items.
TEST(SettingsSchemaTest, ItemCountsAreBounded) {
  auto schema = parse_ok(json::parse(R"({"properties": {
      "urls": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string"}},
      "keys": {"type": "array", "maxItems": 1, "items": {"type": "string", "x-secret": true}}}})"));
  EXPECT_THAT(schema.validate(json{{"urls", {"a"}}, {"keys", json::array()}}), IsEmpty());
  EXPECT_THAT(lines(schema.validate(json{{"urls", json::array()}})),
              ElementsAre("/urls: expected a list of 1 to 2 items, got 0"));
  EXPECT_THAT(lines(schema.validate(json{{"urls", {"a", "b", 3}}})),
              ElementsAre("/urls: expected a list of 1 to 2 items, got 3",
                          "/urls/2: expected a string, got 3"));
  const auto secret = lines(schema.validate(json{{"keys", {"s3cr3t-1", "s3cr3t-2"}}}));
  EXPECT_THAT(secret, ElementsAre("/keys: expected a list of at most 1 items, got 2"));
  EXPECT_THAT(parse_error(json::parse(R"({"minItems": -1})")), HasSubstr("non-negative"));
  EXPECT_THAT(parse_error(json::parse(R"({"minItems": 3, "maxItems": 2})")),
              HasSubstr("minItems is greater than maxItems"));
  EXPECT_THAT(parse_error(json::parse(R"({"type": "array", "maxItems": 1, "default": [1, 2]})")),
              HasSubstr("default does not satisfy its own schema"));
}

TEST(SettingsSchemaTest, IntegerAcceptsWholeFloatsAndTypeArraysWork) {
  auto schema = parse_ok(json::parse(R"({"properties": {
      "n": {"type": "integer"},
      "x": {"type": ["integer", "boolean"]},
      "any": {}}})"));
  EXPECT_THAT(schema.validate(json::parse(R"({"n": 2.0, "x": true, "any": [1, "a"]})")), IsEmpty());
  EXPECT_THAT(lines(schema.validate(json::parse(R"({"n": 2.25, "x": "1"})"))),
              ElementsAre("/n: expected an integer, got 2.25",
                          "/x: expected an integer or a boolean, got a string"));
}

TEST(SettingsSchemaTest, EnumComparesJsonValues) {
  auto schema = parse_ok(json::parse(R"({"enum": [1, "two", null, {"k": [3]}]})"));
  EXPECT_THAT(schema.validate(json(1.0)), IsEmpty());
  EXPECT_THAT(schema.validate(json(nullptr)), IsEmpty());
  EXPECT_THAT(schema.validate(json::parse(R"({"k": [3]})")), IsEmpty());
  EXPECT_THAT(lines(schema.validate(json("three"))),
              ElementsAre(": expected one of 1, \"two\", null, {\"k\":[3]}"));
}

TEST(SettingsSchemaTest, AdditionalPropertiesDefaultsToAllowed) {
  auto schema = parse_ok(json::parse(R"({"type": "object", "properties": {"a": {}}})"));
  EXPECT_THAT(schema.validate(json{{"a", 1}, {"b", 2}}), IsEmpty());
  auto closed = parse_ok(json::parse(
      R"({"type": "object", "additionalProperties": false, "properties": {"name": {}}})"));
  // No suggestion when nothing declared is close.
  EXPECT_THAT(lines(closed.validate(json{{"zzzzzz", 1}})),
              ElementsAre("/zzzzzz: unknown property (not allowed by additionalProperties: "
                          "false)"));
}

TEST(SettingsSchemaTest, PathsEscapeSlashAndTilde) {
  auto schema = parse_ok(json::parse(R"({"additionalProperties": {"type": "integer"}})"));
  EXPECT_THAT(lines(schema.validate(json{{"a/b~c", "x"}})),
              ElementsAre("/a~1b~0c: expected an integer, got a string"));
  EXPECT_EQ(json_pointer_token("a/b~c"), "a~1b~0c");
}

TEST(SettingsSchemaTest, SecretValuesNeverAppearInMessages) {
  auto schema = parse_ok(json::parse(R"({"properties": {
      "pin": {"type": "integer", "minimum": 1000, "maximum": 9999, "x-secret": true},
      "auth_token": {"type": "string", "minLength": 32, "pattern": "^[0-9a-f]+$",
                     "x-secret": true},
      "flag": {"type": "integer", "x-secret": true},
      "keys": {"x-secret": true, "type": "object",
               "additionalProperties": {"type": "integer", "maximum": 5}},
      "mode": {"enum": ["x"], "x-secret": true}}})"));
  json settings = json::parse(R"({
      "pin": 123456789,
      "auth_token": "SECRET-not-hex",
      "flag": true,
      "keys": {"k": 424242},
      "mode": "hidden-choice-77"})");
  auto violations = schema.validate(settings);
  ASSERT_EQ(violations.size(), 6u) << ::testing::PrintToString(lines(violations));
  for (const auto& line : lines(violations)) {
    EXPECT_THAT(line, Not(HasSubstr("123456789")));
    EXPECT_THAT(line, Not(HasSubstr("SECRET")));
    EXPECT_THAT(line, Not(HasSubstr("14")));  // the secret's length
    EXPECT_THAT(line, Not(HasSubstr("true")));
    EXPECT_THAT(line, Not(HasSubstr("424242")));
    EXPECT_THAT(line, Not(HasSubstr("hidden-choice")));
  }
  EXPECT_THAT(
      lines(violations),
      ElementsAre("/auth_token: expected a string of at least 32 characters",
                  "/auth_token: does not match the pattern ^[0-9a-f]+$",
                  "/flag: expected an integer, got a boolean",
                  "/keys/k: expected an integer of at most 5", "/mode: expected one of \"x\"",
                  "/pin: expected an integer between 1000 and 9999"));
}

TEST(SettingsSchemaTest, StringsAreNeverQuotedInMessages) {
  auto schema = parse_ok(json::parse(R"({"properties": {"n": {"type": "integer"}}})"));
  std::string long_text(500, 'q');
  auto violations = schema.validate(json{{"n", long_text}});
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].message, "expected an integer, got a string");
}

TEST(SettingsSchemaTest, WithDefaultsFillsAbsentPropertiesRecursively) {
  auto schema = parse_ok(kVideoSchema);
  json settings = kValidSettings;
  settings.erase("mode");
  settings.erase("max_participants");
  json filled = schema.with_defaults(settings);
  EXPECT_EQ(filled["mode"], "a");
  EXPECT_EQ(filled["max_participants"], 10);
  EXPECT_EQ(filled["recording"], false);
  // A filled default object is itself completed.
  EXPECT_EQ(filled["tls"], json::parse(R"({"verify_depth": 3})"));
  // Array elements are completed through items; present values are kept.
  EXPECT_EQ(filled["rooms"][0]["capacity"], 4);
  EXPECT_EQ(filled["rooms"][1]["capacity"], 9);
  // Present null stays null; absent properties without a default stay absent.
  EXPECT_TRUE(filled["callback_url"].is_null());
  EXPECT_FALSE(filled.contains("bitrate_ratio") && !settings.contains("bitrate_ratio"));
  EXPECT_EQ(filled["region"], settings["region"]);
  EXPECT_THAT(schema.validate(filled), IsEmpty());
  // The input is not modified.
  EXPECT_FALSE(settings.contains("mode"));
}

TEST(SettingsSchemaTest, WithDefaultsKeepsPresentNestedValuesAndFillsAdditional) {
  auto schema = parse_ok(json::parse(R"({
      "properties": {"tls": {"default": {}, "properties": {"depth": {"default": 3}}}},
      "additionalProperties": {"properties": {"weight": {"default": 1}}}})"));
  json filled = schema.with_defaults(json::parse(R"({"tls": {"depth": 7}, "x": {}})"));
  EXPECT_EQ(filled, json::parse(R"({"tls": {"depth": 7}, "x": {"weight": 1}})"));
  auto rooted = parse_ok(json::parse(R"({"default": {}, "properties": {"a": {"default": 1}}})"));
  EXPECT_EQ(rooted.with_defaults(json(nullptr)), json::parse(R"({"a": 1})"));
}

TEST(SettingsSchemaTest, UnknownKeywordIsRefusedAtParseWithItsLocation) {
  std::string message =
      parse_error(json::parse(R"({"properties": {"region": {"type": "string", "patern": "^a"}}})"));
  EXPECT_THAT(message, HasSubstr("/properties/region"));
  EXPECT_THAT(message, HasSubstr("unknown keyword \"patern\""));
  EXPECT_THAT(message, HasSubstr("pattern"));  // lists the supported keywords
  EXPECT_THAT(parse_error(json::parse(R"({"oneOf": []})")), HasSubstr("\"oneOf\""));
  EXPECT_THAT(parse_error(json::parse(R"({"$ref": "#/x"})")), HasSubstr("\"$ref\""));
  EXPECT_THAT(parse_error(json::parse(R"({"items": {"uniqueItems": true}})")),
              HasSubstr("schema location /items: unknown keyword \"uniqueItems\""));
}

TEST(SettingsSchemaTest, MalformedKeywordsAreRefusedAtParse) {
  EXPECT_THAT(parse_error(json::parse(R"({"type": "int"})")), HasSubstr("type must be one of"));
  EXPECT_THAT(parse_error(json::parse(R"({"type": []})")), HasSubstr("empty"));
  EXPECT_THAT(parse_error(json::parse(R"({"type": ["string", "string"]})")), HasSubstr("twice"));
  EXPECT_THAT(parse_error(json::parse(R"({"properties": []})")),
              HasSubstr("properties must be an object"));
  EXPECT_THAT(parse_error(json::parse(R"({"required": "a"})")), HasSubstr("required"));
  EXPECT_THAT(parse_error(json::parse(R"({"enum": []})")), HasSubstr("enum"));
  EXPECT_THAT(parse_error(json::parse(R"({"pattern": "([a-z"})")),
              HasSubstr("not a valid ECMAScript regular expression"));
  EXPECT_THAT(parse_error(json::parse(R"({"minimum": "1"})")), HasSubstr("minimum"));
  EXPECT_THAT(parse_error(json::parse(R"({"minimum": 5, "maximum": 1})")),
              HasSubstr("minimum is greater than maximum"));
  EXPECT_THAT(parse_error(json::parse(R"({"minLength": -1})")), HasSubstr("non-negative"));
  EXPECT_THAT(parse_error(json::parse(R"({"maxLength": 1.5})")), HasSubstr("non-negative"));
  EXPECT_THAT(parse_error(json::parse(R"({"minLength": 3, "maxLength": 2})")),
              HasSubstr("minLength is greater than maxLength"));
  EXPECT_THAT(parse_error(json::parse(R"({"items": [{}]})")), HasSubstr("array form"));
  EXPECT_THAT(parse_error(json::parse(R"({"additionalProperties": 1})")),
              HasSubstr("additionalProperties"));
  EXPECT_THAT(parse_error(json::parse(R"({"x-secret": "yes"})")), HasSubstr("x-secret"));
  EXPECT_THAT(parse_error(json::parse(R"({"description": 3})")), HasSubstr("description"));
  EXPECT_THAT(parse_error(json::parse(R"({"examples": 3})")), HasSubstr("examples"));
  EXPECT_THAT(parse_error(json(true)), HasSubstr("the schema root: a schema must be a JSON"));
  EXPECT_THAT(parse_error(json::parse(R"({"properties": {"a": 3}})")),
              HasSubstr("schema location /properties/a: a schema must be a JSON object"));
}

TEST(SettingsSchemaTest, DefaultMustSatisfyItsOwnSchema) {
  std::string message = parse_error(
      json::parse(R"({"properties": {"n": {"type": "integer", "maximum": 5, "default": 9}}})"));
  EXPECT_THAT(message, HasSubstr("/properties/n"));
  EXPECT_THAT(message, HasSubstr("default does not satisfy its own schema"));
  EXPECT_THAT(message, HasSubstr("at most 5"));
}

TEST(SettingsSchemaTest, CopiesShareTheCompiledSchema) {
  auto schema = parse_ok(kVideoSchema);
  SettingsSchema copy = schema;
  json settings = kValidSettings;
  settings["mode"] = "z";
  EXPECT_EQ(copy.validate(settings).size(), 1u);
  EXPECT_EQ(schema.validate(settings).size(), 1u);
}

}  // namespace
}  // namespace wasl::plugin_host

namespace wasl::plugin_host {
namespace {

TEST(SettingsSchemaTest, ExecutablesAreTheMarkedStringsWithDefaults) {
  SettingsSchema schema = parse_ok(json::parse(R"({
    "type": "object",
    "properties": {
      "converter": {"type": "string", "x-executable": true, "default": "/usr/bin/ffmpeg"},
      "tools": {"type": "array", "items": {"type": "string", "x-executable": true}},
      "nested": {"type": "object", "properties": {"probe": {"type": "string", "x-executable": true}}},
      "label": {"type": "string"}
    }
  })"));
  json settings = schema.with_defaults(json::parse(
      R"({"tools": ["/opt/a", "/opt/b"], "nested": {"probe": "/usr/bin/ffprobe"}, "label": "/x"})"));
  auto found = schema.executables(settings);
  std::vector<std::string> listed;
  for (const auto& [path, program] : found) listed.push_back(path + "=" + program);
  EXPECT_THAT(listed,
              ::testing::UnorderedElementsAre("/converter=/usr/bin/ffmpeg", "/tools/0=/opt/a",
                                              "/tools/1=/opt/b", "/nested/probe=/usr/bin/ffprobe"));
  EXPECT_FALSE(SettingsSchema::parse(json::parse(R"({"x-executable": "yes"})")).ok());
}

}  // namespace
}  // namespace wasl::plugin_host
