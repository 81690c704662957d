#include "plugins/nphies/fhir_elements.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wasl::plugins::nphies {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(FhirElementsTest, MembersOfAnotherTypeReadAsAbsent) {
  const json element = {{"status", 7},
                        {"value", "x"},
                        {"coding", {{"code", "not-in-an-array"}}},
                        {"identifier", json::array({{{"system", 1}, {"value", "v"}}})}};
  EXPECT_EQ(member(element, "missing"), nullptr);
  EXPECT_EQ(member(json::array({1}), "status"), nullptr);
  EXPECT_EQ(array_member(element, "value"), nullptr);
  EXPECT_EQ(text(element, "status"), "");
  EXPECT_EQ(number(element, "value"), 0);
  EXPECT_EQ(code_of(element), "");
  EXPECT_EQ(code_of({{"coding", json::array({{{"code", ""}}, {{"code", "b"}}})}}), "b");
  EXPECT_EQ(first_identifier(element).system, "");
  EXPECT_EQ(first_identifier(element).value, "v");
  EXPECT_EQ(first_identifier(json("text")).value, "");
  EXPECT_EQ(extension(element, "u"), nullptr);
}

TEST(FhirElementsTest, MoneyIsANumberInSar) {
  const json sar = {{"value", 12.5}, {"currency", "SAR"}};
  ASSERT_TRUE(sar_amount(&sar, "amount").ok());
  EXPECT_DOUBLE_EQ(*sar_amount(&sar, "amount"), 12.5);
  const json negative = {{"value", -3}, {"currency", "SAR"}};
  EXPECT_DOUBLE_EQ(*sar_amount(&negative, "amount"), -3);
  const std::vector<std::pair<json, std::string>> refused = {
      {{{"value", "12.5"}, {"currency", "SAR"}}, "amount is not a number"},
      {{{"value", 12.5}, {"currency", "USD"}}, "amount is not in SAR"},
      {{{"value", 12.5}}, "amount is not in SAR"},
      {{{"currency", "SAR"}}, "amount has no amount"},
      {json::array({12.5}), "amount has no amount"},
  };
  for (const auto& [money, why] : refused) {
    auto read = sar_amount(&money, "amount");
    ASSERT_FALSE(read.ok()) << money.dump();
    EXPECT_EQ(read.error().message, why);
  }
  EXPECT_FALSE(sar_amount(nullptr, "amount").ok());
}

TEST(FhirElementsTest, TimesAreAbsentReadOrRefused) {
  const json element = {{"date", "2025-11-22"}, {"bad", "yesterday"}, {"number", 20251122}};
  auto absent = time_member(element, "missing");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  EXPECT_EQ(time_member(element, "date")->value(), 1763758800000);
  EXPECT_THAT(time_member(element, "bad").error().message,
              HasSubstr("bad is not a FHIR date or dateTime"));
  EXPECT_FALSE(time_member(element, "number").ok());
}

}  // namespace
}  // namespace wasl::plugins::nphies
