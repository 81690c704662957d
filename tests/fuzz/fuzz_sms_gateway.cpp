// The SMS gateway's answers to POST /v1/messages through the SMS plugin's
// SmsNotifier: the first input byte picks the HTTP status, the rest is the
// body; a success is serialised as the hub stores it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugins/sms/sms_notifier.hpp"
#include "tests/fuzz/provider_answer_host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::sms;
  if (size == 0) return 0;
  static wasl::fuzz::ProviderAnswerHost host(nlohmann::json::object(), "notify.fuzz");
  static const SmsSettings settings = [] {
    SmsSettings s;
    s.base_url = "https://sms.example.sa";
    s.api_key = "fuzz-key";
    s.sender = "Wasl";
    s.request_timeout = std::chrono::milliseconds(1000);
    s.max_segments = 10;
    return s;
  }();
  static const wasl::sdk::Notification notification = [] {
    wasl::sdk::Notification n;
    n.idempotency_key = "notify/fuzz/1";
    n.channel = "sms";
    n.recipient = "+966501234567";
    n.body = "\xD9\x85\xD9\x88\xD8\xB9\xD8\xAF\xD9\x83 10:30";
    n.language = "ar";
    return n;
  }();
  SmsNotifier notifier(host, settings);
  host.answer(wasl::fuzz::ProviderAnswerHost::status_from(data[0]),
              std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  auto receipt = notifier.send(notification);
  if (receipt.ok()) (void)nlohmann::json(*receipt).dump();
  return 0;
}
