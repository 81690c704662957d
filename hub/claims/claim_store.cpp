#include "hub/claims/claim_store.hpp"

#include <nlohmann/json.hpp>

#include "hub/records/consultation_store.hpp"
#include "hub/records/row_fields.hpp"
#include "hub/storage/bind.hpp"

namespace wasl::claims {

using domain::Claim;
using domain::ClaimState;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using namespace records::row_fields;

namespace {

constexpr std::string_view kClaimTable = "claims";
constexpr std::string_view kRequestColumn = "request_enc";
constexpr std::string_view kResponseColumn = "response_enc";

constexpr std::string_view kSelect =
    "SELECT id, consultation_id, facility_id, state, provider_claim_id, run_id, "
    "request_message_id, "
    "amount_currency, "
    "eligible_minor, benefit_minor, copay_minor, patient_share_minor, tax_minor, submitted_at, "
    "adjudicated_at, created_at, replaces, replaced_by, cancel_kind, cancel_reason, cancel_key, "
    "cancel_state, cancel_error, cancel_requested_at, cancel_attempts, batch_id FROM claims ";
constexpr std::string_view kSelectWithDocuments =
    "SELECT id, consultation_id, facility_id, state, provider_claim_id, run_id, "
    "request_message_id, "
    "amount_currency, "
    "eligible_minor, benefit_minor, copay_minor, patient_share_minor, tax_minor, submitted_at, "
    "adjudicated_at, created_at, replaces, replaced_by, cancel_kind, cancel_reason, cancel_key, "
    "cancel_state, cancel_error, cancel_requested_at, cancel_attempts, batch_id, request_enc, "
    "response_enc "
    "FROM claims ";

Result<Claim> claim_from_row(const storage::Row& row) {
  Claim c;
  WASL_ASSIGN_OR_RETURN(c.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(c.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(c.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(std::string state, row.get_text("state"));
  auto parsed = domain::parse_claim_state(state);
  if (!parsed) return Error(ErrorCode::kInternal, "claim " + c.id + " has an unknown state");
  c.state = *parsed;
  WASL_ASSIGN_OR_RETURN(c.provider_claim_id, optional_text(row, "provider_claim_id"));
  WASL_ASSIGN_OR_RETURN(c.run_id, optional_text(row, "run_id"));
  WASL_ASSIGN_OR_RETURN(c.request_message_id, optional_text(row, "request_message_id"));
  WASL_ASSIGN_OR_RETURN(auto currency, optional_text(row, "amount_currency"));
  if (currency) {
    domain::ClaimAmounts a;
    a.currency = *currency;
    WASL_ASSIGN_OR_RETURN(auto eligible, optional_int(row, "eligible_minor"));
    WASL_ASSIGN_OR_RETURN(auto benefit, optional_int(row, "benefit_minor"));
    WASL_ASSIGN_OR_RETURN(auto copay, optional_int(row, "copay_minor"));
    WASL_ASSIGN_OR_RETURN(auto share, optional_int(row, "patient_share_minor"));
    WASL_ASSIGN_OR_RETURN(auto tax, optional_int(row, "tax_minor"));
    a.eligible = eligible.value_or(0);
    a.benefit = benefit.value_or(0);
    a.copay = copay.value_or(0);
    a.patient_share = share.value_or(0);
    a.tax = tax.value_or(0);
    c.amounts = std::move(a);
  }
  WASL_ASSIGN_OR_RETURN(c.submitted_at, optional_int(row, "submitted_at"));
  WASL_ASSIGN_OR_RETURN(c.adjudicated_at, optional_int(row, "adjudicated_at"));
  WASL_ASSIGN_OR_RETURN(c.created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(c.replaces, optional_text(row, "replaces"));
  WASL_ASSIGN_OR_RETURN(c.replaced_by, optional_text(row, "replaced_by"));
  WASL_ASSIGN_OR_RETURN(c.batch_id, optional_text(row, "batch_id"));
  WASL_ASSIGN_OR_RETURN(auto kind, optional_text(row, "cancel_kind"));
  if (kind) {
    domain::ClaimCancellation k;
    k.kind = *kind;
    WASL_ASSIGN_OR_RETURN(auto reason, optional_text(row, "cancel_reason"));
    WASL_ASSIGN_OR_RETURN(auto key, optional_text(row, "cancel_key"));
    WASL_ASSIGN_OR_RETURN(auto state, optional_text(row, "cancel_state"));
    WASL_ASSIGN_OR_RETURN(k.error, optional_text(row, "cancel_error"));
    WASL_ASSIGN_OR_RETURN(auto at, optional_int(row, "cancel_requested_at"));
    WASL_ASSIGN_OR_RETURN(std::int64_t attempts, row.get_int("cancel_attempts"));
    k.reason = reason.value_or("");
    k.key = key.value_or("");
    k.state = state.value_or("");
    k.requested_at = at.value_or(0);
    k.attempt = static_cast<int>(attempts);
    c.cancellation = std::move(k);
  }
  return c;
}

// The facility's claim `id`, without request and response; kNotFound when
// absent.
Result<Claim> without_documents(storage::Transaction& tx, std::string_view facility_id,
                                std::string_view id) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kSelect) + "WHERE facility_id = $1 AND id = $2",
                                 {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return not_found("claim", id);
  return claim_from_row(rows.front());
}

storage::Value amount_or_null(const std::optional<domain::ClaimAmounts>& a,
                              std::int64_t domain::ClaimAmounts::*field) {
  if (!a) return storage::null_value();
  return (*a).*field;
}

}  // namespace

std::string cancellation_key(std::string_view kind, std::string_view claim_id, int attempt) {
  std::string key = "wasl-" + std::string(kind) + "-" + std::string(claim_id);
  if (attempt > 1) key += "-" + std::to_string(attempt);
  return key;
}

Status ClaimStore::audit(storage::Transaction& tx, const Claim& c, std::string_view action,
                         const ClaimActor& by, std::int64_t at_ms, const nlohmann::json& extra,
                         bool failed) const {
  audit::AuditEvent event;
  event.occurred_at = at_ms;
  event.actor = by.actor.empty() ? "system" : by.actor;
  event.session = by.session;
  event.facility_id = c.facility_id;
  event.action = std::string(action);
  event.entity_type = "claim";
  event.entity_id = c.id;
  // A submission the exchange never took (the call failed for good) is a
  // failed outcome; any answer from the exchange, a rejection included, is not.
  event.outcome =
      std::string(failed || c.state == domain::ClaimState::kError ? audit::kOutcomeFailure
                                                                  : audit::kOutcomeSuccess);
  event.request_id = by.request_id;
  nlohmann::json detail = {{"consultation_id", c.consultation_id},
                           {"state", std::string(domain::to_string(c.state))}};
  if (!by.run_id.empty()) detail["run_id"] = by.run_id;
  if (c.amounts) {
    detail["amounts"] = {{"currency", c.amounts->currency},
                         {"eligible_minor", c.amounts->eligible},
                         {"benefit_minor", c.amounts->benefit},
                         {"patient_share_minor", c.amounts->patient_share}};
  }
  for (const auto& [name, value] : extra.items()) detail[name] = value;
  event.detail = detail.dump();
  WASL_RETURN_IF_ERROR(audit_.append(tx, event));
  return {};
}

Result<bool> ClaimStore::create(storage::Transaction& tx, const Claim& c,
                                const ClaimActor& by) const {
  if (c.id.empty() || c.consultation_id.empty() || c.facility_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a claim needs an id, a consultation id and a facility id");
  }
  WASL_ASSIGN_OR_RETURN(storage::Rows existing,
                        tx.query("SELECT facility_id FROM claims WHERE id = $1", {c.id}));
  if (!existing.empty()) {
    WASL_ASSIGN_OR_RETURN(std::string owner, existing.front().get_text(0));
    if (owner != c.facility_id) return not_found("claim", c.id);
    return false;
  }
  WASL_ASSIGN_OR_RETURN(bool owned,
                        records::ConsultationStore::exists(tx, c.facility_id, c.consultation_id));
  if (!owned) return not_found("consultation", c.consultation_id);
  storage::Value request = storage::null_value();
  if (c.request) {
    WASL_ASSIGN_OR_RETURN(std::string enc,
                          cipher_.encrypt(kClaimTable, kRequestColumn, c.id, *c.request));
    request = storage::Blob{std::move(enc)};
  }
  Claim draft = c;
  draft.state = ClaimState::kDraft;
  if (!by.run_id.empty()) draft.run_id = by.run_id;
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO claims (id, consultation_id, facility_id, state, provider_claim_id, "
              "run_id, request_enc, response_enc, submitted_at, adjudicated_at, created_at) "
              "VALUES ($1, $2, $3, $4, NULL, $5, $6, NULL, NULL, NULL, $7)",
              {c.id, c.consultation_id, c.facility_id, std::string(domain::to_string(draft.state)),
               text_or_null(draft.run_id), request, c.created_at}));
  WASL_RETURN_IF_ERROR(audit(tx, draft, "claim.create", by, c.created_at));
  return true;
}

Status ClaimStore::record_submission(storage::Transaction& tx, std::string_view facility_id,
                                     std::string_view id, const ClaimSubmission& submission,
                                     const ClaimActor& by) const {
  WASL_ASSIGN_OR_RETURN(Claim c, without_documents(tx, facility_id, id));
  if (c.state == ClaimState::kCancelled || c.state == ClaimState::kNullified) {
    return Error(ErrorCode::kFailedPrecondition,
                 "claim " + c.id + " is " + std::string(domain::to_string(c.state)), false);
  }
  c.state = submission.state;
  if (submission.amounts) c.amounts = submission.amounts;
  if (submission.request_message_id && !submission.request_message_id->empty()) {
    c.request_message_id = submission.request_message_id;
  }
  if (submission.provider_claim_id && !submission.provider_claim_id->empty()) {
    c.provider_claim_id = submission.provider_claim_id;
  }
  if (submission.state != ClaimState::kError && !c.submitted_at) c.submitted_at = submission.at_ms;
  if (domain::is_adjudicated(submission.state)) c.adjudicated_at = submission.at_ms;
  WASL_ASSIGN_OR_RETURN(std::string response,
                        cipher_.encrypt(kClaimTable, kResponseColumn, c.id, submission.response));
  if (submission.request_key && !submission.request_key->empty()) {
    WASL_RETURN_IF_ERROR(
        tx.exec("UPDATE claims SET request_key = $1 WHERE facility_id = $2 AND id = $3",
                {*submission.request_key, c.facility_id, c.id}));
  }
  if (submission.response_message_id && !submission.response_message_id->empty()) {
    WASL_RETURN_IF_ERROR(
        tx.exec("UPDATE claims SET response_message_id = $1 WHERE facility_id = $2 AND id = $3",
                {*submission.response_message_id, c.facility_id, c.id}));
  }
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE claims SET state = $1, provider_claim_id = $2, response_enc = $3, "
              "submitted_at = $4, adjudicated_at = $5, amount_currency = $6, eligible_minor = $7, "
              "benefit_minor = $8, copay_minor = $9, patient_share_minor = $10, tax_minor = $11, "
              "request_message_id = $12 WHERE facility_id = $13 AND id = $14",
              {std::string(domain::to_string(c.state)), text_or_null(c.provider_claim_id),
               storage::Blob{std::move(response)}, int_or_null(c.submitted_at),
               int_or_null(c.adjudicated_at),
               text_or_null(c.amounts ? std::optional(c.amounts->currency) : std::nullopt),
               amount_or_null(c.amounts, &domain::ClaimAmounts::eligible),
               amount_or_null(c.amounts, &domain::ClaimAmounts::benefit),
               amount_or_null(c.amounts, &domain::ClaimAmounts::copay),
               amount_or_null(c.amounts, &domain::ClaimAmounts::patient_share),
               amount_or_null(c.amounts, &domain::ClaimAmounts::tax),
               text_or_null(c.request_message_id), c.facility_id, c.id}));
  return audit(tx, c, "claim.submit_result", by, submission.at_ms);
}

Result<ClaimState> ClaimStore::record_payment(storage::Transaction& tx,
                                              std::string_view facility_id, std::string_view id,
                                              const ClaimPayment& payment,
                                              const ClaimActor& by) const {
  WASL_ASSIGN_OR_RETURN(Claim c, without_documents(tx, facility_id, id));
  if (!domain::is_payable(c.state)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "claim " + c.id + " is " + std::string(domain::to_string(c.state)) +
                     "; only an approved claim is paid",
                 false);
  }
  const ClaimState before = c.state;
  const std::int64_t benefit = c.amounts ? c.amounts->benefit : 0;
  c.state = payment.paid_total >= benefit ? ClaimState::kPaid : ClaimState::kPartiallyPaid;
  WASL_RETURN_IF_ERROR(tx.exec("UPDATE claims SET state = $1 WHERE facility_id = $2 AND id = $3",
                               {std::string(domain::to_string(c.state)), c.facility_id, c.id}));
  const nlohmann::json extra = {{"previous_state", std::string(domain::to_string(before))},
                                {"payment",
                                 {{"payment_id", payment.payment_id},
                                  {"currency", payment.currency},
                                  {"paid_minor", payment.paid},
                                  {"early_fee_minor", payment.early_fee},
                                  {"nphies_fee_minor", payment.nphies_fee},
                                  {"paid_total_minor", payment.paid_total}}}};
  WASL_RETURN_IF_ERROR(audit(tx, c, "claim.payment", by, payment.at_ms, extra));
  return c.state;
}

Result<domain::ClaimCancellation> ClaimStore::begin_cancellation(
    storage::Transaction& tx, std::string_view facility_id, std::string_view id,
    std::string_view kind, std::string_view reason, const ClaimActor& by,
    std::int64_t at_ms) const {
  if (kind != "cancel" && kind != "nullify") {
    return Error(ErrorCode::kInvalidArgument, "a cancellation is of kind cancel or nullify", false);
  }
  WASL_ASSIGN_OR_RETURN(Claim c, without_documents(tx, facility_id, id));
  if (c.cancellation && c.cancellation->state == "sending") {
    if (c.cancellation->kind == kind) return *c.cancellation;  // the same message again
    return Error(ErrorCode::kFailedPrecondition,
                 "a " + c.cancellation->kind + " of claim " + c.id +
                     " is on its way; ask for it again until the exchange answers",
                 false);
  }
  const bool allowed =
      kind == "cancel" ? domain::is_cancellable(c.state) : domain::is_nullifiable(c.state);
  if (!allowed) {
    return Error(ErrorCode::kFailedPrecondition,
                 "claim " + c.id + " is " + std::string(domain::to_string(c.state)) +
                     "; it cannot be " + (kind == "cancel" ? "cancelled" : "nullified"),
                 false);
  }
  domain::ClaimCancellation k;
  k.kind = std::string(kind);
  k.reason = std::string(reason);
  k.attempt = c.cancellation ? c.cancellation->attempt + 1 : 1;
  k.key = cancellation_key(kind, c.id, k.attempt);
  k.state = "sending";
  k.requested_at = at_ms;
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE claims SET cancel_kind = $1, cancel_reason = $2, cancel_key = $3, "
              "cancel_state = $4, cancel_error = NULL, cancel_requested_at = $5, "
              "cancel_attempts = $6 WHERE facility_id = $7 AND id = $8",
              {k.kind, k.reason, k.key, k.state, at_ms, static_cast<std::int64_t>(k.attempt),
               c.facility_id, c.id}));
  c.cancellation = k;
  WASL_RETURN_IF_ERROR(audit(tx, c, "claim." + k.kind, by, at_ms,
                             {{"reason", k.reason}, {"key", k.key}, {"attempt", k.attempt}}));
  return k;
}

Status ClaimStore::record_cancellation(storage::Transaction& tx, std::string_view facility_id,
                                       std::string_view id, std::string_view key, bool taken,
                                       const std::optional<std::string>& error,
                                       const ClaimActor& by, std::int64_t at_ms) const {
  WASL_ASSIGN_OR_RETURN(Claim c, without_documents(tx, facility_id, id));
  if (!c.cancellation || c.cancellation->key != key || c.cancellation->state != "sending") {
    return Error(ErrorCode::kFailedPrecondition,
                 "claim " + c.id + " has no cancellation " + std::string(key) + " on its way",
                 false);
  }
  const ClaimState before = c.state;
  domain::ClaimCancellation& k = *c.cancellation;
  k.state = taken ? "taken" : "refused";
  k.error = taken ? std::nullopt : error;
  if (taken) c.state = k.kind == "cancel" ? ClaimState::kCancelled : ClaimState::kNullified;
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE claims SET state = $1, cancel_state = $2, cancel_error = $3 "
              "WHERE facility_id = $4 AND id = $5",
              {std::string(domain::to_string(c.state)), k.state, text_or_null(k.error),
               c.facility_id, c.id}));
  nlohmann::json extra = {
      {"previous_state", std::string(domain::to_string(before))}, {"key", k.key}, {"taken", taken}};
  if (k.error) extra["error"] = *k.error;
  return audit(tx, c, "claim." + k.kind + "_result", by, at_ms, extra, !taken);
}

Result<bool> ClaimStore::queue_for_batch(storage::Transaction& tx, std::string_view facility_id,
                                         std::string_view id, const ClaimActor& by,
                                         std::int64_t at_ms) const {
  WASL_ASSIGN_OR_RETURN(Claim c, without_documents(tx, facility_id, id));
  if (c.state == ClaimState::kBatched) return false;
  if (c.state != ClaimState::kDraft) {
    return Error(ErrorCode::kFailedPrecondition,
                 "claim " + c.id + " is " + std::string(domain::to_string(c.state)) +
                     "; only a draft claim is queued for a batch",
                 false);
  }
  c.state = ClaimState::kBatched;
  WASL_RETURN_IF_ERROR(tx.exec("UPDATE claims SET state = $1 WHERE facility_id = $2 AND id = $3",
                               {std::string(domain::to_string(c.state)), c.facility_id, c.id}));
  WASL_RETURN_IF_ERROR(audit(tx, c, "claim.queue", by, at_ms));
  return true;
}

Result<bool> ClaimStore::begin_batch(storage::Transaction& tx, std::string_view facility_id,
                                     std::string_view id, const ClaimBatchEntry& entry,
                                     const ClaimActor& by) const {
  WASL_ASSIGN_OR_RETURN(Claim c, without_documents(tx, facility_id, id));
  if (c.state != ClaimState::kBatched || c.batch_id) return false;
  c.state = ClaimState::kInDoubt;
  c.batch_id = entry.batch_id;
  c.submitted_at = entry.at_ms;
  WASL_ASSIGN_OR_RETURN(std::string response,
                        cipher_.encrypt(kClaimTable, kResponseColumn, c.id, entry.response));
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE claims SET state = $1, batch_id = $2, submitted_at = $3, request_key = $4, "
              "response_enc = $5 WHERE facility_id = $6 AND id = $7",
              {std::string(domain::to_string(c.state)), entry.batch_id, entry.at_ms,
               entry.request_key, storage::Blob{std::move(response)}, c.facility_id, c.id}));
  WASL_RETURN_IF_ERROR(audit(tx, c, "claim.batch", by, entry.at_ms,
                             {{"batch_id", entry.batch_id}, {"request_key", entry.request_key}}));
  return true;
}

Result<bool> ClaimStore::return_to_batch(storage::Transaction& tx, std::string_view facility_id,
                                         std::string_view id, std::string_view batch_id,
                                         const std::string& why, const ClaimActor& by,
                                         std::int64_t at_ms) const {
  WASL_ASSIGN_OR_RETURN(Claim c, without_documents(tx, facility_id, id));
  if (c.state != ClaimState::kInDoubt || c.batch_id != std::optional<std::string>(batch_id)) {
    return false;
  }
  c.state = ClaimState::kBatched;
  c.batch_id.reset();
  c.submitted_at.reset();
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE claims SET state = $1, batch_id = NULL, submitted_at = NULL, "
              "response_enc = NULL WHERE facility_id = $2 AND id = $3",
              {std::string(domain::to_string(c.state)), c.facility_id, c.id}));
  WASL_RETURN_IF_ERROR(audit(tx, c, "claim.batch_result", by, at_ms,
                             {{"batch_id", std::string(batch_id)}, {"error", why}}, true));
  return true;
}

Result<int> ClaimStore::count_resubmissions(storage::Transaction& tx, std::string_view facility_id,
                                            std::string_view id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT COUNT(*) FROM claims WHERE facility_id = $1 AND replaces = $2",
               {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return 0;
  WASL_ASSIGN_OR_RETURN(std::int64_t n, rows.front().get_int(0));
  return static_cast<int>(n);
}

Result<Claim> ClaimStore::create_resubmission(storage::Transaction& tx,
                                              std::string_view facility_id,
                                              const ClaimResubmission& r,
                                              const ClaimActor& by) const {
  WASL_ASSIGN_OR_RETURN(Claim old, without_documents(tx, facility_id, r.replaces));
  if (old.state != ClaimState::kRejected) {
    return Error(ErrorCode::kFailedPrecondition,
                 "claim " + old.id + " is " + std::string(domain::to_string(old.state)) +
                     "; only a rejected claim is resubmitted",
                 false);
  }
  if (old.replaced_by) {
    auto replacement = without_documents(tx, facility_id, *old.replaced_by);
    if (!replacement.ok() && replacement.error().code != ErrorCode::kNotFound) {
      return replacement.error();
    }
    if (replacement.ok() && replacement->state != ClaimState::kError) {
      return Error(ErrorCode::kFailedPrecondition,
                   "claim " + old.id + " is resubmitted already as claim " + *old.replaced_by,
                   false);
    }
  }
  WASL_ASSIGN_OR_RETURN(storage::Rows existing,
                        tx.query("SELECT facility_id FROM claims WHERE id = $1", {r.id}));
  if (!existing.empty()) {
    return Error(ErrorCode::kAlreadyExists, "claim " + r.id + " exists already", false);
  }
  Claim c;
  c.id = r.id;
  c.consultation_id = old.consultation_id;
  c.facility_id = old.facility_id;
  c.state = ClaimState::kInDoubt;
  c.submitted_at = r.at_ms;
  c.created_at = r.at_ms;
  c.replaces = old.id;
  WASL_ASSIGN_OR_RETURN(std::string request,
                        cipher_.encrypt(kClaimTable, kRequestColumn, c.id, r.request));
  WASL_ASSIGN_OR_RETURN(std::string response,
                        cipher_.encrypt(kClaimTable, kResponseColumn, c.id, r.response));
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO claims (id, consultation_id, facility_id, state, provider_claim_id, run_id, "
      "request_enc, response_enc, submitted_at, adjudicated_at, created_at, request_key, "
      "replaces) VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6, $7, NULL, $8, $9, $10)",
      {c.id, c.consultation_id, c.facility_id, std::string(domain::to_string(c.state)),
       storage::Blob{std::move(request)}, storage::Blob{std::move(response)}, r.at_ms, r.at_ms,
       r.request_key, old.id}));
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE claims SET replaced_by = $1 WHERE facility_id = $2 AND id = $3",
              {c.id, old.facility_id, old.id}));
  WASL_RETURN_IF_ERROR(audit(tx, c, "claim.resubmit", by, r.at_ms,
                             {{"replaces", old.id}, {"request_key", r.request_key}}));
  c.request = r.request;
  c.response = r.response;
  return c;
}

Result<Claim> ClaimStore::get(storage::Transaction& tx, std::string_view facility_id,
                              std::string_view id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(std::string(kSelectWithDocuments) +
                                                         "WHERE facility_id = $1 AND id = $2",
                                                     {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return not_found("claim", id);
  const storage::Row& row = rows.front();
  WASL_ASSIGN_OR_RETURN(Claim c, claim_from_row(row));
  WASL_ASSIGN_OR_RETURN(auto request, optional_blob(row, kRequestColumn));
  if (request) {
    WASL_ASSIGN_OR_RETURN(c.request, cipher_.decrypt(kClaimTable, kRequestColumn, c.id, *request));
  }
  WASL_ASSIGN_OR_RETURN(auto response, optional_blob(row, kResponseColumn));
  if (response) {
    WASL_ASSIGN_OR_RETURN(c.response,
                          cipher_.decrypt(kClaimTable, kResponseColumn, c.id, *response));
  }
  return c;
}

Result<std::vector<Claim>> ClaimStore::list_for_consultation(
    storage::Transaction& tx, std::string_view facility_id,
    std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kSelect) +
                   "WHERE facility_id = $1 AND consultation_id = $2 ORDER BY created_at, id",
               {std::string(facility_id), std::string(consultation_id)}));
  std::vector<Claim> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(Claim c, claim_from_row(row));
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::optional<Claim>> ClaimStore::latest_for_consultation(
    storage::Transaction& tx, std::string_view facility_id,
    std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kSelect) + "WHERE facility_id = $1 AND consultation_id = $2 "
                                      "ORDER BY created_at DESC, id DESC LIMIT 1",
               {std::string(facility_id), std::string(consultation_id)}));
  if (rows.empty()) return std::optional<Claim>();
  WASL_ASSIGN_OR_RETURN(Claim c, claim_from_row(rows.front()));
  return std::optional<Claim>(std::move(c));
}

Result<std::map<std::string, std::int64_t>> ClaimStore::count_states(
    storage::Transaction& tx, std::string_view facility_id,
    const std::vector<std::string>& consultation_ids) const {
  std::map<std::string, std::int64_t> out;
  for (const auto& chunk : storage::chunks(consultation_ids)) {
    storage::Params params{std::string(facility_id)};
    const std::string ids = storage::in_list(params, tx.dialect(), "consultation_id",
                                             {chunk.begin(), chunk.end()}, "TEXT");
    WASL_ASSIGN_OR_RETURN(
        storage::Rows rows,
        tx.query("SELECT state, COUNT(*) FROM claims WHERE facility_id = $1 AND " + ids +
                     " GROUP BY state",
                 params));
    for (const storage::Row& row : rows) {
      WASL_ASSIGN_OR_RETURN(std::string state, row.get_text(0));
      WASL_ASSIGN_OR_RETURN(std::int64_t n, row.get_int(1));
      out[state] += n;
    }
  }
  return out;
}

namespace {

// The id of the facility's first claim whose `column` (a column name of
// this file's own, never input) holds `value`; nullopt when none or empty.
Result<std::optional<std::string>> first_claim_with(storage::Transaction& tx,
                                                    std::string_view facility_id,
                                                    std::string_view column,
                                                    std::string_view value) {
  if (value.empty()) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT id FROM claims WHERE facility_id = $1 AND " +
                                     std::string(column) + " = $2 ORDER BY created_at, id LIMIT 1",
                                 {std::string(facility_id), std::string(value)}));
  if (rows.empty()) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(std::string id, rows.front().get_text(0));
  return std::optional<std::string>(std::move(id));
}

}  // namespace

Result<std::optional<std::string>> ClaimStore::find_by_request_message(
    storage::Transaction& tx, std::string_view facility_id,
    std::string_view request_message_id) const {
  return first_claim_with(tx, facility_id, "request_message_id", request_message_id);
}

Result<std::optional<std::string>> ClaimStore::find_by_response_message(
    storage::Transaction& tx, std::string_view facility_id,
    std::string_view response_message_id) const {
  return first_claim_with(tx, facility_id, "response_message_id", response_message_id);
}

Result<std::optional<std::string>> ClaimStore::find_by_request_key(storage::Transaction& tx,
                                                                   std::string_view facility_id,
                                                                   std::string_view key) const {
  return first_claim_with(tx, facility_id, "request_key", key);
}

Result<std::vector<Claim>> ClaimStore::list(storage::Transaction& tx, std::string_view facility_id,
                                            const ClaimQuery& q) const {
  std::string sql = std::string(kSelect) + "WHERE facility_id = $1 AND created_at >= $2";
  std::vector<storage::Value> params{std::string(facility_id), q.since_ms};
  if (q.state) {
    params.emplace_back(std::string(domain::to_string(*q.state)));
    sql += " AND state = $" + std::to_string(params.size());
  }
  if (q.after) {
    params.emplace_back(q.after->first);
    const std::string at = "$" + std::to_string(params.size());
    params.emplace_back(q.after->second);
    const std::string id = "$" + std::to_string(params.size());
    sql += " AND (created_at > " + at + " OR (created_at = " + at + " AND id > " + id + "))";
  }
  params.emplace_back(static_cast<std::int64_t>(q.limit));
  sql += " ORDER BY created_at, id LIMIT $" + std::to_string(params.size());
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  std::vector<Claim> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(Claim c, claim_from_row(row));
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::set<std::string>> ClaimStore::consultations_with_open_claims(
    storage::Transaction& tx, std::string_view facility_id,
    const std::vector<std::string>& consultation_ids) {
  std::set<std::string> open;
  for (const auto& chunk : storage::chunks(consultation_ids)) {
    storage::Params params{std::string(facility_id)};
    const std::string ids = storage::in_list(params, tx.dialect(), "consultation_id",
                                             {chunk.begin(), chunk.end()}, "TEXT");
    WASL_ASSIGN_OR_RETURN(
        auto rows,
        tx.query("SELECT DISTINCT consultation_id FROM claims WHERE facility_id = $1 AND " + ids +
                     " AND state NOT IN ('paid', 'cancelled', 'nullified')",
                 params));
    for (const auto& row : rows) {
      WASL_ASSIGN_OR_RETURN(std::string id, row.get_text(0));
      open.insert(std::move(id));
    }
  }
  return open;
}

}  // namespace wasl::claims
