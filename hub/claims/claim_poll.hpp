// Claim polling: everything the exchange queued for a facility (claim and
// prior-authorization answers, the payer's information requests and
// payments, advanced authorizations, the exchange's error notices) fetched
// with billing.poll_messages (a plugin without it: billing.poll, claim
// answers only) and taken by polled_message_router.hpp.
//
// poll_claims makes one poll for one facility: at most 100 messages (the
// facility's provider licence); each is stored and routed in one
// transaction (a claim answer moves the claim submitted by the message it
// names, with its claim.submit_result audit event), and only then
// acknowledged (billing.acknowledge; a plugin without acknowledgements
// answers kUnimplemented, which is fine). A message that matches nothing or
// cannot be read is stored as such, visible to the facility's operators
// (GET /v1/billing/messages) and replayable, and acknowledged: it never
// blocks the exchange's queue. Then the claim answers stored unmatched whose
// claim has since recorded the message they answer are matched again
// (rematch_answers). Eligibility is never polled: the exchange
// answers it on the open connection.
//
// Errors: kNotFound when the facility has no billing binding; the poll
// call's error unchanged (nothing recorded); storage errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

struct ClaimPollResult {
  int fetched = 0;       // messages the exchange returned
  int matched = 0;       // claim answers that moved a claim
  int unmatched = 0;     // messages stored unmatched, unreadable or as an error notice
  int acknowledged = 0;  // messages acknowledged to the exchange
};

// The billing plugin instance a facility's billing role is bound to (the
// typed door to plugins: plugin_host::PluginHost::billing); kNotFound or
// kFailedPrecondition naming the instance when it is not loaded.
using BillingOf = std::function<sdk::Result<std::shared_ptr<sdk::BillingGateway>>(
    const std::string& facility_id)>;

// An alert about a facility's billing. No PHI.
//   claim.unanswered: a claim still in_doubt or queued past its facility's
//     billing max_unanswered_age (claim_status_check.hpp:
//     unanswered_claims): claim_id, state, sent_at_ms;
//   billing.error_notice: the exchange sent an error notice, stored as
//     billing message billing_message_id (about claim_id, when it names one);
//   billing.payment_notice: the payer refused the payment-notice of the
//     reconciliation that came in billing message billing_message_id.
struct ClaimAlert {
  std::string kind = "claim.unanswered";
  std::string facility_id;
  std::string claim_id;
  std::string state;            // "in_doubt" or "queued"
  std::int64_t sent_at_ms = 0;  // submitted_at, else created_at
  std::string billing_message_id;
};

// Raises `alert` for operators (the hub's alerting: GET /v1/alerts).
using RaiseClaimAlert = std::function<void(const ClaimAlert& alert)>;

struct ClaimPollDeps {
  storage::Store* store = nullptr;
  BillingOf billing;
  const config::Config* config = nullptr;
  const records::CellCipher* cipher = nullptr;
  const audit::AuditWriter* audit = nullptr;
  RaiseClaimAlert alert;  // empty: no alerts
  // Called between the outside calls of a round (each status-check, each
  // polled message): the billing round job renews its lease there. Empty:
  // nothing to renew.
  std::function<void()> keep_alive;
  // Starts the workflows a hub event triggers (workflow/event_triggers.hpp)
  // in `tx`, the transaction that records what caused it: a new information
  // request is event "billing.information_request". Empty: none started.
  std::function<sdk::Status(storage::Transaction& tx, const std::string& facility_id,
                            std::string_view event, const nlohmann::json& trigger)>
      start_event_runs;
};

// How long a round holds its facility past its start or its last renewal
// (ClaimPollDeps::keep_alive renews it every kRoundRenewal): a hub killed
// mid-round holds it at most that long, and another hub, or the same one
// restarted, takes over after.
inline constexpr std::chrono::milliseconds kRoundLease{20 * 1000};
inline constexpr std::chrono::milliseconds kRoundRenewal{5 * 1000};

// NPHIES caps a poll's count at 100.
inline constexpr int kMaxPollMessages = 100;

sdk::Result<ClaimPollResult> poll_claims(const ClaimPollDeps& deps, const std::string& facility_id,
                                         std::int64_t now_ms,
                                         const audit::AuditActor& actor = "system");

// The billing.poll job: every facility that binds a billing role and has
// billing settings is served once per its `poll_interval` (default 5 min):
// first its in_doubt claims are asked about (check_in_doubt_claims,
// claim_status_check.hpp), then its batched claims are sent
// (send_claim_batches, claim_batches.hpp), then it is polled, then the payer
// is told of the payments recorded (send_payment_notices,
// payment_notices.hpp), then the answers to information requests left
// sending are sent again (resend_answers, information_answers.hpp), then
// every claim of it still
// in_doubt or queued past max_unanswered_age raises one alert (again only
// after it left those states and came back, or after a restart).
// tick() is what the hub's periodic runner calls; a facility's failed round
// is logged and tried again at its next interval, the others go on.
// Each round runs under the facility's PollLease (poll_lease.hpp), shared by
// the hubs on one database: a round starts only when no other runs (a
// round's lease lasts kRoundLease past its last renewal, so a dead holder's
// round is taken over soon after) and the facility's
// shared next round is due, and it sets the next one poll_interval after its
// start. A hub's first round of a facility starts whether due or not, so a
// restarted hub asks at once about the claims it left in doubt. poll_now()
// is the operator's poll: the facility's round now, under the lease, due or
// not (each part as above; a failure of a part other than the poll is logged
// and left to the next round), the next round left where it was;
// kUnavailable (retryable) while a round runs.
// Thread-safe.
class ClaimPollJob {
 public:
  explicit ClaimPollJob(ClaimPollDeps deps);

  // The facilities due at `now_ms` polled; answers how many polls were made.
  int tick(std::int64_t now_ms);

  // One facility's round now, under its lease (see above); answers the
  // poll's result.
  sdk::Result<ClaimPollResult> poll_now(const std::string& facility_id, std::int64_t now_ms,
                                        const audit::AuditActor& actor);

  // The shortest poll_interval of the polled facilities (how often tick()
  // should run); 5 min when none.
  std::chrono::milliseconds interval() const;

 private:
  // The facility's round, its lease held: every part above, in order, each
  // failure logged; answers the poll's result.
  sdk::Result<ClaimPollResult> run_round(const std::string& facility_id, std::int64_t now_ms,
                                         const audit::AuditActor& actor);
  // Raises deps_.alert for the facility's unanswered claims not alerted yet.
  void alert_unanswered(const std::string& facility_id, std::int64_t now_ms);

  // Takes the facility's lease for a round starting at `now_ms` (PollLease::
  // take); false when it cannot start (or the lease cannot be read: logged).
  bool take_round(const std::string& facility_id, std::int64_t now_ms, bool due_or_not);
  // deps_ for one round of the facility started at `now_ms`, its keep_alive
  // renewing the round's lease (every kRoundRenewal, kRoundLease ahead).
  ClaimPollDeps round_deps(const std::string& facility_id, std::int64_t now_ms);

  ClaimPollDeps deps_;
  std::string holder_;  // this job's lease token
  std::mutex mutex_;
  std::map<std::string, std::int64_t> next_due_;          // facility -> epoch ms
  std::set<std::string> started_;                         // facilities a round was tried for
  std::map<std::string, std::set<std::string>> alerted_;  // facility -> claims alerted
};

}  // namespace wasl::claims
