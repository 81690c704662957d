#include "hub/config/yaml_budget.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "hub/config/loader.hpp"

namespace wasl::config {
namespace {

using ::testing::HasSubstr;

// `levels` levels of ten aliases each: 10^levels leaves once expanded, in
// about 100 bytes a level.
std::string billion_laughs(int levels) {
  std::string doc = "l0: &l0 \"lol\"\n";
  for (int i = 1; i <= levels; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    doc += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) doc += (j ? ", " : "") + prev;
    doc += "]\n";
  }
  return doc;
}

TEST(YamlBudget, OrdinaryDocumentsAndModestAliasesFit) {
  EXPECT_FALSE(check_yaml_budget("a: 1\nb: [1, 2, {c: d}]\n"));
  EXPECT_FALSE(check_yaml_budget("base: &b {x: 1, y: 2}\none: *b\ntwo: *b\n"));
  EXPECT_FALSE(check_yaml_budget(billion_laughs(3)));  // 1,000 leaves
  EXPECT_FALSE(check_yaml_budget("a: [unclosed")) << "syntax is the loader's to report";
}

TEST(YamlBudget, BillionLaughsIsRefusedAtItsLine) {
  auto over = check_yaml_budget(billion_laughs(9));
  ASSERT_TRUE(over);
  EXPECT_THAT(over->message, HasSubstr("100000 nodes"));
  EXPECT_EQ(over->line, 6) << "level 5 is the first past 100,000 nodes";
}

TEST(YamlBudget, DepthCountsWhatAliasesBringIn) {
  std::string deep = "a: &a ";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "\nb: " + std::string(26, '[') + "*a" + std::string(26, ']') + "\n";
  auto over = check_yaml_budget(deep);
  ASSERT_TRUE(over);
  EXPECT_THAT(over->message, HasSubstr("deeper than 64"));
  EXPECT_FALSE(check_yaml_budget(deep, YamlBudget{100'000, 80}));
}

TEST(YamlBudget, TheConfigLoaderRefusesAnExpandingDocumentQuickly) {
  const auto started = std::chrono::steady_clock::now();
  LoadResult loaded = load_text(billion_laughs(9), "wasl.yaml", ".");
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(loaded.problems.size(), 1u);
  EXPECT_THAT(loaded.problems[0].to_string(), HasSubstr("wasl.yaml:6: the document expands"));
  EXPECT_LT(took, std::chrono::seconds(1));
}

}  // namespace
}  // namespace wasl::config
