// ClamdScanner: asks a ClamAV daemon (clamd) whether bytes carry malware,
// over clamd's INSTREAM command ("zINSTREAM\0", then chunks each prefixed
// by its 4-byte big-endian length, then a zero length; clamd answers
// "stream: OK" or "stream: <signature> FOUND"). One connection per scan;
// the bytes go in chunks of kChunkSize straight from the caller's buffer,
// so a scan holds no copy of what it scans.
//
// Where clamd listens: "tcp://HOST:PORT" or "unix:/path/to/clamd.ctl"
// (documents.clamd in the configuration).
//
// Errors: kUnavailable (clamd cannot be reached, closes the connection, or
// answers with an error such as its size limit; retryable: the file was
// not scanned), kDeadlineExceeded (no answer within the timeout),
// kInvalidArgument (an address of neither form). Thread-safe: scans share
// nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::clinical {

struct ScanVerdict {
  bool clean = false;
  std::string signature;  // what clamd found, when not clean
};

class ClamdScanner {
 public:
  static constexpr std::size_t kChunkSize = 64 * 1024;

  // Checks the form of `address`; nothing is connected yet.
  static sdk::Result<ClamdScanner> create(std::string address, std::chrono::milliseconds timeout);

  sdk::Result<ScanVerdict> scan(std::string_view bytes) const;
  // PING → PONG: whether clamd answers (wasl check).
  sdk::Status ping() const;

  const std::string& address() const { return address_; }

 private:
  ClamdScanner(std::string address, std::string host, int port, std::string socket_path,
               std::chrono::milliseconds timeout);

  std::string address_;
  std::string host_;
  int port_ = 0;
  std::string socket_path_;  // set for unix:
  std::chrono::milliseconds timeout_;
};

}  // namespace wasl::clinical
