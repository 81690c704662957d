// MllpFramer: the MLLP (release 2) framing of one connection's byte stream,
// without sockets: bytes in, whole messages out. A message is the bytes
// between a start block (0x0B) and the end block 0x1C 0x0D. Bytes before a
// start block (a stray CR or LF between messages) are skipped; inside a
// message, a 0x1C not followed by 0x0D, and a 0x0B, are the message's own
// bytes.
//
// Memory is bounded by max_message_bytes: a message that grows beyond it is
// reported at once as over-size with its first truncated_keep_bytes, and its
// remaining bytes, up to its end block, are skipped afterwards.
//
// Not thread-safe: one framer per connection, used by one thread at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wasl::mllp {

inline constexpr char kStartBlock = 0x0B;
inline constexpr char kEndBlock = 0x1C;
inline constexpr char kCarriageReturn = 0x0D;
inline constexpr std::size_t kTruncatedKeepBytes = 64 * 1024;

class MllpFramer {
 public:
  enum class State {
    kIdle,       // between messages: no start block yet
    kInMessage,  // a start block read, its end not yet
    kComplete,   // a whole message is ready: take()
    kOversize,   // a message grew beyond the limit: take() gives its first bytes
  };

  explicit MllpFramer(std::size_t max_message_bytes,
                      std::size_t truncated_keep_bytes = kTruncatedKeepBytes);

  // Reads `bytes` until one message is complete or over-size, or `bytes` is
  // exhausted; returns how many bytes it consumed (the caller feeds the rest
  // after take()). In kComplete or kOversize it consumes nothing.
  std::size_t feed(std::string_view bytes);

  State state() const { return state_; }

  // The message of kComplete (its bytes, framing removed), or of kOversize
  // (its first min(truncated_keep_bytes, max_message_bytes) bytes); the
  // framer then reads the next message (after an over-size one, once that
  // message's end block has gone by). Empty in any other state.
  std::string take();

 private:
  std::size_t max_message_bytes_;
  std::size_t truncated_keep_bytes_;
  State state_ = State::kIdle;
  bool skipping_oversize_ = false;  // kIdle, after an over-size message: until its end block
  bool end_block_pending_ = false;  // the last byte read was a 0x1C
  std::string message_;
};

}  // namespace wasl::mllp
