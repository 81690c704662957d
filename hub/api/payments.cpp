#include "hub/api/payments.hpp"

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/csv_cell.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/list_params.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/claims/payment_store.hpp"
#include "hub/domain/payment.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/list_cursor.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

// The longest period one export covers, in days.
constexpr std::int64_t kMaxExportDays = 366;
constexpr std::int64_t kPaymentDayMs = 86'400'000;

// GET /v1/payments?since=&until=&limit=&cursor=
Response list_payments(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  claims::PaymentQuery q;
  ListParams paging;
  for (const auto& [name, value] : request.query) {
    if (name == "since" || name == "until") {
      auto t = domain::parse_timestamp(value);
      if (!t) {
        v.add(name, "invalid_format", "must be an RFC 3339 date-time");
      } else if (name == "since") {
        q.since_ms = *t;
      } else {
        q.until_ms = *t;
      }
    } else if (!read_list_param(name, value, v, paging)) {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  if (q.until_ms && *q.until_ms <= q.since_ms) {
    v.add("until", "out_of_range", "must be after since");
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());
  q.limit = paging.limit + 1;  // one more tells whether a next page exists
  q.after = paging.after;
  claims::PaymentStore payments;
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto found = payments.list(**tx, principal.facility_id, q);
  if (!found.ok()) return error_response(request, found.error());
  std::vector<domain::Payment>& page = *found;
  const nlohmann::json next = cut_page(page, paging.limit, [](const domain::Payment& last) {
    return records::ListCursor{last.received_at, last.id};
  });
  audit::AuditEvent event = request_event(request, principal, "payment.list", "payment", "");
  event.detail = nlohmann::json{{"count", page.size()}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  return json_response(200, nlohmann::json{{"items", page}, {"next_cursor", next}});
}

// GET /v1/payments/{id}
Response read_payment(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  claims::PaymentStore payments;
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto payment = payments.get(**tx, principal.facility_id, id);
  if (!payment.ok()) return error_response(request, payment.error(), MessageId::kPaymentNotFound);
  if (auto failed =
          commit_audited(*ctx.audit, request, **tx,
                         request_event(request, principal, "payment.read", "payment", id))) {
    return *failed;
  }
  return json_response(200, nlohmann::json(*payment));
}

// `minor` hundredths as a decimal with two places: "1234.50", "-12.05".
std::string decimal(std::int64_t minor) {
  const bool negative = minor < 0;
  const auto magnitude =
      negative ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
  char text[32];
  std::snprintf(text, sizeof text, "%s%llu.%02llu", negative ? "-" : "",
                static_cast<unsigned long long>(magnitude / 100),
                static_cast<unsigned long long>(magnitude % 100));
  return text;
}

// The export's rows: the header, then one per payment line.
std::string export_csv(const std::vector<domain::Payment>& payments) {
  std::string out =
      "payment_date,reconciliation_id,payment_identifier,claim_id,consultation_id,type,amount,"
      "early_fee,nphies_fee,currency\r\n";
  for (const domain::Payment& p : payments) {
    for (const domain::PaymentLine& l : p.lines) {
      const std::vector<std::string> cells = {csv_cell(p.payment_date),
                                              csv_cell(p.reconciliation_id.value_or("")),
                                              csv_cell(p.payment_identifier.value_or("")),
                                              csv_cell(l.claim_id),
                                              csv_cell(l.consultation_id),
                                              csv_cell(l.type),
                                              decimal(l.amount),
                                              decimal(l.early_fee),
                                              decimal(l.nphies_fee),
                                              csv_cell(p.currency)};
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i > 0) out += ',';
        out += cells[i];
      }
      out += "\r\n";
    }
  }
  return out;
}

// GET /v1/payments/export.csv?from=YYYY-MM-DD&to=YYYY-MM-DD
Response export_period(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  std::optional<std::string> from, to;
  std::optional<std::int64_t> from_ms, to_ms;
  for (const auto& [name, value] : request.query) {
    if (name == "from" || name == "to") {
      auto day = value.size() == 10 ? sdk::parse_iso8601(value, {.date_only = true})
                                    : std::optional<std::int64_t>();
      if (!day) {
        v.add(name, "invalid_format", "must be a date, YYYY-MM-DD");
      } else if (name == "from") {
        from = value;
        from_ms = day;
      } else {
        to = value;
        to_ms = day;
      }
    } else {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  for (const char* name : {"from", "to"}) {
    if (!request.query.contains(name)) v.add(name, "required", "is required");
  }
  if (from_ms && to_ms && *to_ms < *from_ms) {
    v.add("to", "out_of_range", "must be on or after from");
  } else if (from_ms && to_ms && (*to_ms - *from_ms) / kPaymentDayMs >= kMaxExportDays) {
    v.add("to", "out_of_range",
          "must end a period of at most " + std::to_string(kMaxExportDays) + " days");
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());
  claims::PaymentStore payments;
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto found = payments.paid_between(**tx, principal.facility_id, *from, *to);
  if (!found.ok()) return error_response(request, found.error());
  audit::AuditEvent event = request_event(request, principal, "payment.export", "payment", "");
  event.detail = nlohmann::json{{"count", found->size()}, {"from", *from}, {"to", *to}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  Response r = Response::text(200, export_csv(*found), "text/csv; charset=utf-8");
  r.set_header("Content-Disposition",
               "attachment; filename=\"payments-" + *from + "-" + *to + ".csv\"");
  return r;
}

}  // namespace

void add_payment_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/payments",
      [&context](Request& r, const access::Principal& p) { return list_payments(context, r, p); },
      route_options("List the facility's payment reconciliations with their lines, oldest "
                    "first."));
  add_authorized_route(
      router, context, "GET", "/v1/payments/export.csv",
      [&context](Request& r, const access::Principal& p) { return export_period(context, r, p); },
      route_options("The payment lines of a period, by payment date, as CSV."));
  add_authorized_route(
      router, context, "GET", "/v1/payments/{id}",
      [&context](Request& r, const access::Principal& p) { return read_payment(context, r, p); },
      route_options("Read a payment reconciliation with its lines."));
}

}  // namespace wasl::api
