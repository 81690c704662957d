#include "hub/claims/payment_notices.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "hub/claims/payment_store.hpp"
#include "hub/domain/claim.hpp"
#include "hub/domain/payment.hpp"
#include "wasl/sdk/billing.hpp"

namespace wasl::claims {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// Records how the notice of payment `p` ended, with its audit event.
sdk::Status settle(const ClaimPollDeps& deps, const domain::Payment& p, std::string_view state,
                   const std::optional<std::string>& error, std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(
      bool settled, PaymentStore().settle_notice(*tx, p.facility_id, p.id, state, error, now_ms));
  if (!settled) {
    tx->rollback();  // another hub settled it meanwhile
    return {};
  }
  audit::AuditEvent event;
  event.occurred_at = now_ms;
  event.actor = "system";
  event.facility_id = p.facility_id;
  event.action = "payment.notice";
  event.entity_type = "payment";
  event.entity_id = p.id;
  event.outcome = std::string(state == "sent" ? audit::kOutcomeSuccess : audit::kOutcomeFailure);
  event.detail = nlohmann::json{{"state", std::string(state)},
                                {"reconciliation_id", p.reconciliation_id.value_or("")}}
                     .dump();
  WASL_RETURN_IF_ERROR(deps.audit->append(*tx, event));
  return tx->commit();
}

}  // namespace

Result<int> send_payment_notices(const ClaimPollDeps& deps, const std::string& facility_id,
                                 std::int64_t now_ms) {
  auto facility = deps.config->facilities.find(facility_id);
  if (facility == deps.config->facilities.end() || !facility->second.billing) {
    return Error(ErrorCode::kNotFound,
                 "payment notices: facility " + facility_id + " has no billing settings", false);
  }
  const config::FacilityBillingConfig& billing_settings = *facility->second.billing;
  std::vector<domain::Payment> pending;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(pending,
                          PaymentStore().notices_pending(*tx, facility_id, kMaxNoticesPerRound));
  }
  if (pending.empty()) return 0;
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<sdk::BillingGateway> billing, deps.billing(facility_id));
  int sent = 0;
  for (const domain::Payment& p : pending) {
    if (deps.keep_alive) deps.keep_alive();
    sdk::PaymentNotice notice;
    notice.idempotency_key = "wasl-pn-" + p.id;
    notice.reconciliation_id = p.reconciliation_id.value_or("");
    notice.reconciliation_system = p.reconciliation_system;
    notice.amount = domain::from_minor_units(p.amount);
    notice.currency = p.currency;
    notice.provider_license = billing_settings.provider_license;
    notice.payer_license = billing_settings.payer_license;
    notice.sent_ms = now_ms;
    auto taken = billing->send_payment_notice(notice);
    if (!taken.ok() && taken.error().code == ErrorCode::kUnimplemented) break;
    if (!taken.ok() && taken.error().retryable) continue;  // pending: the next round
    if (taken.ok()) {
      WASL_RETURN_IF_ERROR(settle(deps, p, "sent", std::nullopt, now_ms));
      ++sent;
      continue;
    }
    WASL_RETURN_IF_ERROR(settle(deps, p, "refused", taken.error().message, now_ms));
    if (deps.alert) {
      ClaimAlert alert;
      alert.kind = "billing.payment_notice";
      alert.facility_id = facility_id;
      alert.billing_message_id = p.billing_message_id;
      deps.alert(alert);
    }
  }
  return sent;
}

}  // namespace wasl::claims
