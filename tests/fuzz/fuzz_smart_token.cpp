// The SMART Backend Services answers through the FHIR plugin's SmartAuth: the
// token endpoint's answer (first input byte even: the endpoint is configured)
// or the EHR's .well-known/smart-configuration and then the token answer, both
// the same body (odd). The rest of the input is the body; an ES384 key signs
// the assertions.
#include <Poco/Crypto/ECKey.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "plugins/fhir/client_assertion.hpp"
#include "plugins/fhir/smart_auth.hpp"
#include "tests/fuzz/provider_answer_host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::fhir;
  if (size == 0) return 0;
  static wasl::fuzz::ProviderAnswerHost host(nlohmann::json::object(), "ehr.fuzz");
  static const FhirSettings base = [] {
    FhirSettings s;
    s.base_url = "https://ehr.example/fhir";
    s.auth = AuthKind::kSmart;
    s.client_id = "wasl-hub";
    s.scope = "system/*.read";
    s.request_timeout = std::chrono::milliseconds(1000);
    Poco::Crypto::ECKey key("secp384r1");
    std::ostringstream pub, priv;
    key.save(&pub, &priv);
    s.smart_signer = *ClientAssertionSigner::create(priv.str(), "ES384", "fuzz");
    return s;
  }();
  FhirSettings settings = base;
  if ((data[0] & 1) == 0) settings.smart_token_url = "https://ehr.example/auth/token";
  host.answer(wasl::fuzz::ProviderAnswerHost::status_from(data[0] >> 1),
              std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  (void)host.state_put("smart.token",
                       nlohmann::json::object());  // no token kept from the last input
  SmartAuth auth(host, settings);
  (void)auth.token();
  return 0;
}
