// Chime events as an EventBridge API destination POSTs them: the body from
// the input, with the right secret header, through the verifier (JSON parse
// and normalisation, with the instance state of a fake host).
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugins/chime/eventbridge_verifier.hpp"
#include "wasl/sdk/testing/fake_host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::chime;
  static wasl::sdk::testing::FakeHost host(nlohmann::json::object());
  ChimeSettings settings;
  settings.region = "us-east-1";
  settings.eventbridge_header_name = "x-wasl-eventbridge-secret";
  settings.eventbridge_header_value = "fuzz-secret";
  EventBridgeVerifier verifier(host, settings);
  wasl::sdk::WebhookRequest request;
  request.method = "POST";
  request.url = "https://hub.example/v1/webhooks/video.chime";
  request.headers = {{"content-type", "application/json"},
                     {"x-wasl-eventbridge-secret", "fuzz-secret"}};
  request.body.assign(reinterpret_cast<const char*>(data), size);
  (void)verifier.verify(request);
  return 0;
}
