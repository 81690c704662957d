// Claim: an insurance claim for a consultation, built by hub.build_claim
// (state draft) and submitted through the billing plugin
// (billing.submit_claim). The request and response are the plugin's JSON
// documents (sdk Claim / ClaimResponse), PHI, stored only encrypted
// (claims.request_enc / response_enc).
//
// JSON wire form: {"id", "consultation_id", "state", "provider_claim_id",
// "run_id", "amounts", "submitted_at", "adjudicated_at", "created_at"}, and
// when set "replaces", "replaced_by", "batch_id" and "cancellation" ({"kind", "reason",
// "state", "error", "requested_at"}); request and response are not on the
// wire. The adjudicated amounts are not PHI and are kept in clear for
// reporting.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::domain {

enum class ClaimState {
  kDraft,
  kSubmitted,
  kQueued,
  kApproved,
  kPartial,
  kRejected,
  kError,
  kCancelled,
  // Sent, but the answer never arrived (status "unknown"): the exchange may
  // or may not hold it. The hub asks with billing.check_status until the
  // exchange says (claim_status_check.hpp); never counted as queued.
  kInDoubt,
  // The payer's payment reconciliations (payment lines, adjustments
  // included) sum to the benefit it approved, or more: kPaid; to less:
  // kPartiallyPaid (claims::PaymentStore, polled_message_router.hpp).
  kPaid,
  kPartiallyPaid,
  // The payer's decision reversed at the provider's request (NPHIES
  // nullify, claims/claim_cancellation.hpp): an approved, partial or
  // rejected claim the exchange no longer holds as adjudicated. Neither
  // adjudicated nor payable; a rejected claim nullified cannot be
  // resubmitted.
  kNullified,
  // Built and waiting for the billing round's next batch (a facility whose
  // billing submission is "batch"; claims/claim_batches.hpp). The round
  // moves it to in_doubt with its batch's id before the batch goes out.
  kBatched
};
// "draft", "submitted", "queued", "in_doubt", …, "paid", "partially_paid",
// "nullified", "batched"
std::string_view to_string(ClaimState s);
std::optional<ClaimState> parse_claim_state(std::string_view name);

// The state a claim is in once the exchange answered it with a
// ClaimResponse of `status` and `outcome` ("unknown", "queued", "complete",
// "partial", "error"; either may be empty) and `approved`: unknown (no
// answer arrived) → kInDoubt; queued → kQueued; partial →
// kPartial; complete and approved → kApproved; complete and not approved, or
// error (the payer's rejection is an answer, not a failed call) → kRejected;
// anything else → kSubmitted (sent, not yet adjudicated).
ClaimState claim_state_after_response(std::string_view status, std::string_view outcome,
                                      bool approved);

// True for approved, partial, rejected, paid and partially paid: the payer
// has decided (a payment comes after the decision).
bool is_adjudicated(ClaimState s);

// True for approved, partial, paid and partially paid: a payment of the
// payer may be recorded against the claim.
bool is_payable(ClaimState s);

// True for submitted, queued and in_doubt: sent and not adjudicated yet, so
// the provider may withdraw it (NPHIES cancel).
bool is_cancellable(ClaimState s);

// True for approved, partial and rejected: adjudicated and not paid, so the
// provider may have the decision reversed (NPHIES nullify).
bool is_nullifiable(ClaimState s);

// The payer's totals from the ClaimResponse, in hundredths of `currency`
// (halalas for SAR), so reports add them exactly.
struct ClaimAmounts {
  std::string currency;
  std::int64_t eligible = 0;
  std::int64_t benefit = 0;
  std::int64_t copay = 0;
  std::int64_t patient_share = 0;
  std::int64_t tax = 0;
  bool operator==(const ClaimAmounts&) const = default;
};

// Hundredths of a currency unit, rounded half away from zero.
std::int64_t to_minor_units(double amount);

// The amount of `minor` hundredths, as the JSON wire form writes amounts.
double from_minor_units(std::int64_t minor);

// A cancellation (or nullification) of a claim, recorded on it before its
// message goes out (claims/claim_cancellation.hpp). No PHI.
struct ClaimCancellation {
  std::string kind;    // "cancel" or "nullify"
  std::string reason;  // NPHIES task-reason-code: WI, NP, TAS, SU
  std::string key;     // the idempotency key its message carries
  // "sending": recorded, the exchange's answer not known (a resend is the
  // same message); "taken": the exchange took it; "refused": it did not.
  std::string state;
  std::optional<std::string> error;  // why it was refused: the exchange's codes
  std::int64_t requested_at = 0;
  int attempt = 1;  // cancellations recorded on the claim, this one included
  bool operator==(const ClaimCancellation&) const = default;
};

struct Claim {
  std::string id;
  std::string consultation_id;
  std::string facility_id;
  ClaimState state = ClaimState::kDraft;
  std::optional<std::string> provider_claim_id;
  std::optional<std::string> run_id;              // the workflow run that built and submits it
  std::optional<ClaimAmounts> amounts;            // set once the payer adjudicated it
  std::optional<std::string> request_message_id;  // the submitting message's MessageHeader id
  std::optional<std::string> request;             // JSON text, PHI
  std::optional<std::string> response;            // JSON text, PHI
  std::optional<std::int64_t> submitted_at;
  std::optional<std::int64_t> adjudicated_at;
  std::int64_t created_at = 0;
  std::optional<std::string> replaces;            // the rejected claim this one resubmits
  std::optional<std::string> replaced_by;         // the claim that resubmits this one
  std::optional<ClaimCancellation> cancellation;  // the last one recorded
  std::optional<std::string> batch_id;            // the batch it was sent in, if any
  bool operator==(const Claim&) const = default;
};

void to_json(nlohmann::json& j, const Claim& v);
void from_json(const nlohmann::json& j, Claim& v);

}  // namespace wasl::domain
