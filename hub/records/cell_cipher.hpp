// records::CellCipher: the one place the hub turns PHI into a database cell's
// ciphertext and back — the record stores, webhook ingress and the workflow
// engine's payloads (workflow_runs.trigger_enc, workflow_steps.output_enc,
// workflow_events.payload_enc) all go through it. It is crypto::CellAead
// (the ciphertext format, bound to table, column and row id) over a keyring
// that `wasl keys rotate` can replace while it runs, limited to the columns
// declared in encrypted_columns.cpp so the rotation job covers every one, plus
// the blind index of patient identifiers.
//
// Call encrypt(table, column, row_id, text) before writing the column and
// decrypt(table, column, row_id, bytes) after reading it, with row_id = the
// row's id (encrypted_columns.hpp says how composite keys join). Store the
// returned bytes as storage::Blob.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "hub/crypto/blind_index.hpp"
#include "hub/crypto/cell_aead.hpp"
#include "hub/crypto/keyring.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::records {

// Thread-safe. Each call works on a snapshot of the keyring, so
// replace_keyring() may run concurrently with encrypt/decrypt.
class CellCipher {
 public:
  explicit CellCipher(std::shared_ptr<const crypto::Keyring> keyring);

  // Ciphertext under the active key, bound to (table, column, row_id).
  // kInternal when table.column is not in the encrypted column registry.
  sdk::Result<std::string> encrypt(std::string_view table, std::string_view column,
                                   std::string_view row_id, std::string_view plaintext) const;

  // Plaintext of a ciphertext read from (table, column, row_id). A ciphertext
  // moved from another cell, altered, or made under an unknown or retired
  // key is an error (kInvalidArgument / kFailedPrecondition), never garbage;
  // the message names the cell (table, column, row id), never its content.
  sdk::Result<std::string> decrypt(std::string_view table, std::string_view column,
                                   std::string_view row_id, std::string_view ciphertext) const;

  // Blind index value (64 lowercase hex characters) of a patient identifier.
  sdk::Result<std::string> blind_index(crypto::IdentifierKind kind, std::string_view value) const;

  // Swaps in a reloaded keyring (after `wasl keys rotate`); later calls use it.
  void replace_keyring(std::shared_ptr<const crypto::Keyring> keyring);

  std::shared_ptr<const crypto::Keyring> keyring() const;
  std::string active_key_id() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const crypto::Keyring> keyring_;
};

}  // namespace wasl::records
