// The paging parameters every list route takes: `limit` (1..200, default
// 50) and `cursor` (a next_cursor this server issued). read_list_param
// takes one query parameter: true when it was one of them (a bad value is
// added to `v` as the field's error), false when the caller must read it;
// cut_page makes the page and its next_cursor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/api/field_validator.hpp"
#include "hub/records/list_cursor.hpp"

namespace wasl::api {

struct ListParams {
  std::size_t limit = 50;
  std::optional<std::pair<std::int64_t, std::string>> after;  // (time, id) of the cursor
};

bool read_list_param(const std::string& name, const std::string& value, FieldValidator& v,
                     ListParams& out);

// A page read with one item more than `limit` (which tells whether a next
// page exists) cut to `limit`; answers its next_cursor: the cursor of
// `position(last item)` (its time and id) when an item was cut, else null.
template <typename T, typename Position>
nlohmann::json cut_page(std::vector<T>& page, std::size_t limit, Position position) {
  if (page.size() <= limit) return nullptr;
  page.resize(limit);
  return records::encode_cursor(position(page.back()));
}

}  // namespace wasl::api
