// MLLP framing: a sender's byte stream through MllpFramer, cut into chunks
// the input chooses. The messages must not depend on where the stream is
// cut, and each must respect the limit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/mllp/mllp_framer.hpp"

namespace {

struct Framed {
  std::string data;
  bool oversize = false;
  bool operator==(const Framed& other) const {
    return data == other.data && oversize == other.oversize;
  }
};

// Feeds `stream` in chunks whose sizes cycle through `cuts` (1..16 bytes).
std::vector<Framed> frame(std::string_view stream, std::size_t max, std::size_t keep,
                          std::string_view cuts) {
  wasl::mllp::MllpFramer framer(max, keep);
  std::vector<Framed> out;
  std::size_t turn = 0;
  while (!stream.empty()) {
    std::size_t chunk = stream.size();
    if (!cuts.empty()) chunk = static_cast<unsigned char>(cuts[turn++ % cuts.size()]) % 16 + 1;
    std::string_view part = stream.substr(0, chunk);
    stream.remove_prefix(part.size());
    while (!part.empty()) {
      const std::size_t used = framer.feed(part);
      if (used > part.size()) __builtin_trap();
      part.remove_prefix(used);
      const auto state = framer.state();
      if (state == wasl::mllp::MllpFramer::State::kComplete ||
          state == wasl::mllp::MllpFramer::State::kOversize) {
        const bool oversize = state == wasl::mllp::MllpFramer::State::kOversize;
        out.push_back({framer.take(), oversize});
        const Framed& last = out.back();
        if (!oversize && last.data.size() > max) __builtin_trap();
        if (oversize && last.data.size() != std::min(keep, max)) __builtin_trap();
        if (!oversize && last.data.find("\x1c\r") != std::string::npos) __builtin_trap();
      } else if (used == 0) {
        __builtin_trap();  // no progress while a message is not ready
      }
    }
  }
  return out;
}

}  // namespace

// Input: byte 0 the limit (0..255), byte 1 the kept prefix of an over-size
// message, bytes 2..5 the chunk sizes, the rest the stream.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 6) return 0;
  const std::size_t max = data[0];
  const std::size_t keep = data[1];
  const std::string_view cuts(reinterpret_cast<const char*>(data + 2), 4);
  const std::string_view stream(reinterpret_cast<const char*>(data + 6), size - 6);
  const std::vector<Framed> whole = frame(stream, max, keep, {});
  if (frame(stream, max, keep, cuts) != whole) __builtin_trap();
  if (frame(stream, max, keep, std::string_view("\0", 1)) != whole) __builtin_trap();  // bytewise
  // With no practical limit, every message the stream holds comes whole.
  for (const Framed& message : frame(stream, 1 << 20, keep, cuts)) {
    if (message.oversize) __builtin_trap();
  }
  return 0;
}
