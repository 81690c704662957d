#include "hub/plugin_host/file_sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <memory>

namespace wasl::plugin_host {

sdk::Result<std::string> file_sha256(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return sdk::Error(sdk::ErrorCode::kNotFound, "cannot open " + file.string() + " to hash it");
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return sdk::Error(sdk::ErrorCode::kInternal, "OpenSSL could not start a SHA-256 digest");
  }
  std::array<char, 1 << 16> block;
  while (in) {
    in.read(block.data(), block.size());
    std::streamsize got = in.gcount();
    if (got > 0 && EVP_DigestUpdate(ctx.get(), block.data(), static_cast<size_t>(got)) != 1) {
      return sdk::Error(sdk::ErrorCode::kInternal, "OpenSSL failed while hashing " + file.string());
    }
  }
  if (in.bad()) {
    return sdk::Error(sdk::ErrorCode::kUnavailable, "reading " + file.string() + " failed");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1) {
    return sdk::Error(sdk::ErrorCode::kInternal, "OpenSSL could not finish a SHA-256 digest");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

}  // namespace wasl::plugin_host
