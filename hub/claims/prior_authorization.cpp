#include "hub/claims/prior_authorization.hpp"

#include "hub/domain/claim.hpp"

namespace wasl::claims {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// The claim's stored document `text` (request or response) parsed; an
// unreadable one is an empty object (it names no use and no reference).
json parsed(const std::optional<std::string>& text) {
  if (!text) return json::object();
  json doc = json::parse(*text, nullptr, false);
  return doc.is_object() ? doc : json::object();
}

bool is_prior_authorization(const domain::Claim& c) {
  json request = parsed(c.request);
  auto use = request.find("use");
  return use != request.end() && use->is_string() && *use == "preauthorization";
}

std::string pre_auth_ref_of(const domain::Claim& c) {
  json response = parsed(c.response);
  auto ref = response.find("pre_auth_ref");
  return ref != response.end() && ref->is_string() ? ref->get<std::string>() : std::string();
}

}  // namespace

Result<json> prior_authorization_decision(storage::Transaction& tx, const ClaimStore& claims,
                                          std::string_view facility_id, std::string_view claim_id,
                                          std::chrono::milliseconds not_yet) {
  WASL_ASSIGN_OR_RETURN(domain::Claim c, claims.get(tx, facility_id, claim_id));
  if (!is_prior_authorization(c)) {
    return Error(ErrorCode::kInvalidArgument,
                 "hub.await_prior_authorization: claim " + c.id +
                     " is not a prior authorization (hub.build_claim with use preauthorization)",
                 false);
  }
  const std::string state(domain::to_string(c.state));
  switch (c.state) {
    case domain::ClaimState::kApproved:
    case domain::ClaimState::kPartial:
      return json{{"claim_id", c.id},
                  {"state", state},
                  {"approved", true},
                  {"pre_auth_ref", pre_auth_ref_of(c)}};
    case domain::ClaimState::kRejected:
      return Error(ErrorCode::kFailedPrecondition, "the payer rejected prior authorization " + c.id,
                   false);
    case domain::ClaimState::kDraft:
    case domain::ClaimState::kSubmitted:
    case domain::ClaimState::kQueued:
    case domain::ClaimState::kInDoubt: {
      Error later(ErrorCode::kUnavailable,
                  "prior authorization " + c.id + " is " + state + ": the payer has not decided",
                  true, not_yet);
      later.deferred = true;
      return later;
    }
    default:
      return Error(ErrorCode::kFailedPrecondition,
                   "prior authorization " + c.id + " is " + state + ", not approved", false);
  }
}

Result<std::string> consultation_pre_auth_ref(storage::Transaction& tx, const ClaimStore& claims,
                                              std::string_view facility_id,
                                              std::string_view consultation_id) {
  WASL_ASSIGN_OR_RETURN(std::vector<domain::Claim> all,
                        claims.list_for_consultation(tx, facility_id, consultation_id));
  // Oldest first: the last approved one wins.
  std::string ref;
  for (const domain::Claim& listed : all) {
    if (listed.state != domain::ClaimState::kApproved &&
        listed.state != domain::ClaimState::kPartial) {
      continue;
    }
    WASL_ASSIGN_OR_RETURN(domain::Claim c, claims.get(tx, facility_id, listed.id));
    if (!is_prior_authorization(c)) continue;
    std::string r = pre_auth_ref_of(c);
    if (!r.empty()) ref = std::move(r);
  }
  return ref;
}

}  // namespace wasl::claims
