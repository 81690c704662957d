#include "hub/api/field_validator.hpp"

#include <utility>

#include <utf8.h>

#include "hub/domain/timestamp.hpp"

namespace wasl::api {

std::string FieldValidator::path(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  return std::string(prefix) + "." + std::string(name);
}

void FieldValidator::add(std::string field, std::string code, std::string message) {
  errors_.push_back({std::move(field), std::move(code), std::move(message)});
}

const nlohmann::json* FieldValidator::member(const nlohmann::json& object, std::string_view name,
                                             std::string_view prefix, bool required) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) add(path(prefix, name), "required", "is required");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> FieldValidator::text(const nlohmann::json& object, std::string_view name,
                                                std::string_view prefix, std::size_t max_chars,
                                                bool required) {
  const nlohmann::json* v = member(object, name, prefix, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    add(path(prefix, name), "wrong_type", "must be a string");
    return std::nullopt;
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (s.empty()) {
    add(path(prefix, name), "empty", "must not be empty");
    return std::nullopt;
  }
  if (!utf8::is_valid(s.begin(), s.end())) {
    add(path(prefix, name), "invalid_format", "must be valid UTF-8");
    return std::nullopt;
  }
  if (static_cast<std::size_t>(utf8::distance(s.begin(), s.end())) > max_chars) {
    add(path(prefix, name), "too_long",
        "must be at most " + std::to_string(max_chars) + " characters");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> FieldValidator::fhir_id(const nlohmann::json& object,
                                                   std::string_view name, std::string_view prefix,
                                                   bool required) {
  auto s = text(object, name, prefix, 64, required);
  if (!s) return std::nullopt;
  for (char c : *s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) {
      add(path(prefix, name), "invalid_format",
          "must be a FHIR id: 1 to 64 letters, digits, '-' or '.'");
      return std::nullopt;
    }
  }
  return s;
}

std::optional<bool> FieldValidator::boolean(const nlohmann::json& object, std::string_view name,
                                            std::string_view prefix, bool required) {
  const nlohmann::json* v = member(object, name, prefix, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    add(path(prefix, name), "wrong_type", "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::int64_t> FieldValidator::timestamp(const nlohmann::json& object,
                                                      std::string_view name,
                                                      std::string_view prefix, bool required) {
  const nlohmann::json* v = member(object, name, prefix, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    add(path(prefix, name), "wrong_type", "must be an RFC 3339 date-time string");
    return std::nullopt;
  }
  auto parsed = domain::parse_timestamp(v->get_ref<const std::string&>());
  if (!parsed) {
    add(path(prefix, name), "invalid_format",
        "must be an RFC 3339 date-time such as 2026-03-01T09:30:00+03:00");
  }
  return parsed;
}

const nlohmann::json* FieldValidator::object(const nlohmann::json& object, std::string_view name,
                                             std::string_view prefix, bool required) {
  const nlohmann::json* v = member(object, name, prefix, required);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    add(path(prefix, name), "wrong_type", "must be an object");
    return nullptr;
  }
  return v;
}

const nlohmann::json* FieldValidator::array(const nlohmann::json& object, std::string_view name,
                                            std::string_view prefix, std::size_t max_items,
                                            bool required) {
  const nlohmann::json* v = member(object, name, prefix, required);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    add(path(prefix, name), "wrong_type", "must be an array");
    return nullptr;
  }
  if (v->size() > max_items) {
    add(path(prefix, name), "too_many",
        "must have at most " + std::to_string(max_items) + " items");
    return nullptr;
  }
  return v;
}

void FieldValidator::reject_unknown(const nlohmann::json& object,
                                    std::initializer_list<std::string_view> known,
                                    std::string_view prefix) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool found = false;
    for (std::string_view k : known) {
      if (k == it.key()) {
        found = true;
        break;
      }
    }
    if (!found) {
      // The key is client text; keep the path printable and bounded.
      std::string key = it.key().substr(0, 64);
      add(path(prefix, key), "unknown_field", "is not a field of this request");
    }
  }
}

}  // namespace wasl::api
