#include "hub/workflow/action_input.hpp"

#include <cstdint>

namespace wasl::workflow {

sdk::Error ActionInput::invalid(const std::string& member, const std::string& problem) const {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, action_ + " '" + member + "' " + problem,
                    false);
}

sdk::Status ActionInput::require_object() const {
  if (input_.is_object()) return {};
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, action_ + " needs an object as input", false);
}

const nlohmann::json* ActionInput::find(const char* member) const {
  if (!input_.is_object()) return nullptr;
  auto it = input_.find(member);
  if (it == input_.end() || it->is_null()) return nullptr;
  return &*it;
}

sdk::Result<std::string> ActionInput::text(const char* member, bool required) const {
  const nlohmann::json* value = find(member);
  if (value == nullptr || (value->is_string() && value->get_ref<const std::string&>().empty())) {
    if (required) return invalid(member, "is required (a non-empty string)");
    return std::string();
  }
  if (!value->is_string()) return invalid(member, "must be a string");
  return value->get<std::string>();
}

sdk::Result<std::int64_t> ActionInput::non_negative(const char* member) const {
  const nlohmann::json* value = find(member);
  if (value == nullptr) return std::int64_t{0};
  if (value->is_number_unsigned()) {
    std::uint64_t n = value->get<std::uint64_t>();
    if (n <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(n);
  } else if (value->is_number_integer()) {
    std::int64_t n = value->get<std::int64_t>();
    if (n >= 0) return n;
  }
  return invalid(member, "must be a whole number of at least 0");
}

sdk::Result<const nlohmann::json*> ActionInput::object(const char* member, bool required) const {
  const nlohmann::json* value = find(member);
  if (value == nullptr) {
    if (required) return invalid(member, "is required (an object)");
    return value;
  }
  if (!value->is_object()) return invalid(member, "must be an object");
  return value;
}

sdk::Result<const nlohmann::json*> ActionInput::array(const char* member) const {
  const nlohmann::json* value = find(member);
  if (value != nullptr && !value->is_array()) return invalid(member, "must be a list");
  return value;
}

}  // namespace wasl::workflow
