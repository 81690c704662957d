// One MLLP exchange as a client: a plain TCP connection to the HIS, the
// message framed 0x0B <bytes> 0x1C 0x0D, and the acknowledgement's frame
// read back. The host lends plugins only HTTP, so this opens its own socket
// (non-blocking, every wait a poll() bounded by one deadline). Thread-safe:
// each call has its own connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::hl7v2 {

struct MllpEndpoint {
  std::string host;  // name or IP address
  int port = 0;
  // For the whole exchange: connecting, writing and reading the answer.
  std::chrono::milliseconds timeout{10000};
};

// The largest acknowledgement read (framing included).
inline constexpr std::size_t kMaxMllpAnswerBytes = 64 * 1024;

// Sends `message` (bytes in the wire's character set, unframed) and answers
// the bytes of the first frame the peer sends back, framing removed.
// Errors, none of them PHI:
// - kUnavailable (retryable): the name does not resolve, the connection is
//   refused or reset, or the peer closes it before a whole frame;
// - kDeadlineExceeded (retryable): `timeout` ran out;
// - kResourceExhausted (not retryable): an answer over kMaxMllpAnswerBytes;
// - kInvalidArgument (not retryable): an answer that is not an MLLP frame.
// Name resolution (getaddrinfo) is not bounded by the deadline.
sdk::Result<std::string> mllp_exchange(const MllpEndpoint& endpoint, std::string_view message);

}  // namespace wasl::plugins::hl7v2
