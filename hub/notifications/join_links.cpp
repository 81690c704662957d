#include "hub/notifications/join_links.hpp"

#include "hub/crypto/digest.hpp"
#include "hub/crypto/random.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::notifications {
namespace {

constexpr std::size_t kJoinCodeBytes = 32;
constexpr std::size_t kMaxJoinCodeChars = 64;

}  // namespace

sdk::Result<std::string> JoinLinks::mint(storage::Transaction& tx, const JoinLinkRow& link,
                                         std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(std::string bytes, crypto::random_bytes(kJoinCodeBytes));
  std::string code = sdk::base64url_encode(bytes);
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO notification_join_links (code_hash, facility_id, consultation_id, "
              "notification_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
              {crypto::sha256_hex(code), link.facility_id, link.consultation_id,
               link.notification_id, link.expires_at, now_ms}));
  return code;
}

sdk::Result<std::optional<JoinLinkRow>> JoinLinks::resolve(storage::Transaction& tx,
                                                           std::string_view code) {
  if (code.empty() || code.size() > kMaxJoinCodeChars) return std::optional<JoinLinkRow>();
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT facility_id, consultation_id, notification_id, expires_at "
                                 "FROM notification_join_links WHERE code_hash = $1",
                                 {crypto::sha256_hex(code)}));
  if (rows.empty()) return std::optional<JoinLinkRow>();
  JoinLinkRow link;
  WASL_ASSIGN_OR_RETURN(link.facility_id, rows.front().get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(link.consultation_id, rows.front().get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(link.notification_id, rows.front().get_text("notification_id"));
  WASL_ASSIGN_OR_RETURN(link.expires_at, rows.front().get_int("expires_at"));
  return std::optional<JoinLinkRow>(std::move(link));
}

sdk::Status JoinLinks::shift(storage::Transaction& tx, std::string_view facility_id,
                             std::string_view consultation_id, std::int64_t delta_ms) {
  if (delta_ms == 0) return {};
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE notification_join_links SET expires_at = expires_at + $1 "
              "WHERE facility_id = $2 AND consultation_id = $3",
              {delta_ms, std::string(facility_id), std::string(consultation_id)}));
  return {};
}

sdk::Status JoinLinks::expire(storage::Transaction& tx, std::string_view facility_id,
                              std::string_view consultation_id, std::int64_t now_ms) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE notification_join_links SET expires_at = $1 "
              "WHERE facility_id = $2 AND consultation_id = $3 AND expires_at > $1",
              {now_ms, std::string(facility_id), std::string(consultation_id)}));
  return {};
}

std::string JoinLinks::link(std::string_view url_template, std::string_view code) {
  std::string out(url_template);
  const std::string_view placeholder = "{code}";
  const std::size_t at = out.find(placeholder);
  if (at == std::string::npos) return out + std::string(code);
  out.replace(at, placeholder.size(), code);
  return out;
}

}  // namespace wasl::notifications
