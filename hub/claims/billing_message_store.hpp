// BillingMessageStore: every message the hub took from the exchange's poll
// queue (billing_messages), kept before it is acknowledged so that nothing
// polled is lost or blocks the queue. The message as the plugin read it
// (sdk::PolledMessage as JSON) is PHI and stored only encrypted
// (billing_messages.message_enc, bound to the row).
//
// Every method takes the caller's transaction and facility id, which every
// statement filters on (another facility's message is kNotFound, exactly
// like a missing one). insert() and settle() write their audit event
// (billing.message_received, billing.message_replayed) in that transaction.
//
// Thread-safe: holds only a borrowed CellCipher and AuditWriter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

// recorded: routed (claim_id names the claim it moved or concerns, if any);
// unmatched: names no claim of the facility, or a payment of one the payer
// has not approved (problem says which); unreadable: the plugin could
// not read it (problem says why); error: an error notice of the exchange.
enum class BillingMessageState { kRecorded, kUnmatched, kUnreadable, kError };
std::string_view to_string(BillingMessageState s);
std::optional<BillingMessageState> billing_message_state_from(std::string_view text);

struct BillingMessage {
  std::string id;
  std::string facility_id;
  std::string message_id;  // the exchange's message id (unique per facility)
  std::string event;       // sdk::PolledMessage::event
  BillingMessageState state = BillingMessageState::kRecorded;
  std::optional<std::string> claim_id;
  std::optional<std::string> request_message_id;
  std::optional<std::string> problem;  // no PHI
  std::int64_t received_at = 0;
  std::int64_t updated_at = 0;
  std::int64_t replays = 0;
  std::string message;  // the PolledMessage JSON (PHI); empty when read without it
};

struct BillingMessageQuery {
  std::optional<BillingMessageState> state;
  std::size_t limit = 100;
  // Continues after the message (received_at, id) the previous page ended with.
  std::optional<std::pair<std::int64_t, std::string>> after;
};

class BillingMessageStore {
 public:
  BillingMessageStore(const records::CellCipher& cipher, const audit::AuditWriter& audit)
      : cipher_(cipher), audit_(audit) {}

  // Inserts `m` (id set by the caller) with its message encrypted and audits
  // billing.message_received. False when the facility already holds a
  // message with m.message_id (a redelivery): nothing written.
  sdk::Result<bool> insert(storage::Transaction& tx, const BillingMessage& m,
                           const audit::AuditActor& actor) const;

  // The message; with `with_message` its PolledMessage decrypted, else
  // nothing is decrypted.
  sdk::Result<BillingMessage> get(storage::Transaction& tx, std::string_view facility_id,
                                  std::string_view id, bool with_message) const;

  // The facility's messages matching `q`, oldest first, without the message.
  sdk::Result<std::vector<BillingMessage>> list(storage::Transaction& tx,
                                                std::string_view facility_id,
                                                const BillingMessageQuery& q) const;

  // The facility's billing dead letters: its messages in state error (the
  // exchange's error notices) or unreadable received at or after
  // `since_ms`, newest first (received_at, then id, descending), at most
  // `limit`, without the message.
  sdk::Result<std::vector<BillingMessage>> failed(storage::Transaction& tx,
                                                  std::string_view facility_id,
                                                  std::int64_t since_ms, std::size_t limit) const;

  // How many of the facility's messages failed() would list since `since_ms`.
  static sdk::Result<std::int64_t> count_failed(storage::Transaction& tx,
                                                std::string_view facility_id,
                                                std::int64_t since_ms);

  // The facility's newest unmatched claim and prior-authorization answers
  // that name a request message (at most `limit`), without the message.
  sdk::Result<std::vector<BillingMessage>> unmatched_answers(storage::Transaction& tx,
                                                             std::string_view facility_id,
                                                             std::size_t limit) const;

  // A replay's outcome: the new state, claim and problem, replays counted,
  // audited billing.message_replayed by `actor`.
  sdk::Status settle_replay(storage::Transaction& tx, const BillingMessage& m,
                            const audit::AuditActor& actor, std::int64_t now_ms) const;

 private:
  const records::CellCipher& cipher_;
  const audit::AuditWriter& audit_;
};

}  // namespace wasl::claims
