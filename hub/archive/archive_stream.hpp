// ArchiveStream: a recording's plaintext, handed over in chunks of any size,
// into an encrypted object (an object_store::ObjectWriter) and the
// plaintext's SHA-256, in a pipeline:
//
//   caller's thread   copies each chunk into 1 MiB blocks (a fixed pool)
//   digest thread     SHA-256 (OpenSSL, which uses the CPU's SHA extensions)
//   cipher thread     StreamEncryptor (AES-256-GCM segments) into aligned
//                     output buffers
//   writer thread     each full buffer to the ObjectWriter in one write
//                     (aligned to 4 KiB and sized in multiples of it, so the
//                     local store writes it direct where the file system
//                     allows it)
//
// so hashing and encryption run at once, on different cores, while the
// caller fetches the next chunk, and the store writes while the next buffer
// is encrypted. Memory is fixed whatever the size: Options::blocks plaintext
// blocks, Options::write_buffers output buffers and the encryptor's two
// segments (about 12 MiB with the defaults); a full pool makes write()
// wait (back-pressure). finish() seals the last segment, writes the tail and
// commits the object (for the local store: one fsync, rename, directory
// fsync, at the end).
//
// Errors: the first failure of any stage (OpenSSL, the store) is returned by
// the write() or finish() that notices it; the object is then aborted.
// Destroying an unfinished stream stops its threads and aborts the object,
// so nothing of it remains.
//
// Not thread-safe: one caller thread drives a stream. The keyring is only
// used in open().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hub/crypto/keyring.hpp"
#include "hub/object_store/object_store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::archive {

struct ArchiveStreamOptions {
  std::size_t block_size = 1 << 20;  // plaintext bytes per block
  int blocks = 6;                    // blocks in flight at most
  std::size_t write_size = 2 << 20;  // ciphertext bytes per ObjectWriter::write
  int write_buffers = 3;             // output buffers in flight at most
};

struct ArchivedStream {
  std::string sha256_hex;  // of the plaintext
  std::uint64_t plaintext_bytes = 0;
  std::uint64_t file_bytes = 0;     // the encrypted object's size
  std::string key_id;               // the key that encrypted it
  object_store::ObjectInfo object;  // what commit() answered
};

class ArchiveStream {
 public:
  // Starts the threads; the ciphertext goes to `object`, which the stream
  // owns from here on (committed by finish(), aborted otherwise).
  // `binding`: the stream cipher's (domain::recording_stream_binding), so
  // the object decrypts only for the row it was written for.
  static sdk::Result<std::unique_ptr<ArchiveStream>> open(
      const crypto::Keyring& keyring, std::unique_ptr<object_store::ObjectWriter> object,
      ArchiveStreamOptions options = {}, std::string_view binding = {});
  ~ArchiveStream();
  ArchiveStream(const ArchiveStream&) = delete;
  ArchiveStream& operator=(const ArchiveStream&) = delete;

  // Adds plaintext (copied before returning).
  sdk::Status write(std::string_view chunk);
  // Ends the stream and commits the object (durable and visible). Once.
  sdk::Result<ArchivedStream> finish();

  std::uint64_t plaintext_bytes() const;

 private:
  struct Pipeline;
  explicit ArchiveStream(std::unique_ptr<Pipeline> pipeline);
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace wasl::archive
