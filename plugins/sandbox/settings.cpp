#include "plugins/sandbox/settings.hpp"

#include <array>
#include <string_view>

namespace wasl::plugins::sandbox {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

constexpr std::array<std::string_view, 4> kKnownKeys = {"state_file", "fail_first_attempt",
                                                        "eligibility", "claim_outcome"};

Error invalid(const std::string& message) {
  return Error(ErrorCode::kInvalidArgument, "sandbox settings: " + message, false);
}

Result<bool> bool_at(const json& settings, const char* key, bool fallback) {
  auto it = settings.find(key);
  if (it == settings.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return invalid(std::string(key) + " must be true or false");
  return it->get<bool>();
}

// The string at `key` (or `fallback`), which must be one of `allowed`.
Result<std::string> choice_at(const json& settings, const char* key, const char* fallback,
                              std::initializer_list<std::string_view> allowed) {
  std::string expected;
  for (auto a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
  auto it = settings.find(key);
  if (it == settings.end() || it->is_null()) return std::string(fallback);
  if (it->is_string()) {
    std::string value = it->get<std::string>();
    for (auto a : allowed) {
      if (value == a) return value;
    }
  }
  return invalid(std::string(key) + " must be one of " + expected);
}

}  // namespace

Result<SandboxSettings> parse_settings(const json& settings) {
  if (!settings.is_object()) return invalid("the settings must be an object with state_file");
  for (const auto& item : settings.items()) {
    bool known = false;
    for (auto k : kKnownKeys) known = known || item.key() == k;
    if (!known) {
      return invalid("unknown setting " + item.key() +
                     "; known: state_file, fail_first_attempt, eligibility, claim_outcome");
    }
  }
  SandboxSettings out;
  auto file = settings.find("state_file");
  if (file == settings.end() || !file->is_string() || file->get<std::string>().empty()) {
    return invalid("state_file is required: the path of the SQLite file holding the "
                   "sandbox's state, e.g. var/sandbox.db");
  }
  out.state_file = file->get<std::string>();
  WASL_ASSIGN_OR_RETURN(out.fail_first_attempt, bool_at(settings, "fail_first_attempt", false));
  WASL_ASSIGN_OR_RETURN(auto eligibility,
                        choice_at(settings, "eligibility", "approved", {"approved", "denied"}));
  out.eligibility_approved = eligibility == "approved";
  WASL_ASSIGN_OR_RETURN(auto claim, choice_at(settings, "claim_outcome", "approved",
                                              {"approved", "rejected", "queued"}));
  out.claim_outcome = claim == "approved"   ? ClaimOutcome::kApproved
                      : claim == "rejected" ? ClaimOutcome::kRejected
                                            : ClaimOutcome::kQueued;
  return out;
}

}  // namespace wasl::plugins::sandbox
