// The ministry receiver's answers through the MOH plugin's FhirReceiver: the
// response message Bundle to $process-message (first input byte even) or the
// MeasureReport a conditional create answers (odd); the byte also picks the
// status. The rest of the input is the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugins/moh/fhir_receiver.hpp"
#include "tests/fuzz/provider_answer_host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::moh;
  if (size == 0) return 0;
  static wasl::fuzz::ProviderAnswerHost host(nlohmann::json::object(), "reporting.fuzz");
  static const MohSettings settings = [] {
    MohSettings s;
    s.base_url = "https://moh.example/fhir";
    s.bearer_token = "fuzz-token";
    s.request_timeout = std::chrono::milliseconds(1000);
    return s;
  }();
  static const nlohmann::json document = {{"resourceType", "Bundle"}, {"type", "message"}};
  FhirReceiver receiver(host, settings);
  host.answer(wasl::fuzz::ProviderAnswerHost::status_from(data[0] >> 1),
              std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  wasl::sdk::Result<wasl::sdk::Receipt> receipt =
      (data[0] & 1) == 0 ? receiver.process_message(document, "report-1")
                         : receiver.create_measure_report(document, "report-1");
  if (receipt.ok()) (void)nlohmann::json(*receipt).dump();
  return 0;
}
