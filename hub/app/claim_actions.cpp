#include "hub/app/claim_actions.hpp"

#include <cctype>

#include "hub/app/action_input.hpp"
#include "hub/domain/claim.hpp"
#include "hub/records/claim_store.hpp"
#include "wasl/sdk/billing.hpp"

namespace wasl::app {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

constexpr const char* kBuildClaim = "hub.build_claim";
constexpr const char* kClaimIdMember = "claim_id";

const std::string& default_service_code(const config::Config& config,
                                        const std::string& facility_id) {
  static const config::FacilityConfig kUnconfigured;
  auto f = config.facilities.find(facility_id);
  return f == config.facilities.end() ? kUnconfigured.virtual_consultation_service_code
                                      : f->second.virtual_consultation_service_code;
}

Result<std::vector<sdk::ClaimItem>> read_items(const ActionInput& in, const nlohmann::json* list) {
  std::vector<sdk::ClaimItem> items;
  if (list == nullptr) return items;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string member = "items[" + std::to_string(i) + "]";
    const nlohmann::json& entry = (*list)[i];
    if (!entry.is_object()) return in.invalid(member, "must be an object (a ClaimItem)");
    sdk::ClaimItem item;
    try {
      item = entry.get<sdk::ClaimItem>();
    } catch (const nlohmann::json::exception&) {
      return in.invalid(member, "is not a ClaimItem (service_code, code_system, quantity, "
                                "unit_price, currency)");
    }
    if (item.service_code.empty()) return in.invalid(member + ".service_code", "is required");
    if (!(item.quantity > 0)) return in.invalid(member + ".quantity", "must be more than 0");
    if (!(item.unit_price >= 0)) return in.invalid(member + ".unit_price", "must be at least 0");
    items.push_back(std::move(item));
  }
  return items;
}

// The settled result of billing.submit_claim as the claim row records it.
records::ClaimSubmission submission_of(const Result<nlohmann::json>& result, std::int64_t now) {
  records::ClaimSubmission s;
  s.at_ms = now;
  if (!result.ok()) {
    const Error& e = result.error();
    s.state = domain::ClaimState::kError;
    s.response = nlohmann::json{{"error",
                                 {{"code", std::string(sdk::to_string(e.code))},
                                  {"message", e.message},
                                  {"retryable", e.retryable}}}}
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return s;
  }
  const nlohmann::json& answer = result.value();
  s.response = answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  sdk::ClaimResponse response;
  try {
    response = answer.get<sdk::ClaimResponse>();
  } catch (const nlohmann::json::exception&) {
    s.state = domain::ClaimState::kSubmitted;  // answered, in a form we cannot read
    return s;
  }
  s.state = domain::claim_state_after_response(response.status, response.outcome,
                                               response.approved);
  if (!response.response_id.empty()) s.provider_claim_id = response.response_id;
  return s;
}

sdk::Status record_submit_result(const records::CellCipher& cipher, const audit::AuditWriter& audit,
                                 const workflow::HubActionContext& ctx, const nlohmann::json& input,
                                 const Result<nlohmann::json>& result) {
  if (!input.is_object()) return {};
  auto raw = input.find("raw");
  if (raw == input.end() || !raw->is_object()) return {};
  auto id = raw->find(kClaimIdMember);
  if (id == raw->end() || !id->is_string()) return {};
  records::ClaimStore claims(cipher, audit);
  records::ClaimActor by;
  by.run_id = ctx.run_id;
  sdk::Status recorded = claims.record_submission(*ctx.tx, ctx.facility_id, id->get<std::string>(),
                                                  submission_of(result, ctx.now_ms), by);
  if (!recorded.ok() && recorded.error().code == ErrorCode::kNotFound) return {};
  return recorded;
}

}  // namespace

std::string claim_id_for_step(const std::string& step_key) {
  // The key is "wasl-" + 32 hex digits; the id keeps those digits in UUID
  // form, with the version and variant bits of a version 8 UUID.
  std::string hex = step_key.size() >= 32 ? step_key.substr(step_key.size() - 32) : step_key;
  hex.resize(32, '0');
  hex[12] = '8';
  const char variants[] = "89ab";
  int nibble = std::isxdigit(static_cast<unsigned char>(hex[16]))
                   ? std::stoi(std::string(1, hex[16]), nullptr, 16)
                   : 0;
  hex[16] = variants[nibble & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

Result<sdk::Claim> build_claim(const nlohmann::json& input, const std::string& claim_id,
                               const std::string& facility_id, const config::Config& config) {
  ActionInput in(kBuildClaim, input);
  WASL_RETURN_IF_ERROR(in.require_object());
  sdk::Claim claim;
  claim.idempotency_key = claim_id;
  claim.facility_id = facility_id;
  WASL_ASSIGN_OR_RETURN(claim.patient_id, in.text("patient_id", true));
  WASL_ASSIGN_OR_RETURN(claim.practitioner_id, in.text("practitioner_id", true));
  WASL_ASSIGN_OR_RETURN(const nlohmann::json* coverage, in.object("coverage", true));
  try {
    claim.coverage = coverage->get<sdk::Coverage>();
  } catch (const nlohmann::json::exception&) {
    return in.invalid("coverage", "is not a Coverage (read it with ehr.read_coverage)");
  }
  if (claim.coverage.id.empty()) return in.invalid("coverage", "has no id");
  WASL_ASSIGN_OR_RETURN(claim.encounter_id, in.text("encounter_id"));
  WASL_ASSIGN_OR_RETURN(claim.service_start_ms, in.non_negative("service_start_ms"));
  WASL_ASSIGN_OR_RETURN(claim.service_end_ms, in.non_negative("service_end_ms"));
  if (claim.service_start_ms > 0 && claim.service_end_ms > 0 &&
      claim.service_end_ms < claim.service_start_ms) {
    return in.invalid("service_end_ms", "must not be before service_start_ms");
  }
  WASL_ASSIGN_OR_RETURN(claim.prior_auth_ref, in.text("prior_auth_ref"));
  WASL_ASSIGN_OR_RETURN(std::string use, in.text("use"));
  if (!use.empty()) {
    if (use != "claim" && use != "preauthorization") {
      return in.invalid("use", "must be \"claim\" or \"preauthorization\"");
    }
    claim.use = use;
  }
  WASL_ASSIGN_OR_RETURN(const nlohmann::json* items, in.array("items"));
  WASL_ASSIGN_OR_RETURN(claim.items, read_items(in, items));
  if (claim.items.empty()) {
    WASL_ASSIGN_OR_RETURN(std::string code, in.text("service_code"));
    sdk::ClaimItem item;
    item.service_code = code.empty() ? default_service_code(config, facility_id) : code;
    claim.items.push_back(std::move(item));
  }
  claim.raw = nlohmann::json{{kClaimIdMember, claim_id}};
  return claim;
}

void add_claim_actions(workflow::HubActions& actions, const config::Config& config,
                       const records::CellCipher& cipher, const audit::AuditWriter& audit) {
  actions.add(
      kBuildClaim, workflow::HubActionMode::kInTransaction,
      [&config, &cipher, &audit](const workflow::HubActionContext& ctx,
                                 const nlohmann::json& input) -> Result<nlohmann::json> {
        const std::string id = claim_id_for_step(ctx.idempotency_key);
        WASL_ASSIGN_OR_RETURN(sdk::Claim claim, build_claim(input, id, ctx.facility_id, config));
        nlohmann::json output = claim;
        if (ctx.consultation_id.empty() || ctx.tx == nullptr) return output;
        domain::Claim row;
        row.id = id;
        row.consultation_id = ctx.consultation_id;
        row.facility_id = ctx.facility_id;
        row.request = output.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        row.created_at = ctx.now_ms;
        records::ClaimStore claims(cipher, audit);
        records::ClaimActor by;
        by.run_id = ctx.run_id;
        WASL_RETURN_IF_ERROR(claims.create(*ctx.tx, row, by));
        return output;
      });
  actions.observe(std::string(sdk::BillingGateway::kSubmitClaim),
                  [&cipher, &audit](const workflow::HubActionContext& ctx,
                                    const nlohmann::json& input,
                                    const Result<nlohmann::json>& result) {
                    return record_submit_result(cipher, audit, ctx, input, result);
                  });
}

}  // namespace wasl::app
