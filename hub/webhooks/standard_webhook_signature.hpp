// StandardWebhookSignature: the symmetric scheme of the Standard Webhooks
// specification (standardwebhooks.com), so a hospital system can sign with
// any of its libraries.
//
//   webhook-id:        a unique message id (the sender keeps it on redelivery)
//   webhook-timestamp: integer seconds since the Unix epoch
//   webhook-signature: space-separated "v<n>,<base64>" entries; a "v1" entry
//                      is base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
//
// The key is given as "whsec_<base64>" (the prefix is optional). A message
// verifies when the timestamp is within the tolerance of now, in either
// direction, and any v1 entry matches (constant-time comparison); entries of
// other versions are ignored.
//
// Immutable after construction; thread-safe. The key bytes are wiped on
// destruction.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/crypto/secret_bytes.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::webhooks {

inline constexpr std::chrono::seconds kStandardWebhookTolerance{300};

// The three headers' values as received.
struct StandardWebhookHeaders {
  std::string id;
  std::string timestamp;
  std::string signature;
};

class StandardWebhookSignature {
 public:
  // kInvalidArgument when `secret` is not "whsec_" + base64 (or bare base64)
  // of at least 16 bytes; the message never repeats the secret.
  static sdk::Result<StandardWebhookSignature> from_secret(std::string_view secret);

  // "v1,<base64>" for the message (for senders and tests).
  sdk::Result<std::string> sign(std::string_view id, std::int64_t timestamp_seconds,
                                std::string_view body) const;

  // kUnauthenticated with a sentence naming what is wrong (a header missing,
  // a timestamp not an integer or outside the tolerance, no matching
  // signature); never includes the key or the expected signature.
  sdk::Status verify(const StandardWebhookHeaders& headers, std::string_view body,
                     std::chrono::system_clock::time_point now,
                     std::chrono::seconds tolerance = kStandardWebhookTolerance) const;

 private:
  explicit StandardWebhookSignature(crypto::SecretBytes key) : key_(std::move(key)) {}

  crypto::SecretBytes key_;
};

}  // namespace wasl::webhooks
