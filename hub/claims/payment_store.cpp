#include "hub/claims/payment_store.hpp"

#include <initializer_list>
#include <map>

#include "hub/records/row_fields.hpp"
#include "hub/storage/bind.hpp"

namespace wasl::claims {

using domain::Payment;
using domain::PaymentLine;
using sdk::Result;
using sdk::Status;
using namespace records::row_fields;

namespace {

constexpr std::string_view kPaymentSelect =
    "SELECT id, facility_id, billing_message_id, reconciliation_system, reconciliation_id, "
    "payment_identifier, payment_date, amount_minor, currency, period_start, period_end, "
    "received_at, notice_state, notice_error, notice_at FROM payments ";

// The columns of a row read into members of a T, by column name: text,
// nullable text and integer columns.
template <typename T>
using Columns = std::initializer_list<std::pair<std::string_view, std::string T::*>>;
template <typename T>
using NullableColumns =
    std::initializer_list<std::pair<std::string_view, std::optional<std::string> T::*>>;
template <typename T>
using IntegerColumns = std::initializer_list<std::pair<std::string_view, std::int64_t T::*>>;

template <typename T>
Result<T> read_columns(const storage::Row& row, Columns<T> text, NullableColumns<T> nullable,
                       IntegerColumns<T> integers) {
  T out;
  for (const auto& [name, member] : text) {
    WASL_ASSIGN_OR_RETURN(out.*member, row.get_text(name));
  }
  for (const auto& [name, member] : nullable) {
    WASL_ASSIGN_OR_RETURN(out.*member, optional_text(row, name));
  }
  for (const auto& [name, member] : integers) {
    WASL_ASSIGN_OR_RETURN(out.*member, row.get_int(name));
  }
  return out;
}

Result<Payment> payment_from_row(const storage::Row& row) {
  WASL_ASSIGN_OR_RETURN(
      Payment p, read_columns<Payment>(
                     row,
                     {{"id", &Payment::id},
                      {"facility_id", &Payment::facility_id},
                      {"billing_message_id", &Payment::billing_message_id},
                      {"reconciliation_system", &Payment::reconciliation_system},
                      {"payment_date", &Payment::payment_date},
                      {"currency", &Payment::currency}},
                     {{"reconciliation_id", &Payment::reconciliation_id},
                      {"payment_identifier", &Payment::payment_identifier},
                      {"period_start", &Payment::period_start},
                      {"period_end", &Payment::period_end}},
                     {{"amount_minor", &Payment::amount}, {"received_at", &Payment::received_at}}));
  WASL_ASSIGN_OR_RETURN(p.notice_state, row.get_text("notice_state"));
  WASL_ASSIGN_OR_RETURN(p.notice_error, optional_text(row, "notice_error"));
  WASL_ASSIGN_OR_RETURN(p.notice_at, optional_int(row, "notice_at"));
  return p;
}

Result<PaymentLine> line_from_row(const storage::Row& row) {
  return read_columns<PaymentLine>(row,
                                   {{"claim_id", &PaymentLine::claim_id},
                                    {"consultation_id", &PaymentLine::consultation_id},
                                    {"type", &PaymentLine::type}},
                                   {{"line_date", &PaymentLine::date}},
                                   {{"amount_minor", &PaymentLine::amount},
                                    {"early_fee_minor", &PaymentLine::early_fee},
                                    {"nphies_fee_minor", &PaymentLine::nphies_fee}});
}

// The payments of `rows`, each with its lines (asked in chunks of
// storage::kListChunk payments).
Result<std::vector<Payment>> with_lines(storage::Transaction& tx, std::string_view facility_id,
                                        const storage::Rows& rows) {
  std::vector<Payment> out;
  out.reserve(rows.size());
  std::map<std::string, std::size_t> index;
  std::vector<std::string> ids;
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(Payment p, payment_from_row(row));
    index[p.id] = out.size();
    ids.push_back(p.id);
    out.push_back(std::move(p));
  }
  for (const auto& chunk : storage::chunks(ids)) {
    storage::Params params{std::string(facility_id)};
    const std::string in = storage::in_list(params, tx.dialect(), "l.payment_id",
                                            {chunk.begin(), chunk.end()}, "TEXT");
    WASL_ASSIGN_OR_RETURN(
        storage::Rows lines,
        tx.query("SELECT l.payment_id, l.claim_id, c.consultation_id, l.type, l.amount_minor, "
                 "l.early_fee_minor, l.nphies_fee_minor, l.line_date FROM payment_lines l "
                 "JOIN claims c ON c.facility_id = l.facility_id AND c.id = l.claim_id "
                 "WHERE l.facility_id = $1 AND " +
                     in + " ORDER BY l.payment_id, l.line_no",
                 params));
    for (const storage::Row& row : lines) {
      WASL_ASSIGN_OR_RETURN(std::string payment_id, row.get_text("payment_id"));
      WASL_ASSIGN_OR_RETURN(PaymentLine line, line_from_row(row));
      out[index.at(payment_id)].lines.push_back(std::move(line));
    }
  }
  return out;
}

}  // namespace

Status PaymentStore::insert(storage::Transaction& tx, const Payment& p) const {
  storage::Params params;
  const std::string values = storage::bind_all(
      params,
      {p.id, p.facility_id, p.billing_message_id, p.reconciliation_system,
       text_or_null(p.reconciliation_id), text_or_null(p.payment_identifier), p.payment_date,
       p.amount, p.currency, text_or_null(p.period_start), text_or_null(p.period_end),
       p.received_at, std::string(p.reconciliation_id ? "pending" : "none")});
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO payments (id, facility_id, billing_message_id, reconciliation_system, "
              "reconciliation_id, payment_identifier, payment_date, amount_minor, currency, "
              "period_start, period_end, received_at, notice_state) VALUES (" +
                  values + ")",
              params));
  std::int64_t line_no = 0;
  for (const PaymentLine& l : p.lines) {
    WASL_RETURN_IF_ERROR(
        tx.exec("INSERT INTO payment_lines (payment_id, line_no, facility_id, claim_id, type, "
                "amount_minor, early_fee_minor, nphies_fee_minor, line_date) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                {p.id, line_no++, p.facility_id, l.claim_id, l.type, l.amount, l.early_fee,
                 l.nphies_fee, text_or_null(l.date)}));
  }
  return {};
}

Result<std::optional<std::string>> PaymentStore::find_by_reconciliation(
    storage::Transaction& tx, std::string_view facility_id, std::string_view system,
    std::string_view reconciliation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id FROM payments WHERE facility_id = $1 AND reconciliation_system = $2 "
               "AND reconciliation_id = $3",
               {std::string(facility_id), std::string(system), std::string(reconciliation_id)}));
  if (rows.empty()) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(std::string id, rows.front().get_text(0));
  return std::optional<std::string>(std::move(id));
}

Result<std::int64_t> PaymentStore::paid_total(storage::Transaction& tx,
                                              std::string_view facility_id,
                                              std::string_view claim_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM payment_lines "
               "WHERE facility_id = $1 AND claim_id = $2",
               {std::string(facility_id), std::string(claim_id)}));
  if (rows.empty()) return std::int64_t{0};
  return rows.front().get_int(0);
}

Result<Payment> PaymentStore::get(storage::Transaction& tx, std::string_view facility_id,
                                  std::string_view id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kPaymentSelect) + "WHERE facility_id = $1 AND id = $2",
                                 {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return not_found("payment", id);
  WASL_ASSIGN_OR_RETURN(std::vector<Payment> found, with_lines(tx, facility_id, rows));
  return std::move(found.front());
}

Result<std::vector<Payment>> PaymentStore::list(storage::Transaction& tx,
                                                std::string_view facility_id,
                                                const PaymentQuery& q) const {
  std::string sql = std::string(kPaymentSelect) + "WHERE facility_id = $1 AND received_at >= $2";
  storage::Params params{std::string(facility_id), q.since_ms};
  if (q.until_ms) sql += " AND received_at < " + storage::bind(params, *q.until_ms);
  if (q.after) {
    const std::string at = storage::bind(params, q.after->first);
    const std::string id = storage::bind(params, q.after->second);
    sql += " AND (received_at > " + at + " OR (received_at = " + at + " AND id > " + id + "))";
  }
  sql += " ORDER BY received_at, id LIMIT " +
         storage::bind(params, static_cast<std::int64_t>(q.limit));
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  return with_lines(tx, facility_id, rows);
}

Result<std::vector<Payment>> PaymentStore::paid_between(storage::Transaction& tx,
                                                        std::string_view facility_id,
                                                        std::string_view from_date,
                                                        std::string_view to_date) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kPaymentSelect) +
                   "WHERE facility_id = $1 AND payment_date >= $2 AND payment_date <= $3 "
                   "ORDER BY payment_date, received_at, id",
               {std::string(facility_id), std::string(from_date), std::string(to_date)}));
  return with_lines(tx, facility_id, rows);
}

Result<std::vector<Payment>> PaymentStore::notices_pending(storage::Transaction& tx,
                                                           std::string_view facility_id,
                                                           std::size_t limit) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kPaymentSelect) + "WHERE facility_id = $1 AND notice_state = 'pending' "
                                             "ORDER BY received_at, id LIMIT $2",
               {std::string(facility_id), static_cast<std::int64_t>(limit)}));
  std::vector<Payment> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(Payment p, payment_from_row(row));
    out.push_back(std::move(p));
  }
  return out;
}

Result<bool> PaymentStore::settle_notice(storage::Transaction& tx, std::string_view facility_id,
                                         std::string_view id, std::string_view state,
                                         const std::optional<std::string>& error,
                                         std::int64_t at_ms) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE payments SET notice_state = $1, notice_error = $2, notice_at = $3 "
              "WHERE facility_id = $4 AND id = $5 AND notice_state = 'pending'",
              {std::string(state), text_or_null(error), at_ms, std::string(facility_id),
               std::string(id)}));
  return changed > 0;
}

}  // namespace wasl::claims
