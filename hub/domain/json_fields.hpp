// JsonFields: reading and writing optional members and enum names for the
// domain types' JSON mapping. Internal to hub/domain.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hub/domain/timestamp.hpp"

namespace wasl::domain::json_fields {

template <typename T>
void put_optional(nlohmann::json& j, const char* name, const std::optional<T>& v) {
  if (v) j[name] = *v;
}

inline void put_time(nlohmann::json& j, const char* name, const std::optional<std::int64_t>& v) {
  if (v) j[name] = format_timestamp(*v);
}

template <typename T>
void get_optional(const nlohmann::json& j, const char* name, std::optional<T>& out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    out.reset();
    return;
  }
  out = it->template get<T>();
}

inline std::int64_t parse_time_field(const nlohmann::json& v, const char* name) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  auto parsed = parse_timestamp(v.get<std::string>());
  if (!parsed) {
    throw std::invalid_argument(std::string("field '") + name +
                                "' is not an RFC 3339 date-time such as 2026-03-01T09:30:00Z");
  }
  return *parsed;
}

inline void get_time(const nlohmann::json& j, const char* name, std::optional<std::int64_t>& out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    out.reset();
    return;
  }
  out = parse_time_field(*it, name);
}

inline std::int64_t get_required_time(const nlohmann::json& j, const char* name) {
  return parse_time_field(j.at(name), name);
}

template <typename E, typename Parse>
E get_enum(const nlohmann::json& j, const char* name, Parse parse) {
  std::string text = j.at(name).get<std::string>();
  auto v = parse(text);
  if (!v) throw std::invalid_argument(std::string("field '") + name + "' has an unknown value");
  return *v;
}

template <typename E, typename Parse>
E get_enum_or(const nlohmann::json& j, const char* name, Parse parse, E fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  return get_enum<E>(j, name, parse);
}

}  // namespace wasl::domain::json_fields
