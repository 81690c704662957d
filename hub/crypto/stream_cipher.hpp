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

// The most bytes a stream header takes (a 64-character key id): the first
// this many bytes of a stored stream (or all of it, when shorter) hold its
// whole header.
inline constexpr std::size_t kStreamMaxHeaderSize = stream_header_size(64);

// Push-style range decryption: the plaintext bytes [offset, offset + length)
// of a stored stream out of ONE sequential read of the ciphertext that
// covers them, decrypted segment by segment as the bytes arrive, so a store
// that streams (a file, an object store's ranged GET) serves any range with
// a single request besides the small one for the header, in constant
// memory (one segment).
//
//   1. read the stream's first kStreamMaxHeaderSize bytes; create();
//   2. read [ciphertext_offset(), + ciphertext_length()) in order, passing
//      every byte to write() as it comes;
//   3. finish() when the read has ended.
//
// Plaintext goes to the sink only after its segment authenticated; the
// first call of the sink therefore means the range's first segment is this
// recording's and intact (a consumer may commit to answering then). A range
// that reaches the final segment reads one byte past where the stream must
// end, so bytes appended after the final segment are found (write() fails);
// a stream cut short is found by finish(). Errors as for StreamDecryptor
// (kInvalidArgument naming the segment and the damage, kFailedPrecondition
// for an unknown or retired key), plus the sink's own. Not thread-safe.
class StreamRangeDecryptor {
 public:
  // `header_bytes`: the stream's first bytes, at least its whole header.
  // `plaintext_size`: the stored plaintext size (recordings.size_bytes).
  // The range is clipped at the plaintext's end; kInvalidArgument when
  // `offset` lies past it. `binding` as for StreamDecryptor.
  static sdk::Result<StreamRangeDecryptor> create(const Keyring& keyring,
                                                  std::string_view header_bytes,
                                                  std::uint64_t plaintext_size,
                                                  std::uint64_t offset, std::uint64_t length,
                                                  StreamSink sink, std::string_view binding = {});

  StreamRangeDecryptor(StreamRangeDecryptor&&) noexcept;
  StreamRangeDecryptor& operator=(StreamRangeDecryptor&&) noexcept;
  ~StreamRangeDecryptor();

  // The ciphertext span to read: where it starts in the stored stream and
  // how many bytes (0 for an empty range: nothing to read).
  std::uint64_t ciphertext_offset() const { return span_offset_; }
  std::uint64_t ciphertext_length() const { return span_length_; }

  // Adds the span's next bytes; the plaintext of each segment that
  // completes goes to the sink, clipped to the range.
  sdk::Status write(std::string_view ciphertext);
  // The read ended: fails when a segment of the range is missing.
  sdk::Status finish();

  // Plaintext bytes handed to the sink so far.
  std::uint64_t delivered() const { return delivered_; }
  // Bytes of the range (after clipping).
  std::uint64_t range_length() const { return end_ - offset_; }
  const std::string& key_id() const { return key_id_; }

 private:
  StreamRangeDecryptor() = default;
  std::size_t record_size(std::uint64_t index) const;
  sdk::Status open_record(const unsigned char* record, std::size_t record_len);
  sdk::Status fail(sdk::Error error);

  std::optional<Aes256Gcm> gcm_;
  StreamSink sink_;
  std::string header_;
  std::string aad_;
  std::string key_id_;
  std::uint64_t plaintext_size_ = 0;
  std::uint64_t segments_ = 0;
  std::uint64_t offset_ = 0;  // the range, clipped: [offset_, end_)
  std::uint64_t end_ = 0;
  std::uint64_t next_ = 0;  // the segment the next bytes belong to
  std::uint64_t last_ = 0;  // the range's last segment
  std::uint64_t span_offset_ = 0;
  std::uint64_t span_length_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t delivered_ = 0;
  std::unique_ptr<unsigned char[]> pending_;  // a segment + tag being gathered
  std::size_t pending_size_ = 0;
  std::unique_ptr<unsigned char[]> plain_;  // a segment
  bool finished_ = false;
  std::optional<sdk::Error> failed_;
};

// Conveniences over std::istream / std::ostream, in constant memory.
// An ostream write failure is kUnavailable.
sdk::Status encrypt_stream(const Keyring& keyring, std::istream& in, std::ostream& out);
sdk::Status decrypt_stream(std::shared_ptr<const Keyring> keyring, std::istream& in,
                           std::ostream& out,
                           std::optional<std::uint64_t> expected_plaintext_size = std::nullopt,
                           std::string_view binding = {});

}  // namespace wasl::crypto
