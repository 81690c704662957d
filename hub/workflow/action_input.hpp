// ActionInput: reads the members of a hub action's input (a JSON object)
// with errors that name the action and the member, never the value (inputs
// may carry PHI). Every error is kInvalidArgument, not retryable: the same
// input fails the same way again.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class ActionInput {
 public:
  // `action` names the action in messages ("hub.build_claim"); `input` is
  // borrowed for the reader's lifetime.
  ActionInput(std::string action, const nlohmann::json& input)
      : action_(std::move(action)), input_(input) {}

  // kInvalidArgument unless the input is a JSON object.
  sdk::Status require_object() const;

  // A string member; absent or null = "". `required` refuses absent and "".
  sdk::Result<std::string> text(const char* member, bool required = false) const;

  // A whole-number member of at least 0; absent or null = 0.
  sdk::Result<std::int64_t> non_negative(const char* member) const;

  // An object member; absent or null = nullptr. `required` refuses absent.
  sdk::Result<const nlohmann::json*> object(const char* member, bool required = false) const;

  // An array member; absent or null = nullptr.
  sdk::Result<const nlohmann::json*> array(const char* member) const;

  // An error about `member` of this action: "<action> '<member>' <problem>".
  sdk::Error invalid(const std::string& member, const std::string& problem) const;

 private:
  const nlohmann::json* find(const char* member) const;

  std::string action_;
  const nlohmann::json& input_;
};

}  // namespace wasl::workflow
