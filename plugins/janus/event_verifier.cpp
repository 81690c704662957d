#include "plugins/janus/event_verifier.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <cstdint>
#include <optional>
#include <utility>

#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/json_budget.hpp"

namespace wasl::plugins::janus {
namespace {

using nlohmann::json;
using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Event;
using wasl::sdk::Result;

// Janus's event type of a plugin's own events.
constexpr int kPluginEventType = 64;
constexpr wasl::sdk::JsonBudget kEventBudget{std::size_t{1} << 20, 16};

Error unauthenticated(std::string message) {
  return Error(ErrorCode::kUnauthenticated, std::move(message), false);
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

// Equal, in time that depends on neither value: both are hashed first.
bool constant_time_equals(std::string_view a, std::string_view b) {
  unsigned char da[EVP_MAX_MD_SIZE];
  unsigned char db[EVP_MAX_MD_SIZE];
  unsigned int size_a = 0;
  unsigned int size_b = 0;
  if (EVP_Digest(a.data(), a.size(), da, &size_a, EVP_sha256(), nullptr) != 1 ||
      EVP_Digest(b.data(), b.size(), db, &size_b, EVP_sha256(), nullptr) != 1) {
    return false;
  }
  return CRYPTO_memcmp(da, db, 32) == 0;
}

std::string id_text(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_number_unsigned()) return std::to_string(it->get<std::uint64_t>());
  if (it->is_number_integer() && it->get<std::int64_t>() >= 0) {
    return std::to_string(it->get<std::int64_t>());
  }
  if (it->is_string() && it->get_ref<const std::string&>().size() <= 64) {
    return it->get<std::string>();
  }
  return {};
}

// The event `item` carries, when it is a VideoRoom event the hub wants.
std::optional<Event> map_one(const json& item) {
  if (!item.is_object()) return std::nullopt;
  auto type = item.find("type");
  if (type == item.end() || !type->is_number_integer() || type->get<int>() != kPluginEventType) {
    return std::nullopt;
  }
  auto body = item.find("event");
  if (body == item.end() || !body->is_object()) return std::nullopt;
  auto plugin = body->find("plugin");
  if (plugin == body->end() || !plugin->is_string() || *plugin != "janus.plugin.videoroom") {
    return std::nullopt;
  }
  auto data = body->find("data");
  if (data == body->end() || !data->is_object()) return std::nullopt;
  auto name = data->find("event");
  if (name == data->end() || !name->is_string()) return std::nullopt;
  Event event;
  if (*name == "joined") {
    event.type = "participant.connected";
  } else if (*name == "leaving") {
    event.type = "participant.disconnected";
  } else if (*name == "destroyed") {
    event.type = "room.ended";
  } else {
    return std::nullopt;
  }
  event.room_id = id_text(*data, "room");
  if (event.room_id.empty()) return std::nullopt;
  if (event.type != "room.ended") {
    event.participant_id = id_text(*data, "id");
    if (event.participant_id.empty()) return std::nullopt;
  }
  std::int64_t timestamp_us = 0;
  if (auto t = item.find("timestamp"); t != item.end() && t->is_number_integer()) {
    timestamp_us = t->get<std::int64_t>();
  }
  event.occurred_at_ms = timestamp_us > 0 ? timestamp_us / 1000 : 0;
  // A retransmission repeats the event as it was: same emitter, handle,
  // microsecond timestamp and name.
  event.dedupe_key = "janus:" + id_text(item, "emitter") + ":" + id_text(item, "session_id") + ":" +
                     id_text(item, "handle_id") + ":" + std::to_string(timestamp_us) + ":" +
                     name->get<std::string>() + ":" + event.room_id + ":" + event.participant_id;
  event.payload = item;
  return event;
}

}  // namespace

Result<std::vector<Event>> map_janus_events(std::string_view body) {
  json document = wasl::sdk::parse_json_within(body, kEventBudget);
  if (document.is_discarded()) {
    return Error(ErrorCode::kInvalidArgument, "the Janus event body is not JSON (or too large)",
                 false);
  }
  if (!document.is_array() && !document.is_object()) {
    return Error(ErrorCode::kInvalidArgument,
                 "the Janus event body is neither an event nor an array of events", false);
  }
  if (document.is_object()) document = json::array({std::move(document)});
  if (document.size() > wasl::sdk::kMaxWebhookEvents) {
    return Error(ErrorCode::kResourceExhausted,
                 "the Janus event body carries " + std::to_string(document.size()) +
                     " events, more than " + std::to_string(wasl::sdk::kMaxWebhookEvents),
                 false);
  }
  std::vector<Event> events;
  for (const json& item : document) {
    if (auto event = map_one(item)) events.push_back(std::move(*event));
  }
  return events;
}

JanusEventVerifier::JanusEventVerifier(JanusSettings settings) : settings_(std::move(settings)) {
  if (!settings_.events_password.empty()) {
    expected_authorization_ = "Basic " + wasl::sdk::base64_encode(settings_.events_user + ":" +
                                                                  settings_.events_password);
  }
}

Result<std::vector<Event>> JanusEventVerifier::verify(const wasl::sdk::WebhookRequest& request) {
  if (expected_authorization_.empty()) {
    return unauthenticated(
        "no event credential is configured for this Janus instance (events.password)");
  }
  const std::string* presented = nullptr;
  for (const auto& [name, value] : request.headers) {
    if (same_name(name, "Authorization")) {
      presented = &value;
      break;
    }
  }
  if (presented == nullptr || presented->empty()) {
    return unauthenticated("the Janus event carries no Authorization header");
  }
  if (!constant_time_equals(*presented, expected_authorization_)) {
    return unauthenticated("the Janus event's credential is not the configured one");
  }
  if (!same_name(request.method, "POST")) {
    return Error(ErrorCode::kInvalidArgument, "Janus events are expected as POST", false);
  }
  return map_janus_events(request.body);
}

}  // namespace wasl::plugins::janus
