// SubscriptionVerifier: the webhook capability. The EHR's FHIR Subscriptions
// (rest-hook) POST their notifications to /v1/webhooks/<instance> with the
// secret given in channel.header; this checks that header (name
// subscription_header, compared in constant time over SHA-256 digests) and
// turns each Appointment notified into one "appointment.updated" event:
// resource_id "Appointment/<id>", payload {"status", "resource" (when the
// notification carries it)}, occurred_at_ms from meta.lastUpdated.
//
// Bodies: an R4 notification is a history Bundle of the resources; the
// R4B/backport topic-based one is a history Bundle whose first entry is the
// SubscriptionStatus (R4B) or its Parameters form (backport on R4), whose
// notification-event focus names the resource (its content following, or
// id-only). An empty body (R4 without payload) and heartbeat or handshake
// notifications carry no event. Resources other than Appointment are skipped.
//
// dedupe_key: "fhir:Appointment/<id><state>", or for topic-based
// "fhir:<subscription>#<eventNumber>:Appointment/<id><state>", where <state>
// is "/_history/<versionId>", else "/sha256:<digest of the resource>", else
// (id-only) "/notification-sha256:<digest of the body>": a redelivery is the
// same event, a change of the Appointment (with or without meta) or a
// recreated Subscription numbering its events from 1 again is another.
// Errors (webhook.hpp): a missing or wrong secret, or none configured,
// kUnauthenticated; a body that is no such Bundle, kInvalidArgument; more
// than sdk::kMaxWebhookEvents events, kResourceExhausted. Pure; thread-safe.
#pragma once

#include <vector>

#include "plugins/fhir/settings.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::plugins::fhir {

class SubscriptionVerifier final : public sdk::WebhookVerifier {
 public:
  explicit SubscriptionVerifier(FhirSettings settings);

  sdk::Result<std::vector<sdk::Event>> verify(const sdk::WebhookRequest& request) override;

 private:
  FhirSettings settings_;
};

}  // namespace wasl::plugins::fhir
