// A shared document's encrypted object: the plaintext, stream-encrypted
// (hub/crypto/stream_cipher.hpp, the ".wse" format of the recording
// archive) under the keyring's active key and bound to the document's
// facility and id (document_stream_binding), written to an object store as
// "<facility>/documents/<id>.<key id>.wse". The encryptor holds at most two
// 64 KiB segments; the plaintext is read from the caller's buffer in
// place, so writing holds no second copy of it. The object becomes visible
// only when complete (ObjectWriter::commit); on any error nothing of it
// remains.
//
// Errors: the object store's (kUnavailable for its disk or service), the
// keyring's (kFailedPrecondition), kInvalidArgument for ids that cannot be
// a key component. Thread-safe: calls share nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hub/crypto/keyring.hpp"
#include "hub/object_store/object_store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::clinical {

struct StoredDocumentObject {
  std::string locator;  // what the row keeps (ObjectStore::locator)
  std::string key_id;   // the key that encrypted it
  std::uint64_t ciphertext_bytes = 0;
};

sdk::Result<StoredDocumentObject> write_document_object(object_store::ObjectStore& store,
                                                        const crypto::Keyring& keyring,
                                                        std::string_view facility_id,
                                                        std::string_view document_id,
                                                        std::string_view plaintext);

}  // namespace wasl::clinical
