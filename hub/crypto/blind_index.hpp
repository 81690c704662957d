// BlindIndex: a keyed, deterministic fingerprint of a patient identifier, so
// rows can be found by identifier without decrypting them.
//
// value = lowercase hex of HMAC-SHA-256(blind_index_key,
//           "wasl.blind-index.v1" ‖ 0x00 ‖ kind name ‖ 0x00 ‖ normalized value)
// Equal identifiers written differently ("٠٥٠١٢٣٤٥٦٧", "+966 50 123 4567")
// give the same value; equal strings of different kinds give different
// values (the kind name is part of the input).
//
// Normalization (normalize_identifier):
//  - kNationalId (Saudi national ID or iqama): spaces and dashes dropped,
//    Arabic-Indic digits (U+0660-0669) and Eastern Arabic-Indic digits
//    (U+06F0-06F9) mapped to ASCII; the result must be exactly 10 digits
//    starting with 1 (citizen) or 2 (resident).
//  - kMrn (medical record number): ASCII whitespace trimmed at both ends,
//    ASCII letters uppercased; must not be empty.
//  - kPhone: spaces, dashes, dots and parentheses dropped, Arabic-Indic
//    digits mapped; then to E.164: "00…" → "+…"; Saudi local "05XXXXXXXX"
//    → "+9665XXXXXXXX"; "5XXXXXXXX" → "+9665XXXXXXXX"; "9665XXXXXXXX" →
//    "+9665XXXXXXXX"; "+" followed by 8-15 digits kept as is.
//  - kEmail (an address a message is sent to): ASCII whitespace trimmed at
//    both ends, ASCII letters lower-cased; exactly one '@' with text on
//    both sides, no space or control character, at most 254 bytes.
// Invalid input is kInvalidArgument with a message that never repeats it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "hub/crypto/keyring.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::crypto {

enum class IdentifierKind { kNationalId, kMrn, kPhone, kEmail };
// "national_id", "mrn", "phone", "email"
std::string_view to_string(IdentifierKind kind);

// The canonical form of `value` for `kind` (see the header comment).
sdk::Result<std::string> normalize_identifier(IdentifierKind kind, std::string_view value);

// Thread-safe: holds only the shared immutable keyring.
class BlindIndex {
 public:
  explicit BlindIndex(std::shared_ptr<const Keyring> keyring);

  // 64 lowercase hex characters; errors as normalize_identifier.
  sdk::Result<std::string> compute(IdentifierKind kind, std::string_view value) const;

 private:
  std::shared_ptr<const Keyring> keyring_;
};

}  // namespace wasl::crypto
