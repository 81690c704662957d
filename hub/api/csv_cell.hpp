// CsvCell: a cell of a text/csv answer (RFC 4180: fields separated by
// commas, rows ended by CRLF, a field holding a comma, a quote or a line
// break enclosed in quotes with its quotes doubled). A cell the caller did
// not compute itself (ids, codes, anything from outside) goes through
// csv_cell, which also neutralises spreadsheet formulas: text starting
// with '=', '+', '-', '@', a tab or a carriage return gets a leading
// apostrophe, as the MOH report's CSV does, so a spreadsheet shows it as
// text instead of running it. Numbers the hub formats itself are written
// as they are (a negative amount stays a number).
#pragma once

#include <string>
#include <string_view>

namespace wasl::api {

std::string csv_cell(std::string_view value);

}  // namespace wasl::api
