#include "hub/crypto/secret_bytes.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace wasl::crypto {

SecretBytes::SecretBytes(std::string_view bytes)
    : data_(std::make_unique<unsigned char[]>(bytes.empty() ? 1 : bytes.size())),
      size_(bytes.size()) {
  if (size_ > 0) std::memcpy(data_.get(), bytes.data(), size_);
}

SecretBytes::~SecretBytes() { wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(other.size_) {
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

void SecretBytes::wipe() {
  if (data_ && size_ > 0) OPENSSL_cleanse(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

}  // namespace wasl::crypto
