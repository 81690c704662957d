// Streaming AES-256-GCM for recordings: encrypt and decrypt in constant
// memory, and read any plaintext byte range by decrypting only the segments
// it touches.
//
// Format, versions 1 and 2:
//
//   header:  "WASLSE" (6 bytes magic) ‖ version (1) ‖ L (1, 1-64)
//            ‖ key id (L bytes) ‖ nonce prefix (7 random bytes)
//   then segments 0 … n-1, each = GCM ciphertext ‖ 16-byte tag, where every
//   segment but the last carries exactly 64 KiB of plaintext and the last
//   carries 1 … 64 KiB (0 only for an empty plaintext, which is one empty
//   final segment). n = max(1, ceil(P / 65536)).
//
//   Segment i is sealed under the key named in the header with
//     nonce = prefix (7) ‖ i as 4 bytes big-endian ‖ (i == n-1 ? 0x01 : 0x00)
//     associated data = the whole header (version 1), or the whole header ‖
//     the binding (version 2).
//   The binding is a context the caller gives both when writing and when
//   reading, never stored in the stream: a recording's facility and id
//   (domain::recording_stream_binding). A stream written with one is version
//   2, and opens only under the same binding, so a file moved to another
//   recording's row fails authentication. Version 1 streams (written before
//   bindings, or with none) open with or without one.
//   Ciphertext size = header size + P + 16 n (see stream_ciphertext_size).
//
// What this detects: a flipped bit anywhere (that segment fails), segments
// reordered or duplicated (counter in the nonce), a dropped final segment
// or a cut at a segment boundary (no segment with the final flag), a cut
// inside a segment, trailing bytes after the final segment, a header edited
// or swapped from another stream (header is the AAD of every segment), a
// bound stream read under another binding.
// Errors are kInvalidArgument with a sentence naming the segment and the
// kind of damage; kFailedPrecondition when the key id is unknown or retired.
//
// Decryptors emit plaintext only after its segment's tag verified, but a
// stream damaged further on has already emitted its earlier segments: a
// consumer must treat the output as valid only when finish() succeeds
// (e.g. write to a temporary file and rename on success).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hub/crypto/aead.hpp"
#include "hub/crypto/keyring.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::crypto {

inline constexpr std::size_t kStreamSegmentSize = 64 * 1024;
inline constexpr std::size_t kStreamNoncePrefixSize = 7;

// Receives output bytes; the view is valid only during the call. A non-ok
// status stops the stream and is returned by the call that produced it.
using StreamSink = std::function<sdk::Status(std::string_view)>;

// Bytes of the header for a key id of `key_id_size` characters.
constexpr std::uint64_t stream_header_size(std::size_t key_id_size) {
  return 6 + 1 + 1 + key_id_size + kStreamNoncePrefixSize;
}
// Number of segments for a plaintext of `plaintext_size` bytes.
constexpr std::uint64_t stream_segment_count(std::uint64_t plaintext_size) {
  return plaintext_size == 0 ? 1 : (plaintext_size + kStreamSegmentSize - 1) / kStreamSegmentSize;
}
constexpr std::uint64_t stream_ciphertext_size(std::uint64_t plaintext_size,
                                               std::size_t key_id_size) {
  return stream_header_size(key_id_size) + plaintext_size +
         kGcmTagSize * stream_segment_count(plaintext_size);
}

// Push encryptor. Memory is fixed at creation: one plaintext segment
// buffer and one sealed-segment buffer (buffer_capacity()). Not thread-safe.
class StreamEncryptor {
 public:
  // Encrypts under the keyring's active key with a fresh nonce prefix and
  // passes the header to `sink` before returning. A non-empty `binding`
  // writes a version 2 stream bound to it.
  static sdk::Result<StreamEncryptor> create(const Keyring& keyring, StreamSink sink,
                                             std::string_view binding = {});

  StreamEncryptor(StreamEncryptor&&) noexcept;
  StreamEncryptor& operator=(StreamEncryptor&&) noexcept;
  ~StreamEncryptor();

  // Where a sealed segment may be written in place: called with the
  // segment's size (ciphertext and tag) before it is sealed; returns a
  // pointer to at least that many writable bytes, or null to seal into the
  // encryptor's own buffer. Either way the sink then receives a view of the
  // sealed bytes, so a consumer that gathers segments into larger buffers
  // can hand out the free end of its buffer and skip a copy.
  using OutputSpace = std::function<unsigned char*(std::size_t size)>;
  void set_output_space(OutputSpace space) { output_space_ = std::move(space); }

  // Adds plaintext; sealed segments go to the sink as they complete.
  sdk::Status write(std::string_view plaintext);
  // Seals the final segment. No write() after it.
  sdk::Status finish();

  const std::string& key_id() const { return key_id_; }
  std::uint64_t plaintext_size() const { return plaintext_size_; }
  std::uint64_t ciphertext_size() const { return ciphertext_size_; }
  // Most plaintext bytes ever held between calls (≤ kStreamSegmentSize).
  std::size_t peak_buffered_bytes() const { return peak_buffered_; }
  // Bytes of buffer this object owns, fixed for its life: 2 segments + tag.
  static constexpr std::size_t buffer_capacity() { return 2 * kStreamSegmentSize + kGcmTagSize; }

 private:
  StreamEncryptor(Aes256Gcm gcm, StreamSink sink, std::string header, std::string key_id);
  sdk::Status seal_segment(const unsigned char* in, std::size_t len, bool final);
  sdk::Status fail(sdk::Error error);

  Aes256Gcm gcm_;
  StreamSink sink_;
  OutputSpace output_space_;
  std::string header_;
  std::string aad_;  // header_, then the binding for version 2
  std::string key_id_;
  std::unique_ptr<unsigned char[]> pending_;  // kStreamSegmentSize
  std::size_t pending_size_ = 0;
  std::unique_ptr<unsigned char[]> sealed_;  // kStreamSegmentSize + tag
  std::uint64_t counter_ = 0;
  std::uint64_t plaintext_size_ = 0;
  std::uint64_t ciphertext_size_ = 0;
  std::size_t peak_buffered_ = 0;
  bool finished_ = false;
  std::optional<sdk::Error> failed_;
};

// Push decryptor, constant memory like the encryptor. When the plaintext
// size is known (recordings store it), pass it: truncation and trailing
// bytes are then named exactly and found before any decryption of the
// damaged part. Not thread-safe.
class StreamDecryptor {
 public:
  // `binding`: the one the stream was written with (a version 2 stream
  // opens only under it; a version 1 stream ignores it).
  static sdk::Result<StreamDecryptor> create(
      std::shared_ptr<const Keyring> keyring, StreamSink sink,
      std::optional<std::uint64_t> expected_plaintext_size = std::nullopt,
      std::string_view binding = {});

  StreamDecryptor(StreamDecryptor&&) noexcept;
  StreamDecryptor& operator=(StreamDecryptor&&) noexcept;
  ~StreamDecryptor();

  // Adds ciphertext; verified plaintext goes to the sink segment by segment.
  sdk::Status write(std::string_view ciphertext);
  // Verifies the final segment and that nothing is missing or left over.
  sdk::Status finish();

  std::uint64_t plaintext_size() const { return plaintext_size_; }
  // Most ciphertext bytes ever held between calls (≤ one segment + tag,
  // or the header).
  std::size_t peak_buffered_bytes() const { return peak_buffered_; }

 private:
  StreamDecryptor(std::shared_ptr<const Keyring> keyring, StreamSink sink,
                  std::optional<std::uint64_t> expected_plaintext_size, std::string binding);
  sdk::Status take_header(std::string_view& data);
  sdk::Status open_segment(const unsigned char* in, std::size_t record_len, bool final);
  std::size_t expected_record_size(std::uint64_t index) const;
  bool is_last(std::uint64_t index) const;
  sdk::Status fail(sdk::Error error);

  std::shared_ptr<const Keyring> keyring_;
  StreamSink sink_;
  std::optional<std::uint64_t> expected_plaintext_size_;
  std::string binding_;
  std::string header_;
  std::string aad_;  // header_, then binding_ for version 2
  bool header_done_ = false;
  std::optional<Aes256Gcm> gcm_;
  std::unique_ptr<unsigned char[]> pending_;  // segment + tag
  std::size_t pending_size_ = 0;
  std::unique_ptr<unsigned char[]> plain_;  // segment
  std::uint64_t counter_ = 0;
  std::uint64_t plaintext_size_ = 0;
  std::uint64_t ciphertext_seen_ = 0;
  std::size_t peak_buffered_ = 0;
  bool finished_ = false;
  bool saw_final_ = false;
  std::optional<sdk::Error> failed_;
};

// Random-access reader over a stored stream. Thread-safe for concurrent
// read() calls if `read_at` is.
class StreamRangeReader {
 public:
  // Returns `length` bytes at `offset` of the ciphertext, fewer only at its
  // end. Called once for the header and once per segment touched.
  using ReadAt = std::function<sdk::Result<std::string>(std::uint64_t offset, std::size_t length)>;

  // `ciphertext_size` and `plaintext_size` are the stored sizes; a mismatch
  // (truncated file, trailing bytes) is refused here. `binding` as for
  // StreamDecryptor.
  static sdk::Result<StreamRangeReader> open(std::shared_ptr<const Keyring> keyring, ReadAt read_at,
                                             std::uint64_t ciphertext_size,
                                             std::uint64_t plaintext_size,
                                             std::string_view binding = {});
  // Same over a file, read with pread; the file stays open while the reader
  // (or a copy) lives.
  static sdk::Result<StreamRangeReader> open_file(std::shared_ptr<const Keyring> keyring,
                                                  const std::filesystem::path& path,
                                                  std::uint64_t plaintext_size,
                                                  std::string_view binding = {});

  // Plaintext bytes [offset, offset + length), clipped at the end of the
  // plaintext; kInvalidArgument if offset > plaintext_size().
  sdk::Result<std::string> read(std::uint64_t offset, std::size_t length) const;
  // Same, delivered to `sink` one segment slice at a time (constant memory
  // for long ranges).
  sdk::Status read_to(std::uint64_t offset, std::uint64_t length, const StreamSink& sink) const;

  std::uint64_t plaintext_size() const { return plaintext_size_; }
  const std::string& key_id() const { return key_id_; }

 private:
  StreamRangeReader() = default;

  std::shared_ptr<const Keyring> keyring_;
  ReadAt read_at_;
  std::string header_;
  std::string aad_;  // header_, then the binding for version 2
  std::string key_id_;
  std::uint64_t plaintext_size_ = 0;
  std::uint64_t segments_ = 0;
};

// Conveniences over std::istream / std::ostream, in constant memory.
// An ostream write failure is kUnavailable.
sdk::Status encrypt_stream(const Keyring& keyring, std::istream& in, std::ostream& out);
sdk::Status decrypt_stream(std::shared_ptr<const Keyring> keyring, std::istream& in,
                           std::ostream& out,
                           std::optional<std::uint64_t> expected_plaintext_size = std::nullopt,
                           std::string_view binding = {});

}  // namespace wasl::crypto
