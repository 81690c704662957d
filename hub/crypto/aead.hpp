// AES-256-GCM (NIST SP 800-38D) through OpenSSL EVP, with 16-byte tags.
//
// Two levels:
//  - aes256_gcm_encrypt / aes256_gcm_decrypt: one-shot functions over a raw
//    key and nonce, used for known-answer tests and small messages;
//  - Aes256Gcm: a keyed context that keeps the key schedule and seals or
//    opens many messages with 96-bit nonces, used by the field and stream
//    formats.
// Nonce uniqueness is the caller's duty: never seal two messages under one
// key with one nonce.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace wasl::crypto {

inline constexpr std::size_t kAes256KeySize = 32;
inline constexpr std::size_t kGcmNonceSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;

// Returns ciphertext ‖ tag (plaintext.size() + 16 bytes). `key` must be 32
// bytes; `nonce` any non-empty length (12 is the standard). kInvalidArgument
// for a wrong key or empty nonce, kInternal if OpenSSL fails.
sdk::Result<std::string> aes256_gcm_encrypt(std::string_view key, std::string_view nonce,
                                            std::string_view aad, std::string_view plaintext);

// Takes ciphertext ‖ tag and returns the plaintext. kInvalidArgument with
// "authentication failed" when the tag does not verify (no plaintext is
// returned then), or for a wrong key size, empty nonce or input shorter than
// a tag.
sdk::Result<std::string> aes256_gcm_decrypt(std::string_view key, std::string_view nonce,
                                            std::string_view aad,
                                            std::string_view ciphertext_and_tag);

// A keyed AES-256-GCM context for one direction. Not thread-safe: one
// instance per thread (or per stream). Movable, not copyable.
class Aes256Gcm {
 public:
  enum class Direction { kSeal, kOpen };

  // `key` must be 32 bytes; it is copied into OpenSSL's key schedule, which
  // is wiped when this object is destroyed.
  static sdk::Result<Aes256Gcm> create(std::string_view key, Direction direction);

  Aes256Gcm(Aes256Gcm&&) noexcept;
  Aes256Gcm& operator=(Aes256Gcm&&) noexcept;
  ~Aes256Gcm();

  // Encrypts in[0, len) into out[0, len) (out may equal in) and writes the
  // 16-byte tag to `tag`. `nonce` is 12 bytes. kInternal on OpenSSL failure.
  sdk::Status seal(const unsigned char* nonce, std::string_view aad, const unsigned char* in,
                   std::size_t len, unsigned char* out, unsigned char* tag);

  // Decrypts in[0, len) into out[0, len) and verifies `tag`. On a bad tag
  // returns kInvalidArgument ("authentication failed") and out holds
  // unverified bytes the caller must discard.
  sdk::Status open(const unsigned char* nonce, std::string_view aad, const unsigned char* in,
                   std::size_t len, const unsigned char* tag, unsigned char* out);

 private:
  struct CtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const;
  };
  Aes256Gcm(std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx, Direction direction);

  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx_;
  Direction direction_;
};

}  // namespace wasl::crypto
