// Payment: a payment reconciliation of the payer, as the hub recorded it
// from the exchange's poll queue (claims::PaymentStore), with its lines:
// one per detail, paying one claim ("payment") or correcting what was paid
// ("adjustment", a negative amount). Amounts are in hundredths of
// `currency` (halalas for SAR), so they add exactly; they are not PHI.
// Dates are the civil dates the payer gave, "YYYY-MM-DD".
//
// JSON wire form: {"id", "billing_message_id", "reconciliation_system",
// "reconciliation_id", "payment_identifier", "payment_date", "amount",
// "currency", "period_start", "period_end", "received_at", "notice": {"state",
// "error", "at"}, "lines": [{"claim_id",
// "consultation_id", "type", "amount", "early_fee", "nphies_fee", "date"}]},
// amounts as numbers in the currency (12.5 for 1250 hundredths), absent
// optional members null.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace wasl::domain {

struct PaymentLine {
  std::string claim_id;
  std::string consultation_id;  // the claim's, as read back (not written)
  std::string type;             // "payment" or "adjustment"
  std::int64_t amount = 0;      // paid for the claim (negative for an adjustment)
  std::int64_t early_fee = 0;   // early-payment fee deducted
  std::int64_t nphies_fee = 0;  // nphies fee deducted
  std::optional<std::string> date;
  bool operator==(const PaymentLine&) const = default;
};

struct Payment {
  std::string id;
  std::string facility_id;
  std::string billing_message_id;  // the polled message it came in
  std::string reconciliation_system;
  std::optional<std::string> reconciliation_id;   // the payer's identifier of it
  std::optional<std::string> payment_identifier;  // the bank transfer's
  std::string payment_date;
  std::int64_t amount = 0;  // what was transferred: the lines less their fees
  std::string currency;
  std::optional<std::string> period_start;
  std::optional<std::string> period_end;
  std::int64_t received_at = 0;  // when the hub recorded it, epoch ms
  std::vector<PaymentLine> lines;
  // Whether the payer was told it was taken (a payment-notice): "pending",
  // "sent", "refused" (notice_error says why, no PHI) or "none" (no
  // reconciliation identifier to name it by); notice_at: when it was settled.
  std::string notice_state = "pending";
  std::optional<std::string> notice_error;
  std::optional<std::int64_t> notice_at;
  bool operator==(const Payment&) const = default;
};

void to_json(nlohmann::json& j, const PaymentLine& v);
void to_json(nlohmann::json& j, const Payment& v);

}  // namespace wasl::domain
