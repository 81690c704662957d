// Claim: an insurance claim for a consultation, submitted through the
// billing plugin. Skeleton: the request and response are the plugin's JSON
// documents, PHI, stored only encrypted (claims.request_enc / response_enc).
//
// JSON wire form: {"id", "consultation_id", "state", "provider_claim_id",
// "submitted_at", "adjudicated_at", "created_at"}; request and response are
// not on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wasl::domain {

enum class ClaimState { kDraft, kSubmitted, kQueued, kApproved, kPartial, kRejected, kError };
std::string_view to_string(ClaimState s);  // "draft", "submitted", "queued", …
std::optional<ClaimState> parse_claim_state(std::string_view name);

struct Claim {
  std::string id;
  std::string consultation_id;
  std::string facility_id;
  ClaimState state = ClaimState::kDraft;
  std::optional<std::string> provider_claim_id;
  std::optional<std::string> request;   // JSON text, PHI
  std::optional<std::string> response;  // JSON text, PHI
  std::optional<std::int64_t> submitted_at;
  std::optional<std::int64_t> adjudicated_at;
  std::int64_t created_at = 0;
  bool operator==(const Claim&) const = default;
};

void to_json(nlohmann::json& j, const Claim& v);
void from_json(const nlohmann::json& j, Claim& v);

}  // namespace wasl::domain
