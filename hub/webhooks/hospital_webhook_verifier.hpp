// HospitalWebhookVerifier: the built-in WebhookVerifier behind
// /v1/webhooks/hospital.<facility>. It checks the Standard Webhooks
// signature (standard_webhook_signature.hpp) with the facility's own secret,
// so a request signed for one facility never verifies at another's URL, and
// returns the one event the body describes (hospital_event_body.hpp) with
// webhook-id as its dedupe key.
//
// Errors follow sdk/webhook.hpp: kUnauthenticated for a missing or wrong
// signature or a timestamp outside 5 minutes either way (checked before the
// body is parsed), kInvalidArgument for a signed body that is not the
// documented shape. Immutable after construction; thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "hub/webhooks/standard_webhook_signature.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::webhooks {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

class HospitalWebhookVerifier final : public sdk::WebhookVerifier {
 public:
  // `clock` unset = the system clock.
  HospitalWebhookVerifier(std::string facility_id, StandardWebhookSignature signature,
                          WallClock clock = {});

  sdk::Result<std::vector<sdk::Event>> verify(const sdk::WebhookRequest& request) override;

  const std::string& facility_id() const { return facility_id_; }

 private:
  std::string facility_id_;
  StandardWebhookSignature signature_;
  WallClock clock_;
};

// The instance-name prefix of the built-in verifier: "hospital.<facility id>".
inline constexpr std::string_view kHospitalInstancePrefix = "hospital.";

}  // namespace wasl::webhooks
