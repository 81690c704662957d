// How a verified webhook becomes inbox rows, and how the dispatcher reads
// the event back.
//
// One inbox row per normalized event, under (instance, event.dedupe_key).
// Each row holds, encrypted: its body (the raw request body byte for byte
// when the request carries one event; when it carries several, that event's
// own normalized payload as JSON, so no row repeats the others), and a header map
// with the sender's headers (names lowercased; authorization, cookie and
// proxy-authorization left out; repeated headers joined with ", ") plus
// three pseudo-headers, named with a leading ':' as in HTTP/2 so they cannot
// clash with a real header:
//   ":method" and ":url"  what the signature was checked over (re-verification);
//   ":event"              the normalized sdk::Event as JSON, which the
//                         dispatcher hands to the engine.
// event_type and correlation (event_correlation.hpp) are stored in clear for
// matching and listing; they are identifiers, not PHI. facility_id is set
// when the instance serves exactly one facility, else NULL (the dispatcher
// then delivers to each facility the instance serves).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/records/inbox_store.hpp"
#include "hub/webhooks/webhook_sources.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::webhooks {

inline constexpr std::string_view kEventPseudoHeader = ":event";
inline constexpr std::string_view kMethodPseudoHeader = ":method";
inline constexpr std::string_view kUrlPseudoHeader = ":url";

// The rows for `events` verified from `request`. An event without a
// dedupe_key gets "sha256:<hex of the body>#<index>" so a byte-identical
// redelivery still deduplicates. kInternal when no row id can be drawn (the
// random generator failed).
sdk::Result<std::vector<records::InboxEntry>> inbox_entries(const WebhookSource& source,
                                                            const sdk::WebhookRequest& request,
                                                            const std::vector<sdk::Event>& events,
                                                            std::int64_t received_at_ms);

// The event stored in `entry`. kInternal (not retryable) when the row has no
// readable ":event" header.
sdk::Result<sdk::Event> stored_event(const records::InboxEntry& entry);

}  // namespace wasl::webhooks
