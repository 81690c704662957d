// PhiCipher: the one place the record stores (and the workflow engine's
// payload codec) turn PHI into ciphertext and back, bound to its cell.
//
// For the workflow engine (workflow_runs.trigger_enc, workflow_steps.output_enc,
// workflow_events.payload_enc; its PayloadCodec maps PayloadLocation{table,
// row_id, column} onto these calls) and webhook ingress: call
// encrypt(table, column, row_id, text) before writing the column and decrypt(table, column, row_id,
// bytes) after reading it, with row_id = the row's id. Only columns declared in
// encrypted_columns.cpp are accepted, so the rotation job covers them.
// Store the returned bytes as storage::Blob.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "hub/crypto/blind_index.hpp"
#include "hub/crypto/field_cipher.hpp"
#include "hub/crypto/keyring.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::records {

// Thread-safe. Each call works on a snapshot of the keyring, so
// replace_keyring() may run concurrently with encrypt/decrypt.
class PhiCipher {
 public:
  explicit PhiCipher(std::shared_ptr<const crypto::Keyring> keyring);

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
