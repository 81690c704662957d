// OutboxStore: the notification_outbox table, the messages a facility owes
// its patients (see migrations/*/0030_notifications.sql for the states).
// Every statement filters on the row's facility; due() alone reads across
// facilities, for the sender that serves all of them, and answers each
// row's facility, which every later call carries.
//
// A message is queued once per (facility, consultation, kind, channel,
// occurrence): queue() of one that exists changes nothing, whichever hub
// and whenever (the unique key decides, under concurrent inserts too). A
// row is sent under a lease: claim() takes it for `holder` until a time,
// only when it is due (scheduled, due_at passed) or its last holder's lease
// lapsed while sending; record_*() write a send's outcome only while
// `holder` still holds the lease.
//
// The recipient and the rendered message are PHI: prepare() encrypts them
// through records::CellCipher (recipient_enc, message_enc, declared in
// hub/records/encrypted_columns.cpp) and indexes the recipient (its blind
// index as a phone number or e-mail address); prepared() decrypts them.
//
// Thread-safe: holds only a borrowed CellCipher.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/notifications/message_texts.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

struct OutboxRow {
  std::string id;
  std::string facility_id;
  std::string consultation_id;
  std::string kind;
  std::string channel;
  std::string occurrence;  // empty, or a reschedule notice's new start (epoch ms)
  std::string state;
  std::optional<std::string> reason;  // why skipped, cancelled or failed (a code)
  std::int64_t due_at = 0;
  std::optional<std::string> instance;  // the notify instance, once prepared
  std::optional<std::string> language;  // "ar" or "en", once prepared
  bool prepared = false;                // recipient and message stored
  std::int64_t attempts = 0;
  std::optional<std::string> last_error;  // an error code
  std::optional<std::string> lease_owner;
  std::optional<std::int64_t> lease_expires_at;
  std::optional<std::string> provider_id;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> sent_at;
  std::optional<std::int64_t> settled_at;
};

// A message to queue.
struct QueuedMessage {
  std::string id;  // new row id
  std::string facility_id;
  std::string consultation_id;
  std::string kind;
  std::string channel;
  std::string occurrence;
  std::int64_t due_at = 0;
  std::int64_t now_ms = 0;
};

// What a prepared row sends, decrypted.
struct PreparedMessage {
  std::string channel;  // "email" or "sms"
  std::string instance;
  std::string language;
  std::string recipient;
  MessageText text;
};

// A row due for sending, and its facility.
struct DueRow {
  std::string id;
  std::string facility_id;
};

class OutboxStore {
 public:
  explicit OutboxStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  // Queues `m` (state scheduled) unless its key exists; true when queued.
  static sdk::Result<bool> queue(storage::Transaction& tx, const QueuedMessage& m);

  // The consultation's messages, oldest first.
  static sdk::Result<std::vector<OutboxRow>> of_consultation(storage::Transaction& tx,
                                                             std::string_view facility_id,
                                                             std::string_view consultation_id);
  // One message; nullopt when it is not the facility's.
  static sdk::Result<std::optional<OutboxRow>> get(storage::Transaction& tx,
                                                   std::string_view facility_id,
                                                   std::string_view id);

  // Rows claimable at `now_ms` (scheduled and due; sending with a lapsed
  // lease), most overdue first, at most `limit`, across facilities.
  static sdk::Result<std::vector<DueRow>> due(storage::Transaction& tx, std::int64_t now_ms,
                                              int limit);
  // Takes the row's lease for `holder` until `until_ms` when it is still
  // claimable at `now_ms`; false when it is not (another hub took it).
  static sdk::Result<bool> claim(storage::Transaction& tx, const DueRow& row,
                                 const std::string& holder, std::int64_t now_ms,
                                 std::int64_t until_ms);
  // Stores what the row sends, encrypted; state unchanged.
  sdk::Status prepare(storage::Transaction& tx, const DueRow& row, const PreparedMessage& message,
                      std::int64_t now_ms) const;
  // What a prepared row sends; kFailedPrecondition when it is not prepared.
  sdk::Result<PreparedMessage> prepared(storage::Transaction& tx, const DueRow& row) const;
  // The claimed row goes out: sending, one more attempt.
  static sdk::Status mark_sending(storage::Transaction& tx, const DueRow& row, std::int64_t now_ms);
  // The claimed row waits until `due_at` (scheduled again, lease dropped).
  static sdk::Status defer(storage::Transaction& tx, const DueRow& row, std::int64_t due_at,
                           std::int64_t now_ms);
  // The row ends unsent: `state` skipped or cancelled with `reason`.
  static sdk::Status settle(storage::Transaction& tx, const DueRow& row, std::string_view state,
                            std::string_view reason, std::int64_t now_ms);

  // The outcome of `holder`'s send; each false when the lease was lost.
  // Taken: sent (or delivered when the provider says so at once).
  static sdk::Result<bool> record_sent(storage::Transaction& tx, const DueRow& row,
                                       const std::string& holder, const std::string& provider_id,
                                       bool delivered, std::int64_t now_ms);
  // Failed, tried again at `due_at` (scheduled, message kept).
  static sdk::Result<bool> record_retry(storage::Transaction& tx, const DueRow& row,
                                        const std::string& holder, std::string_view error_code,
                                        std::int64_t due_at, std::int64_t now_ms);
  // Failed for good.
  static sdk::Result<bool> record_failure(storage::Transaction& tx, const DueRow& row,
                                          const std::string& holder, std::string_view error_code,
                                          std::int64_t now_ms);

  // The facility's message `instance` sent as `provider_id`, if any.
  static sdk::Result<std::optional<OutboxRow>> by_provider_id(storage::Transaction& tx,
                                                              std::string_view facility_id,
                                                              std::string_view instance,
                                                              std::string_view provider_id);
  // Whether one of the facility's messages on `instance` is being sent:
  // handed to the plugin, or waiting for another attempt after one whose
  // answer may have been lost while the provider took the message.
  static sdk::Result<bool> any_sending(storage::Transaction& tx, std::string_view facility_id,
                                       std::string_view instance);
  // A receipt: the sent message becomes `state` (delivered, or failed with
  // `reason`); false when it was not "sent" (already settled: nothing).
  static sdk::Result<bool> record_receipt(storage::Transaction& tx, std::string_view facility_id,
                                          std::string_view id, std::string_view state,
                                          std::optional<std::string_view> reason,
                                          std::int64_t now_ms);

  // The consultation's scheduled messages of `kind` become due at `due_at`;
  // answers how many.
  static sdk::Result<std::int64_t> move_scheduled(storage::Transaction& tx,
                                                  std::string_view facility_id,
                                                  std::string_view consultation_id,
                                                  std::string_view kind, std::int64_t due_at,
                                                  std::int64_t now_ms);
  // Which of a consultation's scheduled messages cancel_scheduled() takes.
  struct KindFilter {
    std::optional<std::string_view> only;    // this kind only
    std::optional<std::string_view> except;  // every kind but this one
  };
  // The consultation's scheduled messages `filter` takes are cancelled with
  // `reason`; answers how many.
  static sdk::Result<std::int64_t> cancel_scheduled(storage::Transaction& tx,
                                                    std::string_view facility_id,
                                                    std::string_view consultation_id,
                                                    const KindFilter& filter,
                                                    std::string_view reason, std::int64_t now_ms);
  // Whether a message of the consultation went out or is going (sending,
  // sent, delivered): the patient was told of it.
  static sdk::Result<bool> patient_told(storage::Transaction& tx, std::string_view facility_id,
                                        std::string_view consultation_id);

 private:
  const records::CellCipher& cipher_;
};

}  // namespace wasl::notifications
