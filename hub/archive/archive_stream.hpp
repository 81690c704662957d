// ArchiveStream: a recording's plaintext, handed over in chunks of any size,
// into an encrypted archive file and the plaintext's SHA-256, in a pipeline:
//
//   caller's thread   copies each chunk into 1 MiB blocks (a fixed pool)
//   digest thread     SHA-256 (OpenSSL, which uses the CPU's SHA extensions)
//   cipher thread     StreamEncryptor (AES-256-GCM segments) into aligned
//                     output buffers
//   writer thread     each full buffer to a DurableFileWriter in one large
//                     direct write where the file system allows it
//
// so hashing and encryption run at once, on different cores, while the
// caller fetches the next chunk, and the disk writes while the next buffer is
// encrypted. Memory is fixed whatever the size: Options::blocks plaintext
// blocks, Options::write_buffers output buffers and the encryptor's two
// segments (about 12 MiB with the defaults); a full pool makes write()
// wait (back-pressure). finish() seals the last segment, writes the tail,
// fsyncs and renames the file into place and fsyncs its directory (one fsync
// each, at the end).
//
// Errors: the first failure of any stage (OpenSSL, the disk) is returned by
// the write() or finish() that notices it; the file is then discarded.
// Destroying an unfinished stream stops its threads and removes the
// temporary file.
//
// Not thread-safe: one caller thread drives a stream. The keyring is only
// used in open().
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "hub/crypto/keyring.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::archive {

struct ArchiveStreamOptions {
  std::size_t block_size = 1 << 20;  // plaintext bytes per block
  int blocks = 6;                    // blocks in flight at most
  std::size_t write_size = 2 << 20;  // ciphertext bytes per file write
  int write_buffers = 3;             // output buffers in flight at most
  bool direct_io = true;             // O_DIRECT where the file system allows it
};

struct ArchivedStream {
  std::string sha256_hex;  // of the plaintext
  std::uint64_t plaintext_bytes = 0;
  std::uint64_t file_bytes = 0;  // the encrypted file's size
  std::string key_id;            // the key that encrypted it
};

class ArchiveStream {
 public:
  // Creates the temporary file next to `target` and starts the threads.
  // `binding`: the stream cipher's (domain::recording_stream_binding), so
  // the file decrypts only for the row it was written for.
  static sdk::Result<std::unique_ptr<ArchiveStream>> open(const crypto::Keyring& keyring,
                                                          const std::filesystem::path& target,
                                                          ArchiveStreamOptions options = {},
                                                          std::string_view binding = {});
  ~ArchiveStream();
  ArchiveStream(const ArchiveStream&) = delete;
  ArchiveStream& operator=(const ArchiveStream&) = delete;

  // Adds plaintext (copied before returning).
  sdk::Status write(std::string_view chunk);
  // Ends the stream and makes the file durable at its target. Once.
  sdk::Result<ArchivedStream> finish();

  std::uint64_t plaintext_bytes() const;

 private:
  struct Pipeline;
  explicit ArchiveStream(std::unique_ptr<Pipeline> pipeline);
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace wasl::archive
