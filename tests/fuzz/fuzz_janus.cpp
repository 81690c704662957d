// Janus's answers and events: the admin API's answers (core and VideoRoom,
// the first byte picking the HTTP status and the kind of request) through
// parse_admin_answer, and the same bytes as a sampleevh event body through
// the event mapping the verifier runs once the credential is checked.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plugins/janus/admin_client.hpp"
#include "plugins/janus/event_verifier.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::janus;
  if (size == 0) return 0;
  static constexpr int kStatuses[] = {200, 200, 200, 200, 401, 404, 429, 500, 503};
  const int status = kStatuses[data[0] % (sizeof kStatuses / sizeof kStatuses[0])];
  const bool plugin_request = (data[0] & 0x80) != 0;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  AdminAnswer answer = parse_admin_answer(status, body, plugin_request);
  if (answer.ok) (void)answer.document.dump();
  auto events = map_janus_events(body);
  if (events.ok()) {
    for (const auto& event : *events) (void)event.payload.dump();
  }
  return 0;
}
