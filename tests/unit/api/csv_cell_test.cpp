// CSV cells: RFC 4180 quoting, and text a spreadsheet would run as a
// formula shown as text.
#include "hub/api/csv_cell.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <utility>
#include <vector>

namespace wasl::api {
namespace {

TEST(CsvCell, QuotesWhatNeedsItAndNeutralisesFormulas) {
  // (value, the cell written)
  const std::vector<std::pair<std::string_view, std::string_view>> cells = {
      {"claim-1", "claim-1"},  // plain text as it is
      {"", ""},
      {"مطالبة", "مطالبة"},
      {"a=b", "a=b"},      // '=' inside is no formula
      {"a,b", "\"a,b\""},  // separators, quotes and line breaks are quoted
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"line\nbreak", "\"line\nbreak\""},
      {"=1+2", "'=1+2"},  // formulas get an apostrophe
      {"+1", "'+1"},
      {"-1", "'-1"},
      {"@SUM(A1)", "'@SUM(A1)"},
      {"\tx", "'\tx"},
      {"\rx", "\"'\rx\""},  // and are quoted as well when they need it
      {"=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""},
  };
  for (const auto& [value, written] : cells) {
    EXPECT_EQ(csv_cell(value), written) << value;
  }
}

}  // namespace
}  // namespace wasl::api
