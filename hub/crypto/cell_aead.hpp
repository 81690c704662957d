// crypto::CellAead: AES-256-GCM encryption of one database cell, bound to
// its place (table, column, row id). The hub's stores use it through
// records::CellCipher; plugin state (plugin_host) and key rotation use it
// directly. The "field" in the format's label and messages is the cell.
//
// Ciphertext format, version 1 (binary, stored as BLOB/BYTEA):
//
//   offset  size  field
//   0       1     version = 0x01
//   1       1     L = length of the key id (1-64)
//   2       L     key id (ASCII, see keyring.hpp)
//   2+L     12    nonce (random per encryption)
//   14+L    n     ciphertext (n = plaintext length)
//   14+L+n  16    GCM tag
//
// Associated data = "wasl.field.v1" ‖ lp(table) ‖ lp(column) ‖ lp(row_id)
// ‖ header, where lp(x) is x's length as 4 bytes big-endian followed by x,
// and header is bytes [0, 14+L). A ciphertext copied to another row, column
// or table, or with its version or key id edited, fails to decrypt.
//
// Errors from decrypt:
//  - kInvalidArgument "field ciphertext failed authentication: …" when the
//    tag does not verify (altered, or belongs to another table/column/row).
//    Deliberately one message for every cause, so nothing about the
//    plaintext or the binding leaks; not retryable.
//  - kInvalidArgument for a malformed or unknown-version ciphertext.
//  - kFailedPrecondition when the key id is not in the keyring or retired.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "hub/crypto/keyring.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::crypto {

// Where a cell lives. Views are borrowed for the call only.
struct CellLocation {
  std::string_view table;
  std::string_view column;
  std::string_view row_id;
};

// Thread-safe: holds only the shared immutable keyring.
class CellAead {
 public:
  explicit CellAead(std::shared_ptr<const Keyring> keyring);

  // Encrypts under the keyring's active key with a fresh random nonce.
  sdk::Result<std::string> encrypt(const CellLocation& where, std::string_view plaintext) const;

  // Decrypts with the key named inside the ciphertext (any non-retired key).
  sdk::Result<std::string> decrypt(const CellLocation& where, std::string_view ciphertext) const;

  // The key id a ciphertext was made under, without decrypting (for the
  // re-encryption job). kInvalidArgument if the header is malformed.
  static sdk::Result<std::string> key_id_of(std::string_view ciphertext);

  // Size of the ciphertext for a plaintext of `plaintext_size` bytes under a
  // key id of `key_id_size` characters.
  static constexpr std::size_t ciphertext_size(std::size_t plaintext_size,
                                               std::size_t key_id_size) {
    return 2 + key_id_size + 12 + plaintext_size + 16;
  }

  const std::shared_ptr<const Keyring>& keyring() const { return keyring_; }

 private:
  std::shared_ptr<const Keyring> keyring_;
};

}  // namespace wasl::crypto
