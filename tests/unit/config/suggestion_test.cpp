#include "hub/config/suggestion.hpp"

#include <gtest/gtest.h>

namespace wasl::config {
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

TEST(ClosestMatch, PrefersTheNearestCandidate) {
  EXPECT_EQ(closest_match("inf", {"info", "off", "warn"}), "info");
}

}  // namespace
}  // namespace wasl::config
