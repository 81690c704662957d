#include "hub/records/idempotency_store.hpp"

#include "hub/records/encrypted_columns.hpp"
#include "hub/records/row_fields.hpp"

namespace wasl::records {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using namespace row_fields;

namespace {

constexpr std::string_view kIdempotencyTable = "idempotency_keys";
constexpr std::string_view kResponseColumn = "response_enc";

std::string row_id(std::string_view facility_id, std::string_view key) {
  return encrypted_row_id({std::string(facility_id), std::string(key)});
}

}  // namespace

Result<IdempotencyBegin> IdempotencyStore::begin(storage::Transaction& tx,
                                                 std::string_view facility_id, std::string_view key,
                                                 std::string_view request_hash,
                                                 std::int64_t now_ms) const {
  if (key.empty() || key.size() > 255) {
    return Error(ErrorCode::kInvalidArgument,
                 "an idempotency key must be 1 to 255 characters long");
  }
  WASL_ASSIGN_OR_RETURN(
      std::int64_t inserted,
      tx.exec("INSERT INTO idempotency_keys (facility_id, key, request_hash, created_at) "
              "VALUES ($1, $2, $3, $4) ON CONFLICT (facility_id, key) DO NOTHING",
              {std::string(facility_id), std::string(key), std::string(request_hash), now_ms}));
  if (inserted > 0) return IdempotencyBegin{IdempotencyOutcome::kNew, std::nullopt};
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT request_hash, response_status, response_enc FROM "
                                 "idempotency_keys WHERE facility_id = $1 AND key = $2",
                                 {std::string(facility_id), std::string(key)}));
  if (rows.empty()) {
    // Deleted between the two statements (retention purge): a retry claims it.
    return Error(ErrorCode::kConflict, "the idempotency key changed concurrently; retry");
  }
  const storage::Row& row = rows.front();
  WASL_ASSIGN_OR_RETURN(std::string stored_hash, row.get_text("request_hash"));
  if (stored_hash != request_hash) {
    return IdempotencyBegin{IdempotencyOutcome::kConflict, std::nullopt};
  }
  WASL_ASSIGN_OR_RETURN(auto status, optional_int(row, "response_status"));
  if (!status) return IdempotencyBegin{IdempotencyOutcome::kInProgress, std::nullopt};
  StoredResponse response;
  response.status = static_cast<int>(*status);
  WASL_ASSIGN_OR_RETURN(auto body_enc, optional_blob(row, kResponseColumn));
  if (body_enc) {
    WASL_ASSIGN_OR_RETURN(response.body, cipher_.decrypt(kIdempotencyTable, kResponseColumn,
                                                         row_id(facility_id, key), *body_enc));
  }
  return IdempotencyBegin{IdempotencyOutcome::kReplay, std::move(response)};
}

Status IdempotencyStore::complete(storage::Transaction& tx, std::string_view facility_id,
                                  std::string_view key, const StoredResponse& response) const {
  WASL_ASSIGN_OR_RETURN(
      std::string body_enc,
      cipher_.encrypt(kIdempotencyTable, kResponseColumn, row_id(facility_id, key), response.body));
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE idempotency_keys SET response_status = $1, response_enc = $2 "
              "WHERE facility_id = $3 AND key = $4",
              {std::int64_t{response.status}, storage::Blob{std::move(body_enc)},
               std::string(facility_id), std::string(key)}));
  if (changed == 0) return not_found("idempotency key", "(given)");
  return {};
}

Status IdempotencyStore::release(storage::Transaction& tx, std::string_view facility_id,
                                 std::string_view key) const {
  WASL_RETURN_IF_ERROR(
      tx.exec("DELETE FROM idempotency_keys WHERE facility_id = $1 AND key = $2 AND "
              "response_status IS NULL",
              {std::string(facility_id), std::string(key)}));
  return {};
}

Result<std::int64_t> IdempotencyStore::purge_before(storage::Transaction& tx,
                                                    std::string_view facility_id,
                                                    std::int64_t cutoff_ms, int limit) {
  return tx.exec(
      "DELETE FROM idempotency_keys WHERE facility_id = $1 AND key IN (SELECT key FROM "
      "idempotency_keys WHERE facility_id = $1 AND created_at < $2 ORDER BY created_at LIMIT $3)",
      {std::string(facility_id), cutoff_ms, static_cast<std::int64_t>(limit)});
}

}  // namespace wasl::records
