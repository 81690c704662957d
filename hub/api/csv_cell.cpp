#include "hub/api/csv_cell.hpp"

namespace wasl::api {

namespace {

constexpr std::string_view kFormulaStarts = "=+-@\t\r";
constexpr std::string_view kNeedsQuotes = ",\"\r\n";

}  // namespace

std::string csv_cell(std::string_view value) {
  const bool formula =
      !value.empty() && kFormulaStarts.find(value.front()) != std::string_view::npos;
  const bool quoted = value.find_first_of(kNeedsQuotes) != std::string_view::npos;
  std::string out;
  out.reserve(value.size() + 4);
  if (quoted) out.push_back('"');
  if (formula) out.push_back('\'');
  for (char c : value) {
    out.push_back(c);
    if (quoted && c == '"') out.push_back('"');
  }
  if (quoted) out.push_back('"');
  return out;
}

}  // namespace wasl::api
