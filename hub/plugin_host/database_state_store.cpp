#include "hub/plugin_host/database_state_store.hpp"

#include <chrono>

namespace wasl::plugin_host {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

DatabaseStateStore::DatabaseStateStore(storage::Store& store, KeyringSource keyring)
    : store_(store), keyring_(std::move(keyring)) {}

DatabaseStateStore::DatabaseStateStore(storage::Store& store,
                                       std::shared_ptr<const crypto::Keyring> keyring)
    : store_(store), keyring_([keyring = std::move(keyring)] { return keyring; }) {}

crypto::CellAead DatabaseStateStore::cipher() const { return crypto::CellAead(keyring_()); }

std::string DatabaseStateStore::row_id(std::string_view instance, std::string_view key) {
  // The same form as records::encrypted_row_id({instance, key}), so the key
  // rotation job re-encrypts these values too.
  return std::string(instance) + ":" + std::string(key);
}

sdk::Result<std::optional<std::string>> DatabaseStateStore::get(std::string_view instance,
                                                                std::string_view key) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx->query("SELECT value FROM plugin_state WHERE instance = $1 AND key = $2",
                                  {std::string(instance), std::string(key)}));
  tx->rollback();
  if (rows.empty() || rows[0].is_null(0)) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(std::string ciphertext, rows[0].get_blob(0));
  std::string id = row_id(instance, key);
  WASL_ASSIGN_OR_RETURN(std::string plain,
                        cipher().decrypt({"plugin_state", "value", id}, ciphertext));
  return std::optional<std::string>(std::move(plain));
}

sdk::Status DatabaseStateStore::put(std::string_view instance, std::string_view key,
                                    std::string_view value_json) {
  std::string id = row_id(instance, key);
  WASL_ASSIGN_OR_RETURN(std::string ciphertext,
                        cipher().encrypt({"plugin_state", "value", id}, value_json));
  // A concurrent first put of the same key may collide: retry the upsert.
  for (int attempt = 0;; ++attempt) {
    auto tx = store_.begin();
    if (!tx.ok()) return std::move(tx).error();
    auto changed = (*tx)->exec(
        "INSERT INTO plugin_state (instance, key, value, updated_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (instance, key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at",
        {std::string(instance), std::string(key), storage::Blob{ciphertext}, now_ms()});
    sdk::Status done = changed.ok() ? (*tx)->commit() : sdk::Status(changed.error());
    if (done.ok()) return done;
    if (!done.error().retryable || attempt >= 4) return done;
  }
}

}  // namespace wasl::plugin_host
