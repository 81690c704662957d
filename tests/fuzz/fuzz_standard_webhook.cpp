// Standard Webhooks signatures (hospital systems): webhook-id,
// webhook-timestamp and webhook-signature headers and the body from the
// input, one per line; every tenth input carries a valid signature.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "hub/webhooks/standard_webhook_signature.hpp"

namespace {
std::string next_line(std::string& rest) {
  auto nl = rest.find('\n');
  std::string line = rest.substr(0, nl);
  rest = nl == std::string::npos ? std::string() : rest.substr(nl + 1);
  return line;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using wasl::webhooks::StandardWebhookSignature;
  static const auto signer =
      StandardWebhookSignature::from_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  if (!signer.ok()) __builtin_trap();
  std::string rest(reinterpret_cast<const char*>(data), size);
  wasl::webhooks::StandardWebhookHeaders headers;
  headers.id = next_line(rest);
  headers.timestamp = next_line(rest);
  headers.signature = next_line(rest);
  const auto now = std::chrono::system_clock::now();
  if (size % 10 == 0) {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    headers.timestamp = std::to_string(seconds);
    auto signature = signer->sign(headers.id, seconds, rest);
    if (signature.ok()) headers.signature = *signature + " " + headers.signature;
  }
  (void)signer->verify(headers, rest, now);
  (void)StandardWebhookSignature::from_secret(headers.id);
  return 0;
}
