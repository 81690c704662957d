// json_member.hpp: reading a member of JSON from outside without trusting its
// type. nlohmann's `object.value("key", "")` throws type_error when the
// member is there with another type (`"resourceType": []` from an EHR), and
// an exception is a bug report, not an answer: a provider's odd body must
// read as "not what was expected" and take the caller's error path. Pure and
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wasl::sdk {

// The string member `key` of `object`; empty when `object` is not an object,
// has no such member, or holds another type there.
inline std::string string_member(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The member `key` of `object` whatever its type; null when `object` is not
// an object or has no such member. The reference stays valid as long as
// `object` does.
inline const nlohmann::json& member(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it != object.end() ? *it : kNull;
}

// The object member `key` of `object`; an empty object when `object` is not
// an object, has no such member, or holds another type there.
inline const nlohmann::json& object_member(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json& found = member(object, key);
  return found.is_object() ? found : kEmpty;
}

// The array member `key` of `object`; an empty array when `object` is not an
// object, has no such member, or holds another type there.
inline const nlohmann::json& array_member(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const nlohmann::json& found = member(object, key);
  return found.is_array() ? found : kEmpty;
}

// The boolean member `key` of `object`; `otherwise` when `object` is not an
// object, has no such member, or holds another type there.
inline bool bool_member(const nlohmann::json& object, std::string_view key, bool otherwise) {
  if (!object.is_object()) return otherwise;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : otherwise;
}

}  // namespace wasl::sdk
