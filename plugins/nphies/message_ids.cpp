#include "plugins/nphies/message_ids.hpp"

#include <openssl/evp.h>

#include <cstdio>

namespace wasl::plugins::nphies {
namespace {

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(length * 2);
  char byte[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

}  // namespace

std::string uuid_for(std::string_view purpose, std::string_view key) {
  std::string hex = sha256_hex(std::string(purpose) + "\n" + std::string(key)).substr(0, 32);
  hex[12] = '8';
  static const char kVariants[] = "89ab";
  const char c = hex[16];
  const int nibble = c >= 'a' ? c - 'a' + 10 : c - '0';
  hex[16] = kVariants[nibble & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
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
  // The business identifier embeds the MessageHeader id, so an answer that
  // names only the request's identifier (as poll answers may) still leads
  // back to the message it answers.
  ids.business_id = "req_" + ids.message_header_id;
  return ids;
}

std::string message_header_id_of(std::string_view business_id) {
  constexpr std::string_view kPrefix = "req_";
  if (business_id.size() != kPrefix.size() + 36 || business_id.substr(0, 4) != kPrefix) return {};
  return std::string(business_id.substr(kPrefix.size()));
}

}  // namespace wasl::plugins::nphies
