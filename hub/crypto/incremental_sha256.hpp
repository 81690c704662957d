// IncrementalSha256: SHA-256 of a stream fed in pieces, through OpenSSL's
// EVP_Digest* calls, in constant memory: a recording's plaintext while it
// streams into the archive, a plugin file checked against its pinned hash.
//
// Not thread-safe: one stream, one thread. Move-only (owns an EVP_MD_CTX).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::crypto {

class IncrementalSha256 {
 public:
  // kInternal when OpenSSL cannot provide SHA-256 (a broken installation).
  static sdk::Result<IncrementalSha256> create();

  IncrementalSha256(IncrementalSha256&&) noexcept;
  IncrementalSha256& operator=(IncrementalSha256&&) noexcept;
  ~IncrementalSha256();

  // Adds bytes. kInternal only if OpenSSL fails; kFailedPrecondition after finish_hex().
  sdk::Status update(std::string_view bytes);
  // Lowercase hex of the digest of everything added. Once only.
  sdk::Result<std::string> finish_hex();

 private:
  struct Context;
  explicit IncrementalSha256(std::unique_ptr<Context> context);
  std::unique_ptr<Context> context_;
  bool finished_ = false;
};

}  // namespace wasl::crypto
