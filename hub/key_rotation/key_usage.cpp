#include "hub/key_rotation/key_usage.hpp"

#include "hub/crypto/cell_aead.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/records/encrypted_columns.hpp"
#include "hub/records/recording_files.hpp"

namespace wasl::key_rotation {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr int kPageSize = 2000;
// Enough of a cell ciphertext for crypto::CellAead::key_id_of: version, length,
// a key id of up to 64 bytes, nonce and tag.
constexpr int kHeaderPrefix = 2 + 64 + 12 + 16;

std::string usage_key_list(const records::EncryptedTable& t) {
  std::string out;
  for (std::size_t i = 0; i < t.key_columns.size(); ++i) {
    if (i) out += ", ";
    out += t.key_columns[i];
  }
  return out;
}

Status count_column(storage::Store& store, const records::EncryptedTable& t,
                    std::string_view column, KeyUsage& usage) {
  const std::size_t nkeys = t.key_columns.size();
  std::vector<std::string> last;
  for (;;) {
    std::string sql = "SELECT " + usage_key_list(t) + ", substr(" + std::string(column) + ", 1, " +
                      std::to_string(kHeaderPrefix) + ") AS head FROM " + std::string(t.table) +
                      " WHERE " + std::string(column) + " IS NOT NULL";
    storage::Params params;
    if (!last.empty()) {
      std::string placeholders;
      for (std::size_t i = 0; i < nkeys; ++i) {
        params.push_back(last[i]);
        placeholders += (i ? ", $" : "$") + std::to_string(i + 1);
      }
      sql += nkeys == 1 ? " AND " + usage_key_list(t) + " > $1"
                        : " AND (" + usage_key_list(t) + ") > (" + placeholders + ")";
    }
    sql += " ORDER BY " + usage_key_list(t) + " LIMIT " + std::to_string(kPageSize);
    WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx->query(sql, params));
    tx->rollback();
    for (const storage::Row& row : rows) {
      WASL_ASSIGN_OR_RETURN(std::string head, row.get_blob(nkeys));
      auto id = crypto::CellAead::key_id_of(head);
      usage[id.ok() ? *id : std::string(kMalformedKeyId)] += 1;
    }
    if (rows.size() < static_cast<std::size_t>(kPageSize)) return {};
    last.clear();
    for (std::size_t i = 0; i < nkeys; ++i) {
      WASL_ASSIGN_OR_RETURN(std::string v, rows.back().get_text(i));
      last.push_back(std::move(v));
    }
  }
}

}  // namespace

Result<KeyUsage> usage_by_key(storage::Store& store) {
  KeyUsage usage;
  for (const records::EncryptedTable& t : records::encrypted_tables()) {
    for (std::string_view column : t.columns) {
      WASL_RETURN_IF_ERROR(count_column(store, t, column, usage));
    }
  }
  WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(auto files, records::RecordingFiles::count_by_key(*tx));
  tx->rollback();
  for (const auto& [key, n] : files) usage[key.value_or(std::string(kUnknownKeyId))] += n;
  return usage;
}

Status retire_unused_key(storage::Store& store, const std::filesystem::path& key_file,
                         std::string_view key_id) {
  WASL_ASSIGN_OR_RETURN(KeyUsage usage, usage_by_key(store));
  auto it = usage.find(std::string(key_id));
  if (it != usage.end() && it->second > 0) {
    return Error(ErrorCode::kFailedPrecondition,
                 "key " + std::string(key_id) + " still encrypts " + std::to_string(it->second) +
                     " stored values or recording files; let the re-encryption job of "
                     "`wasl serve` finish (see its progress) and try again");
  }
  return crypto::retire_key(key_file, key_id);
}

}  // namespace wasl::key_rotation
