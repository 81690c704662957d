#include "hub/notifications/feedback_links.hpp"

#include "hub/crypto/digest.hpp"
#include "hub/crypto/random.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::notifications {
namespace {

constexpr std::size_t kCodeBytes = 32;
constexpr std::size_t kMaxCodeChars = 64;

}  // namespace

sdk::Result<std::string> FeedbackLinks::mint(storage::Transaction& tx, const FeedbackLinkRow& link,
                                             std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(std::string bytes, crypto::random_bytes(kCodeBytes));
  std::string code = sdk::base64url_encode(bytes);
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO notification_feedback_links (code_hash, facility_id, consultation_id, "
              "notification_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
              {crypto::sha256_hex(code), link.facility_id, link.consultation_id,
               link.notification_id, link.expires_at, now_ms}));
  return code;
}

sdk::Result<std::optional<FeedbackLinkRow>> FeedbackLinks::resolve(storage::Transaction& tx,
                                                                   std::string_view code) {
  if (code.empty() || code.size() > kMaxCodeChars) return std::optional<FeedbackLinkRow>();
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT facility_id, consultation_id, notification_id, expires_at, used_at "
               "FROM notification_feedback_links WHERE code_hash = $1",
               {crypto::sha256_hex(code)}));
  if (rows.empty()) return std::optional<FeedbackLinkRow>();
  const storage::Row& row = rows.front();
  FeedbackLinkRow link;
  WASL_ASSIGN_OR_RETURN(link.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(link.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(link.notification_id, row.get_text("notification_id"));
  WASL_ASSIGN_OR_RETURN(link.expires_at, row.get_int("expires_at"));
  if (!row.is_null("used_at")) {
    WASL_ASSIGN_OR_RETURN(std::int64_t used, row.get_int("used_at"));
    link.used_at = used;
  }
  return std::optional<FeedbackLinkRow>(std::move(link));
}

sdk::Result<bool> FeedbackLinks::use(storage::Transaction& tx, std::string_view code,
                                     std::int64_t now_ms) {
  if (code.empty() || code.size() > kMaxCodeChars) return false;
  const std::string hash = crypto::sha256_hex(code);
  // The conditional update decides between two answers sent at once: the
  // second finds the row used and changes nothing.
  WASL_ASSIGN_OR_RETURN(std::int64_t taken,
                        tx.exec("UPDATE notification_feedback_links SET used_at = $1 "
                                "WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1",
                                {now_ms, hash}));
  if (taken == 0) return false;
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE notification_feedback_links SET used_at = $1 WHERE used_at IS NULL AND "
              "(facility_id, consultation_id) IN (SELECT facility_id, consultation_id FROM "
              "notification_feedback_links WHERE code_hash = $2)",
              {now_ms, hash}));
  return true;
}

}  // namespace wasl::notifications
