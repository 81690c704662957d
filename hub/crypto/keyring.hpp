// Keyring: the hub's keys, loaded from a key file.
//
// Key file (JSON, UTF-8, mode 0600 or 0400; anything group- or
// world-accessible is refused at load):
//
//   {
//     "format": "wasl-keyring",
//     "version": 1,
//     "active_key_id": "k2-20261121",
//     "data_keys": [
//       {"id": "k1-20260101", "created_at": "2026-01-01T09:00:00Z",
//        "state": "decrypt-only", "key": "<64 hex digits>"},
//       {"id": "k2-20261121", "created_at": "2026-11-21T10:30:00Z",
//        "state": "active", "key": "<64 hex digits>"},
//       {"id": "k0-20250101", "created_at": "2025-01-01T00:00:00Z",
//        "state": "retired"}
//     ],
//     "blind_index_key": "<64 hex digits>",
//     "audit_key": "<64 hex digits>"
//   }
//
// - data_keys are AES-256 keys for field and stream encryption. Exactly one
//   is "active" (it encrypts, and active_key_id names it); "decrypt-only"
//   keys still decrypt; a "retired" key has no key material left and
//   decrypts nothing (its entry stays as a record of the id).
// - Key ids are "k<N>-<YYYYMMDD>": N counts keys made in this file, the date
//   is the UTC day of creation. Any id of 1-64 characters from
//   [A-Za-z0-9._-] is accepted when loading. Ids are stored in every
//   ciphertext, so they are never reused.
// - blind_index_key is the HMAC-SHA-256 key of the blind index; audit_key
//   the HMAC-SHA-256 key of audit checkpoints. Both are separate from the
//   data keys and from each other, and are not rotated by
//   add_and_activate_key.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hub/crypto/secret_bytes.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::crypto {

enum class KeyState { kActive, kDecryptOnly, kRetired };
std::string_view to_string(KeyState state);  // "active", "decrypt-only", "retired"

// What may be said about a data key without its material.
struct KeyInfo {
  std::string id;
  std::string created_at;  // RFC 3339 UTC, as written in the file
  KeyState state = KeyState::kActive;
};

// Immutable after construction, so safe to share between threads
// (shared_ptr<const Keyring>). Every key is wiped from memory when the
// keyring is destroyed.
class Keyring {
 public:
  // Builds a keyring from key file text, without any file-mode check (load
  // that from a file with load_keyring). kInvalidArgument with a sentence
  // naming the problem (never a key) when the text is not a valid key file.
  static sdk::Result<std::shared_ptr<const Keyring>> from_json(std::string_view json_text);

  const std::string& active_key_id() const { return active_key_id_; }
  // The 32-byte active data key.
  const SecretBytes& active_key() const;
  // The 32-byte data key named `id`, if it may decrypt. kFailedPrecondition
  // when the id is unknown or retired (the message names the id).
  sdk::Result<const SecretBytes*> decryption_key(std::string_view id) const;
  const SecretBytes& blind_index_key() const { return blind_index_key_; }
  const SecretBytes& audit_key() const { return audit_key_; }
  // Every data key's id, creation time and state, in file order.
  std::vector<KeyInfo> keys() const;

 private:
  struct Entry {
    KeyInfo info;
    SecretBytes key;  // empty when retired
  };
  Keyring() = default;
  static sdk::Result<std::shared_ptr<const Keyring>> from_json_checked(std::string_view json_text);

  std::vector<Entry> entries_;
  std::string active_key_id_;
  std::size_t active_index_ = 0;
  SecretBytes blind_index_key_;
  SecretBytes audit_key_;
};

// Reads and checks the key file at `path`. Refused (kPermissionDenied) if
// it is not a regular file or group/other have any access, with the chmod
// command that fixes it; kNotFound if missing; kInvalidArgument if
// malformed. Messages name the path, never a key.
sdk::Result<std::shared_ptr<const Keyring>> load_keyring(const std::filesystem::path& path);

// Creates a new key file at `path` with mode 0600: one active data key, a
// blind index key and an audit key, all fresh random. Refuses
// (kAlreadyExists) to overwrite an existing file. Returns the active key id.
sdk::Result<std::string> generate_key_file(const std::filesystem::path& path);

// For `wasl keys rotate`: adds a fresh data key, makes it active and turns
// the previously active key decrypt-only. Rewrites the file atomically
// (temporary file in the same directory, fsync, rename, mode 0600). Returns
// the new key id. One writer at a time: callers must not run two rotations
// of the same file concurrently.
sdk::Result<std::string> add_and_activate_key(const std::filesystem::path& path);

// Retires data key `id`: its material is erased from the file and it no
// longer decrypts. Refuses the active key (kFailedPrecondition) and unknown
// ids (kNotFound). The caller must first make sure nothing is still
// encrypted under it. Same atomic rewrite as add_and_activate_key.
sdk::Status retire_key(const std::filesystem::path& path, std::string_view id);

}  // namespace wasl::crypto
