// Payments: the payer's payment reconciliations the hub recorded from the
// exchange (claims::PaymentStore), for the facility's revenue-cycle team
// (roles admin, integrator and hospital, as GET /v1/claims), scoped to the
// caller's facility (another facility's payment answers 404, exactly like a
// missing one, and is in none of its lists):
//
//   GET /v1/payments?since=&until=&limit=1..200 (default 50)&cursor=: the
//     payments recorded at or after `since` and before `until` (RFC 3339),
//     oldest first (as recorded), each with its lines: {"items":
//     [domain::Payment], "next_cursor"}.
//   GET /v1/payments/{id}: one payment with its lines.
//   GET /v1/payments/export.csv?from=YYYY-MM-DD&to=YYYY-MM-DD: one row per
//     payment line of the payments dated from `from` to `to` (both included,
//     at most 366 days), by payment date: payment_date, reconciliation_id,
//     payment_identifier, claim_id, consultation_id, type, amount,
//     early_fee, nphies_fee, currency; amounts in the currency (SAR) with
//     two decimals ("-12.50" for an adjustment); a header row; RFC 4180,
//     UTF-8, CRLF, formulas neutralised (csv_cell.hpp).
//
// Amounts are not PHI. Like the claims' reads, each read is audited in its
// transaction: payment.list and payment.export (with the count of payments
// and the period), payment.read.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_payment_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
