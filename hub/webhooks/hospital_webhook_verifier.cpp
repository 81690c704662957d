#include "hub/webhooks/hospital_webhook_verifier.hpp"

#include <strings.h>

#include "hub/webhooks/hospital_event_body.hpp"

namespace wasl::webhooks {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Every value of header `name`, joined by a space (several webhook-signature
// headers are as good as one with space-separated entries).
std::string header(const sdk::WebhookRequest& request, std::string_view name) {
  std::string value;
  for (const auto& [k, v] : request.headers) {
    if (!same_name(k, name)) continue;
    if (!value.empty()) value += ' ';
    value += v;
  }
  return value;
}

}  // namespace

HospitalWebhookVerifier::HospitalWebhookVerifier(std::string facility_id,
                                                 StandardWebhookSignature signature,
                                                 WallClock clock)
    : facility_id_(std::move(facility_id)),
      signature_(std::move(signature)),
      clock_(clock ? std::move(clock)
                   : WallClock([] { return std::chrono::system_clock::now(); })) {}

sdk::Result<std::vector<sdk::Event>> HospitalWebhookVerifier::verify(
    const sdk::WebhookRequest& request) {
  StandardWebhookHeaders headers{header(request, "webhook-id"),
                                 header(request, "webhook-timestamp"),
                                 header(request, "webhook-signature")};
  WASL_RETURN_IF_ERROR(signature_.verify(headers, request.body, clock_()));
  WASL_ASSIGN_OR_RETURN(sdk::Event event, parse_hospital_event_body(request.body, headers.id));
  std::vector<sdk::Event> events;
  events.push_back(std::move(event));
  return events;
}

}  // namespace wasl::webhooks
