#include "plugins/fhir/subscription_verifier.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "plugins/fhir/resource_mapping.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Event;
using sdk::Result;

constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxEntries = 1000;

Error unauthenticated(const std::string& message) {
  return Error(ErrorCode::kUnauthenticated, "FHIR Subscription notification: " + message, false);
}
Error invalid_notification(const std::string& message) {
  return Error(ErrorCode::kInvalidArgument, "FHIR Subscription notification: " + message, false);
}
Error too_many_events(std::size_t count) {
  return Error(ErrorCode::kResourceExhausted,
               "FHIR Subscription notification: it carries " + std::to_string(count) +
                   " events, more than " + std::to_string(sdk::kMaxWebhookEvents),
               false);
}

bool same_secret(std::string_view a, std::string_view b) {
  unsigned char da[SHA256_DIGEST_LENGTH];
  unsigned char db[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db);
  return CRYPTO_memcmp(da, db, SHA256_DIGEST_LENGTH) == 0;
}

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// What tells this state of an Appointment from every other: its version
// ("/_history/<versionId>") when the server keeps versions, else a digest of
// the resource itself ("/sha256:<hex>", nlohmann dumps members in one order),
// else, for an id-only notification, a digest of the notification's body. A
// redelivery of the same state gets the same tag; any change another, even
// without meta (a booking's cancel is not a duplicate of the booking).
std::string state_tag(const json& resource, std::string_view notification_body) {
  const json meta = resource.is_object() ? sdk::object_member(resource, "meta") : json::object();
  const std::string version = sdk::string_member(meta, "versionId");
  if (!version.empty()) return "/_history/" + version;
  if (resource.is_object()) return "/sha256:" + sha256_hex(resource.dump());
  return "/notification-sha256:" + sha256_hex(notification_body);
}

// An Appointment's event; `resource` may be null (id-only notifications).
// `dedupe_key` is the event's key (see verify()).
Event appointment_event(const std::string& id, const json& resource, std::string dedupe_key) {
  Event event;
  event.type = "appointment.updated";
  event.resource_id = "Appointment/" + id;
  json meta = resource.is_object() ? sdk::object_member(resource, "meta") : json::object();
  event.occurred_at_ms = parse_fhir_time(sdk::string_member(meta, "lastUpdated")).value_or(0);
  event.dedupe_key = std::move(dedupe_key);
  event.payload = {
      {"status", resource.is_object() ? sdk::string_member(resource, "status") : std::string()}};
  if (resource.is_object()) event.payload["resource"] = resource;
  return event;
}

// The topic-based status's parameters by name (Parameters form) or fields
// (SubscriptionStatus form), normalised to {subscription, type, events:[{number, focus}]}.
json topic_status(const json& status) {
  json out = {{"events", json::array()}};
  if (sdk::string_member(status, "resourceType") == "SubscriptionStatus") {
    out["subscription"] =
        sdk::string_member(sdk::object_member(status, "subscription"), "reference");
    out["type"] = sdk::string_member(status, "type");
    for (const auto& e : sdk::array_member(status, "notificationEvent")) {
      out["events"].push_back(
          {{"number", e.is_object() ? e.value("eventNumber", json("")) : json("")},
           {"focus", sdk::string_member(sdk::object_member(e, "focus"), "reference")}});
    }
    return out;
  }
  for (const auto& p : sdk::array_member(status, "parameter")) {
    const std::string name = sdk::string_member(p, "name");
    if (name == "subscription")
      out["subscription"] =
          sdk::string_member(sdk::object_member(p, "valueReference"), "reference");
    if (name == "type") out["type"] = sdk::string_member(p, "valueCode");
    if (name != "notification-event") continue;
    json event = {{"number", ""}, {"focus", ""}};
    for (const auto& part : sdk::array_member(p, "part")) {
      if (sdk::string_member(part, "name") == "event-number") {
        event["number"] = part.contains("valueString") ? part["valueString"]
                                                       : part.value("valueUnsignedInt", json(""));
      }
      if (sdk::string_member(part, "name") == "focus")
        event["focus"] =
            sdk::string_member(sdk::object_member(part, "valueReference"), "reference");
    }
    out["events"].push_back(event);
  }
  return out;
}

}  // namespace

SubscriptionVerifier::SubscriptionVerifier(FhirSettings settings)
    : settings_(std::move(settings)) {}

Result<std::vector<Event>> SubscriptionVerifier::verify(const sdk::WebhookRequest& request) {
  if (settings_.subscription_secret.empty()) {
    return unauthenticated("no subscription_secret is configured for this instance");
  }
  const std::string* presented = nullptr;
  for (const auto& [name, value] : request.headers) {
    if (same_name(name, settings_.subscription_header)) presented = &value;
  }
  if (presented == nullptr) return unauthenticated("the secret header is missing");
  if (!same_secret(*presented, settings_.subscription_secret)) {
    return unauthenticated("the secret header does not match");
  }
  std::vector<Event> events;
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return events;
  if (request.body.size() > kMaxBodyBytes) return invalid_notification("the body exceeds 4 MiB");
  const json bundle = sdk::parse_json_within(request.body);
  if (!bundle.is_object() || sdk::string_member(bundle, "resourceType") != "Bundle") {
    return invalid_notification("the body is not a FHIR Bundle");
  }
  const json entries = bundle.value("entry", json::array());
  if (!entries.is_array() || entries.size() > kMaxEntries) {
    return invalid_notification("Bundle.entry must be an array of at most 1000 entries");
  }
  auto resource_of = [](const json& entry) {
    return entry.is_object() ? sdk::member(entry, "resource") : json();
  };
  const json first = entries.empty() ? json() : resource_of(entries[0]);
  const std::string first_type = sdk::string_member(first, "resourceType");
  if (first_type == "SubscriptionStatus" || first_type == "Parameters") {
    const json status = topic_status(first);
    const std::string type = sdk::string_member(status, "type");
    if (type != "event-notification") return events;  // heartbeat, handshake, query-*
    if (status["events"].size() > sdk::kMaxWebhookEvents) {
      return too_many_events(status["events"].size());
    }
    for (const auto& e : status["events"]) {
      const std::string focus = sdk::string_member(e, "focus");
      const std::string id = reference_id({{"reference", focus}}, "Appointment");
      if (id.empty()) continue;
      json resource;
      for (std::size_t i = 1; i < entries.size(); ++i) {
        const json r = resource_of(entries[i]);
        if (sdk::string_member(r, "resourceType") == "Appointment" &&
            sdk::string_member(r, "id") == id)
          resource = r;
      }
      const std::string number =
          e["number"].is_string() ? e["number"].get<std::string>() : e["number"].dump();
      // The event number alone repeats when the Subscription is recreated
      // (numbering starts again at 1): the key also names the state it
      // reports, so only a redelivery of the same event is a duplicate.
      std::string key = "fhir:" + sdk::string_member(status, "subscription") + "#" + number +
                        ":Appointment/" + id + state_tag(resource, request.body);
      if (number.empty()) key = "fhir:Appointment/" + id + state_tag(resource, request.body);
      events.push_back(appointment_event(id, resource, std::move(key)));
    }
    return events;
  }
  for (const auto& entry : entries) {
    const json resource = resource_of(entry);
    if (!resource.is_object()) return invalid_notification("an entry has no resource");
    if (sdk::string_member(resource, "resourceType") != "Appointment") continue;
    const std::string id = sdk::string_member(resource, "id");
    if (!is_fhir_id(id)) return invalid_notification("an Appointment has no valid id");
    if (events.size() == sdk::kMaxWebhookEvents) return too_many_events(events.size() + 1);
    events.push_back(
        appointment_event(id, resource, "fhir:Appointment/" + id + state_tag(resource, {})));
  }
  return events;
}

}  // namespace wasl::plugins::fhir
