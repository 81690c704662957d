// FHIR Subscription notifications (R4 history bundles, topic-based
// Parameters, R4B SubscriptionStatus) through the FHIR plugin's verifier,
// with the right header secret, so its bundle reading and mapping run.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugins/fhir/subscription_verifier.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::fhir;
  static const FhirSettings settings = [] {
    FhirSettings s;
    s.base_url = "https://ehr.example/fhir";
    s.subscription_header = "x-fhir-secret";
    s.subscription_secret = "fuzz-secret";
    return s;
  }();
  SubscriptionVerifier verifier(settings);
  wasl::sdk::WebhookRequest request;
  request.method = "POST";
  request.url = "https://hub.example/v1/webhooks/ehr.fuzz";
  request.headers = {{"content-type", "application/fhir+json"}, {"x-fhir-secret", "fuzz-secret"}};
  request.body.assign(reinterpret_cast<const char*>(data), size);
  (void)verifier.verify(request);
  return 0;
}
