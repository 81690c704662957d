#include "hub/webhooks/event_correlation.hpp"

#include "hub/workflow/language/capabilities.hpp"

namespace wasl::webhooks {

namespace {

// The member named `field` (const or not), or nullptr.
template <typename E>
auto* member(E& event, const std::string& field) {
  decltype(&event.room_id) none = nullptr;
  if (field == "room_id") return &event.room_id;
  if (field == "resource_id") return &event.resource_id;
  if (field == "recording_id") return &event.recording_id;
  if (field == "participant_id") return &event.participant_id;
  return none;
}

}  // namespace

std::string correlation_of(const sdk::Event& event) {
  if (const auto* type = workflow::find_event_type(event.type)) {
    if (const std::string* m = member(event, type->correlation_field)) return *m;
  }
  return event.resource_id.empty() ? event.room_id : event.resource_id;
}

void set_correlation(sdk::Event& event, std::string correlation) {
  if (const auto* type = workflow::find_event_type(event.type)) {
    if (std::string* m = member(event, type->correlation_field)) {
      *m = std::move(correlation);
      return;
    }
  }
  event.resource_id = std::move(correlation);
}

}  // namespace wasl::webhooks
