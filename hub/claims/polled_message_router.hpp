// What the hub does with each message polled from the exchange
// (sdk::PolledMessage, billing.poll_messages), in one transaction with the
// message's billing_messages row (BillingMessageStore) and its audit:
//   claim-response, priorauth-response  the answer is recorded on the
//       facility's claim submitted by the message it names (its
//       request_message_id), as before: recorded; no such claim: unmatched;
//   communication-request  recorded against the claim it is about (its
//       claim_request_id, the key the claim was sent with), and kept open
//       for the operators as an information request
//       (InformationRequestStore), and the workflows its event
//       (kInformationRequestEvent) triggers are started in the same
//       transaction (ClaimPollDeps::start_event_runs) with ${trigger}
//       {information_request_id, claim_id, consultation_id, reason, due_ms,
//       questions, documents: [{content_type, title}]}; else unmatched;
//   payment-reconciliation  recorded when every detail names a claim of the
//       facility that the payer approved (domain::is_payable) in the
//       payment's currency, else unmatched (replayable once it is): the
//       payment and its lines are stored (PaymentStore) and each claim it
//       pays moves to paid when its payment lines, of this and earlier
//       reconciliations, adjustments included, reach its approved benefit,
//       else to partially_paid, audited claim.payment. A reconciliation the
//       facility holds already (its system and id) is recorded and changes
//       nothing;
//   advanced-authorization  recorded (it answers no request), and stored
//       against the patient and the coverage it names
//       (AdvancedAuthorizationStore); one without a preAuthRef: unreadable;
//   error-notice  error, against the claim whose message it is about when
//       any; an alert is raised (billing.error_notice);
//   unreadable, or any other event  unreadable, with the plugin's reason.
// Every stored message may be acknowledged: nothing polled is left to block
// the exchange's queue. A redelivered message (the facility holds its
// message id) changes nothing and may be acknowledged again. The one
// message not stored is a claim answer saying "queued" for a claim still
// queued: nothing new, and not acknowledged, as before.
//
// replay_billing_message routes a stored message again (an operator's
// repair, e.g. after the claim it names was found): its row takes the new
// state, audited billing.message_replayed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/audit/audit_event.hpp"
#include "hub/claims/billing_message_store.hpp"
#include "hub/claims/claim_poll.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::claims {

// The hub event a new information request is (workflow trigger kind event).
inline constexpr std::string_view kInformationRequestEvent = "billing.information_request";

struct RoutedMessage {
  bool stored = false;       // a new billing_messages row (false: a redelivery, or held)
  bool acknowledge = false;  // the exchange may be told it was taken
  bool moved_claim = false;  // a claim answer changed its claim
  BillingMessageState state = BillingMessageState::kRecorded;
  std::optional<std::string> claim_id;
  std::string billing_message_id;
};

sdk::Result<RoutedMessage> take_polled_message(const ClaimPollDeps& deps,
                                               const std::string& facility_id,
                                               const sdk::PolledMessage& message,
                                               std::int64_t now_ms, const audit::AuditActor& actor);

// Claim answers that came before their claim recorded the message they
// answer (the hub killed while the claim was sent, say: the exchange's answer
// is polled before the resend records its message id) are stored unmatched
// and acknowledged. rematch_answers replays, as "system", each of the
// facility's newest kMaxRematched unmatched answers whose request message is
// now a claim's; answers how many moved a claim.
inline constexpr std::size_t kMaxRematched = 100;
sdk::Result<int> rematch_answers(const ClaimPollDeps& deps, const std::string& facility_id,
                                 std::int64_t now_ms);

sdk::Result<BillingMessage> replay_billing_message(const ClaimPollDeps& deps,
                                                   const std::string& facility_id,
                                                   const std::string& id, std::int64_t now_ms,
                                                   const audit::AuditActor& actor);

}  // namespace wasl::claims
