#include "hub/domain/claim.hpp"

#include <cmath>

#include "hub/domain/enum_names.hpp"
#include "hub/domain/json_fields.hpp"

namespace wasl::domain {

using namespace json_fields;

namespace {

constexpr EnumNames<ClaimState, 13> kStateNames{{{
    {ClaimState::kDraft, "draft"},
    {ClaimState::kSubmitted, "submitted"},
    {ClaimState::kQueued, "queued"},
    {ClaimState::kApproved, "approved"},
    {ClaimState::kPartial, "partial"},
    {ClaimState::kRejected, "rejected"},
    {ClaimState::kError, "error"},
    {ClaimState::kCancelled, "cancelled"},
    {ClaimState::kInDoubt, "in_doubt"},
    {ClaimState::kPaid, "paid"},
    {ClaimState::kPartiallyPaid, "partially_paid"},
    {ClaimState::kNullified, "nullified"},
    {ClaimState::kBatched, "batched"},
}}};

}  // namespace

std::string_view to_string(ClaimState s) { return kStateNames.name(s); }
std::optional<ClaimState> parse_claim_state(std::string_view name) {
  return kStateNames.parse(name);
}

ClaimState claim_state_after_response(std::string_view status, std::string_view outcome,
                                      bool approved) {
  auto either = [&](std::string_view v) { return status == v || outcome == v; };
  if (either("unknown")) return ClaimState::kInDoubt;
  if (either("queued")) return ClaimState::kQueued;
  if (either("error")) return ClaimState::kRejected;
  if (either("partial")) return ClaimState::kPartial;
  if (either("complete")) return approved ? ClaimState::kApproved : ClaimState::kRejected;
  return ClaimState::kSubmitted;
}

std::int64_t to_minor_units(double amount) {
  return static_cast<std::int64_t>(std::llround(amount * 100.0));
}

double from_minor_units(std::int64_t minor) { return static_cast<double>(minor) / 100.0; }

bool is_adjudicated(ClaimState s) { return s == ClaimState::kRejected || is_payable(s); }

bool is_payable(ClaimState s) {
  return s == ClaimState::kApproved || s == ClaimState::kPartial || s == ClaimState::kPaid ||
         s == ClaimState::kPartiallyPaid;
}

bool is_cancellable(ClaimState s) {
  return s == ClaimState::kSubmitted || s == ClaimState::kQueued || s == ClaimState::kInDoubt;
}

bool is_nullifiable(ClaimState s) {
  return s == ClaimState::kApproved || s == ClaimState::kPartial || s == ClaimState::kRejected;
}

void to_json(nlohmann::json& j, const Claim& v) {
  j = nlohmann::json::object();
  j["id"] = v.id;
  j["consultation_id"] = v.consultation_id;
  j["state"] = to_string(v.state);
  put_optional(j, "provider_claim_id", v.provider_claim_id);
  put_optional(j, "run_id", v.run_id);
  if (v.amounts) {
    j["amounts"] = {{"currency", v.amounts->currency},
                    {"eligible", from_minor_units(v.amounts->eligible)},
                    {"benefit", from_minor_units(v.amounts->benefit)},
                    {"copay", from_minor_units(v.amounts->copay)},
                    {"patient_share", from_minor_units(v.amounts->patient_share)},
                    {"tax", from_minor_units(v.amounts->tax)}};
  }
  put_time(j, "submitted_at", v.submitted_at);
  put_time(j, "adjudicated_at", v.adjudicated_at);
  j["created_at"] = format_timestamp(v.created_at);
  put_optional(j, "replaces", v.replaces);
  put_optional(j, "replaced_by", v.replaced_by);
  put_optional(j, "batch_id", v.batch_id);
  if (v.cancellation) {
    nlohmann::json c = {{"kind", v.cancellation->kind},
                        {"reason", v.cancellation->reason},
                        {"state", v.cancellation->state},
                        {"requested_at", format_timestamp(v.cancellation->requested_at)}};
    put_optional(c, "error", v.cancellation->error);
    j["cancellation"] = std::move(c);
  }
}

void from_json(const nlohmann::json& j, Claim& v) {
  v.id = j.value("id", std::string());
  v.consultation_id = j.value("consultation_id", std::string());
  v.state = get_enum_or<ClaimState>(j, "state", parse_claim_state, ClaimState::kDraft);
  get_optional(j, "provider_claim_id", v.provider_claim_id);
  get_optional(j, "run_id", v.run_id);
  if (auto a = j.find("amounts"); a != j.end() && a->is_object()) {
    ClaimAmounts amounts;
    amounts.currency = a->value("currency", std::string());
    amounts.eligible = to_minor_units(a->value("eligible", 0.0));
    amounts.benefit = to_minor_units(a->value("benefit", 0.0));
    amounts.copay = to_minor_units(a->value("copay", 0.0));
    amounts.patient_share = to_minor_units(a->value("patient_share", 0.0));
    amounts.tax = to_minor_units(a->value("tax", 0.0));
    v.amounts = amounts;
  }
  get_time(j, "submitted_at", v.submitted_at);
  get_time(j, "adjudicated_at", v.adjudicated_at);
  std::optional<std::int64_t> created;
  get_time(j, "created_at", created);
  v.created_at = created.value_or(0);
  get_optional(j, "replaces", v.replaces);
  get_optional(j, "replaced_by", v.replaced_by);
  get_optional(j, "batch_id", v.batch_id);
  if (auto c = j.find("cancellation"); c != j.end() && c->is_object()) {
    ClaimCancellation cancellation;
    cancellation.kind = c->value("kind", std::string());
    cancellation.reason = c->value("reason", std::string());
    cancellation.state = c->value("state", std::string());
    get_optional(*c, "error", cancellation.error);
    std::optional<std::int64_t> requested;
    get_time(*c, "requested_at", requested);
    cancellation.requested_at = requested.value_or(0);
    v.cancellation = std::move(cancellation);
  }
}

}  // namespace wasl::domain
