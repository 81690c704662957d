#include "hub/crypto/stream_cipher.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <istream>
#include <ostream>

#include "hub/crypto/random.hpp"

namespace wasl::crypto {

namespace {

constexpr std::string_view kMagic = "WASLSE";
constexpr unsigned char kVersionUnbound = 0x01;  // AAD = the header
constexpr unsigned char kVersionBound = 0x02;    // AAD = the header ‖ the binding
constexpr std::size_t kFixedHeaderSize = 8;      // magic, version, key id length
constexpr std::size_t kMaxStreamKeyIdSize = 64;
constexpr std::size_t kRecordSize = kStreamSegmentSize + kGcmTagSize;
constexpr std::uint64_t kMaxSegments = std::uint64_t{1} << 32;
// How far from its position a misplaced segment is looked for when naming
// the damage (only on the failure path).
constexpr std::uint64_t kReorderWindow = 8;

sdk::Error damaged(std::string message) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, "recording stream " + std::move(message));
}

void make_nonce(std::string_view header, std::uint64_t index, bool final, unsigned char* nonce) {
  std::memcpy(nonce, header.data() + header.size() - kStreamNoncePrefixSize,
              kStreamNoncePrefixSize);
  nonce[7] = static_cast<unsigned char>(index >> 24);
  nonce[8] = static_cast<unsigned char>(index >> 16);
  nonce[9] = static_cast<unsigned char>(index >> 8);
  nonce[10] = static_cast<unsigned char>(index);
  nonce[11] = final ? 0x01 : 0x00;
}

// The associated data of every segment of a stream with `header`.
std::string aad_of(std::string_view header, std::string_view binding) {
  std::string aad(header);
  if (static_cast<unsigned char>(header[6]) == kVersionBound) aad.append(binding);
  return aad;
}

bool try_open(Aes256Gcm& gcm, std::string_view header, std::string_view aad,
              const unsigned char* record, std::size_t record_len, std::uint64_t index, bool final,
              unsigned char* out) {
  unsigned char nonce[kGcmNonceSize];
  make_nonce(header, index, final, nonce);
  std::size_t len = record_len - kGcmTagSize;
  return gcm.open(nonce, aad, record, len, record + len, out).ok();
}

// Segment `index` did not open as expected: find out what it really is, to
// name the damage. Runs only on the failure path.
sdk::Error describe_failure(Aes256Gcm& gcm, std::string_view header, std::string_view aad,
                            const unsigned char* record, std::size_t record_len,
                            std::uint64_t index, bool expected_final, bool at_unknown_end,
                            unsigned char* scratch) {
  std::string seg = "segment " + std::to_string(index);
  if (try_open(gcm, header, aad, record, record_len, index, !expected_final, scratch)) {
    if (expected_final) {
      return damaged("is truncated: " + seg +
                     " is not the final segment and the rest of the stream is missing");
    }
    return damaged("has trailing data after its final segment (" + seg + ")");
  }
  std::uint64_t from = index > kReorderWindow ? index - kReorderWindow : 0;
  std::uint64_t to = std::min(index + kReorderWindow, kMaxSegments - 1);
  for (std::uint64_t j = from; j <= to; ++j) {
    if (j == index) continue;
    for (bool final : {false, true}) {
      if (try_open(gcm, header, aad, record, record_len, j, final, scratch)) {
        return damaged("is out of order: " + seg + " was written as segment " + std::to_string(j) +
                       " (segments were reordered or duplicated)");
      }
    }
  }
  if (at_unknown_end) {
    return damaged(seg +
                   " (the last one) failed authentication: it was altered, cut short, or has "
                   "bytes appended");
  }
  if (static_cast<unsigned char>(header[6]) == kVersionBound) {
    return damaged(seg +
                   " failed authentication: it was altered, or the stream belongs to "
                   "another stream or recording (it is bound to the one it was written for)");
  }
  return damaged(seg + " failed authentication: it was altered or belongs to another stream");
}

struct ParsedStreamHeader {
  std::size_t size = 0;
  std::string key_id;
};

// Checks the fixed part of a header (first 8 bytes) and returns the full
// header size it announces.
sdk::Result<std::size_t> header_size_from_prefix(std::string_view prefix) {
  if (prefix.substr(0, kMagic.size()) != kMagic) {
    return damaged("does not start with the WASLSE magic: it is not an encrypted recording");
  }
  if (static_cast<unsigned char>(prefix[6]) != kVersionUnbound &&
      static_cast<unsigned char>(prefix[6]) != kVersionBound) {
    return damaged("has format version " + std::to_string(static_cast<unsigned char>(prefix[6])) +
                   ", which this hub cannot read");
  }
  std::size_t id_size = static_cast<unsigned char>(prefix[7]);
  if (id_size == 0 || id_size > kMaxStreamKeyIdSize)
    return damaged("has a malformed key id in its header");
  return static_cast<std::size_t>(stream_header_size(id_size));
}

std::string key_id_of_header(std::string_view header) {
  return std::string(header.substr(kFixedHeaderSize, static_cast<unsigned char>(header[7])));
}

// Cuts `in` into records of `record` bytes for `handle` (a callable
// (const unsigned char*, std::size_t) -> sdk::Status), through `pending`,
// which holds up to one record between calls: a full record is handed on
// only once more bytes follow it, so that finish() can mark the last record
// final. Whole records in the input skip the copy.
template <typename Handle>
sdk::Status feed_records(const unsigned char* in, std::size_t left, std::size_t record,
                         unsigned char* pending, std::size_t& pending_size, Handle handle) {
  while (left > 0) {
    if (pending_size == record) {
      WASL_RETURN_IF_ERROR(handle(pending, record));
      pending_size = 0;
    }
    if (pending_size == 0 && left > record) {
      WASL_RETURN_IF_ERROR(handle(in, record));
      in += record;
      left -= record;
      continue;
    }
    const std::size_t take = std::min(record - pending_size, left);
    std::memcpy(pending + pending_size, in, take);
    pending_size += take;
    in += take;
    left -= take;
  }
  return sdk::ok_status();
}

}  // namespace

// ---------------------------------------------------------------- encryptor

StreamEncryptor::StreamEncryptor(Aes256Gcm gcm, StreamSink sink, std::string header,
                                 std::string key_id)
    : gcm_(std::move(gcm)),
      sink_(std::move(sink)),
      header_(std::move(header)),
      key_id_(std::move(key_id)),
      pending_(std::make_unique<unsigned char[]>(kStreamSegmentSize)),
      sealed_(std::make_unique<unsigned char[]>(kRecordSize)) {}
StreamEncryptor::StreamEncryptor(StreamEncryptor&&) noexcept = default;
StreamEncryptor& StreamEncryptor::operator=(StreamEncryptor&&) noexcept = default;
StreamEncryptor::~StreamEncryptor() = default;

sdk::Result<StreamEncryptor> StreamEncryptor::create(const Keyring& keyring, StreamSink sink,
                                                     std::string_view binding) {
  const std::string& key_id = keyring.active_key_id();
  std::string header;
  header.reserve(stream_header_size(key_id.size()));
  header.append(kMagic);
  header.push_back(static_cast<char>(binding.empty() ? kVersionUnbound : kVersionBound));
  header.push_back(static_cast<char>(key_id.size()));
  header.append(key_id);
  WASL_ASSIGN_OR_RETURN(std::string prefix, random_bytes(kStreamNoncePrefixSize));
  header.append(prefix);
  WASL_ASSIGN_OR_RETURN(
      auto gcm, Aes256Gcm::create(keyring.active_key().view(), Aes256Gcm::Direction::kSeal));
  StreamEncryptor enc(std::move(gcm), std::move(sink), std::move(header), key_id);
  enc.aad_ = aad_of(enc.header_, binding);
  WASL_RETURN_IF_ERROR(enc.sink_(enc.header_));
  enc.ciphertext_size_ = enc.header_.size();
  return enc;
}

sdk::Status StreamEncryptor::fail(sdk::Error error) {
  failed_ = error;
  return error;
}

sdk::Status StreamEncryptor::seal_segment(const unsigned char* in, std::size_t len, bool final) {
  if (counter_ >= kMaxSegments) {
    return fail(sdk::Error(sdk::ErrorCode::kResourceExhausted,
                           "recording stream is too long: more than 2^32 segments", false));
  }
  unsigned char nonce[kGcmNonceSize];
  make_nonce(header_, counter_, final, nonce);
  unsigned char* out = output_space_ ? output_space_(len + kGcmTagSize) : nullptr;
  if (out == nullptr) out = sealed_.get();
  auto status = gcm_.seal(nonce, aad_, in, len, out, out + len);
  if (!status.ok()) return fail(std::move(status).error());
  ++counter_;
  ciphertext_size_ += len + kGcmTagSize;
  status = sink_(std::string_view(reinterpret_cast<const char*>(out), len + kGcmTagSize));
  if (!status.ok()) return fail(std::move(status).error());
  return sdk::ok_status();
}

sdk::Status StreamEncryptor::write(std::string_view plaintext) {
  if (failed_) return *failed_;
  if (finished_) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "recording stream encryptor was already finished");
  }
  plaintext_size_ += plaintext.size();
  WASL_RETURN_IF_ERROR(feed_records(reinterpret_cast<const unsigned char*>(plaintext.data()),
                                    plaintext.size(), kStreamSegmentSize, pending_.get(),
                                    pending_size_,
                                    [this](const unsigned char* segment, std::size_t size) {
                                      return seal_segment(segment, size, false);
                                    }));
  peak_buffered_ = std::max(peak_buffered_, pending_size_);
  return sdk::ok_status();
}

sdk::Status StreamEncryptor::finish() {
  if (failed_) return *failed_;
  if (finished_) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "recording stream encryptor was already finished");
  }
  finished_ = true;
  WASL_RETURN_IF_ERROR(seal_segment(pending_.get(), pending_size_, true));
  pending_size_ = 0;
  return sdk::ok_status();
}

// ---------------------------------------------------------------- decryptor

StreamDecryptor::StreamDecryptor(std::shared_ptr<const Keyring> keyring, StreamSink sink,
                                 std::optional<std::uint64_t> expected_plaintext_size,
                                 std::string binding)
    : keyring_(std::move(keyring)),
      sink_(std::move(sink)),
      expected_plaintext_size_(expected_plaintext_size),
      binding_(std::move(binding)),
      pending_(std::make_unique<unsigned char[]>(kRecordSize)),
      plain_(std::make_unique<unsigned char[]>(kStreamSegmentSize)) {}
StreamDecryptor::StreamDecryptor(StreamDecryptor&&) noexcept = default;
StreamDecryptor& StreamDecryptor::operator=(StreamDecryptor&&) noexcept = default;
StreamDecryptor::~StreamDecryptor() = default;

sdk::Result<StreamDecryptor> StreamDecryptor::create(
    std::shared_ptr<const Keyring> keyring, StreamSink sink,
    std::optional<std::uint64_t> expected_plaintext_size, std::string_view binding) {
  if (!keyring) return sdk::Error(sdk::ErrorCode::kInvalidArgument, "no keyring given");
  return StreamDecryptor(std::move(keyring), std::move(sink), expected_plaintext_size,
                         std::string(binding));
}

sdk::Status StreamDecryptor::fail(sdk::Error error) {
  failed_ = error;
  return error;
}

std::size_t StreamDecryptor::expected_record_size(std::uint64_t index) const {
  std::uint64_t p = *expected_plaintext_size_;
  if (index + 1 < stream_segment_count(p)) return kRecordSize;
  return static_cast<std::size_t>(p - index * kStreamSegmentSize) + kGcmTagSize;
}

bool StreamDecryptor::is_last(std::uint64_t index) const {
  return index + 1 == stream_segment_count(*expected_plaintext_size_);
}

sdk::Status StreamDecryptor::take_header(std::string_view& data) {
  std::size_t want = kFixedHeaderSize;
  if (header_.size() >= kFixedHeaderSize) {
    WASL_ASSIGN_OR_RETURN(want, header_size_from_prefix(header_));
  }
  while (!data.empty() && header_.size() < want) {
    std::size_t take = std::min(want - header_.size(), data.size());
    header_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (header_.size() == kFixedHeaderSize) {
      auto size = header_size_from_prefix(header_);
      if (!size.ok()) return fail(std::move(size).error());
      want = *size;
    }
  }
  if (header_.size() < want || header_.size() < kFixedHeaderSize) return sdk::ok_status();
  auto key = keyring_->decryption_key(key_id_of_header(header_));
  if (!key.ok()) return fail(std::move(key).error());
  auto gcm = Aes256Gcm::create((*key)->view(), Aes256Gcm::Direction::kOpen);
  if (!gcm.ok()) return fail(std::move(gcm).error());
  gcm_.emplace(std::move(gcm).value());
  aad_ = aad_of(header_, binding_);
  header_done_ = true;
  return sdk::ok_status();
}

sdk::Status StreamDecryptor::open_segment(const unsigned char* in, std::size_t record_len,
                                          bool final) {
  if (counter_ >= kMaxSegments) return fail(damaged("has more than 2^32 segments"));
  if (!try_open(*gcm_, header_, aad_, in, record_len, counter_, final, plain_.get())) {
    bool at_unknown_end = final && !expected_plaintext_size_;
    return fail(describe_failure(*gcm_, header_, aad_, in, record_len, counter_, final,
                                 at_unknown_end, plain_.get()));
  }
  std::size_t len = record_len - kGcmTagSize;
  ++counter_;
  plaintext_size_ += len;
  if (final) saw_final_ = true;
  if (len > 0) {
    auto status = sink_(std::string_view(reinterpret_cast<const char*>(plain_.get()), len));
    if (!status.ok()) return fail(std::move(status).error());
  }
  return sdk::ok_status();
}

sdk::Status StreamDecryptor::write(std::string_view ciphertext) {
  if (failed_) return *failed_;
  if (finished_) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "recording stream decryptor was already finished");
  }
  ciphertext_seen_ += ciphertext.size();
  if (!header_done_) {
    WASL_RETURN_IF_ERROR(take_header(ciphertext));
    if (!header_done_) {
      peak_buffered_ = std::max(peak_buffered_, header_.size());
      return sdk::ok_status();
    }
  }
  const auto* in = reinterpret_cast<const unsigned char*>(ciphertext.data());
  std::size_t left = ciphertext.size();
  if (expected_plaintext_size_) {
    std::uint64_t total =
        stream_ciphertext_size(*expected_plaintext_size_, key_id_of_header(header_).size());
    if (ciphertext_seen_ > total) {
      return fail(damaged("has " + std::to_string(ciphertext_seen_ - total) +
                          " or more bytes of trailing data after its final segment"));
    }
    while (left > 0) {
      std::size_t record = expected_record_size(counter_);
      bool last = is_last(counter_);
      if (pending_size_ == 0 && left >= record) {
        WASL_RETURN_IF_ERROR(open_segment(in, record, last));
        in += record;
        left -= record;
        continue;
      }
      std::size_t take = std::min(record - pending_size_, left);
      std::memcpy(pending_.get() + pending_size_, in, take);
      pending_size_ += take;
      in += take;
      left -= take;
      if (pending_size_ == record) {
        WASL_RETURN_IF_ERROR(open_segment(pending_.get(), record, last));
        pending_size_ = 0;
      }
    }
  } else {
    WASL_RETURN_IF_ERROR(feed_records(in, left, kRecordSize, pending_.get(), pending_size_,
                                      [this](const unsigned char* record, std::size_t size) {
                                        return open_segment(record, size, false);
                                      }));
  }
  peak_buffered_ = std::max(peak_buffered_, pending_size_);
  return sdk::ok_status();
}

sdk::Status StreamDecryptor::finish() {
  if (failed_) return *failed_;
  if (finished_) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "recording stream decryptor was already finished");
  }
  finished_ = true;
  if (!header_done_) {
    return fail(damaged(header_.empty() ? "is empty: not even a header was received"
                                        : "is truncated inside its header"));
  }
  if (expected_plaintext_size_) {
    if (!saw_final_) {
      std::uint64_t total =
          stream_ciphertext_size(*expected_plaintext_size_, key_id_of_header(header_).size());
      return fail(damaged("is truncated: it ends inside segment " + std::to_string(counter_) +
                          " after " + std::to_string(ciphertext_seen_) + " of " +
                          std::to_string(total) + " bytes"));
    }
    return sdk::ok_status();
  }
  if (pending_size_ < kGcmTagSize) {
    return fail(damaged("is truncated: it ends inside segment " + std::to_string(counter_) +
                        " (fewer bytes than a tag)"));
  }
  WASL_RETURN_IF_ERROR(open_segment(pending_.get(), pending_size_, true));
  pending_size_ = 0;
  return sdk::ok_status();
}

// ---------------------------------------------------------------- range reader

sdk::Result<StreamRangeReader> StreamRangeReader::open(std::shared_ptr<const Keyring> keyring,
                                                       ReadAt read_at,
                                                       std::uint64_t ciphertext_size,
                                                       std::uint64_t plaintext_size,
                                                       std::string_view binding) {
  if (!keyring) return sdk::Error(sdk::ErrorCode::kInvalidArgument, "no keyring given");
  WASL_ASSIGN_OR_RETURN(std::string prefix, read_at(0, kFixedHeaderSize));
  if (prefix.size() < kFixedHeaderSize) return damaged("is shorter than its header");
  WASL_ASSIGN_OR_RETURN(std::size_t header_size, header_size_from_prefix(prefix));
  WASL_ASSIGN_OR_RETURN(std::string rest,
                        read_at(kFixedHeaderSize, header_size - kFixedHeaderSize));
  if (rest.size() != header_size - kFixedHeaderSize) return damaged("is shorter than its header");
  StreamRangeReader reader;
  reader.header_ = prefix + rest;
  reader.key_id_ = key_id_of_header(reader.header_);
  reader.aad_ = aad_of(reader.header_, binding);
  WASL_RETURN_IF_ERROR(keyring->decryption_key(reader.key_id_));
  std::uint64_t expected = stream_ciphertext_size(plaintext_size, reader.key_id_.size());
  if (ciphertext_size < expected) {
    return damaged("is truncated: it has " + std::to_string(ciphertext_size) + " bytes but a " +
                   std::to_string(plaintext_size) + "-byte recording needs " +
                   std::to_string(expected));
  }
  if (ciphertext_size > expected) {
    return damaged("has " + std::to_string(ciphertext_size - expected) +
                   " bytes of trailing data after its final segment");
  }
  reader.keyring_ = std::move(keyring);
  reader.read_at_ = std::move(read_at);
  reader.plaintext_size_ = plaintext_size;
  reader.segments_ = stream_segment_count(plaintext_size);
  return reader;
}

sdk::Result<StreamRangeReader> StreamRangeReader::open_file(std::shared_ptr<const Keyring> keyring,
                                                            const std::filesystem::path& path,
                                                            std::uint64_t plaintext_size,
                                                            std::string_view binding) {
  int raw_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw_fd < 0) {
    int err = errno;
    return sdk::Error(err == ENOENT ? sdk::ErrorCode::kNotFound : sdk::ErrorCode::kUnavailable,
                      "cannot open recording " + path.string() + ": " + std::strerror(err));
  }
  auto fd = std::shared_ptr<int>(new int(raw_fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  struct stat st {};
  if (::fstat(*fd, &st) != 0) {
    return sdk::Error(sdk::ErrorCode::kUnavailable,
                      "cannot stat recording " + path.string() + ": " + std::strerror(errno));
  }
  std::string name = path.string();
  ReadAt read_at = [fd, name](std::uint64_t offset,
                              std::size_t length) -> sdk::Result<std::string> {
    std::string out(length, '\0');
    std::size_t got = 0;
    while (got < length) {
      ssize_t n = ::pread(*fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
      if (n < 0) {
        if (errno == EINTR) continue;
        return sdk::Error(sdk::ErrorCode::kUnavailable,
                          "cannot read recording " + name + ": " + std::strerror(errno));
      }
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
  };
  return open(std::move(keyring), std::move(read_at), static_cast<std::uint64_t>(st.st_size),
              plaintext_size, binding);
}

sdk::Status StreamRangeReader::read_to(std::uint64_t offset, std::uint64_t length,
                                       const StreamSink& sink) const {
  if (offset > plaintext_size_) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "range starts at byte " + std::to_string(offset) + ", past the end of the " +
                          std::to_string(plaintext_size_) + "-byte recording");
  }
  std::uint64_t end = offset + std::min(length, plaintext_size_ - offset);
  if (end == offset) return sdk::ok_status();
  WASL_ASSIGN_OR_RETURN(const SecretBytes* key, keyring_->decryption_key(key_id_));
  WASL_ASSIGN_OR_RETURN(auto gcm, Aes256Gcm::create(key->view(), Aes256Gcm::Direction::kOpen));
  auto plain = std::make_unique<unsigned char[]>(kStreamSegmentSize);
  std::uint64_t first = offset / kStreamSegmentSize;
  std::uint64_t last = (end - 1) / kStreamSegmentSize;
  for (std::uint64_t i = first; i <= last; ++i) {
    bool final = i + 1 == segments_;
    std::size_t seg_len = final ? static_cast<std::size_t>(plaintext_size_ - i * kStreamSegmentSize)
                                : kStreamSegmentSize;
    std::size_t record_len = seg_len + kGcmTagSize;
    WASL_ASSIGN_OR_RETURN(std::string record,
                          read_at_(header_.size() + i * kRecordSize, record_len));
    if (record.size() != record_len) {
      return damaged("is truncated: segment " + std::to_string(i) + " could not be read in full");
    }
    const auto* rec = reinterpret_cast<const unsigned char*>(record.data());
    if (!try_open(gcm, header_, aad_, rec, record_len, i, final, plain.get())) {
      return describe_failure(gcm, header_, aad_, rec, record_len, i, final, false, plain.get());
    }
    std::size_t from = i == first ? static_cast<std::size_t>(offset - i * kStreamSegmentSize) : 0;
    std::size_t to = i == last ? static_cast<std::size_t>(end - i * kStreamSegmentSize) : seg_len;
    WASL_RETURN_IF_ERROR(
        sink(std::string_view(reinterpret_cast<const char*>(plain.get()) + from, to - from)));
  }
  return sdk::ok_status();
}

sdk::Result<std::string> StreamRangeReader::read(std::uint64_t offset, std::size_t length) const {
  std::string out;
  if (offset <= plaintext_size_) {
    out.reserve(
        static_cast<std::size_t>(std::min<std::uint64_t>(length, plaintext_size_ - offset)));
  }
  WASL_RETURN_IF_ERROR(read_to(offset, length, [&out](std::string_view part) {
    out.append(part);
    return sdk::ok_status();
  }));
  return out;
}

// ---------------------------------------------------------------- range decryptor

StreamRangeDecryptor::StreamRangeDecryptor(StreamRangeDecryptor&&) noexcept = default;
StreamRangeDecryptor& StreamRangeDecryptor::operator=(StreamRangeDecryptor&&) noexcept = default;
StreamRangeDecryptor::~StreamRangeDecryptor() = default;

sdk::Result<StreamRangeDecryptor> StreamRangeDecryptor::create(
    const Keyring& keyring, std::string_view header_bytes, std::uint64_t plaintext_size,
    std::uint64_t offset, std::uint64_t length, StreamSink sink, std::string_view binding) {
  if (header_bytes.size() < kFixedHeaderSize) return damaged("is shorter than its header");
  WASL_ASSIGN_OR_RETURN(std::size_t header_size, header_size_from_prefix(header_bytes));
  if (header_bytes.size() < header_size) return damaged("is shorter than its header");
  if (offset > plaintext_size) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "range starts at byte " + std::to_string(offset) + ", past the end of the " +
                          std::to_string(plaintext_size) + "-byte recording");
  }
  StreamRangeDecryptor d;
  d.header_ = std::string(header_bytes.substr(0, header_size));
  d.key_id_ = key_id_of_header(d.header_);
  d.aad_ = aad_of(d.header_, binding);
  WASL_ASSIGN_OR_RETURN(const SecretBytes* key, keyring.decryption_key(d.key_id_));
  WASL_ASSIGN_OR_RETURN(auto gcm, Aes256Gcm::create(key->view(), Aes256Gcm::Direction::kOpen));
  d.gcm_.emplace(std::move(gcm));
  d.sink_ = std::move(sink);
  d.plaintext_size_ = plaintext_size;
  d.segments_ = stream_segment_count(plaintext_size);
  d.offset_ = offset;
  d.end_ = offset + std::min(length, plaintext_size - offset);
  if (d.end_ > d.offset_) {
    d.next_ = d.offset_ / kStreamSegmentSize;
    d.last_ = (d.end_ - 1) / kStreamSegmentSize;
    d.span_offset_ = header_size + d.next_ * kRecordSize;
    for (std::uint64_t i = d.next_; i <= d.last_; ++i) d.span_length_ += d.record_size(i);
    // Past the final segment nothing may follow: ask for one byte more.
    if (d.last_ + 1 == d.segments_) d.span_length_ += 1;
    d.pending_ = std::make_unique<unsigned char[]>(kRecordSize);
    d.plain_ = std::make_unique<unsigned char[]>(kStreamSegmentSize);
  } else {
    d.next_ = 1;  // no segment is expected
    d.last_ = 0;
  }
  return d;
}

std::size_t StreamRangeDecryptor::record_size(std::uint64_t index) const {
  if (index + 1 < segments_) return kRecordSize;
  return static_cast<std::size_t>(plaintext_size_ - index * kStreamSegmentSize) + kGcmTagSize;
}

sdk::Status StreamRangeDecryptor::fail(sdk::Error error) {
  failed_ = error;
  return error;
}

sdk::Status StreamRangeDecryptor::open_record(const unsigned char* record, std::size_t record_len) {
  const std::uint64_t i = next_;
  const bool final = i + 1 == segments_;
  if (!try_open(*gcm_, header_, aad_, record, record_len, i, final, plain_.get())) {
    return fail(
        describe_failure(*gcm_, header_, aad_, record, record_len, i, final, false, plain_.get()));
  }
  const std::uint64_t seg_start = i * kStreamSegmentSize;
  const std::size_t from =
      i * kStreamSegmentSize < offset_ ? static_cast<std::size_t>(offset_ - seg_start) : 0;
  const std::size_t to = std::min<std::uint64_t>(end_ - seg_start, record_len - kGcmTagSize);
  ++next_;
  if (to > from) {
    auto status =
        sink_(std::string_view(reinterpret_cast<const char*>(plain_.get()) + from, to - from));
    if (!status.ok()) return fail(std::move(status).error());
    delivered_ += to - from;
  }
  return sdk::ok_status();
}

sdk::Status StreamRangeDecryptor::write(std::string_view ciphertext) {
  if (failed_) return *failed_;
  if (finished_) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "recording range decryptor was already finished");
  }
  received_ += ciphertext.size();
  const auto* in = reinterpret_cast<const unsigned char*>(ciphertext.data());
  std::size_t left = ciphertext.size();
  while (left > 0) {
    if (next_ > last_) {
      if (span_length_ > 0 && last_ + 1 == segments_) {
        return fail(damaged("has trailing data after its final segment (segment " +
                            std::to_string(last_) + ")"));
      }
      return fail(sdk::Error(sdk::ErrorCode::kInternal,
                             "the store sent more bytes than the recording range asked for"));
    }
    const std::size_t record = record_size(next_);
    if (pending_size_ == 0 && left >= record) {
      WASL_RETURN_IF_ERROR(open_record(in, record));
      in += record;
      left -= record;
      continue;
    }
    const std::size_t take = std::min(record - pending_size_, left);
    std::memcpy(pending_.get() + pending_size_, in, take);
    pending_size_ += take;
    in += take;
    left -= take;
    if (pending_size_ == record) {
      pending_size_ = 0;
      WASL_RETURN_IF_ERROR(open_record(pending_.get(), record));
    }
  }
  return sdk::ok_status();
}

sdk::Status StreamRangeDecryptor::finish() {
  if (failed_) return *failed_;
  if (finished_) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "recording range decryptor was already finished");
  }
  finished_ = true;
  if (next_ <= last_) {
    return fail(damaged("is truncated: segment " + std::to_string(next_) +
                        " could not be read in full (" + std::to_string(received_) + " of " +
                        std::to_string(span_length_) + " bytes of the range arrived)"));
  }
  return sdk::ok_status();
}

// ---------------------------------------------------------------- iostreams

namespace {

StreamSink ostream_sink(std::ostream& out) {
  return [&out](std::string_view bytes) -> sdk::Status {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      return sdk::Error(sdk::ErrorCode::kUnavailable, "cannot write the output stream");
    }
    return sdk::ok_status();
  };
}

template <typename Pusher>
sdk::Status pump(std::istream& in, Pusher& pusher) {
  auto buffer = std::make_unique<char[]>(kStreamSegmentSize);
  while (in) {
    in.read(buffer.get(), kStreamSegmentSize);
    auto got = static_cast<std::size_t>(in.gcount());
    if (got > 0) WASL_RETURN_IF_ERROR(pusher.write(std::string_view(buffer.get(), got)));
  }
  if (in.bad()) return sdk::Error(sdk::ErrorCode::kUnavailable, "cannot read the input stream");
  return pusher.finish();
}

}  // namespace

sdk::Status encrypt_stream(const Keyring& keyring, std::istream& in, std::ostream& out) {
  WASL_ASSIGN_OR_RETURN(auto enc, StreamEncryptor::create(keyring, ostream_sink(out)));
  return pump(in, enc);
}

sdk::Status decrypt_stream(std::shared_ptr<const Keyring> keyring, std::istream& in,
                           std::ostream& out, std::optional<std::uint64_t> expected_plaintext_size,
                           std::string_view binding) {
  WASL_ASSIGN_OR_RETURN(auto dec, StreamDecryptor::create(std::move(keyring), ostream_sink(out),
                                                          expected_plaintext_size, binding));
  return pump(in, dec);
}

}  // namespace wasl::crypto
