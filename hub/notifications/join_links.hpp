// JoinLinks: the links a patient's messages carry to join their
// consultation (notification_join_links).
//
// A link is <join_url with {code}>: the code is 32 random bytes
// (base64url), sent only inside the encrypted message and stored only as
// its SHA-256, so the table cannot be turned back into links. A link works
// until its consultation's start plus the lifetime of a join token the
// API issues (ApiOptions::join_token_ttl, 2 hours by default): it expires
// with the patient's join token, as if that token were issued at the
// start. A reschedule moves the expiry with the start, in the reschedule's
// transaction; a cancellation ends it at once. GET /join/{code}
// (hub/api/join_links.cpp) answers the consultation's join details while
// the link works, 410 after.
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

struct JoinLinkRow {
  std::string facility_id;
  std::string consultation_id;
  std::string notification_id;
  std::int64_t expires_at = 0;
};

class JoinLinks {
 public:
  // A new code for the consultation's message `notification_id`, stored
  // hashed with its expiry; answers the code.
  static sdk::Result<std::string> mint(storage::Transaction& tx, const JoinLinkRow& link,
                                       std::int64_t now_ms);
  // The link `code` names; nullopt for a code no link has.
  static sdk::Result<std::optional<JoinLinkRow>> resolve(storage::Transaction& tx,
                                                         std::string_view code);
  // The consultation's links expire `delta_ms` later (its start moved by it).
  static sdk::Status shift(storage::Transaction& tx, std::string_view facility_id,
                           std::string_view consultation_id, std::int64_t delta_ms);
  // The consultation's links still working stop working at `now_ms`.
  static sdk::Status expire(storage::Transaction& tx, std::string_view facility_id,
                            std::string_view consultation_id, std::int64_t now_ms);

  // `url_template` with "{code}" replaced by `code`.
  static std::string link(std::string_view url_template, std::string_view code);
};

}  // namespace wasl::notifications
