#include "plugins/nphies/message_envelope.hpp"

#include "plugins/nphies/fhir_elements.hpp"
#include "plugins/nphies/nphies_vocabulary.hpp"

namespace wasl::plugins::nphies {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

Error malformed(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "the exchange's answer " + what, false);
}

bool ends_with_path(std::string_view full_url, std::string_view relative) {
  return full_url.size() > relative.size() &&
         full_url.substr(full_url.size() - relative.size()) == relative &&
         full_url[full_url.size() - relative.size() - 1] == '/';
}

}  // namespace

Result<MessageEnvelope> read_envelope(const json& bundle) {
  if (!bundle.is_object() || text(bundle, "resourceType") != "Bundle") {
    return malformed("is not a FHIR Bundle");
  }
  if (text(bundle, "type") != "message") return malformed("is not a message Bundle");
  const json* entries = array_member(bundle, "entry");
  if (entries == nullptr || entries->empty()) return malformed("has no entries");
  const json* header = member((*entries)[0], "resource");
  if (header == nullptr || text(*header, "resourceType") != "MessageHeader") {
    return malformed("does not start with a MessageHeader");
  }
  const json* coding = member(*header, "eventCoding");
  if (coding == nullptr || text(*coding, "system") != vocabulary::kEvents) {
    return malformed("has no ksa-message-events event");
  }
  MessageEnvelope envelope;
  envelope.event = text(*coding, "code");
  envelope.id = text(*header, "id");
  if (const json* response = member(*header, "response")) {
    envelope.responds_to = text(*response, "identifier");
    envelope.response_code = text(*response, "code");
  }
  if (const json* focus = array_member(*header, "focus"); focus != nullptr && !focus->empty()) {
    envelope.focus = text((*focus)[0], "reference");
  }
  return envelope;
}

const json* entry_resource(const json& bundle, std::string_view reference) {
  const json* entries = array_member(bundle, "entry");
  if (entries == nullptr || reference.empty()) return nullptr;
  const json* relative_match = nullptr;
  for (const auto& entry : *entries) {
    const json* full_url = member(entry, "fullUrl");
    if (full_url == nullptr || !full_url->is_string()) continue;
    const std::string& url = full_url->get_ref<const std::string&>();
    if (url == reference) return member(entry, "resource");
    if (relative_match == nullptr && ends_with_path(url, reference)) {
      relative_match = member(entry, "resource");
    }
  }
  return relative_match;
}

const json* focal_resource(const json& bundle, const MessageEnvelope& envelope) {
  if (envelope.focus.empty()) return nullptr;
  const json* entries = array_member(bundle, "entry");
  if (entries == nullptr) return nullptr;
  for (const auto& entry : *entries) {
    if (text(entry, "fullUrl") == envelope.focus) return member(entry, "resource");
  }
  return nullptr;
}

}  // namespace wasl::plugins::nphies
