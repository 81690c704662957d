#include "hub/claims/information_request_store.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "hub/records/row_fields.hpp"

namespace wasl::claims {

using records::row_fields::int_or_null;
using records::row_fields::not_found;
using records::row_fields::optional_blob;
using records::row_fields::optional_int;
using records::row_fields::optional_text;
using records::row_fields::text_or_null;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kInformationRequestTable = "information_requests";
constexpr std::string_view kInformationRequestColumn = "request_enc";
constexpr std::string_view kAnswerColumn = "answer_enc";
constexpr const char* kInformationRequestColumns =
    "SELECT id, facility_id, claim_id, billing_message_id, request_id, request_system, reason, "
    "due_at, received_at, state, answered_at, answered_by, last_error";

Result<InformationRequestRow> information_request_from_row(const storage::Row& row) {
  InformationRequestRow r;
  WASL_ASSIGN_OR_RETURN(r.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(r.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(r.claim_id, row.get_text("claim_id"));
  WASL_ASSIGN_OR_RETURN(r.billing_message_id, row.get_text("billing_message_id"));
  WASL_ASSIGN_OR_RETURN(r.request_id, row.get_text("request_id"));
  WASL_ASSIGN_OR_RETURN(r.request_system, optional_text(row, "request_system"));
  WASL_ASSIGN_OR_RETURN(r.reason, optional_text(row, "reason"));
  WASL_ASSIGN_OR_RETURN(r.due_at, optional_int(row, "due_at"));
  WASL_ASSIGN_OR_RETURN(r.received_at, row.get_int("received_at"));
  WASL_ASSIGN_OR_RETURN(std::string state, row.get_text("state"));
  auto parsed = information_request_state_from(state);
  if (!parsed) {
    return Error(ErrorCode::kInternal,
                 "information request " + r.id + " has an unknown state " + state);
  }
  r.state = *parsed;
  WASL_ASSIGN_OR_RETURN(r.answered_at, optional_int(row, "answered_at"));
  WASL_ASSIGN_OR_RETURN(r.answered_by, optional_text(row, "answered_by"));
  WASL_ASSIGN_OR_RETURN(r.last_error, optional_text(row, "last_error"));
  return r;
}

}  // namespace

std::string_view to_string(InformationRequestState s) {
  switch (s) {
    case InformationRequestState::kOpen: return "open";
    case InformationRequestState::kSending: return "sending";
    case InformationRequestState::kAnswered: return "answered";
    case InformationRequestState::kCannotSupply: return "cannot_supply";
  }
  return "open";
}

std::optional<InformationRequestState> information_request_state_from(std::string_view text) {
  for (InformationRequestState s :
       {InformationRequestState::kOpen, InformationRequestState::kSending,
        InformationRequestState::kAnswered, InformationRequestState::kCannotSupply}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

Status InformationRequestStore::audit(storage::Transaction& tx, const InformationRequestRow& r,
                                      std::string_view action, const audit::AuditActor& actor,
                                      std::int64_t at_ms) const {
  audit::AuditEvent event;
  event.occurred_at = at_ms;
  event.actor = actor.actor.empty() ? "system" : actor.actor;
  event.session = actor.session;
  event.facility_id = r.facility_id;
  event.action = std::string(action);
  event.entity_type = "information_request";
  event.entity_id = r.id;
  event.outcome =
      std::string(action == "information_request.answer_failed" ? audit::kOutcomeFailure
                                                                : audit::kOutcomeSuccess);
  event.detail =
      nlohmann::json{{"claim_id", r.claim_id}, {"state", std::string(to_string(r.state))}}.dump();
  WASL_RETURN_IF_ERROR(audit_.append(tx, event));
  return {};
}

Result<bool> InformationRequestStore::insert(storage::Transaction& tx,
                                             const InformationRequestRow& r,
                                             const audit::AuditActor& actor) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows existing,
                        tx.query("SELECT id FROM information_requests WHERE facility_id = $1 AND "
                                 "request_id = $2",
                                 {r.facility_id, r.request_id}));
  if (!existing.empty()) return false;
  WASL_ASSIGN_OR_RETURN(
      std::string enc,
      cipher_.encrypt(kInformationRequestTable, kInformationRequestColumn, r.id, r.request));
  InformationRequestRow open = r;
  open.state = InformationRequestState::kOpen;
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO information_requests (id, facility_id, claim_id, billing_message_id, "
      "request_id, request_system, reason, due_at, received_at, state, request_enc) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {open.id, open.facility_id, open.claim_id, open.billing_message_id, open.request_id,
       text_or_null(open.request_system), text_or_null(open.reason), int_or_null(open.due_at),
       open.received_at, std::string(to_string(open.state)), storage::Blob{std::move(enc)}}));
  WASL_RETURN_IF_ERROR(audit(tx, open, "information_request.receive", actor, open.received_at));
  return true;
}

Result<InformationRequestRow> InformationRequestStore::get(storage::Transaction& tx,
                                                           std::string_view facility_id,
                                                           std::string_view id,
                                                           bool with_content) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kInformationRequestColumns) +
                                     ", request_enc, answer_enc FROM information_requests "
                                     "WHERE facility_id = $1 AND id = $2",
                                 {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return not_found("information request", id);
  WASL_ASSIGN_OR_RETURN(InformationRequestRow r, information_request_from_row(rows.front()));
  if (with_content) {
    WASL_ASSIGN_OR_RETURN(std::string request, rows.front().get_blob("request_enc"));
    WASL_ASSIGN_OR_RETURN(r.request, cipher_.decrypt(kInformationRequestTable,
                                                     kInformationRequestColumn, r.id, request));
    WASL_ASSIGN_OR_RETURN(std::optional<std::string> answer,
                          optional_blob(rows.front(), "answer_enc"));
    if (answer) {
      WASL_ASSIGN_OR_RETURN(std::string clear, cipher_.decrypt(kInformationRequestTable,
                                                               kAnswerColumn, r.id, *answer));
      r.answer = std::move(clear);
    }
  }
  return r;
}

Result<std::vector<InformationRequestRow>> InformationRequestStore::list(
    storage::Transaction& tx, std::string_view facility_id,
    const InformationRequestQuery& q) const {
  std::string sql =
      std::string(kInformationRequestColumns) + " FROM information_requests WHERE facility_id = $1";
  storage::Params params{std::string(facility_id)};
  if (q.state) {
    params.emplace_back(std::string(to_string(*q.state)));
    sql += " AND state = $" + std::to_string(params.size());
  }
  if (q.after) {
    params.emplace_back(q.after->first);
    const std::string at = "$" + std::to_string(params.size());
    params.emplace_back(q.after->second);
    const std::string after_id = "$" + std::to_string(params.size());
    sql +=
        " AND (received_at > " + at + " OR (received_at = " + at + " AND id > " + after_id + "))";
  }
  params.emplace_back(static_cast<std::int64_t>(q.limit));
  sql += " ORDER BY received_at, id LIMIT $" + std::to_string(params.size());
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  std::vector<InformationRequestRow> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(InformationRequestRow r, information_request_from_row(row));
    out.push_back(std::move(r));
  }
  return out;
}

Status InformationRequestStore::move(storage::Transaction& tx, std::string_view facility_id,
                                     std::string_view id, const Move& m,
                                     const audit::AuditActor& actor, std::int64_t now_ms,
                                     std::string_view action) const {
  WASL_ASSIGN_OR_RETURN(InformationRequestRow r, get(tx, facility_id, id, false));
  if (r.state != m.from) {
    return Error(ErrorCode::kFailedPrecondition,
                 "information request " + r.id + " is " + std::string(to_string(r.state)));
  }
  r.state = m.to;
  r.last_error = m.error;
  if (m.answered) {
    r.answered_at = now_ms;
    r.answered_by = actor.actor;
  }
  storage::Params params{std::string(to_string(r.state)), text_or_null(r.last_error),
                         int_or_null(r.answered_at), text_or_null(r.answered_by)};
  std::string sql =
      "UPDATE information_requests SET state = $1, last_error = $2, answered_at = $3, "
      "answered_by = $4";
  if (m.answer) {
    params.push_back(*m.answer);
    sql += ", answer_enc = $" + std::to_string(params.size());
  }
  params.emplace_back(r.facility_id);
  sql += " WHERE facility_id = $" + std::to_string(params.size());
  params.emplace_back(r.id);
  sql += " AND id = $" + std::to_string(params.size());
  params.emplace_back(std::string(to_string(m.from)));
  sql += " AND state = $" + std::to_string(params.size());
  WASL_ASSIGN_OR_RETURN(std::int64_t changed, tx.exec(sql, params));
  if (changed == 0) {
    return Error(ErrorCode::kFailedPrecondition,
                 "information request " + r.id + " moved meanwhile");
  }
  return audit(tx, r, action, actor, now_ms);
}

Status InformationRequestStore::store_answer(storage::Transaction& tx, std::string_view facility_id,
                                             std::string_view id, const std::string& answer,
                                             const audit::AuditActor& actor,
                                             std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(std::string enc, cipher_.encrypt(kInformationRequestTable, kAnswerColumn,
                                                         std::string(id), answer));
  Move m{InformationRequestState::kOpen, InformationRequestState::kSending,
         storage::Value{storage::Blob{std::move(enc)}}, std::nullopt, false};
  return move(tx, facility_id, id, m, actor, now_ms, "information_request.answer_stored");
}

Status InformationRequestStore::mark_answered(storage::Transaction& tx,
                                              std::string_view facility_id, std::string_view id,
                                              bool cannot_supply, const audit::AuditActor& actor,
                                              std::int64_t now_ms) const {
  Move m{
      InformationRequestState::kSending,
      cannot_supply ? InformationRequestState::kCannotSupply : InformationRequestState::kAnswered,
      std::nullopt, std::nullopt, true};
  return move(tx, facility_id, id, m, actor, now_ms, "information_request.answered");
}

Status InformationRequestStore::mark_refused(storage::Transaction& tx, std::string_view facility_id,
                                             std::string_view id, const std::string& error,
                                             const audit::AuditActor& actor,
                                             std::int64_t now_ms) const {
  Move m{InformationRequestState::kSending, InformationRequestState::kOpen, storage::null_value(),
         error, false};
  return move(tx, facility_id, id, m, actor, now_ms, "information_request.answer_failed");
}

}  // namespace wasl::claims
