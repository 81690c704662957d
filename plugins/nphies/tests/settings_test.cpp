#include "plugins/nphies/settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::nphies {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kSchema = WASL_SOURCE_DIR "/plugins/nphies/schema.json";

std::vector<std::string> violations(const json& settings) {
  const json schema = sdk::testing::read_schema(kSchema);
  return sdk::testing::schema_violations(schema, sdk::with_schema_defaults(schema, settings));
}

TEST(NphiesSettingsTest, DefaultsAndUrls) {
  auto s = parse_settings(sdk::testing::settings_from_schema(
      kSchema,
      {{"base_url", "https://hsb.nphies.sa"}, {"provider_base_url", "http://sgh.com.sa"}}));
  EXPECT_EQ(s.process_message_url(), "https://hsb.nphies.sa/$process-message");
  EXPECT_EQ(s.identifier_system("claim"), "http://sgh.com.sa/identifier/claim");
  EXPECT_EQ(s.request_timeout, std::chrono::seconds(60));
  EXPECT_EQ(s.max_clock_skew, std::chrono::seconds(900));
  EXPECT_EQ(s.clock_recheck, std::chrono::seconds(60));
  EXPECT_EQ(s.poll_count, 100);
  EXPECT_TRUE(s.patient_identifier_systems.empty());
  EXPECT_EQ(s.profile_version, "0.3.0");
}

TEST(NphiesSettingsTest, ProfileVersionIsOneOfTheTwoEditions) {
  const json ok = {{"base_url", "https://hsb.nphies.sa"},
                   {"provider_base_url", "http://sgh.com.sa"}};
  for (const char* version : {"0.3.0", "1.0.0"}) {
    json settings = ok;
    settings["profile_version"] = version;
    EXPECT_THAT(violations(settings), IsEmpty()) << version;
    EXPECT_EQ(parse_settings(sdk::testing::settings_from_schema(kSchema, settings)).profile_version,
              version);
  }
  for (const json& other : {json("2.0.0"), json("1.0"), json(""), json(1)}) {
    json settings = ok;
    settings["profile_version"] = other;
    EXPECT_THAT(violations(settings), Not(IsEmpty())) << other.dump();
  }
}

// The rules live in schema.json alone: the hub refuses such settings before
// the plugin sees them.
TEST(NphiesSettingsTest, TheSchemaRefusesWhatThePluginCannotUse) {
  const json ok = {{"base_url", "https://hsb.nphies.sa"},
                   {"provider_base_url", "http://sgh.com.sa"}};
  EXPECT_THAT(violations(ok), IsEmpty());
  auto refused = [&](const char* key, json value) {
    json settings = ok;
    settings[key] = std::move(value);
    return violations(settings);
  };
  EXPECT_THAT(refused("base_url", "http://hsb.nphies.sa"), Not(IsEmpty()));  // https only
  EXPECT_THAT(refused("base_url", "https://hsb.nphies.sa/"), Not(IsEmpty()));
  EXPECT_THAT(refused("poll_count", 101), Not(IsEmpty()));
  EXPECT_THAT(refused("patient_identifier_systems", json{{"urn:x", "licence"}}), Not(IsEmpty()));
  EXPECT_THAT(violations({{"base_url", "https://hsb.nphies.sa"}}),
              ::testing::Contains(HasSubstr("provider_base_url")));
}

}  // namespace
}  // namespace wasl::plugins::nphies
