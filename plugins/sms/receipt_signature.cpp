#include "plugins/sms/receipt_signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <optional>
#include <vector>

#include "wasl/sdk/hex.hpp"

namespace wasl::plugins::sms {
namespace {

// The longest t taken: 12 digits is past the year 30000.
constexpr std::size_t kMaxTimestampDigits = 12;
// The most v1 entries looked at: one per secret a gateway rotates through.
constexpr std::size_t kMaxSignatures = 4;

sdk::Error refused(std::string reason) {
  return sdk::Error(sdk::ErrorCode::kUnauthenticated,
                    "SMS delivery receipt refused: " + std::move(reason), false);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct ParsedHeader {
  std::optional<std::string_view> t;
  bool several_t = false;
  std::vector<std::string_view> v1;
};

ParsedHeader parse(std::string_view header) {
  ParsedHeader out;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view entry = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = trim(entry.substr(0, eq));
    const std::string_view value = trim(entry.substr(eq + 1));
    if (name == "t") {
      if (out.t) out.several_t = true;
      out.t = value;
    } else if (name == "v1" && out.v1.size() < kMaxSignatures) {
      out.v1.push_back(value);
    }
  }
  return out;
}

std::optional<std::int64_t> seconds_of(std::string_view t) {
  if (t.empty() || t.size() > kMaxTimestampDigits) return std::nullopt;
  std::int64_t value = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string receipt_mac_hex(std::string_view secret, std::int64_t timestamp_seconds,
                            std::string_view body) {
  const std::string data = std::to_string(timestamp_seconds) + "." + std::string(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_len);
  return sdk::to_hex(mac, mac_len);
}

std::string receipt_signature(std::string_view secret, std::int64_t timestamp_seconds,
                              std::string_view body) {
  return "t=" + std::to_string(timestamp_seconds) +
         ",v1=" + receipt_mac_hex(secret, timestamp_seconds, body);
}

sdk::Status verify_receipt_signature(std::string_view secret, std::string_view header,
                                     std::string_view body,
                                     std::chrono::system_clock::time_point now,
                                     std::chrono::seconds tolerance) {
  if (trim(header).empty()) {
    return refused("it carries no " + std::string(kReceiptSignatureHeader) + " header");
  }
  if (secret.empty()) return refused("no receipt_secret is configured to check it with");
  const ParsedHeader parsed = parse(header);
  if (!parsed.t || parsed.several_t) {
    return refused(std::string(kReceiptSignatureHeader) + " must carry exactly one t=");
  }
  const auto t = seconds_of(*parsed.t);
  if (!t) return refused("the signing time t= is not a whole number of seconds");
  if (parsed.v1.empty()) {
    return refused(std::string(kReceiptSignatureHeader) + " carries no v1= signature");
  }
  const std::string expected = receipt_mac_hex(secret, *t, body);
  bool matched = false;
  for (std::string_view candidate : parsed.v1) {
    const std::string given = lower(candidate);
    // Every entry is compared, so the time taken does not tell which matched.
    matched |= given.size() == expected.size() &&
               CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
  }
  if (!matched) return refused("its signature does not match the body and receipt_secret");
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const std::int64_t skew = now_s > *t ? now_s - *t : *t - now_s;
  if (skew > tolerance.count()) {
    return refused("it was signed " + std::to_string(skew) + " s " +
                   (now_s > *t ? "ago" : "ahead of the hub's clock") + ", more than the " +
                   std::to_string(tolerance.count()) + " s allowed (receipt_tolerance_seconds)");
  }
  return sdk::ok_status();
}

}  // namespace wasl::plugins::sms
