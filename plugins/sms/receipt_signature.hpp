// X-Signature: how the gateway signs the delivery receipts it POSTs to the
// hub, so the plugin can refuse forged and replayed ones.
//
//   X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(receipt_secret, "<t>.<body>")>
//
// The signing time is part of what is signed, so a captured receipt cannot
// be replayed later with a fresh time. Entries are comma-separated
// name=value pairs (blanks around them ignored); one `t`, one or more `v1`
// (a gateway rotating its secret signs with both keys); entries of other
// names are ignored. Hex digits in either case.
//
// Verification compares every v1 entry with the expected value in constant
// time (CRYPTO_memcmp over equal-length lower-case hex), then checks that t
// lies within the tolerance of now, in either direction. The secret is
// borrowed for the call and never copied, logged or put in an error.
// Every function is pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::sms {

inline constexpr std::string_view kReceiptSignatureHeader = "X-Signature";

// Lower-case hex HMAC-SHA256(secret, "<timestamp_seconds>.<body>").
std::string receipt_mac_hex(std::string_view secret, std::int64_t timestamp_seconds,
                            std::string_view body);

// The header value "t=<timestamp_seconds>,v1=<receipt_mac_hex(...)>" (for
// senders and tests).
std::string receipt_signature(std::string_view secret, std::int64_t timestamp_seconds,
                              std::string_view body);

// OK when `header` (the X-Signature value) carries a v1 entry matching
// `body` under `secret` and its t is within `tolerance` of `now`.
// kUnauthenticated (not retryable) otherwise, in a sentence naming what is
// wrong (no header, no t or a t that is not an integer, no v1, no match, a
// stale or future time) and never the secret, the expected value or the body.
sdk::Status verify_receipt_signature(std::string_view secret, std::string_view header,
                                     std::string_view body,
                                     std::chrono::system_clock::time_point now,
                                     std::chrono::seconds tolerance);

}  // namespace wasl::plugins::sms
