// Object re-encryption: rewrites one stream-encrypted recording object
// (stream_cipher.hpp) under the keyring's active key, streamed in constant
// memory, from any object store to any object store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hub/crypto/keyring.hpp"
#include "hub/object_store/object_store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::key_rotation {

// The key id in the header of the stream object `key` of `store` (one small
// read). The store's errors unchanged (kNotFound, kUnavailable, …);
// kInvalidArgument when the object is not a stream.
sdk::Result<std::string> stream_object_key_id(object_store::ObjectStore& store,
                                              std::string_view key);

// Reads `source_key` of `source` in one streamed read, decrypts it with any
// key of `keyring` and writes it re-encrypted under the active key to
// `target`, then commits `target` (durable and visible). On any error
// `target` is aborted: nothing of it remains, and the source is untouched.
// `expected_plaintext_size`, when known, makes truncation errors exact.
// `binding`: the stream cipher's (domain::recording_stream_binding): the
// source opens under it (a version 1 object, written before bindings,
// ignores it) and the target is bound to it. Returns the plaintext size.
// Errors: the decryptor's (kInvalidArgument for damage, kFailedPrecondition
// for a missing key), the stores' (kUnavailable for a failed disk or
// service, kNotFound for a missing source).
sdk::Result<std::uint64_t> reencrypt_stream_object(
    std::shared_ptr<const crypto::Keyring> keyring, object_store::ObjectStore& source,
    std::string_view source_key, std::unique_ptr<object_store::ObjectWriter> target,
    std::optional<std::uint64_t> expected_plaintext_size, std::string_view binding = {});

}  // namespace wasl::key_rotation
