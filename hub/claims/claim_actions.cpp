#include "hub/claims/claim_actions.hpp"

#include "hub/claims/billing_step_guards.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/claims/information_answers.hpp"
#include "hub/claims/information_request_store.hpp"
#include "hub/claims/prior_authorization.hpp"
#include "hub/crypto/hex.hpp"
#include "hub/domain/claim.hpp"
#include "hub/workflow/action_input.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/uuid.hpp"

namespace wasl::claims {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using workflow::ActionInput;

namespace {

constexpr const char* kBuildClaim = "hub.build_claim";
constexpr const char* kBuildEligibility = "hub.build_eligibility";
constexpr const char* kBillingService = "hub.billing_service";
constexpr const char* kAwaitPriorAuthorization = "hub.await_prior_authorization";
constexpr const char* kQueueClaim = "hub.queue_claim";
constexpr const char* kClaimIdMember = "claim_id";
constexpr const char* kAnswerInformationRequest = "hub.answer_information_request";
constexpr const char* kInformationRequestIdMember = "information_request_id";

// The facility's billing settings; kFailedPrecondition (not retryable: the
// configuration must change) when it has none.
Result<const config::FacilityBillingConfig*> billing_of(const config::Config& config,
                                                        const std::string& facility_id,
                                                        const char* action) {
  auto f = config.facilities.find(facility_id);
  if (f == config.facilities.end() || !f->second.billing) {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string(action) + ": facility " + facility_id +
                     " has no billing settings (facilities." + facility_id + ".billing)",
                 false);
  }
  return &*f->second.billing;
}

std::string provider_name_of(const config::Config& config, const std::string& facility_id,
                             const config::FacilityBillingConfig& billing) {
  if (!billing.provider_name.empty()) return billing.provider_name;
  auto f = config.facilities.find(facility_id);
  return f == config.facilities.end() ? std::string() : f->second.name;
}

// An optional object member read as T; `what` names T in the error.
template <typename T>
Result<T> read_optional(const ActionInput& in, const char* member, const char* what) {
  WASL_ASSIGN_OR_RETURN(const nlohmann::json* object, in.object(member));
  if (object == nullptr) return T{};
  try {
    return object->get<T>();
  } catch (const nlohmann::json::exception&) {
    return in.invalid(member, std::string("is not a ") + what);
  }
}

Result<sdk::Coverage> read_coverage(const ActionInput& in) {
  WASL_ASSIGN_OR_RETURN(const nlohmann::json* coverage, in.object("coverage", true));
  sdk::Coverage c;
  try {
    c = coverage->get<sdk::Coverage>();
  } catch (const nlohmann::json::exception&) {
    return in.invalid("coverage", "is not a Coverage (read it with ehr.read_coverage)");
  }
  if (c.id.empty()) return in.invalid("coverage", "has no id");
  return c;
}

// diagnosis_codes: ICD-10-AM codes, the first principal, the others
// secondary; absent or empty = the facility's diagnosis code.
Result<std::vector<sdk::Diagnosis>> read_diagnoses(const ActionInput& in,
                                                   const config::FacilityBillingConfig& billing) {
  WASL_ASSIGN_OR_RETURN(const nlohmann::json* codes, in.array("diagnosis_codes"));
  std::vector<sdk::Diagnosis> diagnoses;
  if (codes == nullptr || codes->empty()) {
    sdk::Diagnosis d;
    d.code = billing.diagnosis_code;
    diagnoses.push_back(std::move(d));
    return diagnoses;
  }
  for (std::size_t i = 0; i < codes->size(); ++i) {
    const nlohmann::json& code = (*codes)[i];
    if (!code.is_string() || code.get<std::string>().empty()) {
      return in.invalid("diagnosis_codes[" + std::to_string(i) + "]", "must be a non-empty string");
    }
    sdk::Diagnosis d;
    d.code = code.get<std::string>();
    d.type = i == 0 ? "principal" : "secondary";
    diagnoses.push_back(std::move(d));
  }
  return diagnoses;
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
      return in.invalid(member,
                        "is not a ClaimItem (service_code, code_system, quantity, "
                        "unit_price, currency)");
    }
    if (item.service_code.empty()) return in.invalid(member + ".service_code", "is required");
    if (!(item.quantity > 0)) return in.invalid(member + ".quantity", "must be more than 0");
    if (!(item.unit_price >= 0)) return in.invalid(member + ".unit_price", "must be at least 0");
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

ClaimSubmission claim_submission_of(const Result<nlohmann::json>& result, std::int64_t now) {
  ClaimSubmission s;
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
  s.state =
      domain::claim_state_after_response(response.status, response.outcome, response.approved);
  if (!response.response_id.empty()) s.provider_claim_id = response.response_id;
  if (!response.request_message_id.empty()) s.request_message_id = response.request_message_id;
  if (!response.message_id.empty()) s.response_message_id = response.message_id;
  if (!response.request_id.empty()) s.request_key = response.request_id;
  if (domain::is_adjudicated(s.state)) {
    domain::ClaimAmounts amounts;
    amounts.currency = response.currency;
    amounts.eligible = domain::to_minor_units(response.total_eligible);
    amounts.benefit = domain::to_minor_units(response.total_benefit);
    amounts.copay = domain::to_minor_units(response.total_copay);
    amounts.patient_share = domain::to_minor_units(response.total_patient_share);
    amounts.tax = domain::to_minor_units(response.total_tax);
    s.amounts = std::move(amounts);
  }
  return s;
}

namespace {

sdk::Status record_submit_result(const records::CellCipher& cipher, const audit::AuditWriter& audit,
                                 const workflow::HubActionContext& ctx, const nlohmann::json& input,
                                 const Result<nlohmann::json>& result) {
  if (!input.is_object()) return {};
  auto raw = input.find("raw");
  if (raw == input.end() || !raw->is_object()) return {};
  auto id = raw->find(kClaimIdMember);
  if (id == raw->end() || !id->is_string()) return {};
  ClaimStore claims(cipher, audit);
  ClaimActor by;
  by.run_id = ctx.run_id;
  sdk::Status recorded = claims.record_submission(*ctx.tx, ctx.facility_id, id->get<std::string>(),
                                                  claim_submission_of(result, ctx.now_ms), by);
  if (!recorded.ok() && recorded.error().code == ErrorCode::kNotFound) return {};
  return recorded;
}

}  // namespace

std::string claim_id_for_step(const std::string& step_key) {
  // The key is "wasl-" + 32 hex digits of a hash; the id is those 16 bytes
  // as a version 8 UUID.
  if (step_key.size() >= 32) {
    if (auto bytes = crypto::from_hex(std::string_view(step_key).substr(step_key.size() - 32));
        bytes.ok()) {
      return sdk::uuid_text(*bytes, 8);
    }
  }
  return sdk::name_based_uuid(step_key);
}

Result<sdk::Claim> build_claim(const nlohmann::json& input, const std::string& claim_id,
                               const std::string& facility_id, const config::Config& config) {
  ActionInput in(kBuildClaim, input);
  WASL_RETURN_IF_ERROR(in.require_object());
  WASL_ASSIGN_OR_RETURN(const config::FacilityBillingConfig* billing,
                        billing_of(config, facility_id, kBuildClaim));
  sdk::Claim claim;
  claim.idempotency_key = claim_id;
  claim.facility_id = facility_id;
  claim.provider_license = billing->provider_license;
  claim.payer_license = billing->payer_license;
  claim.provider_name = provider_name_of(config, facility_id, *billing);
  claim.claim_type = billing->claim_type;
  claim.claim_subtype = billing->claim_subtype;
  WASL_ASSIGN_OR_RETURN(claim.patient_id, in.text("patient_id", true));
  WASL_ASSIGN_OR_RETURN(claim.practitioner_id, in.text("practitioner_id", true));
  WASL_ASSIGN_OR_RETURN(claim.coverage, read_coverage(in));
  WASL_ASSIGN_OR_RETURN(claim.patient,
                        read_optional<sdk::PatientSummary>(in, "patient", "Patient summary"));
  WASL_ASSIGN_OR_RETURN(claim.practitioner, read_optional<sdk::PractitionerSummary>(
                                                in, "practitioner", "Practitioner summary"));
  WASL_ASSIGN_OR_RETURN(sdk::ClaimResponse eligibility,
                        read_optional<sdk::ClaimResponse>(
                            in, "eligibility", "ClaimResponse (billing.check_eligibility)"));
  claim.eligibility_response_id = eligibility.response_id;
  claim.eligibility_response_system = eligibility.response_system;
  WASL_ASSIGN_OR_RETURN(claim.diagnoses, read_diagnoses(in, *billing));
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
    // One virtual consultation at the facility's contract price; a step's
    // service_code replaces the code, not the price list's amounts.
    WASL_ASSIGN_OR_RETURN(std::string code, in.text("service_code"));
    sdk::ClaimItem item;
    item.service_code = code.empty() ? billing->service_code : code;
    item.code_system = billing->service_code_system;
    item.unit_price = billing->price;
    item.tax = billing->tax;
    item.currency = billing->currency;
    claim.items.push_back(std::move(item));
  }
  claim.raw = nlohmann::json{{kClaimIdMember, claim_id}};
  return claim;
}

nlohmann::json billing_service(const config::FacilityBillingConfig& billing) {
  return nlohmann::json{{"service_code", billing.service_code},
                        {"service_code_system", billing.service_code_system},
                        {"price", billing.price},
                        {"tax", billing.tax},
                        {"currency", billing.currency},
                        {"claim_type", billing.claim_type},
                        {"claim_subtype", billing.claim_subtype},
                        {"requires_prior_auth", billing.requires_prior_auth},
                        {"submission", billing.submission}};
}

Result<sdk::EligibilityRequest> build_eligibility(const nlohmann::json& input,
                                                  const std::string& facility_id,
                                                  const config::Config& config) {
  ActionInput in(kBuildEligibility, input);
  WASL_RETURN_IF_ERROR(in.require_object());
  WASL_ASSIGN_OR_RETURN(const config::FacilityBillingConfig* billing,
                        billing_of(config, facility_id, kBuildEligibility));
  sdk::EligibilityRequest request;
  request.facility_id = facility_id;
  request.provider_license = billing->provider_license;
  request.payer_license = billing->payer_license;
  request.provider_name = provider_name_of(config, facility_id, *billing);
  WASL_ASSIGN_OR_RETURN(request.patient_id, in.text("patient_id", true));
  WASL_ASSIGN_OR_RETURN(request.practitioner_id, in.text("practitioner_id"));
  WASL_ASSIGN_OR_RETURN(request.coverage, read_coverage(in));
  WASL_ASSIGN_OR_RETURN(request.patient,
                        read_optional<sdk::PatientSummary>(in, "patient", "Patient summary"));
  WASL_ASSIGN_OR_RETURN(request.service_date_ms, in.non_negative("service_date_ms"));
  return request;
}

sdk::Status add_claim_actions(workflow::HubActions& actions, const config::Config& config,
                              const records::CellCipher& cipher, const audit::AuditWriter& audit) {
  WASL_RETURN_IF_ERROR(actions.add(
      kBuildClaim, workflow::HubActionMode::kInTransaction,
      [&config, &cipher, &audit](const workflow::HubActionContext& ctx,
                                 const nlohmann::json& input) -> Result<nlohmann::json> {
        const std::string id = claim_id_for_step(ctx.idempotency_key);
        WASL_ASSIGN_OR_RETURN(sdk::Claim claim, build_claim(input, id, ctx.facility_id, config));
        if (ctx.consultation_id.empty() || ctx.tx == nullptr) return nlohmann::json(claim);
        ClaimStore claims(cipher, audit);
        if (claim.use == "claim" && claim.prior_auth_ref.empty()) {
          WASL_ASSIGN_OR_RETURN(
              claim.prior_auth_ref,
              consultation_pre_auth_ref(*ctx.tx, claims, ctx.facility_id, ctx.consultation_id));
        }
        nlohmann::json output = claim;
        domain::Claim row;
        row.id = id;
        row.consultation_id = ctx.consultation_id;
        row.facility_id = ctx.facility_id;
        row.request = output.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        row.created_at = ctx.now_ms;
        ClaimActor by;
        by.run_id = ctx.run_id;
        WASL_RETURN_IF_ERROR(claims.create(*ctx.tx, row, by));
        return output;
      }));
  WASL_RETURN_IF_ERROR(
      actions.add(kBuildEligibility, workflow::HubActionMode::kInTransaction,
                  [&config](const workflow::HubActionContext& ctx,
                            const nlohmann::json& input) -> Result<nlohmann::json> {
                    WASL_ASSIGN_OR_RETURN(sdk::EligibilityRequest request,
                                          build_eligibility(input, ctx.facility_id, config));
                    return nlohmann::json(request);
                  }));
  WASL_RETURN_IF_ERROR(
      actions.add(kBillingService, workflow::HubActionMode::kInTransaction,
                  [&config](const workflow::HubActionContext& ctx,
                            const nlohmann::json& input) -> Result<nlohmann::json> {
                    (void)input;
                    WASL_ASSIGN_OR_RETURN(const config::FacilityBillingConfig* billing,
                                          billing_of(config, ctx.facility_id, kBillingService));
                    return billing_service(*billing);
                  }));
  WASL_RETURN_IF_ERROR(actions.add(
      kAwaitPriorAuthorization, workflow::HubActionMode::kInTransaction,
      [&config, &cipher, &audit](const workflow::HubActionContext& ctx,
                                 const nlohmann::json& input) -> Result<nlohmann::json> {
        ActionInput in(kAwaitPriorAuthorization, input);
        WASL_RETURN_IF_ERROR(in.require_object());
        WASL_ASSIGN_OR_RETURN(std::string claim_id, in.text(kClaimIdMember, true));
        WASL_ASSIGN_OR_RETURN(const config::FacilityBillingConfig* billing,
                              billing_of(config, ctx.facility_id, kAwaitPriorAuthorization));
        ClaimStore claims(cipher, audit);
        return prior_authorization_decision(*ctx.tx, claims, ctx.facility_id, claim_id,
                                            billing->poll_interval);
      }));
  WASL_RETURN_IF_ERROR(actions.add(
      kAnswerInformationRequest, workflow::HubActionMode::kInTransaction,
      [&cipher, &audit](const workflow::HubActionContext& ctx,
                        const nlohmann::json& input) -> Result<nlohmann::json> {
        ActionInput in(kAnswerInformationRequest, input);
        WASL_RETURN_IF_ERROR(in.require_object());
        WASL_ASSIGN_OR_RETURN(std::string id, in.text(kInformationRequestIdMember, true));
        AnswerInput answer;
        WASL_ASSIGN_OR_RETURN(const nlohmann::json* texts, in.array("texts"));
        if (texts != nullptr) {
          for (const nlohmann::json& t : *texts) {
            if (!t.is_string()) {
              return Error(ErrorCode::kInvalidArgument,
                           std::string(kAnswerInformationRequest) + ": texts must be strings",
                           false);
            }
            answer.texts.push_back(t.get<std::string>());
          }
        }
        WASL_ASSIGN_OR_RETURN(const nlohmann::json* pages, in.array("pages"));
        if (pages != nullptr) {
          for (const nlohmann::json& p : *pages) {
            if (!p.is_string()) {
              return Error(ErrorCode::kInvalidArgument,
                           std::string(kAnswerInformationRequest) + ": pages must be page names",
                           false);
            }
            answer.pages.push_back(p.get<std::string>());
          }
        }
        if (auto c = input.find("cannot_supply"); c != input.end() && !c->is_null()) {
          if (!c->is_boolean()) {
            return Error(
                ErrorCode::kInvalidArgument,
                std::string(kAnswerInformationRequest) + ": cannot_supply must be a boolean",
                false);
          }
          answer.cannot_supply = c->get<bool>();
        }
        WASL_ASSIGN_OR_RETURN(answer.reason, in.text("reason"));
        // Another facility's request is kNotFound, as a missing one.
        WASL_ASSIGN_OR_RETURN(
            InformationRequestRow row,
            InformationRequestStore(cipher, audit).get(*ctx.tx, ctx.facility_id, id, false));
        auto stored = store_answer(cipher, audit, *ctx.tx, row, answer, ctx.now_ms, "system");
        if (!stored.ok()) return stored.error();
        return nlohmann::json{{kInformationRequestIdMember, id},
                              {"state", std::string(to_string(InformationRequestState::kSending))}};
      }));
  WASL_RETURN_IF_ERROR(actions.add(
      kQueueClaim, workflow::HubActionMode::kInTransaction,
      [&config, &cipher, &audit](const workflow::HubActionContext& ctx,
                                 const nlohmann::json& input) -> Result<nlohmann::json> {
        ActionInput in(kQueueClaim, input);
        WASL_RETURN_IF_ERROR(in.require_object());
        WASL_ASSIGN_OR_RETURN(std::string claim_id, in.text(kClaimIdMember, true));
        WASL_ASSIGN_OR_RETURN(const config::FacilityBillingConfig* billing,
                              billing_of(config, ctx.facility_id, kQueueClaim));
        if (billing->submission != "batch") {
          return Error(ErrorCode::kFailedPrecondition,
                       std::string(kQueueClaim) + ": facility " + ctx.facility_id +
                           " sends its claims one by one (facilities." + ctx.facility_id +
                           ".billing.submission is " + billing->submission +
                           "); submit the claim with billing.submit_claim",
                       false);
        }
        ClaimStore claims(cipher, audit);
        ClaimActor by;
        by.run_id = ctx.run_id;
        // Queued before (a re-run of the step) or now: batched either way.
        WASL_ASSIGN_OR_RETURN(bool queued, claims.queue_for_batch(*ctx.tx, ctx.facility_id,
                                                                  claim_id, by, ctx.now_ms));
        (void)queued;
        return nlohmann::json{
            {kClaimIdMember, claim_id},
            {"state", std::string(domain::to_string(domain::ClaimState::kBatched))}};
      }));
  WASL_RETURN_IF_ERROR(add_billing_step_guards(actions, config, cipher, audit));
  // A prior authorization's answer is recorded on its claim exactly as a
  // claim's is.
  for (std::string_view method :
       {sdk::BillingGateway::kSubmitClaim, sdk::BillingGateway::kRequestPriorAuthorization}) {
    WASL_RETURN_IF_ERROR(actions.observe(
        std::string(method),
        [&cipher, &audit](const workflow::HubActionContext& ctx, const nlohmann::json& input,
                          const Result<nlohmann::json>& result) {
          return record_submit_result(cipher, audit, ctx, input, result);
        }));
  }
  return {};
}

}  // namespace wasl::claims
