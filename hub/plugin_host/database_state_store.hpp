// DatabaseStateStore: plugin state kept in the plugin_state table, so it
// survives restarts and is shared by every hub process on one database.
// Values are encrypted (they may hold cached provider tokens) with
// crypto::CellAead, bound to (plugin_state, value, "<instance>:<key>").
//
// Each call takes the key ring from its source, so after `wasl keys rotate`
// and a reload (the same ring records::CellCipher then uses) values the
// rotation job re-encrypted under the new key still read, and new values are
// written under it. Thread-safe.
#pragma once

#include <functional>
#include <memory>

#include "hub/crypto/cell_aead.hpp"
#include "hub/plugin_host/state_store.hpp"
#include "hub/storage/store.hpp"

namespace wasl::plugin_host {

class DatabaseStateStore : public StateStore {
 public:
  // The key ring in force; called for every get and put, from any thread.
  using KeyringSource = std::function<std::shared_ptr<const crypto::Keyring>()>;

  // `store` must outlive this object.
  DatabaseStateStore(storage::Store& store, KeyringSource keyring);
  // A key ring that never changes.
  DatabaseStateStore(storage::Store& store, std::shared_ptr<const crypto::Keyring> keyring);

  sdk::Result<std::optional<std::string>> get(std::string_view instance,
                                              std::string_view key) override;
  sdk::Status put(std::string_view instance, std::string_view key,
                  std::string_view value_json) override;

  // The row id the ciphertext is bound to.
  static std::string row_id(std::string_view instance, std::string_view key);

 private:
  crypto::CellAead cipher() const;

  storage::Store& store_;
  KeyringSource keyring_;
};

}  // namespace wasl::plugin_host
