#include "hub/clinical/document_object.hpp"

#include <memory>
#include <utility>

#include "hub/clinical/document_store.hpp"
#include "hub/crypto/stream_cipher.hpp"

namespace wasl::clinical {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

Result<StoredDocumentObject> write_document_object(object_store::ObjectStore& store,
                                                   const crypto::Keyring& keyring,
                                                   std::string_view facility_id,
                                                   std::string_view document_id,
                                                   std::string_view plaintext) {
  const std::string& key_id = keyring.active_key_id();
  const std::string key =
      std::string(facility_id) + "/documents/" + std::string(document_id) + "." + key_id + ".wse";
  if (!object_store::is_valid_key(key)) return object_store::invalid_key(key);
  WASL_ASSIGN_OR_RETURN(std::unique_ptr<object_store::ObjectWriter> writer, store.create(key));
  object_store::ObjectWriter& out = *writer;
  auto encryptor = crypto::StreamEncryptor::create(
      keyring, [&out](std::string_view sealed) { return out.write(sealed); },
      document_stream_binding(facility_id, document_id));
  if (!encryptor.ok()) {
    writer->abort();
    return encryptor.error();
  }
  for (std::size_t at = 0; at < plaintext.size(); at += crypto::kStreamSegmentSize) {
    if (auto written = encryptor->write(plaintext.substr(at, crypto::kStreamSegmentSize));
        !written.ok()) {
      writer->abort();
      return written.error();
    }
  }
  if (auto finished = encryptor->finish(); !finished.ok()) {
    writer->abort();
    return finished.error();
  }
  auto committed = writer->commit();
  if (!committed.ok()) {
    writer->abort();
    return committed.error();
  }
  return StoredDocumentObject{store.locator(key), encryptor->key_id(),
                              encryptor->ciphertext_size()};
}

}  // namespace wasl::clinical
