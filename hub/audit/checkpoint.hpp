// Signed checkpoints of the audit chain: (seq, head_hash, created_at) under
// HMAC-SHA-256 with the audit key. A checkpoint proves that the chain reached
// `seq` with hash `head_hash`, so deleting events up to it is detected even by
// someone who can rewrite the unkeyed hash chain.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::audit {

struct Checkpoint {
  std::int64_t seq = 0;
  std::string head_hash;        // lowercase hex, the hash of event `seq`
  std::string mac;              // lowercase hex HMAC-SHA-256, see checkpoint_mac()
  std::int64_t created_at = 0;  // epoch milliseconds UTC
};

// Lowercase hex HMAC-SHA-256 under `audit_key` of the text
// "wasl.audit.checkpoint.v1\n<seq>\n<head_hash>\n<created_at>\n".
// kInternal only if OpenSSL fails. Thread-safe.
sdk::Result<std::string> checkpoint_mac(std::string_view audit_key, std::int64_t seq,
                                        std::string_view head_hash, std::int64_t created_at);

// True when checkpoint.mac is the MAC of its other fields under audit_key
// (compared in constant time).
bool checkpoint_mac_valid(std::string_view audit_key, const Checkpoint& checkpoint);

}  // namespace wasl::audit
