#include "plugins/nphies/message_ids.hpp"

#include <utf8.h>

#include "wasl/sdk/uuid.hpp"

namespace wasl::plugins::nphies {

namespace {

constexpr std::string_view kBusinessPrefix = "req_";
constexpr char kHex[] = "0123456789ABCDEF";

bool kept_as_is(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// The value of an upper-case hex digit, or -1.
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string uuid_for(std::string_view purpose, std::string_view key) {
  return sdk::name_based_uuid(std::string(purpose) + "\n" + std::string(key));
}

std::string MessageIds::resource_id(std::string_view kind) const {
  // FHIR ids are at most 64 characters of [A-Za-z0-9-.].
  return uuid_for(std::string("resource:") + std::string(kind), key);
}

MessageIds message_ids(std::string_view idempotency_key) {
  MessageIds ids;
  ids.key = std::string(idempotency_key);
  ids.bundle_id = uuid_for("bundle", idempotency_key);
  ids.message_header_id = uuid_for("message-header", idempotency_key);
  ids.business_id = std::string(kBusinessPrefix);
  for (char c : idempotency_key) {
    if (kept_as_is(c)) {
      ids.business_id += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      ids.business_id += '%';
      ids.business_id += kHex[byte >> 4];
      ids.business_id += kHex[byte & 0x0f];
    }
  }
  return ids;
}

std::string idempotency_key_of(std::string_view business_id) {
  if (business_id.size() <= kBusinessPrefix.size() ||
      business_id.substr(0, kBusinessPrefix.size()) != kBusinessPrefix) {
    return {};
  }
  std::string key;
  for (std::size_t i = kBusinessPrefix.size(); i < business_id.size(); ++i) {
    const char c = business_id[i];
    if (kept_as_is(c)) {
      key += c;
      continue;
    }
    if (c != '%' || i + 2 >= business_id.size()) return {};
    const int high = hex_value(business_id[i + 1]);
    const int low = hex_value(business_id[i + 2]);
    const int byte = high * 16 + low;
    // Only what message_ids() escapes may be escaped: one value, one spelling.
    if (high < 0 || low < 0 || kept_as_is(static_cast<char>(byte))) return {};
    key += static_cast<char>(byte);
    i += 2;
  }
  // Keys are text; escapes that decode to something else are no key.
  return utf8::is_valid(key.begin(), key.end()) ? key : std::string();
}

std::string message_header_id_of(std::string_view business_id) {
  const std::string key = idempotency_key_of(business_id);
  return key.empty() ? std::string() : message_ids(key).message_header_id;
}

}  // namespace wasl::plugins::nphies
