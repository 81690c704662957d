// NPHIES poll-responses and the messages they carry (claim and
// prior-authorization answers, information requests, payment
// reconciliations, advanced authorizations, error notices) as the NPHIES
// plugin reads them for billing.poll_messages, each result serialised as the
// plugin glue does; and the input as a business identifier, which must read
// back to a key only in the one spelling message_ids() writes for it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/polled_message_reader.hpp"
#include "wasl/sdk/json_budget.hpp"

namespace nphies = wasl::plugins::nphies;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string key = nphies::idempotency_key_of(text);
  if (!key.empty() && nphies::message_ids(key).business_id != text) __builtin_trap();

  nlohmann::json bundle = wasl::sdk::parse_json_within(text);
  if (bundle.is_discarded()) return 0;
  static const nphies::PolledReading reading{nphies::polled_events(),
                                             "http://hospital.test/identifier/claim"};
  try {
    auto messages = nphies::read_polled_messages(bundle, reading);
    if (messages.ok()) {
      if (messages->size() > nphies::kMaxPolledMessages) __builtin_trap();
      (void)nlohmann::json(*messages).dump();
    }
    (void)nlohmann::json(nphies::read_polled_message(bundle, reading)).dump();
  } catch (const nlohmann::json::exception&) {
    __builtin_trap();  // the reader must turn a malformed message into "unreadable"
  }
  return 0;
}
