// FieldValidator: reads members of a JSON request object and collects one
// FieldError per problem (field path, code, message), so a client learns
// every problem of a request at once.
//
// Codes: required, wrong_type, empty, too_long, too_many, invalid_format,
// unknown_value, unknown_field, in_past, consent_required, not_allowed,
// out_of_range. Messages name the rule, never the value (it may be PHI).
// Lengths are counted in Unicode code points (bodies are checked as UTF-8
// before this runs).
//
// Not thread-safe; one per request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/http/problem_json.hpp"

namespace wasl::api {

class FieldValidator {
 public:
  // "prefix.name", or "name" when prefix is empty.
  static std::string path(std::string_view prefix, std::string_view name);

  // A string member of at most `max_chars` code points, not empty. Absent or
  // null: nullopt, and a "required" error when `required`.
  std::optional<std::string> text(const nlohmann::json& object, std::string_view name,
                                  std::string_view prefix, std::size_t max_chars, bool required);

  // A FHIR logical id: 1-64 of [A-Za-z0-9-.].
  std::optional<std::string> fhir_id(const nlohmann::json& object, std::string_view name,
                                     std::string_view prefix, bool required);

  std::optional<bool> boolean(const nlohmann::json& object, std::string_view name,
                              std::string_view prefix, bool required);

  // A string that `parse` accepts; `allowed` lists the names for the message.
  template <typename Parse>
  auto enumeration(const nlohmann::json& object, std::string_view name, std::string_view prefix,
                   Parse parse, std::string_view allowed, bool required)
      -> decltype(parse(std::string_view{})) {
    auto raw = text(object, name, prefix, 64, required);
    if (!raw) return std::nullopt;
    auto parsed = parse(*raw);
    if (!parsed) {
      add(path(prefix, name), "unknown_value", "must be one of: " + std::string(allowed));
    }
    return parsed;
  }

  // An RFC 3339 date-time; epoch ms UTC.
  std::optional<std::int64_t> timestamp(const nlohmann::json& object, std::string_view name,
                                        std::string_view prefix, bool required);

  // A member that must be an object; nullptr when absent (error if required)
  // or of another type.
  const nlohmann::json* object(const nlohmann::json& object, std::string_view name,
                               std::string_view prefix, bool required);

  // A member that must be an array of at most `max_items`.
  const nlohmann::json* array(const nlohmann::json& object, std::string_view name,
                              std::string_view prefix, std::size_t max_items, bool required);

  // An "unknown_field" error for every member not in `known`.
  void reject_unknown(const nlohmann::json& object, std::initializer_list<std::string_view> known,
                      std::string_view prefix);

  void add(std::string field, std::string code, std::string message);

  bool ok() const { return errors_.empty(); }
  const std::vector<http::FieldError>& errors() const { return errors_; }
  std::vector<http::FieldError> take() { return std::move(errors_); }

 private:
  // The member, or nullptr when absent or null (recording "required").
  const nlohmann::json* member(const nlohmann::json& object, std::string_view name,
                               std::string_view prefix, bool required);

  std::vector<http::FieldError> errors_;
};

}  // namespace wasl::api
