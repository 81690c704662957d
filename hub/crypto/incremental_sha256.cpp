#include "hub/crypto/incremental_sha256.hpp"

#include <openssl/evp.h>

#include "hub/crypto/hex.hpp"

namespace wasl::crypto {

using sdk::Error;
using sdk::ErrorCode;

struct IncrementalSha256::Context {
  EVP_MD_CTX* ctx = nullptr;
  ~Context() { EVP_MD_CTX_free(ctx); }
};

sdk::Result<IncrementalSha256> IncrementalSha256::create() {
  auto context = std::make_unique<Context>();
  context->ctx = EVP_MD_CTX_new();
  if (context->ctx == nullptr || EVP_DigestInit_ex(context->ctx, EVP_sha256(), nullptr) != 1) {
    return Error(ErrorCode::kInternal, "OpenSSL could not start a SHA-256 digest", false);
  }
  return IncrementalSha256(std::move(context));
}

IncrementalSha256::IncrementalSha256(std::unique_ptr<Context> context)
    : context_(std::move(context)) {}
IncrementalSha256::IncrementalSha256(IncrementalSha256&&) noexcept = default;
IncrementalSha256& IncrementalSha256::operator=(IncrementalSha256&&) noexcept = default;
IncrementalSha256::~IncrementalSha256() = default;

sdk::Status IncrementalSha256::update(std::string_view bytes) {
  if (finished_ || !context_) {
    return Error(ErrorCode::kFailedPrecondition, "the SHA-256 digest is already finished", false);
  }
  if (bytes.empty()) return {};
  if (EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size()) != 1) {
    return Error(ErrorCode::kInternal, "OpenSSL failed to update a SHA-256 digest", false);
  }
  return {};
}

sdk::Result<std::string> IncrementalSha256::finish_hex() {
  if (finished_ || !context_) {
    return Error(ErrorCode::kFailedPrecondition, "the SHA-256 digest is already finished", false);
  }
  finished_ = true;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context_->ctx, digest, &size) != 1) {
    return Error(ErrorCode::kInternal, "OpenSSL failed to finish a SHA-256 digest", false);
  }
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace wasl::crypto
