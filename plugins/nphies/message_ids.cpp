#include "plugins/nphies/message_ids.hpp"

#include "wasl/sdk/uuid.hpp"

namespace wasl::plugins::nphies {

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
