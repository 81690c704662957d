#include "hub/key_rotation/file_reencryption.hpp"

#include <cstring>

#include "hub/crypto/stream_cipher.hpp"

namespace wasl::key_rotation {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

Result<std::string> stream_object_key_id(object_store::ObjectStore& store, std::string_view key) {
  std::string header;
  WASL_RETURN_IF_ERROR(
      store.read(key, 0, crypto::kStreamMaxHeaderSize, [&header](std::string_view chunk) -> Status {
        header.append(chunk);
        return {};
      }));
  const std::string name = std::string(store.kind()) + " object " + std::string(key);
  if (header.size() < 8 || std::memcmp(header.data(), "WASLSE", 6) != 0) {
    return Error(ErrorCode::kInvalidArgument, name + " is not a Wasl stream");
  }
  std::size_t len = static_cast<unsigned char>(header[7]);
  if (len == 0 || len > 64 || header.size() < 8 + len) {
    return Error(ErrorCode::kInvalidArgument, name + " has a malformed stream header");
  }
  return header.substr(8, len);
}

Result<std::uint64_t> reencrypt_stream_object(std::shared_ptr<const crypto::Keyring> keyring,
                                              object_store::ObjectStore& source,
                                              std::string_view source_key,
                                              std::unique_ptr<object_store::ObjectWriter> target,
                                              std::optional<std::uint64_t> expected,
                                              std::string_view binding) {
  object_store::ObjectWriter& out = *target;
  auto written = [&]() -> Result<std::uint64_t> {
    WASL_ASSIGN_OR_RETURN(
        crypto::StreamEncryptor encryptor,
        crypto::StreamEncryptor::create(
            *keyring, [&out](std::string_view bytes) { return out.write(bytes); }, binding));
    WASL_ASSIGN_OR_RETURN(
        crypto::StreamDecryptor decryptor,
        crypto::StreamDecryptor::create(
            keyring, [&encryptor](std::string_view plain) { return encryptor.write(plain); },
            expected, binding));
    WASL_RETURN_IF_ERROR(
        source.read(source_key, 0, UINT64_MAX,
                    [&decryptor](std::string_view chunk) { return decryptor.write(chunk); }));
    WASL_RETURN_IF_ERROR(decryptor.finish());
    WASL_RETURN_IF_ERROR(encryptor.finish());
    WASL_RETURN_IF_ERROR(out.commit());
    return decryptor.plaintext_size();
  }();
  if (!written.ok()) target->abort();
  return written;
}

}  // namespace wasl::key_rotation
