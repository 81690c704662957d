#include "hub/webhooks/inbox_event.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "hub/crypto/digest.hpp"
#include "hub/storage/row_id.hpp"
#include "hub/webhooks/event_correlation.hpp"

namespace wasl::webhooks {

namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool credential_header(const std::string& lower_name) {
  return lower_name == "authorization" || lower_name == "cookie" ||
         lower_name == "proxy-authorization";
}

}  // namespace

sdk::Result<std::vector<records::InboxEntry>> inbox_entries(const WebhookSource& source,
                                                            const sdk::WebhookRequest& request,
                                                            const std::vector<sdk::Event>& events,
                                                            std::int64_t received_at_ms) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string key = lowercase(name);
    if (credential_header(key) || key.empty() || key.front() == ':') continue;
    auto [it, inserted] = headers.emplace(key, value);
    if (!inserted) it->second += ", " + value;
  }
  headers[std::string(kMethodPseudoHeader)] = request.method;
  headers[std::string(kUrlPseudoHeader)] = request.url;

  std::optional<std::string> facility;
  if (source.facilities.size() == 1) facility = source.facilities.front();

  std::vector<records::InboxEntry> entries;
  entries.reserve(events.size());
  std::string body_digest;
  for (std::size_t i = 0; i < events.size(); ++i) {
    sdk::Event event = events[i];
    if (event.dedupe_key.empty()) {
      if (body_digest.empty()) body_digest = crypto::sha256_hex(request.body);
      event.dedupe_key = "sha256:" + body_digest + "#" + std::to_string(i);
    }
    records::InboxEntry entry;
    WASL_ASSIGN_OR_RETURN(entry.id, storage::new_row_id());
    entry.instance = source.instance;
    entry.dedupe_key = event.dedupe_key;
    entry.facility_id = facility;
    entry.received_at = received_at_ms;
    // One event: the request is its body. Several: each row keeps its own
    // event (its normalized payload), so a request of n events stores about
    // its own size once, not n times.
    entry.body = events.size() == 1 ? request.body : nlohmann::json(event.payload).dump();
    entry.headers = headers;
    entry.event_type = event.type;
    std::string correlation = correlation_of(event);
    if (!correlation.empty()) entry.correlation = std::move(correlation);
    entry.headers[std::string(kEventPseudoHeader)] = nlohmann::json(event).dump();
    entry.state = records::InboxState::kReceived;
    entries.push_back(std::move(entry));
  }
  return entries;
}

sdk::Result<sdk::Event> stored_event(const records::InboxEntry& entry) {
  auto it = entry.headers.find(std::string(kEventPseudoHeader));
  if (it != entry.headers.end()) {
    nlohmann::json doc = nlohmann::json::parse(it->second, nullptr, false);
    if (!doc.is_discarded() && doc.is_object()) {
      try {
        return doc.get<sdk::Event>();
      } catch (const nlohmann::json::exception&) {
        // falls through to the error below
      }
    }
  }
  return sdk::Error(sdk::ErrorCode::kInternal,
                    "inbox entry " + entry.id + " holds no readable normalized event", false);
}

}  // namespace wasl::webhooks
