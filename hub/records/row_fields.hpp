// RowFields: reading nullable cells into std::optional and binding
// std::optional as parameters, for the record stores. Internal to
// hub/records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::records::row_fields {

inline sdk::Result<std::optional<std::string>> optional_text(const storage::Row& row,
                                                             std::string_view column) {
  if (row.is_null(column)) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(std::string v, row.get_text(column));
  return std::optional<std::string>(std::move(v));
}

inline sdk::Result<std::optional<std::int64_t>> optional_int(const storage::Row& row,
                                                             std::string_view column) {
  if (row.is_null(column)) return std::optional<std::int64_t>();
  WASL_ASSIGN_OR_RETURN(std::int64_t v, row.get_int(column));
  return std::optional<std::int64_t>(v);
}

inline sdk::Result<std::optional<std::string>> optional_blob(const storage::Row& row,
                                                             std::string_view column) {
  if (row.is_null(column)) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(std::string v, row.get_blob(column));
  return std::optional<std::string>(std::move(v));
}

inline storage::Value text_or_null(const std::optional<std::string>& v) {
  return v ? storage::Value{*v} : storage::null_value();
}

inline storage::Value int_or_null(const std::optional<std::int64_t>& v) {
  return v ? storage::Value{*v} : storage::null_value();
}

inline sdk::Error not_found(std::string_view what, std::string_view id) {
  return sdk::Error(sdk::ErrorCode::kNotFound,
                    std::string(what) + " " + std::string(id) + " does not exist");
}

}  // namespace wasl::records::row_fields
