// InformationRequestStore: the payer's information requests about a
// facility's claims and the provider's answers (information_requests). What
// is asked (the sdk::InformationRequest as JSON) and what is answered (the
// sdk::InformationAnswer as JSON, attachments included) are PHI and stored
// only encrypted (request_enc, answer_enc, bound to the row).
//
// Every method takes the caller's transaction and facility id, which every
// statement filters on (another facility's request is kNotFound, exactly
// like a missing one). Changes write their audit event
// (information_request.receive, .answer_stored, .answered, .answer_failed)
// in that transaction. Thread-safe: holds only a borrowed CellCipher and
// AuditWriter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

// open: to answer; sending: an answer is stored and on its way (sent again,
// as the same message, until the exchange takes it or refuses it);
// answered; cannot_supply: answered that it cannot be supplied.
enum class InformationRequestState { kOpen, kSending, kAnswered, kCannotSupply };
std::string_view to_string(InformationRequestState s);
std::optional<InformationRequestState> information_request_state_from(std::string_view text);

struct InformationRequestRow {
  std::string id;
  std::string facility_id;
  std::string claim_id;
  std::string billing_message_id;
  std::string request_id;  // the payer's identifier (unique per facility)
  std::optional<std::string> request_system;
  std::optional<std::string> reason;
  std::optional<std::int64_t> due_at;
  std::int64_t received_at = 0;
  InformationRequestState state = InformationRequestState::kOpen;
  std::optional<std::int64_t> answered_at;
  std::optional<std::string> answered_by;
  std::optional<std::string> last_error;  // the exchange's refusal of the last answer (no PHI)
  std::string request;                    // sdk::InformationRequest JSON (PHI); empty unless read
  std::optional<std::string> answer;      // sdk::InformationAnswer JSON (PHI); empty unless read
};

struct InformationRequestQuery {
  std::optional<InformationRequestState> state;
  std::size_t limit = 50;
  // Continues after the request (received_at, id) the previous page ended with.
  std::optional<std::pair<std::int64_t, std::string>> after;
};

class InformationRequestStore {
 public:
  InformationRequestStore(const records::CellCipher& cipher, const audit::AuditWriter& audit)
      : cipher_(cipher), audit_(audit) {}

  // Inserts `r` (id set by the caller, state open) and audits
  // information_request.receive. False when the facility already holds a
  // request with r.request_id: nothing written.
  sdk::Result<bool> insert(storage::Transaction& tx, const InformationRequestRow& r,
                           const audit::AuditActor& actor) const;

  // The request; with `with_content` its request and answer decrypted.
  sdk::Result<InformationRequestRow> get(storage::Transaction& tx, std::string_view facility_id,
                                         std::string_view id, bool with_content) const;

  // The facility's requests matching `q`, oldest first, nothing decrypted.
  sdk::Result<std::vector<InformationRequestRow>> list(storage::Transaction& tx,
                                                       std::string_view facility_id,
                                                       const InformationRequestQuery& q) const;

  // Stores the answer (encrypted) and moves the request to sending, audited
  // information_request.answer_stored by `actor`. kFailedPrecondition
  // unless the request is open.
  sdk::Status store_answer(storage::Transaction& tx, std::string_view facility_id,
                           std::string_view id, const std::string& answer,
                           const audit::AuditActor& actor, std::int64_t now_ms) const;

  // The exchange took the answer: answered (or cannot_supply), audited
  // information_request.answered. kFailedPrecondition unless sending.
  sdk::Status mark_answered(storage::Transaction& tx, std::string_view facility_id,
                            std::string_view id, bool cannot_supply, const audit::AuditActor& actor,
                            std::int64_t now_ms) const;

  // The exchange refused the answer for good: back to open with `error`
  // (no PHI), the stored answer dropped, audited
  // information_request.answer_failed. kFailedPrecondition unless sending.
  sdk::Status mark_refused(storage::Transaction& tx, std::string_view facility_id,
                           std::string_view id, const std::string& error,
                           const audit::AuditActor& actor, std::int64_t now_ms) const;

 private:
  sdk::Status audit(storage::Transaction& tx, const InformationRequestRow& r,
                    std::string_view action, const audit::AuditActor& actor,
                    std::int64_t at_ms) const;
  // Moves the request from `from` to `to`; `answer`: the new answer_enc
  // (nullopt keeps it); audited `action`.
  struct Move {
    InformationRequestState from;
    InformationRequestState to;
    std::optional<storage::Value> answer;
    std::optional<std::string> error;
    bool answered = false;  // sets answered_at and answered_by
  };
  sdk::Status move(storage::Transaction& tx, std::string_view facility_id, std::string_view id,
                   const Move& m, const audit::AuditActor& actor, std::int64_t now_ms,
                   std::string_view action) const;

  const records::CellCipher& cipher_;
  const audit::AuditWriter& audit_;
};

}  // namespace wasl::claims
