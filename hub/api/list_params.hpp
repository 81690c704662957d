// The paging parameters every list route takes: `limit` (1..200, default
// 50) and `cursor` (a next_cursor this server issued). read_list_param
// takes one query parameter: true when it was one of them (a bad value is
// added to `v` as the field's error), false when the caller must read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "hub/api/field_validator.hpp"

namespace wasl::api {

struct ListParams {
  std::size_t limit = 50;
  std::optional<std::pair<std::int64_t, std::string>> after;  // (time, id) of the cursor
};

bool read_list_param(const std::string& name, const std::string& value, FieldValidator& v,
                     ListParams& out);

}  // namespace wasl::api
