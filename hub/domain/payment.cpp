#include "hub/domain/payment.hpp"

#include "hub/domain/claim.hpp"
#include "hub/domain/timestamp.hpp"

namespace wasl::domain {

namespace {

nlohmann::json text_or_null(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

void to_json(nlohmann::json& j, const PaymentLine& v) {
  j = {{"claim_id", v.claim_id},
       {"consultation_id", v.consultation_id},
       {"type", v.type},
       {"amount", from_minor_units(v.amount)},
       {"early_fee", from_minor_units(v.early_fee)},
       {"nphies_fee", from_minor_units(v.nphies_fee)},
       {"date", text_or_null(v.date)}};
}

void to_json(nlohmann::json& j, const Payment& v) {
  j = {{"id", v.id},
       {"billing_message_id", v.billing_message_id},
       {"reconciliation_system", v.reconciliation_system},
       {"reconciliation_id", text_or_null(v.reconciliation_id)},
       {"payment_identifier", text_or_null(v.payment_identifier)},
       {"payment_date", v.payment_date},
       {"amount", from_minor_units(v.amount)},
       {"currency", v.currency},
       {"period_start", text_or_null(v.period_start)},
       {"period_end", text_or_null(v.period_end)},
       {"received_at", format_timestamp(v.received_at)},
       {"notice",
        {{"state", v.notice_state},
         {"error", text_or_null(v.notice_error)},
         {"at", v.notice_at ? nlohmann::json(format_timestamp(*v.notice_at)) : nlohmann::json()}}},
       {"lines", v.lines}};
}

}  // namespace wasl::domain
