// An EHR's Slot search answers: the page reader (plugins/fhir/slot_bundle.hpp)
// alone, and the FHIR plugin's find_free_slots and book_slot with every
// answer (Schedule and PractitionerRole searches, Slot pages, the Slot read,
// the transaction's answer) being the input, then serialised as the plugin
// glue serialises a result. The first input byte picks the path and the
// answers' status; the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugins/fhir/fhir_ehr_connector.hpp"
#include "plugins/fhir/slot_bundle.hpp"
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
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int path = data[0] % 3;
  if (path == 0) {
    auto page = read_slot_page(body);
    if (page.ok()) (void)nlohmann::json(page->slots).dump();
    return 0;
  }
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
  host.answer(wasl::fuzz::ProviderAnswerHost::status_from(data[0] / 3), std::string(body));
  if (path == 1) {
    wasl::sdk::SlotSearch search;
    if (data[0] & 0x80) {
      search.service_id = "clinic";
    } else {
      search.practitioner_id = "d1";
    }
    search.from_ms = 1'700'000'000'000;
    search.to_ms = 1'800'000'000'000;
    serialise(connector.find_free_slots(search));
  } else {
    wasl::sdk::SlotBooking booking;
    booking.idempotency_key = "k1";
    booking.slot_id = "s1";
    booking.patient_id = "p1";
    serialise(connector.book_slot(booking));
  }
  return 0;
}
