#include "hub/storage/row_id.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wasl::storage {
namespace {

// Ids keep the form the tables have always held: 32 lowercase hex digits.
TEST(RowIdTest, IdsAre32LowercaseHexDigitsAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_row_id();
    ASSERT_TRUE(id.ok()) << id.error().message;
    ASSERT_EQ(id->size(), 32u);
    EXPECT_EQ(id->find_first_not_of("0123456789abcdef"), std::string::npos) << *id;
    seen.insert(*id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace wasl::storage
