#include "hub/claims/billing_step_guards.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/claims/claim_store.hpp"
#include "hub/workflow/step_refusal.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::claims {

using nlohmann::json;
using sdk::Result;

namespace {

// Who the run's facility is on the exchange.
struct Identity {
  std::string facility_id;
  std::string provider_license;  // empty: the facility has no billing settings
  std::string provider_name;
};

Identity identity_of(const config::Config& config, const std::string& facility_id) {
  Identity id;
  id.facility_id = facility_id;
  auto f = config.facilities.find(facility_id);
  if (f == config.facilities.end()) return id;
  if (f->second.billing) {
    id.provider_license = f->second.billing->provider_license;
    id.provider_name = f->second.billing->provider_name.empty() ? f->second.name
                                                                : f->second.billing->provider_name;
  }
  return id;
}

// Sets `member` of `input` to `value`; false when the input names another
// non-empty value (left as it was).
bool settle(json& input, const char* member, const std::string& value) {
  auto it = input.find(member);
  if (it != input.end() && it->is_string() && !it->get_ref<const std::string&>().empty() &&
      it->get_ref<const std::string&>() != value) {
    return false;
  }
  if (it != input.end() && !it->is_null() && !it->is_string()) return false;
  if (!value.empty()) input[member] = value;
  return true;
}

struct Guard {
  const config::Config& config;
  const records::CellCipher& cipher;
  const audit::AuditWriter& audit;
  std::string method;
  std::vector<const char*> identity_members;  // of provider_license, provider_name, facility_id

  Result<json> operator()(const workflow::HubActionContext& ctx, const json& given) const {
    if (!given.is_object()) return given;  // the plugin refuses it as malformed
    json input = given;
    const Identity id = identity_of(config, ctx.facility_id);
    for (const char* member : identity_members) {
      const std::string& value = std::string(member) == "provider_license" ? id.provider_license
                                 : std::string(member) == "provider_name"  ? id.provider_name
                                                                           : id.facility_id;
      if (!settle(input, member, value)) {
        return workflow::refuse_step(
            audit, ctx, method, "facility", ctx.facility_id,
            std::string(member) + " is not the run's facility's (the host sets it)");
      }
    }
    if (method == sdk::BillingGateway::kAnswerInformationRequest) {
      // The claim answered about is the run's facility's, sent with its key,
      // and goes out as the facility's provider.
      json claim = input.value("claim", json::object());
      if (!claim.is_object() || !settle(claim, "provider_license", id.provider_license) ||
          !settle(claim, "provider_name", id.provider_name) ||
          !settle(claim, "facility_id", id.facility_id)) {
        return workflow::refuse_step(audit, ctx, method, "facility", ctx.facility_id,
                                     "the claim is not the run's facility's (the host sets it)");
      }
      const std::string key = sdk::string_member(claim, "idempotency_key");
      ClaimStore claims(cipher, audit);
      WASL_ASSIGN_OR_RETURN(auto found, claims.find_by_request_key(*ctx.tx, ctx.facility_id, key));
      if (!found) {
        return workflow::refuse_step(audit, ctx, method, "claim", key,
                                     "claim.idempotency_key names no claim of the run's facility");
      }
      input["claim"] = std::move(claim);
    }
    if (method == sdk::BillingGateway::kSubmitClaim ||
        method == sdk::BillingGateway::kRequestPriorAuthorization) {
      // A resubmission may replace only a claim of the run's facility.
      const json related = input.value("related_request_id", json());
      const std::string key = related.is_string() ? related.get<std::string>() : std::string();
      if (!related.is_null() && !related.is_string()) {
        return workflow::refuse_step(audit, ctx, method, "claim", "",
                                     "related_request_id is not a claim's idempotency key");
      }
      if (!key.empty()) {
        ClaimStore claims(cipher, audit);
        WASL_ASSIGN_OR_RETURN(auto found,
                              claims.find_by_request_key(*ctx.tx, ctx.facility_id, key));
        if (!found) {
          return workflow::refuse_step(audit, ctx, method, "claim", key,
                                       "related_request_id names no claim of the run's facility");
        }
      }
    }
    if (method == sdk::BillingGateway::kCancel) {
      const std::string request_id = sdk::string_member(input, "request_id");
      ClaimStore claims(cipher, audit);
      WASL_ASSIGN_OR_RETURN(auto claim,
                            claims.find_by_request_key(*ctx.tx, ctx.facility_id, request_id));
      if (!claim) {
        return workflow::refuse_step(audit, ctx, method, "claim", request_id,
                                     "request_id names no claim of the run's facility");
      }
    }
    if (method == sdk::BillingGateway::kAcknowledge) {
      const std::string message_id = sdk::string_member(input, "message_id");
      ClaimStore claims(cipher, audit);
      WASL_ASSIGN_OR_RETURN(auto claim,
                            claims.find_by_response_message(*ctx.tx, ctx.facility_id, message_id));
      if (!claim) {
        return workflow::refuse_step(audit, ctx, method, "claim", message_id,
                                     "message_id names no answer recorded on a claim of the "
                                     "run's facility");
      }
    }
    return input;
  }
};

}  // namespace

sdk::Status add_billing_step_guards(workflow::HubActions& actions, const config::Config& config,
                                    const records::CellCipher& cipher,
                                    const audit::AuditWriter& audit) {
  using B = sdk::BillingGateway;
  const std::vector<const char*> requests = {"provider_license", "provider_name", "facility_id"};
  const std::vector<const char*> licence_only = {"provider_license"};
  const std::vector<std::pair<std::string_view, std::vector<const char*>>> guarded = {
      {B::kCheckEligibility, requests},
      {B::kRequestPriorAuthorization, requests},
      {B::kSubmitClaim, requests},
      {B::kPoll, licence_only},
      {B::kCancel, licence_only},
      {B::kAcknowledge, licence_only},
      {B::kCheckStatus, licence_only},
      {B::kPollMessages, licence_only},
      {B::kSendPaymentNotice, licence_only},
      {B::kAnswerInformationRequest, {}},
  };
  for (const auto& [method, members] : guarded) {
    WASL_RETURN_IF_ERROR(actions.guard(std::string(method),
                                       Guard{config, cipher, audit, std::string(method), members}));
  }
  return {};
}

}  // namespace wasl::claims
