#include "hub/plugin_host/file_sha256.hpp"

#include <array>
#include <fstream>

#include "hub/crypto/incremental_sha256.hpp"

namespace wasl::plugin_host {

sdk::Result<std::string> file_sha256(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return sdk::Error(sdk::ErrorCode::kNotFound, "cannot open " + file.string() + " to hash it");
  }
  WASL_ASSIGN_OR_RETURN(crypto::IncrementalSha256 digest, crypto::IncrementalSha256::create());
  std::array<char, 1 << 16> block;
  while (in) {
    in.read(block.data(), block.size());
    std::streamsize got = in.gcount();
    if (got > 0) {
      WASL_RETURN_IF_ERROR(digest.update(std::string_view(block.data(), static_cast<size_t>(got))));
    }
  }
  if (in.bad()) {
    return sdk::Error(sdk::ErrorCode::kUnavailable, "reading " + file.string() + " failed");
  }
  return digest.finish_hex();
}

}  // namespace wasl::plugin_host
