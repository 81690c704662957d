// The audit_head row's signature. audit_head holds the seq and hash of the
// newest event, written in the transaction that appends it; signed, it lets
// `wasl audit verify` tell a deleted tail (fewer events than a checkpoint
// interval, with the head moved back to match) from an untouched one: nobody
// without the audit key can sign an older head.
//
// The head is signed with a key derived from the audit key (head_key()), so
// that the PostgreSQL writer can compute the MAC inside its one append
// statement from the key's HMAC pads (HeadPads) without the audit key itself
// ever reaching the database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::audit {

// HMAC-SHA-256(audit_key, "wasl.audit.head-key.v1"): 32 raw bytes. kInternal
// only if OpenSSL fails.
sdk::Result<std::string> head_key(std::string_view audit_key);

// Lowercase hex HMAC-SHA-256 under `head_key` of
// "wasl.audit.head.v1\n<seq>\n<hash>\n".
sdk::Result<std::string> head_mac(std::string_view head_key, std::int64_t seq,
                                  std::string_view hash);

// True when `mac` is head_mac(head_key, seq, hash) (compared in constant time).
bool head_mac_valid(std::string_view head_key, std::int64_t seq, std::string_view hash,
                    std::string_view mac);

// HMAC's inner and outer keys for `head_key` (at most 64 bytes): 64 bytes
// each, so that HMAC(k, m) = SHA-256(outer || SHA-256(inner || m)).
struct HeadPads {
  std::string inner;
  std::string outer;
};
HeadPads head_pads(std::string_view head_key);

}  // namespace wasl::audit
