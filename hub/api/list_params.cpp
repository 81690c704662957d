#include "hub/api/list_params.hpp"

#include <cstdlib>

#include "hub/records/consultation_store.hpp"
#include "hub/records/list_cursor.hpp"

namespace wasl::api {

bool read_list_param(const std::string& name, const std::string& value, FieldValidator& v,
                     ListParams& out) {
  if (name == "limit") {
    char* end = nullptr;
    long n = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || n < 1 || n > records::kMaxListLimit) {
      v.add("limit", "out_of_range",
            "must be a whole number from 1 to " + std::to_string(records::kMaxListLimit));
    } else {
      out.limit = static_cast<std::size_t>(n);
    }
    return true;
  }
  if (name == "cursor") {
    auto decoded = records::decode_cursor(value);
    if (!decoded.ok()) {
      v.add("cursor", "invalid_format", "is not a cursor this server issued");
    } else {
      out.after = std::make_pair(decoded->created_at, decoded->id);
    }
    return true;
  }
  return false;
}

}  // namespace wasl::api
