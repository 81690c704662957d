// An SMS gateway's delivery receipt through the SMS plugin's verifier: the
// first line is the X-Signature header, the rest the body; every tenth
// input is signed correctly (at the host's clock) so the receipt reader
// behind the signature is reached. The body is also counted as an SMS text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugins/sms/delivery_receipt_verifier.hpp"
#include "plugins/sms/receipt_signature.hpp"
#include "plugins/sms/sms_segments.hpp"
#include "wasl/sdk/testing/fake_host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::sms;
  static wasl::sdk::testing::FakeHost host(nlohmann::json::object(), "notify.fuzz");
  static const SmsSettings settings = [] {
    SmsSettings s;
    s.receipt_secret = "fuzz-receipt-secret";
    s.receipt_tolerance = std::chrono::seconds(300);
    return s;
  }();
  std::string rest(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = rest.find('\n');
  std::string signature = rest.substr(0, nl);
  rest = nl == std::string::npos ? std::string() : rest.substr(nl + 1);
  if (size % 10 == 0) {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(host.now().time_since_epoch()).count();
    signature = receipt_signature(settings.receipt_secret, now, rest);
  }
  wasl::sdk::WebhookRequest request;
  request.method = "POST";
  request.url = "https://wasl.example.org/v1/webhooks/notify.fuzz";
  request.headers = {{"Content-Type", "application/json"}, {"X-Signature", signature}};
  request.body = rest;
  DeliveryReceiptVerifier verifier(host, settings);
  auto events = verifier.verify(request);
  if (events.ok()) {
    for (const auto& e : *events) (void)nlohmann::json(e).dump();
  }
  (void)count_sms_segments(rest);
  return 0;
}
