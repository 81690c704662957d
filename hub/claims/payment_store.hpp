// PaymentStore: the payer's payments in the database (payments,
// payment_lines): one row per payment reconciliation the hub recorded, one
// line per detail (domain::Payment). Nothing here is PHI: amounts are kept
// in clear, in hundredths of the currency, for reporting.
//
// Every method takes the caller's transaction and facility id, which every
// statement filters on (another facility's payment is kNotFound, exactly
// like a missing one). insert() writes no audit event: the router audits
// what a payment does to each claim (ClaimStore::record_payment) in the
// same transaction.
//
// Thread-safe: holds nothing. Errors: kNotFound, the transaction's storage
// errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/domain/payment.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

// GET /v1/payments: one facility's payments recorded at or after `since_ms`
// and before `until_ms` (when set), oldest first (received_at, id), at most
// `limit`; `after` continues a page after the payment (received_at, id) the
// previous page ended with.
struct PaymentQuery {
  std::int64_t since_ms = 0;
  std::optional<std::int64_t> until_ms;
  std::size_t limit = 100;
  std::optional<std::pair<std::int64_t, std::string>> after;
};

class PaymentStore {
 public:
  // Inserts `p` (every member but the lines' consultation_id set by the
  // caller) and its lines, numbered in their order. Storage errors,
  // a unique violation included when the facility already holds
  // p.billing_message_id or the reconciliation (system, id).
  sdk::Status insert(storage::Transaction& tx, const domain::Payment& p) const;

  // The id of the facility's payment recorded from the reconciliation
  // (`system`, `reconciliation_id`); nullopt when none.
  sdk::Result<std::optional<std::string>> find_by_reconciliation(
      storage::Transaction& tx, std::string_view facility_id, std::string_view system,
      std::string_view reconciliation_id) const;

  // The sum of every payment line of the facility's claim `claim_id`,
  // adjustments included, in hundredths; 0 when it has none.
  sdk::Result<std::int64_t> paid_total(storage::Transaction& tx, std::string_view facility_id,
                                       std::string_view claim_id) const;

  // The facility's payments whose payment-notice is pending, oldest first, at
  // most `limit`, without their lines.
  sdk::Result<std::vector<domain::Payment>> notices_pending(storage::Transaction& tx,
                                                            std::string_view facility_id,
                                                            std::size_t limit) const;

  // Settles the payment's notice: "sent" or "refused" with `error`, at
  // `at_ms`; only while pending (false otherwise: another hub settled it).
  sdk::Result<bool> settle_notice(storage::Transaction& tx, std::string_view facility_id,
                                  std::string_view id, std::string_view state,
                                  const std::optional<std::string>& error,
                                  std::int64_t at_ms) const;

  // The payment with its lines.
  sdk::Result<domain::Payment> get(storage::Transaction& tx, std::string_view facility_id,
                                   std::string_view id) const;

  // The facility's payments matching `q` (see PaymentQuery), with their lines.
  sdk::Result<std::vector<domain::Payment>> list(storage::Transaction& tx,
                                                 std::string_view facility_id,
                                                 const PaymentQuery& q) const;

  // The facility's payments whose payment date is from `from_date` to
  // `to_date` ("YYYY-MM-DD", both included), with their lines, by payment
  // date, then as recorded (received_at, id).
  sdk::Result<std::vector<domain::Payment>> paid_between(storage::Transaction& tx,
                                                         std::string_view facility_id,
                                                         std::string_view from_date,
                                                         std::string_view to_date) const;
};

}  // namespace wasl::claims
