#include "hub/webhooks/standard_webhook_signature.hpp"

#include <charconv>
#include <cstdlib>

#include "hub/crypto/hmac.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::webhooks {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::size_t kMinimumKeyBytes = 16;

Error unauthenticated(std::string message) {
  return Error(ErrorCode::kUnauthenticated, std::move(message), false);
}

Result<std::string> signature_bytes(const crypto::SecretBytes& key, std::string_view id,
                                    std::string_view timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  return crypto::hmac_sha256(key.view(), content);
}

}  // namespace

Result<StandardWebhookSignature> StandardWebhookSignature::from_secret(std::string_view secret) {
  if (secret.substr(0, kSecretPrefix.size()) == kSecretPrefix) {
    secret.remove_prefix(kSecretPrefix.size());
  }
  auto key = sdk::base64_decode(secret);
  if (!key || key->size() < kMinimumKeyBytes) {
    return Error(ErrorCode::kInvalidArgument,
                 "a webhook secret must be \"whsec_\" followed by the base64 of at least 16 "
                 "random bytes",
                 false);
  }
  crypto::SecretBytes bytes(*key);
  std::fill(key->begin(), key->end(), '\0');
  return StandardWebhookSignature(std::move(bytes));
}

Result<std::string> StandardWebhookSignature::sign(std::string_view id,
                                                   std::int64_t timestamp_seconds,
                                                   std::string_view body) const {
  WASL_ASSIGN_OR_RETURN(std::string mac,
                        signature_bytes(key_, id, std::to_string(timestamp_seconds), body));
  return "v1," + sdk::base64_encode(mac);
}

Status StandardWebhookSignature::verify(const StandardWebhookHeaders& headers,
                                        std::string_view body,
                                        std::chrono::system_clock::time_point now,
                                        std::chrono::seconds tolerance) const {
  if (headers.id.empty()) return unauthenticated("the webhook-id header is missing");
  if (headers.timestamp.empty()) return unauthenticated("the webhook-timestamp header is missing");
  if (headers.signature.empty()) return unauthenticated("the webhook-signature header is missing");

  std::int64_t timestamp = 0;
  const char* first = headers.timestamp.data();
  const char* last = first + headers.timestamp.size();
  auto [end, ec] = std::from_chars(first, last, timestamp);
  if (ec != std::errc() || end != last) {
    return unauthenticated("the webhook-timestamp header is not an integer number of seconds");
  }
  std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  // Compared as a difference so a huge timestamp cannot overflow.
  if (timestamp < now_s - tolerance.count()) {
    return unauthenticated("the webhook-timestamp is too old (more than " +
                           std::to_string(tolerance.count()) + " s before the hub's clock)");
  }
  if (timestamp > now_s + tolerance.count()) {
    return unauthenticated("the webhook-timestamp is in the future (more than " +
                           std::to_string(tolerance.count()) + " s after the hub's clock)");
  }

  WASL_ASSIGN_OR_RETURN(std::string expected,
                        signature_bytes(key_, headers.id, headers.timestamp, body));
  bool matched = false;
  std::string_view rest = headers.signature;
  while (!rest.empty()) {
    std::size_t space = rest.find(' ');
    std::string_view entry = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    if (entry.substr(0, 3) != "v1,") continue;
    auto candidate = sdk::base64_decode(entry.substr(3));
    if (!candidate) continue;
    // Every entry is compared, so the time spent does not reveal which matched.
    if (crypto::constant_time_equal(*candidate, expected)) matched = true;
  }
  if (!matched) return unauthenticated("no webhook-signature entry matches the message");
  return {};
}

}  // namespace wasl::webhooks
