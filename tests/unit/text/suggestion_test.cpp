#include "hub/text/suggestion.hpp"

#include <gtest/gtest.h>

namespace wasl::text {
namespace {

const std::vector<std::string> kKeys = {"backend", "migrate_on_start", "sqlite", "postgres"};

TEST(ClosestMatch, SuggestsAKeyOneEditAway) {
  EXPECT_EQ(closest_match("backnd", kKeys), "backend");
  EXPECT_EQ(closest_match("postgre", kKeys), "postgres");
  EXPECT_EQ(closest_match("Backend", kKeys), "backend");
}

TEST(ClosestMatch, CountsATranspositionAsOneEdit) {
  EXPECT_EQ(closest_match("prot", {"host", "port"}), "port");
  EXPECT_EQ(closest_match("sqltie", kKeys), "sqlite");
}

TEST(ClosestMatch, SuggestsNothingForAnUnrelatedWord) {
  EXPECT_EQ(closest_match("colour", kKeys), "");
  EXPECT_EQ(closest_match("", kKeys), "");
  EXPECT_EQ(closest_match("backend", {}), "");
}

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndTranspositions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("region", ""), 6u);
  EXPECT_EQ(edit_distance("regin", "region"), 1u);
  EXPECT_EQ(edit_distance("regiion", "region"), 1u);
  EXPECT_EQ(edit_distance("legion", "region"), 1u);
  EXPECT_EQ(edit_distance("reigon", "region"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("REGION", "region"), 0u);
}

TEST(ClosestMatch, PrefersTheNearestCandidate) {
  EXPECT_EQ(closest_match("inf", {"info", "off", "warn"}), "info");
}

}  // namespace
}  // namespace wasl::text
