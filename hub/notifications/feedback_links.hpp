// FeedbackLinks: the one-use links a patient's feedback message carries
// (notification_feedback_links), after the consultation.
//
// Like a join link (join_links.hpp) the code is 32 random bytes (base64url),
// sent only inside the encrypted message and stored only as its SHA-256. A
// link works until its expiry (minted at the message's first render plus the
// feedback link lifetime, 7 days by default) and answers once: use() marks
// it used in the transaction that stores the answer, and marks the
// consultation's other feedback links (the same question by the other
// channel) used with it. GET and POST /feedback/{code}
// (hub/api/feedback.cpp) answer 410 for a used or expired link.
//
// Each method takes the caller's transaction. resolve() alone is not given
// a facility: the code names its row, and the row its facility.
// Thread-safe: stateless.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

struct FeedbackLinkRow {
  std::string facility_id;
  std::string consultation_id;
  std::string notification_id;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;
};

class FeedbackLinks {
 public:
  // A new code for the consultation's message `notification_id`, stored
  // hashed with its expiry; answers the code.
  static sdk::Result<std::string> mint(storage::Transaction& tx, const FeedbackLinkRow& link,
                                       std::int64_t now_ms);
  // The link `code` names; nullopt for a code no link has.
  static sdk::Result<std::optional<FeedbackLinkRow>> resolve(storage::Transaction& tx,
                                                             std::string_view code);
  // Marks the link `code` and the consultation's other links used at
  // `now_ms`; false (nothing changed) when `code` was used already, has
  // expired or names no link: another request answered first.
  static sdk::Result<bool> use(storage::Transaction& tx, std::string_view code,
                               std::int64_t now_ms);
};

}  // namespace wasl::notifications
