#include "hub/access/api_key_store.hpp"

#include <chrono>

#include "hub/crypto/digest.hpp"
#include "hub/crypto/hex.hpp"
#include "hub/crypto/hmac.hpp"
#include "hub/crypto/random.hpp"
#include "wasl/sdk/uuid.hpp"

namespace wasl::access {

using sdk::Error;
using sdk::ErrorCode;

namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kMaxLabelBytes = 200;
constexpr std::string_view kUnauthenticatedMessage =
    "the API key is missing, malformed, unknown or revoked";

Error unauthenticated(AuthenticationFailure* failure, std::string reason, std::string key_id = {}) {
  if (failure != nullptr) {
    failure->reason = std::move(reason);
    failure->key_id = std::move(key_id);
  }
  return Error(ErrorCode::kUnauthenticated, std::string(kUnauthenticatedMessage));
}

sdk::Result<std::optional<std::int64_t>> optional_int(const storage::Row& row, std::size_t i) {
  if (row.is_null(i)) return std::optional<std::int64_t>();
  WASL_ASSIGN_OR_RETURN(std::int64_t v, row.get_int(i));
  return std::optional<std::int64_t>(v);
}

}  // namespace

bool looks_like_api_key(std::string_view text) {
  if (text.size() != kApiKeyTextSize || text.substr(0, kApiKeyPrefix.size()) != kApiKeyPrefix) {
    return false;
  }
  for (char c : text.substr(kApiKeyPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_practitioner_reference(std::string_view text) {
  constexpr std::string_view kPrefix = "Practitioner/";
  if (text.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view id = text.substr(kPrefix.size());
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

ApiKeyStore::ApiKeyStore() : ApiKeyStore(Options{}) {}

ApiKeyStore::ApiKeyStore(Options options) : options_(std::move(options)) {}

std::int64_t ApiKeyStore::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

sdk::Result<CreatedApiKey> ApiKeyStore::create(
    storage::Transaction& tx, std::string_view facility_id, Role role, std::string_view label,
    const std::optional<std::string>& practitioner) const {
  if (facility_id.empty()) {
    return Error(ErrorCode::kInvalidArgument, "an API key needs a facility (--facility)");
  }
  if (label.size() > kMaxLabelBytes) {
    return Error(ErrorCode::kInvalidArgument, "an API key label is at most 200 bytes");
  }
  if (practitioner && role != Role::kClinician) {
    return Error(ErrorCode::kInvalidArgument, "only a clinician key belongs to a practitioner");
  }
  if (practitioner && !is_practitioner_reference(*practitioner)) {
    return Error(ErrorCode::kInvalidArgument,
                 "a practitioner is given as Practitioner/<id>, the id being 1 to 64 letters, "
                 "digits, '-' or '.'");
  }
  WASL_ASSIGN_OR_RETURN(
      storage::Rows facility,
      tx.query("SELECT status FROM facilities WHERE id = $1", {std::string(facility_id)}));
  if (facility.empty()) {
    return Error(ErrorCode::kNotFound,
                 "facility '" + std::string(facility_id) + "' does not exist; create it first");
  }

  WASL_ASSIGN_OR_RETURN(std::string secret, crypto::random_bytes(kKeyBytes));
  CreatedApiKey created;
  created.plaintext = std::string(kApiKeyPrefix) + crypto::to_hex(secret);
  WASL_ASSIGN_OR_RETURN(created.id, sdk::random_uuid());
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO api_keys (id, facility_id, role, key_hash, label, created_at, "
              "practitioner_ref) VALUES ($1, $2, $3, $4, $5, $6, $7)",
              {created.id, std::string(facility_id), std::string(to_string(role)),
               crypto::sha256_hex(created.plaintext),
               label.empty() ? storage::null_value() : storage::Value(std::string(label)), now(),
               practitioner ? storage::Value(*practitioner) : storage::null_value()}));
  return created;
}

sdk::Result<Principal> ApiKeyStore::authenticate(storage::Store& store, std::string_view presented,
                                                 AuthenticationFailure* failure) const {
  if (!looks_like_api_key(presented)) return unauthenticated(failure, "malformed");
  const std::string hash = crypto::sha256_hex(presented);

  storage::Rows rows;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(
        rows, tx->query("SELECT k.id, k.facility_id, k.role, k.key_hash, k.revoked_at, "
                        "k.last_used_at, f.status, k.practitioner_ref "
                        "FROM api_keys k LEFT JOIN facilities f ON f.id = k.facility_id "
                        "WHERE k.key_hash = $1",
                        {hash}));
    tx->rollback();
  }
  if (rows.empty()) return unauthenticated(failure, "unknown");
  const storage::Row& row = rows[0];

  auto id = row.get_text(0);
  auto stored_hash = row.get_text(3);
  auto revoked_at = optional_int(row, 4);
  auto last_used_at = optional_int(row, 5);
  if (!id.ok() || !stored_hash.ok() || !revoked_at.ok() || !last_used_at.ok()) {
    return unauthenticated(failure, "invalid_row");
  }
  // The index lookup already matched; compare again in constant time so the
  // decision never rests on a non-constant-time comparison.
  if (!crypto::constant_time_equal(*stored_hash, hash)) {
    return unauthenticated(failure, "unknown");
  }
  if (revoked_at->has_value()) return unauthenticated(failure, "revoked", *id);

  Principal principal;
  principal.key_id = *id;
  auto facility = row.is_null(1) ? sdk::Result<std::string>(std::string()) : row.get_text(1);
  auto role_text = row.get_text(2);
  std::optional<Role> role = role_text.ok() ? parse_role(*role_text) : std::nullopt;
  if (!facility.ok() || facility->empty() || !role) {
    return unauthenticated(failure, "invalid_row", *id);
  }
  principal.facility_id = *facility;
  principal.role = *role;
  if (!row.is_null(7)) {
    auto practitioner = row.get_text(7);
    if (!practitioner.ok()) return unauthenticated(failure, "invalid_row", *id);
    principal.practitioner = *practitioner;
  }
  auto status = row.is_null(6) ? sdk::Result<std::string>(std::string()) : row.get_text(6);
  if (!status.ok() || *status != "active") {
    if (failure != nullptr) {
      failure->reason = "facility_inactive";
      failure->key_id = *id;
    }
    return Error(ErrorCode::kPermissionDenied,
                 "the facility of this API key is suspended or no longer exists");
  }

  const std::int64_t t = now();
  if (!last_used_at->has_value() || t - **last_used_at >= options_.last_used_interval_ms) {
    // Best effort: a busy database must not turn a valid key into a 401.
    auto tx = store.begin(storage::TxMode::kReadWrite);
    if (tx.ok()) {
      auto changed = (*tx)->exec(
          "UPDATE api_keys SET last_used_at = $1 "
          "WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
          {t, principal.key_id, t - options_.last_used_interval_ms});
      if (changed.ok()) {
        (void)(*tx)->commit();
      } else {
        (*tx)->rollback();
      }
    }
  }
  return principal;
}

sdk::Status ApiKeyStore::revoke(storage::Transaction& tx, std::string_view key_id) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
              {now(), std::string(key_id)}));
  if (changed == 0) {
    return Error(ErrorCode::kNotFound, "no API key has id '" + std::string(key_id) + "'");
  }
  return sdk::ok_status();
}

namespace {

constexpr std::string_view kInfoSelect =
    "SELECT id, facility_id, role, label, created_at, revoked_at, last_used_at, practitioner_ref "
    "FROM api_keys ";

sdk::Result<ApiKeyInfo> info_of(const storage::Row& row) {
  ApiKeyInfo info;
  WASL_ASSIGN_OR_RETURN(info.id, row.get_text(0));
  if (!row.is_null(1)) {
    WASL_ASSIGN_OR_RETURN(info.facility_id, row.get_text(1));
  }
  WASL_ASSIGN_OR_RETURN(std::string role_text, row.get_text(2));
  auto role = parse_role(role_text);
  if (!role) {
    return Error(ErrorCode::kInternal,
                 "API key '" + info.id + "' has an unknown role '" + role_text + "'");
  }
  info.role = *role;
  if (!row.is_null(3)) {
    WASL_ASSIGN_OR_RETURN(info.label, row.get_text(3));
  }
  WASL_ASSIGN_OR_RETURN(info.created_at, row.get_int(4));
  WASL_ASSIGN_OR_RETURN(info.revoked_at, optional_int(row, 5));
  WASL_ASSIGN_OR_RETURN(info.last_used_at, optional_int(row, 6));
  if (!row.is_null(7)) {
    WASL_ASSIGN_OR_RETURN(info.practitioner, row.get_text(7));
  }
  return info;
}

}  // namespace

sdk::Result<ApiKeyInfo> ApiKeyStore::find(storage::Transaction& tx, std::string_view key_id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(std::string(kInfoSelect) + "WHERE id = $1",
                                                     {std::string(key_id)}));
  if (rows.empty()) {
    return Error(ErrorCode::kNotFound, "no API key has id '" + std::string(key_id) + "'");
  }
  return info_of(rows[0]);
}

sdk::Result<std::vector<ApiKeyInfo>> ApiKeyStore::list(
    storage::Transaction& tx, const std::optional<std::string>& facility_id) const {
  storage::Rows rows;
  if (facility_id) {
    WASL_ASSIGN_OR_RETURN(
        rows, tx.query(std::string(kInfoSelect) + "WHERE facility_id = $1 ORDER BY created_at, id",
                       {*facility_id}));
  } else {
    WASL_ASSIGN_OR_RETURN(rows, tx.query(std::string(kInfoSelect) + "ORDER BY created_at, id", {}));
  }
  std::vector<ApiKeyInfo> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(ApiKeyInfo info, info_of(row));
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace wasl::access
