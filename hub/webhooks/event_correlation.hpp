// The correlation of a normalized event: the value a workflow's wait_for
// step matches on (definition.hpp, `correlation:`). Which sdk::Event member
// holds it depends on the event type, as the capability catalogue declares
// (capabilities.hpp: room.* / participant.* / recording.* / composition.*
// use room_id, appointment.updated uses resource_id). A type the catalogue
// does not know uses resource_id when set, else room_id.
#pragma once

#include <string>

#include "wasl/sdk/types.hpp"

namespace wasl::webhooks {

std::string correlation_of(const sdk::Event& event);

// Stores `correlation` in the member correlation_of() reads for event.type.
void set_correlation(sdk::Event& event, std::string correlation);

}  // namespace wasl::webhooks
