// Claim polling: the answers the exchange queued (a claim whose submission
// answered `queued`, or one in_doubt that the exchange holds) fetched with
// billing.poll and put on their claims.
//
// poll_claims makes one poll for one facility: a PollRequest for
// claim-response messages (at most 100, the facility's provider licence),
// then, for each answer, finds the facility's claim submitted by the message
// the answer names (ClaimResponse.request_message_id, NPHIES
// MessageHeader.response.identifier), moves it to the answer's state in one
// transaction with its claim.submit_result audit event, and only then
// acknowledges the answer (billing.acknowledge; a plugin without
// acknowledgements answers kUnimplemented, which is fine). An answer no claim
// of the facility matches is left unacknowledged, so the exchange keeps it.
// A claim already decided or cancelled takes nothing from a repeated answer;
// the answer is acknowledged. Eligibility is never polled: the exchange
// answers it on the open connection.
//
// Errors: kFailedPrecondition when the facility has no billing settings; the
// poll call's error unchanged (nothing recorded); storage errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

struct ClaimPollResult {
  int fetched = 0;       // answers the exchange returned
  int matched = 0;       // answers that moved a claim
  int unmatched = 0;     // answers no claim of the facility was submitted by
  int acknowledged = 0;  // answers acknowledged to the exchange
};

// The billing plugin instance a facility's billing role is bound to (the
// typed door to plugins: plugin_host::PluginHost::billing); kNotFound or
// kFailedPrecondition naming the instance when it is not loaded.
using BillingOf = std::function<sdk::Result<std::shared_ptr<sdk::BillingGateway>>(
    const std::string& facility_id)>;

// A claim still in_doubt or queued past its facility's billing
// max_unanswered_age (claim_status_check.hpp: unanswered_claims). No PHI.
struct ClaimAlert {
  std::string facility_id;
  std::string claim_id;
  std::string state;            // "in_doubt" or "queued"
  std::int64_t sent_at_ms = 0;  // submitted_at, else created_at
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
};

// The longest a round may hold its facility before another hub may take it
// over (the holder died mid-round).
inline constexpr std::chrono::milliseconds kRoundLease{15 * 60 * 1000};

// NPHIES caps a poll's count at 100.
inline constexpr int kMaxPollMessages = 100;

sdk::Result<ClaimPollResult> poll_claims(const ClaimPollDeps& deps, const std::string& facility_id,
                                         std::int64_t now_ms, const std::string& actor = "system");

// The billing.poll job: every facility that binds a billing role and has
// billing settings is served once per its `poll_interval` (default 5 min):
// first its in_doubt claims are asked about (check_in_doubt_claims,
// claim_status_check.hpp), then it is polled, then every claim of it still
// in_doubt or queued past max_unanswered_age raises one alert (again only
// after it left those states and came back, or after a restart).
// tick() is what the hub's periodic runner calls; a facility's failed round
// is logged and tried again at its next interval, the others go on.
// Each round runs under the facility's PollLease (poll_lease.hpp), shared by
// the hubs on one database: a round starts only when no other runs (at most
// kRoundLease, then a dead holder's round is taken over) and the facility's
// shared next round is due, and it sets the next one poll_interval after its
// start. A hub's first round of a facility starts whether due or not, so a
// restarted hub asks at once about the claims it left in doubt. poll_now()
// is the operator's poll: under the lease, due or not, the next round left
// where it was; kUnavailable (retryable) while a round runs.
// Thread-safe.
class ClaimPollJob {
 public:
  explicit ClaimPollJob(ClaimPollDeps deps);

  // The facilities due at `now_ms` polled; answers how many polls were made.
  int tick(std::int64_t now_ms);

  // poll_claims for one facility now, under its lease (see above).
  sdk::Result<ClaimPollResult> poll_now(const std::string& facility_id, std::int64_t now_ms,
                                        const std::string& actor);

  // The shortest poll_interval of the polled facilities (how often tick()
  // should run); 5 min when none.
  std::chrono::milliseconds interval() const;

 private:
  // Raises deps_.alert for the facility's unanswered claims not alerted yet.
  void alert_unanswered(const std::string& facility_id, std::int64_t now_ms);

  // Takes the facility's lease for a round starting at `now_ms` (PollLease::
  // take); false when it cannot start (or the lease cannot be read: logged).
  bool take_round(const std::string& facility_id, std::int64_t now_ms, bool due_or_not);

  ClaimPollDeps deps_;
  std::string holder_;  // this job's lease token
  std::mutex mutex_;
  std::map<std::string, std::int64_t> next_due_;          // facility -> epoch ms
  std::set<std::string> started_;                         // facilities a round was tried for
  std::map<std::string, std::set<std::string>> alerted_;  // facility -> claims alerted
};

}  // namespace wasl::claims
