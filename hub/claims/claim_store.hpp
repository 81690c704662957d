// ClaimStore: insurance claims in the database (claims). The request (the
// sdk Claim sent to the billing plugin) and the response (its ClaimResponse,
// or the error the submission ended with) are PHI and stored only encrypted
// (claims.request_enc / response_enc, bound to the row).
//
// Same contract as ConsultationStore: every method takes the caller's
// transaction and facility id, which every statement filters on (another
// facility's claim is kNotFound, exactly like a missing one). The changes
// write their audit event (claim.create, claim.submit_result, claim.payment,
// claim.cancel, claim.nullify and their _result, claim.resubmit, claim.queue,
// claim.batch and claim.batch_result) into that
// same transaction, so a claim and its audit commit together.
//
// Thread-safe: holds only a borrowed CellCipher and AuditWriter, which must
// outlive it. Errors: kNotFound, kInvalidArgument (a claim without id,
// consultation or facility), decryption errors from CellCipher, the audit
// writer's and the transaction's storage errors.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/domain/claim.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

// How one submission of a claim ended.
struct ClaimSubmission {
  domain::ClaimState state = domain::ClaimState::kSubmitted;
  std::optional<std::string> provider_claim_id;  // the payer's identifier, when it gave one
  std::string response;                          // JSON text (PHI), stored encrypted
  std::int64_t at_ms = 0;
  std::optional<domain::ClaimAmounts> amounts;     // the payer's totals, when adjudicated
  std::optional<std::string> request_message_id;   // the message that submitted it
  std::optional<std::string> response_message_id;  // the exchange's answer message
  std::optional<std::string> request_key;          // the idempotency key the claim was sent with
};

// GET /v1/claims: one facility's claims in a state, created at or after
// `since_ms`, oldest first, at most `limit`; `after` continues a page after
// the claim (created_at, id) the previous page ended with.
struct ClaimQuery {
  std::optional<domain::ClaimState> state;
  std::int64_t since_ms = 0;
  std::size_t limit = 100;
  std::optional<std::pair<std::int64_t, std::string>> after;
};

// What one payment reconciliation paid a claim, in hundredths of
// `currency`: the sum of its lines for the claim (adjustments included) and
// their fees, and the sum of every payment line of the claim so far, these
// included (PaymentStore::paid_total).
struct ClaimPayment {
  std::string payment_id;  // the payments row
  std::int64_t paid = 0;
  std::int64_t early_fee = 0;
  std::int64_t nphies_fee = 0;
  std::string currency;
  std::int64_t paid_total = 0;
  std::int64_t at_ms = 0;  // when it was recorded
};

// Who made a change, for its audit event ("system", "apikey:<id>",
// "person:<id>").
struct ClaimActor {
  std::string actor = "system";
  std::string session;     // optional: the console session of the request
  std::string request_id;  // optional
  std::string run_id;      // optional: the workflow run that made the change
};

// The idempotency key of the `attempt`th cancellation (kind "cancel" or
// "nullify") recorded on claim `claim_id`: "wasl-<kind>-<claim id>", and
// "-<attempt>" after it from the second on. Deterministic: a resend of a
// cancellation whose answer was lost is the same message.
std::string cancellation_key(std::string_view kind, std::string_view claim_id, int attempt);

// What a resubmission of a rejected claim stores (create_resubmission).
struct ClaimResubmission {
  std::string id;           // the new claim's id
  std::string replaces;     // the rejected claim's id
  std::string request;      // the new claim's request, JSON text (PHI)
  std::string response;     // its answer so far (status "unknown"), JSON text (PHI)
  std::string request_key;  // the idempotency key it is sent with
  std::int64_t at_ms = 0;   // created and sent at
};

// What begin_batch records on a claim put into a batch.
struct ClaimBatchEntry {
  std::string batch_id;     // the batch (its idempotency key)
  std::string request_key;  // the idempotency key the claim goes out with
  // Its answer so far, JSON text (PHI): a ClaimResponse with status
  // "unknown" naming request_key as request_id, so the billing round's
  // status-check can ask about it.
  std::string response;
  std::int64_t at_ms = 0;  // sent at
};

class ClaimStore {
 public:
  ClaimStore(const records::CellCipher& cipher, const audit::AuditWriter& audit)
      : cipher_(cipher), audit_(audit) {}

  // Inserts `c` (id, consultation_id, facility_id, created_at and request set
  // by the caller; run_id from `by.run_id`) in state draft with its request encrypted, and audits
  // claim.create. Idempotent: when a claim with c.id already exists in the
  // facility it is left exactly as it is and the answer is false (nothing
  // written, nothing audited); true when inserted. kNotFound when the
  // consultation is not in the facility.
  sdk::Result<bool> create(storage::Transaction& tx, const domain::Claim& c,
                           const ClaimActor& by) const;

  // Records how a submission ended: state, provider claim id (kept when the
  // submission gives none), response (replaced), submitted_at (set on the
  // first answer from the exchange, or the first in_doubt submission, which
  // went out unanswered; a failed call leaves it as it was) and
  // adjudicated_at (set when the state is adjudicated), the amounts (kept
  // when the submission gives none). A cancelled or nullified claim stays
  // so (kFailedPrecondition). Audits
  // claim.submit_result with the new state. kNotFound when absent.
  sdk::Status record_submission(storage::Transaction& tx, std::string_view facility_id,
                                std::string_view id, const ClaimSubmission& submission,
                                const ClaimActor& by) const;

  // Records a payment of the claim: state paid when payment.paid_total
  // reaches the benefit the payer approved (its amounts; 0 when it gave
  // none), else partially_paid; audits claim.payment with the amounts (no
  // PHI). Answers the new state. kFailedPrecondition when the claim is not
  // payable (domain::is_payable); kNotFound when absent.
  sdk::Result<domain::ClaimState> record_payment(storage::Transaction& tx,
                                                 std::string_view facility_id, std::string_view id,
                                                 const ClaimPayment& payment,
                                                 const ClaimActor& by) const;

  // Records a cancellation (`kind` "cancel") or nullification ("nullify")
  // of the claim with `reason` before its message goes out: cancel_state
  // sending, a new attempt whose key is cancellation_key(kind, id,
  // attempt); audits claim.cancel or claim.nullify. A claim whose last one
  // is still sending answers it unchanged when `kind` is the same (the
  // same message again; nothing written, `reason` not used), and
  // kFailedPrecondition when it is not. kFailedPrecondition naming the
  // state when the claim may not be cancelled (domain::is_cancellable) or
  // nullified (domain::is_nullifiable); kInvalidArgument for another kind;
  // kNotFound when absent.
  sdk::Result<domain::ClaimCancellation> begin_cancellation(
      storage::Transaction& tx, std::string_view facility_id, std::string_view id,
      std::string_view kind, std::string_view reason, const ClaimActor& by,
      std::int64_t at_ms) const;

  // Records the exchange's answer to the cancellation sent with `key`:
  // taken → the claim is cancelled (or nullified), whatever it was meanwhile
  // (the exchange's word is the last); refused → the claim stays as it was
  // and `error` (the exchange's codes, no PHI) is kept. Audits
  // claim.cancel_result or claim.nullify_result (outcome failure when
  // refused). kFailedPrecondition when `key` is not the claim's sending
  // cancellation (another answer recorded it first); kNotFound when absent.
  sdk::Status record_cancellation(storage::Transaction& tx, std::string_view facility_id,
                                  std::string_view id, std::string_view key, bool taken,
                                  const std::optional<std::string>& error, const ClaimActor& by,
                                  std::int64_t at_ms) const;

  // hub.queue_claim: the draft claim waits for the billing round's next
  // batch (state batched); audits claim.queue. True when queued; false when
  // it is batched already (nothing written). kFailedPrecondition naming the
  // state for any other claim; kNotFound when absent.
  sdk::Result<bool> queue_for_batch(storage::Transaction& tx, std::string_view facility_id,
                                    std::string_view id, const ClaimActor& by,
                                    std::int64_t at_ms) const;

  // Puts the batched claim into batch entry.batch_id before the batch goes
  // out: state in_doubt (so a crash before its answer is settled by the
  // billing round's status-check), batch_id, submitted_at, request_key and
  // response as `entry` says; audits claim.batch. False (nothing written)
  // when the claim is no longer batched; kNotFound when absent.
  sdk::Result<bool> begin_batch(storage::Transaction& tx, std::string_view facility_id,
                                std::string_view id, const ClaimBatchEntry& entry,
                                const ClaimActor& by) const;

  // Gives a claim of batch `batch_id` back to the next batch after the
  // exchange took nothing of it (a retryable failure, `why`): state batched,
  // no batch, not sent; audits claim.batch_result (outcome failure). False
  // (nothing written) when the claim is no longer in_doubt in that batch.
  sdk::Result<bool> return_to_batch(storage::Transaction& tx, std::string_view facility_id,
                                    std::string_view id, std::string_view batch_id,
                                    const std::string& why, const ClaimActor& by,
                                    std::int64_t at_ms) const;

  // How many claims of the facility resubmit claim `id` (replaces = id).
  sdk::Result<int> count_resubmissions(storage::Transaction& tx, std::string_view facility_id,
                                       std::string_view id) const;

  // Stores a resubmission of the rejected claim r.replaces as claim r.id of
  // the same consultation: state in_doubt (sent, its answer not known, so a
  // crash before the answer is settled by the billing round's status-check),
  // its request and response encrypted, submitted at r.at_ms; the replaced
  // claim's replaced_by names it. Audits claim.resubmit on the new claim.
  // kFailedPrecondition when the replaced claim is not rejected, or is
  // replaced already by a claim not in state error; kAlreadyExists when r.id
  // exists; kNotFound when the replaced claim is absent.
  sdk::Result<domain::Claim> create_resubmission(storage::Transaction& tx,
                                                 std::string_view facility_id,
                                                 const ClaimResubmission& r,
                                                 const ClaimActor& by) const;

  // The claim with its request and response decrypted.
  sdk::Result<domain::Claim> get(storage::Transaction& tx, std::string_view facility_id,
                                 std::string_view id) const;

  // The consultation's claims, oldest first, without request and response
  // (nothing is decrypted).
  sdk::Result<std::vector<domain::Claim>> list_for_consultation(
      storage::Transaction& tx, std::string_view facility_id,
      std::string_view consultation_id) const;

  // The id of the facility's claim submitted by the message whose
  // MessageHeader id is `request_message_id` (what a polled answer names in
  // MessageHeader.response.identifier); nullopt when none.
  sdk::Result<std::optional<std::string>> find_by_request_message(
      storage::Transaction& tx, std::string_view facility_id,
      std::string_view request_message_id) const;

  // The id of the facility's claim sent with the idempotency key `key` (what
  // an information request or a payment names it by: sdk
  // InformationRequest::claim_request_id); nullopt when none.
  sdk::Result<std::optional<std::string>> find_by_request_key(storage::Transaction& tx,
                                                              std::string_view facility_id,
                                                              std::string_view key) const;

  // The id of the facility's claim on which the exchange's answer message
  // `response_message_id` (ClaimResponse.message_id) was recorded; nullopt
  // when none.
  sdk::Result<std::optional<std::string>> find_by_response_message(
      storage::Transaction& tx, std::string_view facility_id,
      std::string_view response_message_id) const;

  // The consultation's most recent claim (created last), without request and
  // response; nullopt when it has none.
  sdk::Result<std::optional<domain::Claim>> latest_for_consultation(
      storage::Transaction& tx, std::string_view facility_id,
      std::string_view consultation_id) const;

  // How many of the facility's claims of the consultations `consultation_ids`
  // are in each state (state name → count; states no claim is in are
  // absent). Any number of ids: they are asked in chunks of
  // storage::kListChunk.
  sdk::Result<std::map<std::string, std::int64_t>> count_states(
      storage::Transaction& tx, std::string_view facility_id,
      const std::vector<std::string>& consultation_ids) const;

  // The facility's claims matching `q` (see ClaimQuery), without request and
  // response.
  sdk::Result<std::vector<domain::Claim>> list(storage::Transaction& tx,
                                               std::string_view facility_id,
                                               const ClaimQuery& q) const;

  // Of `consultation_ids` (the facility's), those with a claim whose revenue
  // cycle is not over: any state but paid, cancelled and nullified (a
  // rejected claim may still be resubmitted, a partial payment completed).
  // For working-data retention, which keeps their runs.
  static sdk::Result<std::set<std::string>> consultations_with_open_claims(
      storage::Transaction& tx, std::string_view facility_id,
      const std::vector<std::string>& consultation_ids);

 private:
  // `extra` members (no PHI) are added to the event's detail. `failed`:
  // the outcome is failure whatever the claim's state.
  sdk::Status audit(storage::Transaction& tx, const domain::Claim& c, std::string_view action,
                    const ClaimActor& by, std::int64_t at_ms,
                    const nlohmann::json& extra = nlohmann::json::object(),
                    bool failed = false) const;

  const records::CellCipher& cipher_;
  const audit::AuditWriter& audit_;
};

}  // namespace wasl::claims
