// SecretBytes: a fixed-size buffer for key material that is wiped
// (OPENSSL_cleanse) when destroyed or moved from.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace wasl::crypto {

// Owns its bytes; move-only so key material is never silently duplicated.
// Not thread-safe to mutate; const access from many threads is fine.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string_view bytes);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  const unsigned char* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // A borrowed view, valid while this object lives and is not moved from.
  std::string_view view() const { return {reinterpret_cast<const char*>(data_.get()), size_}; }

 private:
  void wipe();

  std::unique_ptr<unsigned char[]> data_;
  std::size_t size_ = 0;
};

}  // namespace wasl::crypto
