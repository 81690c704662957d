#include "hub/crypto/aead.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>

namespace wasl::crypto {

namespace {

const EVP_CIPHER* gcm_cipher() {
  // Fetched once: an implicit fetch on every init costs a lookup per message.
  static const EVP_CIPHER* cipher = [] {
    const EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    return fetched != nullptr ? fetched : EVP_aes_256_gcm();
  }();
  return cipher;
}

sdk::Error openssl_failure() {
  return sdk::Error(sdk::ErrorCode::kInternal, "AES-256-GCM failed inside OpenSSL");
}

sdk::Error auth_failure() {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, "authentication failed");
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Feeds `len` bytes through EVP_CipherUpdate in int-sized pieces.
bool update(EVP_CIPHER_CTX* ctx, const unsigned char* in, std::size_t len, unsigned char* out) {
  while (len > 0) {
    int chunk = len > (INT_MAX / 2) ? (INT_MAX / 2) : static_cast<int>(len);
    int produced = 0;
    if (EVP_CipherUpdate(ctx, out, &produced, in, chunk) != 1 || produced != chunk) return false;
    in += chunk;
    out += chunk;
    len -= static_cast<std::size_t>(chunk);
  }
  return true;
}

bool add_aad(EVP_CIPHER_CTX* ctx, std::string_view aad) {
  if (aad.empty()) return true;
  int ignored = 0;
  return aad.size() <= INT_MAX &&
         EVP_CipherUpdate(ctx, nullptr, &ignored, bytes(aad), static_cast<int>(aad.size())) == 1;
}

struct OneShotCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~OneShotCtx() { EVP_CIPHER_CTX_free(ctx); }
};

sdk::Status check_key_nonce(std::string_view key, std::string_view nonce) {
  if (key.size() != kAes256KeySize) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "an AES-256 key must be 32 bytes");
  }
  if (nonce.empty() || nonce.size() > INT_MAX) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "a GCM nonce must not be empty");
  }
  return sdk::ok_status();
}

bool init_one_shot(EVP_CIPHER_CTX* ctx, std::string_view key, std::string_view nonce, int enc) {
  return ctx != nullptr &&
         EVP_CipherInit_ex(ctx, gcm_cipher(), nullptr, nullptr, nullptr, enc) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                             nullptr) == 1 &&
         EVP_CipherInit_ex(ctx, nullptr, nullptr, bytes(key), bytes(nonce), enc) == 1;
}

}  // namespace

sdk::Result<std::string> aes256_gcm_encrypt(std::string_view key, std::string_view nonce,
                                            std::string_view aad, std::string_view plaintext) {
  WASL_RETURN_IF_ERROR(check_key_nonce(key, nonce));
  OneShotCtx c;
  if (!init_one_shot(c.ctx, key, nonce, 1) || !add_aad(c.ctx, aad)) return openssl_failure();
  std::string out(plaintext.size() + kGcmTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int final_len = 0;
  if (!update(c.ctx, bytes(plaintext), plaintext.size(), o) ||
      EVP_CipherFinal_ex(c.ctx, o + plaintext.size(), &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kGcmTagSize, o + plaintext.size()) != 1) {
    return openssl_failure();
  }
  return out;
}

sdk::Result<std::string> aes256_gcm_decrypt(std::string_view key, std::string_view nonce,
                                            std::string_view aad,
                                            std::string_view ciphertext_and_tag) {
  WASL_RETURN_IF_ERROR(check_key_nonce(key, nonce));
  if (ciphertext_and_tag.size() < kGcmTagSize) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "AES-256-GCM input is shorter than its 16-byte tag");
  }
  std::size_t len = ciphertext_and_tag.size() - kGcmTagSize;
  OneShotCtx c;
  if (!init_one_shot(c.ctx, key, nonce, 0) || !add_aad(c.ctx, aad)) return openssl_failure();
  std::string out(len, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  unsigned char tag[kGcmTagSize];
  std::copy_n(bytes(ciphertext_and_tag) + len, kGcmTagSize, tag);
  if (!update(c.ctx, bytes(ciphertext_and_tag), len, o) ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag) != 1) {
    return openssl_failure();
  }
  int final_len = 0;
  if (EVP_CipherFinal_ex(c.ctx, o + len, &final_len) != 1) return auth_failure();
  return out;
}

void Aes256Gcm::CtxDeleter::operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }

Aes256Gcm::Aes256Gcm(std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx, Direction direction)
    : ctx_(std::move(ctx)), direction_(direction) {}
Aes256Gcm::Aes256Gcm(Aes256Gcm&&) noexcept = default;
Aes256Gcm& Aes256Gcm::operator=(Aes256Gcm&&) noexcept = default;
Aes256Gcm::~Aes256Gcm() = default;

sdk::Result<Aes256Gcm> Aes256Gcm::create(std::string_view key, Direction direction) {
  if (key.size() != kAes256KeySize) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "an AES-256 key must be 32 bytes");
  }
  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx(EVP_CIPHER_CTX_new());
  int enc = direction == Direction::kSeal ? 1 : 0;
  if (!ctx || EVP_CipherInit_ex(ctx.get(), gcm_cipher(), nullptr, bytes(key), nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kGcmNonceSize, nullptr) != 1) {
    return openssl_failure();
  }
  return Aes256Gcm(std::move(ctx), direction);
}

sdk::Status Aes256Gcm::seal(const unsigned char* nonce, std::string_view aad,
                            const unsigned char* in, std::size_t len, unsigned char* out,
                            unsigned char* tag) {
  if (direction_ != Direction::kSeal) {
    return sdk::Error(sdk::ErrorCode::kInternal, "an opening AES-256-GCM context cannot seal");
  }
  EVP_CIPHER_CTX* ctx = ctx_.get();
  int final_len = 0;
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, nonce, 1) != 1 || !add_aad(ctx, aad) ||
      !update(ctx, in, len, out) || EVP_CipherFinal_ex(ctx, out + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kGcmTagSize, tag) != 1) {
    return openssl_failure();
  }
  return sdk::ok_status();
}

sdk::Status Aes256Gcm::open(const unsigned char* nonce, std::string_view aad,
                            const unsigned char* in, std::size_t len, const unsigned char* tag,
                            unsigned char* out) {
  if (direction_ != Direction::kOpen) {
    return sdk::Error(sdk::ErrorCode::kInternal, "a sealing AES-256-GCM context cannot open");
  }
  EVP_CIPHER_CTX* ctx = ctx_.get();
  unsigned char tag_copy[kGcmTagSize];
  std::copy_n(tag, kGcmTagSize, tag_copy);
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, nonce, 0) != 1 || !add_aad(ctx, aad) ||
      !update(ctx, in, len, out) ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag_copy) != 1) {
    return openssl_failure();
  }
  int final_len = 0;
  if (EVP_CipherFinal_ex(ctx, out + len, &final_len) != 1) return auth_failure();
  return sdk::ok_status();
}

}  // namespace wasl::crypto
