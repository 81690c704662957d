// An EHR's answer to a read (Patient, Practitioner, Appointment, Coverage
// search) through the FHIR plugin's client and mapping, then serialised as the
// plugin glue serialises a result (`raw` included). The first input byte
// picks the read and the answer's status; the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugins/fhir/fhir_ehr_connector.hpp"
#include "tests/fuzz/provider_answer_host.hpp"

namespace {

template <typename T>
void serialise(const wasl::sdk::Result<T>& result) {
  if (result.ok()) (void)nlohmann::json(*result).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::fhir;
  if (size == 0) return 0;
  static wasl::fuzz::ProviderAnswerHost host(nlohmann::json::object(), "ehr.fuzz");
  static const FhirSettings settings = [] {
    FhirSettings s;
    s.base_url = "https://ehr.example/fhir";
    s.page_size = 50;
    s.max_pages = 3;
    s.request_timeout = std::chrono::milliseconds(1000);
    s.identifier_system = "urn:wasl:idempotency-key";
    return s;
  }();
  FhirEhrConnector connector(host, settings);
  host.answer(wasl::fuzz::ProviderAnswerHost::status_from(data[0] >> 2),
              std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  switch (data[0] & 3) {
    case 0: serialise(connector.read_patient({"p1"})); break;
    case 1: serialise(connector.read_practitioner({"d1"})); break;
    case 2: serialise(connector.read_appointment({"a1"})); break;
    default: serialise(connector.read_coverage({"", "p1"})); break;
  }
  return 0;
}
