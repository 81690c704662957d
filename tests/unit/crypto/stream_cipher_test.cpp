#include "hub/crypto/stream_cipher.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "tests/unit/crypto/scratch_dir.hpp"

namespace wasl::crypto {
namespace {

using testing::ScratchDir;
constexpr std::size_t S = kStreamSegmentSize;

constexpr const char* kStreamRing = R"({
  "format": "wasl-keyring", "version": 1, "active_key_id": "k1-20260101",
  "data_keys": [{"id": "k1-20260101", "created_at": "2026-01-01T00:00:00Z", "state": "active",
                 "key": "1111111111111111111111111111111111111111111111111111111111111111"}],
  "blind_index_key": "2222222222222222222222222222222222222222222222222222222222222222",
  "audit_key": "3333333333333333333333333333333333333333333333333333333333333333"})";

std::shared_ptr<const Keyring> ring() {
  static auto r = Keyring::from_json(kStreamRing).value();
  return r;
}

std::string pattern(std::size_t n, unsigned seed = 1) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 12345u;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

// Encrypts `plaintext` handing it over in pieces of `chunk` bytes.
std::string encrypt(std::string_view plaintext, std::size_t chunk = 0) {
  std::string out;
  auto enc = StreamEncryptor::create(*ring(), [&out](std::string_view b) {
    out.append(b);
    return sdk::ok_status();
  });
  EXPECT_TRUE(enc.ok());
  if (chunk == 0) chunk = plaintext.size() + 1;
  for (std::size_t i = 0; i < plaintext.size(); i += chunk) {
    EXPECT_TRUE(enc->write(plaintext.substr(i, chunk)).ok());
  }
  EXPECT_TRUE(enc->finish().ok());
  EXPECT_EQ(enc->ciphertext_size(), out.size());
  return out;
}

sdk::Result<std::string> decrypt(std::string_view ciphertext,
                                 std::optional<std::uint64_t> expected = std::nullopt,
                                 std::size_t chunk = 0) {
  std::string out;
  auto dec = StreamDecryptor::create(
      ring(),
      [&out](std::string_view b) {
        out.append(b);
        return sdk::ok_status();
      },
      expected);
  if (!dec.ok()) return std::move(dec).error();
  if (chunk == 0) chunk = ciphertext.size() + 1;
  for (std::size_t i = 0; i < ciphertext.size(); i += chunk) {
    WASL_RETURN_IF_ERROR(dec->write(ciphertext.substr(i, chunk)));
  }
  WASL_RETURN_IF_ERROR(dec->finish());
  return out;
}

std::size_t header_size() { return stream_header_size(ring()->active_key_id().size()); }
std::size_t record_offset(std::size_t i) { return header_size() + i * (S + kGcmTagSize); }

TEST(StreamCipher, RoundTripsEverySizeClass) {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, S - 1, S, S + 1, 3 * S + 100}) {
    SCOPED_TRACE(size);
    std::string pt = pattern(size);
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1000}, S, S + 1}) {
      std::string ct = encrypt(pt, chunk);
      EXPECT_EQ(ct.size(), stream_ciphertext_size(size, ring()->active_key_id().size()));
      auto back = decrypt(ct);
      ASSERT_TRUE(back.ok()) << back.error().message;
      EXPECT_EQ(*back, pt);
      auto sized = decrypt(ct, size, 4099);
      ASSERT_TRUE(sized.ok()) << sized.error().message;
      EXPECT_EQ(*sized, pt);
    }
  }
}

TEST(StreamCipher, EmptyPlaintextIsOneFinalEmptySegment) {
  std::string ct = encrypt("");
  EXPECT_EQ(ct.size(), header_size() + kGcmTagSize);
  EXPECT_EQ(decrypt(ct).value(), "");
  EXPECT_EQ(decrypt(ct, 0).value(), "");
}

TEST(StreamCipher, DecryptsByteByByte) {
  std::string pt = pattern(S + 10);
  EXPECT_EQ(decrypt(encrypt(pt), std::nullopt, 1).value(), pt);
  EXPECT_EQ(decrypt(encrypt(pt), pt.size(), 1).value(), pt);
}

TEST(StreamCipher, SameInputEncryptsDifferently) {
  std::string pt = pattern(100);
  EXPECT_NE(encrypt(pt), encrypt(pt));
}

TEST(StreamCipher, SegmentsSealInTheOutputSpaceGivenAndElsewhereWhenNoneIs) {
  // Every other segment gets space in a buffer of the caller's; the others
  // are sealed in the encryptor's own. The sink sees each where it was sealed.
  const std::string pt = pattern(5 * S + 77);
  std::vector<unsigned char> space(8 * (S + kGcmTagSize));
  std::size_t space_used = 0;
  int asked = 0;
  int sealed_in_space = 0;
  std::string out;
  auto enc = StreamEncryptor::create(*ring(), [&](std::string_view b) {
    const auto* p = reinterpret_cast<const unsigned char*>(b.data());
    if (p >= space.data() && p < space.data() + space.size()) {
      EXPECT_EQ(p, space.data() + space_used);
      space_used += b.size();
      ++sealed_in_space;
    }
    out.append(b);
    return sdk::ok_status();
  });
  ASSERT_TRUE(enc.ok());
  enc->set_output_space([&](std::size_t size) -> unsigned char* {
    EXPECT_LE(size, S + kGcmTagSize);
    return asked++ % 2 == 0 ? space.data() + space_used : nullptr;
  });
  ASSERT_TRUE(enc->write(std::string_view(pt).substr(0, 2 * S + 5)).ok());
  ASSERT_TRUE(enc->write(std::string_view(pt).substr(2 * S + 5)).ok());
  ASSERT_TRUE(enc->finish().ok());
  EXPECT_EQ(asked, 6);  // one per segment
  EXPECT_EQ(sealed_in_space, 3);
  EXPECT_EQ(out.size(), enc->ciphertext_size());
  EXPECT_EQ(decrypt(out, pt.size()).value(), pt);
}

void expect_damage(const sdk::Result<std::string>& r, const std::string& words) {
  ASSERT_FALSE(r.ok()) << "damage not detected; expected: " << words;
  EXPECT_EQ(r.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
}

class StreamTamper : public ::testing::Test {
 protected:
  const std::string pt_ = pattern(3 * S + 100);  // four segments, last one short
  const std::string ct_ = encrypt(pt_);
};

TEST_F(StreamTamper, FlippedBitInASegment) {
  for (std::size_t pos : {record_offset(1) + 7, record_offset(3) + 5, ct_.size() - 1}) {
    std::string bad = ct_;
    bad[pos] ^= 0x10;
    expect_damage(decrypt(bad), "failed authentication");
    expect_damage(decrypt(bad, pt_.size()), "failed authentication");
  }
  std::string bad = ct_;
  bad[record_offset(1) + 7] ^= 0x10;
  expect_damage(decrypt(bad), "segment 1 failed authentication");
}

TEST_F(StreamTamper, FlippedBitInTheHeader) {
  for (std::size_t pos = 0; pos < header_size(); ++pos) {
    std::string bad = ct_;
    bad[pos] ^= 0x01;
    EXPECT_FALSE(decrypt(bad).ok()) << "header byte " << pos;
  }
}

TEST_F(StreamTamper, ReorderedSegments) {
  std::string bad = ct_;
  std::size_t rec = S + kGcmTagSize;
  std::memcpy(bad.data() + record_offset(1), ct_.data() + record_offset(2), rec);
  std::memcpy(bad.data() + record_offset(2), ct_.data() + record_offset(1), rec);
  expect_damage(decrypt(bad), "segment 1 was written as segment 2");
  expect_damage(decrypt(bad, pt_.size()), "out of order");
}

TEST_F(StreamTamper, DuplicatedSegment) {
  std::string bad = ct_.substr(0, record_offset(1)) +
                    ct_.substr(record_offset(0), S + kGcmTagSize) + ct_.substr(record_offset(1));
  expect_damage(decrypt(bad), "out of order");
}

TEST_F(StreamTamper, DroppedLastSegment) {
  std::string bad = ct_.substr(0, record_offset(3));
  expect_damage(decrypt(bad), "segment 2 is not the final segment");
  expect_damage(decrypt(bad, pt_.size()), "truncated");
  // Also when the plaintext is a whole number of segments.
  std::string even_pt = pattern(2 * S);
  std::string even = encrypt(even_pt);
  expect_damage(decrypt(even.substr(0, record_offset(1))), "is truncated");
}

TEST_F(StreamTamper, TruncatedInsideASegment) {
  expect_damage(decrypt(ct_.substr(0, ct_.size() - 50), pt_.size()), "truncated");
  expect_damage(decrypt(ct_.substr(0, ct_.size() - 50)), "cut short");
  expect_damage(decrypt(ct_.substr(0, record_offset(3) + 5)), "truncated");
  expect_damage(decrypt(ct_.substr(0, 10)), "truncated inside its header");
  expect_damage(decrypt(""), "empty");
}

TEST_F(StreamTamper, TrailingGarbage) {
  expect_damage(decrypt(ct_ + "garbage", pt_.size()), "trailing data");
  expect_damage(decrypt(ct_ + "garbage"), "bytes appended");
  // Final segment full-size: the extra bytes are named as trailing data.
  std::string even_pt = pattern(2 * S);
  std::string even = encrypt(even_pt);
  expect_damage(decrypt(even + "x"), "trailing data after its final segment");
  expect_damage(decrypt(even + std::string(S + 100, 'x')), "trailing data");
}

TEST_F(StreamTamper, SegmentFromAnotherStream) {
  std::string other = encrypt(pt_);
  std::string bad = ct_;
  std::memcpy(bad.data() + record_offset(1), other.data() + record_offset(1), S + kGcmTagSize);
  expect_damage(decrypt(bad), "belongs to another stream");
}

TEST_F(StreamTamper, UnknownKeyId) {
  std::string bad = ct_;
  bad[8] = 'z';
  auto r = decrypt(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, sdk::ErrorCode::kFailedPrecondition);
}

TEST_F(StreamTamper, NothingUnverifiedIsEmitted) {
  std::string bad = ct_;
  bad[record_offset(2) + 1] ^= 1;
  std::string out;
  auto dec = StreamDecryptor::create(ring(), [&out](std::string_view b) {
    out.append(b);
    return sdk::ok_status();
  });
  ASSERT_TRUE(dec.ok());
  EXPECT_FALSE(dec->write(bad).ok());
  EXPECT_EQ(out, pt_.substr(0, 2 * S));  // only the two verified segments
  EXPECT_FALSE(dec->finish().ok());      // stays failed
}

// A ReadAt over an in-memory ciphertext that records every call.
struct CountingSource {
  std::string data;
  std::vector<std::pair<std::uint64_t, std::size_t>> calls;
  StreamRangeReader::ReadAt read_at() {
    return [this](std::uint64_t off, std::size_t len) -> sdk::Result<std::string> {
      calls.emplace_back(off, len);
      if (off >= data.size()) return std::string();
      return data.substr(off, len);
    };
  }
};

TEST(StreamRangeReader, ReadsOnlyTheSegmentsARangeTouches) {
  const std::string pt = pattern(3 * S + 100);
  CountingSource src{encrypt(pt), {}};
  auto reader = StreamRangeReader::open(ring(), src.read_at(), src.data.size(), pt.size());
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  struct Case {
    std::uint64_t offset;
    std::size_t length;
    std::vector<std::size_t> segments;
  };
  const Case cases[] = {
      {0, 10, {0}},
      {S - 5, 10, {0, 1}},
      {S, S, {1}},
      {2 * S - 1, S + 2, {1, 2, 3}},
      {3 * S + 90, 100, {3}},  // clipped at the end
      {5, 3 * S + 95, {0, 1, 2, 3}},
      {pt.size(), 10, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.offset);
    src.calls.clear();
    auto got = reader->read(c.offset, c.length);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, pt.substr(c.offset, c.length));
    ASSERT_EQ(src.calls.size(), c.segments.size());
    for (std::size_t i = 0; i < c.segments.size(); ++i) {
      EXPECT_EQ(src.calls[i].first, record_offset(c.segments[i]));
    }
  }
  auto past = reader->read(pt.size() + 1, 1);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST(StreamRangeReader, DetectsDamageOnlyInTouchedSegmentsAndSizeMismatch) {
  const std::string pt = pattern(3 * S + 100);
  std::string ct = encrypt(pt);
  CountingSource src{ct, {}};
  src.data[record_offset(2) + 3] ^= 1;
  auto reader = StreamRangeReader::open(ring(), src.read_at(), ct.size(), pt.size()).value();
  EXPECT_EQ(reader.read(0, 100).value(), pt.substr(0, 100));
  auto bad = reader.read(2 * S + 1, 10);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("segment 2 failed authentication"), std::string::npos);

  // Segments swapped: caught by position.
  CountingSource swapped{ct, {}};
  std::memcpy(swapped.data.data() + record_offset(0), ct.data() + record_offset(1), S + 16);
  auto r2 = StreamRangeReader::open(ring(), swapped.read_at(), ct.size(), pt.size()).value();
  auto e2 = r2.read(0, 1);
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.error().message.find("out of order"), std::string::npos) << e2.error().message;

  CountingSource whole{ct, {}};
  auto truncated = StreamRangeReader::open(ring(), whole.read_at(), ct.size() - 1, pt.size());
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos);
  auto trailing = StreamRangeReader::open(ring(), whole.read_at(), ct.size() + 3, pt.size());
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.error().message.find("trailing"), std::string::npos);
  // A wrong plaintext size (the last segment's final flag no longer fits).
  auto wrong = StreamRangeReader::open(ring(), whole.read_at(), ct.size(), pt.size() + 1);
  EXPECT_FALSE(wrong.ok());
}

// A stream written with a binding (a recording's facility and id) opens
// only under that binding: moved to another recording's row, every segment
// fails; the unbound format opens as before, with or without one.
TEST(StreamBinding, ABoundStreamOpensOnlyUnderItsBinding) {
  const std::string pt = pattern(2 * S + 7);
  std::string bound;
  auto enc = StreamEncryptor::create(
      *ring(),
      [&bound](std::string_view b) {
        bound.append(b);
        return sdk::ok_status();
      },
      "wasl-recording\nfac-a\nrec-1");
  ASSERT_TRUE(enc.ok());
  ASSERT_TRUE(enc->write(pt).ok());
  ASSERT_TRUE(enc->finish().ok());
  EXPECT_EQ(static_cast<unsigned char>(bound[6]), 0x02) << "version 2: bound";
  EXPECT_EQ(bound.size(), stream_ciphertext_size(pt.size(), std::string("k1-20260101").size()));

  auto open_with = [&](std::string_view binding) -> sdk::Result<std::string> {
    std::string out;
    auto dec = StreamDecryptor::create(
        ring(),
        [&out](std::string_view b) {
          out.append(b);
          return sdk::ok_status();
        },
        pt.size(), binding);
    if (!dec.ok()) return std::move(dec).error();
    WASL_RETURN_IF_ERROR(dec->write(bound));
    WASL_RETURN_IF_ERROR(dec->finish());
    return out;
  };
  auto same = open_with("wasl-recording\nfac-a\nrec-1");
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_EQ(*same, pt);
  for (std::string_view other :
       {"wasl-recording\nfac-a\nrec-2", "wasl-recording\nfac-b\nrec-1", ""}) {
    auto moved = open_with(other);
    ASSERT_FALSE(moved.ok()) << other;
    EXPECT_EQ(moved.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_NE(moved.error().message.find("segment 0 failed authentication"), std::string::npos)
        << moved.error().message;
    EXPECT_NE(moved.error().message.find("recording"), std::string::npos) << moved.error().message;
  }

  CountingSource src{bound, {}};
  auto reader = StreamRangeReader::open(ring(), src.read_at(), bound.size(), pt.size(),
                                        "wasl-recording\nfac-a\nrec-1");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(reader->read(S + 1, 10).value(), pt.substr(S + 1, 10));
  auto elsewhere = StreamRangeReader::open(ring(), src.read_at(), bound.size(), pt.size(),
                                           "wasl-recording\nfac-a\nrec-2");
  ASSERT_TRUE(elsewhere.ok()) << "the header alone does not tell";
  EXPECT_FALSE(elsewhere->read(S + 1, 10).ok());

  // The unbound format (version 1) opens under any binding.
  std::string unbound = encrypt(pt);
  EXPECT_EQ(static_cast<unsigned char>(unbound[6]), 0x01);
  CountingSource old{unbound, {}};
  auto legacy = StreamRangeReader::open(ring(), old.read_at(), unbound.size(), pt.size(),
                                        "wasl-recording\nfac-a\nrec-1");
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->read(0, 5).value(), pt.substr(0, 5));
}

TEST(StreamRangeReader, DroppedFinalSegmentWithMatchingSizesIsCaught) {
  // An attacker shortens both the file and the stored size by the last
  // segment: the segment now read as final was sealed as non-final.
  const std::string pt = pattern(3 * S + 100);
  std::string ct = encrypt(pt).substr(0, record_offset(3));
  CountingSource src{ct, {}};
  auto reader = StreamRangeReader::open(ring(), src.read_at(), ct.size(), 3 * S).value();
  auto r = reader.read(2 * S, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
}

TEST(StreamRangeReader, OpensAFile) {
  ScratchDir dir;
  const std::string pt = pattern(2 * S + 7);
  {
    std::ofstream f(dir / "rec.wasl", std::ios::binary);
    f << encrypt(pt);
  }
  auto reader = StreamRangeReader::open_file(ring(), dir / "rec.wasl", pt.size());
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(reader->read(S - 3, S + 9).value(), pt.substr(S - 3, S + 9));
  EXPECT_EQ(reader->key_id(), ring()->active_key_id());
  EXPECT_EQ(StreamRangeReader::open_file(ring(), dir / "absent", 1).error().code,
            sdk::ErrorCode::kNotFound);
}

// Range decryption as a store serves it: the header from one read of the
// first kStreamMaxHeaderSize bytes, then ONE read of the span the
// decryptor names, fed in pieces of `piece` bytes (0: all at once).
struct RangeRead {
  sdk::Status status;
  std::string plain;
  std::uint64_t span_offset = 0;
  std::uint64_t span_length = 0;
  int sink_calls = 0;
  std::string before_failure;  // what the sink had when the first error came
};

RangeRead read_range(const std::string& stored, std::uint64_t plaintext_size, std::uint64_t offset,
                     std::uint64_t length, std::size_t piece = 0, std::string_view binding = {}) {
  RangeRead r;
  auto d = StreamRangeDecryptor::create(
      *ring(), std::string_view(stored).substr(0, kStreamMaxHeaderSize), plaintext_size, offset,
      length,
      [&r](std::string_view p) {
        r.plain.append(p);
        ++r.sink_calls;
        return sdk::ok_status();
      },
      binding);
  if (!d.ok()) {
    r.status = d.error();
    return r;
  }
  r.span_offset = d->ciphertext_offset();
  r.span_length = d->ciphertext_length();
  // What the store sends: the span, clipped at the stored object's end.
  std::string span =
      r.span_offset >= stored.size() ? std::string() : stored.substr(r.span_offset, r.span_length);
  if (piece == 0) piece = span.size() + 1;
  for (std::size_t at = 0; at < span.size(); at += piece) {
    r.status = d->write(std::string_view(span).substr(at, piece));
    if (!r.status.ok()) {
      r.before_failure = r.plain;
      return r;
    }
  }
  r.status = d->finish();
  if (!r.status.ok()) r.before_failure = r.plain;
  return r;
}

TEST(StreamRangeDecryptor, EveryBoundaryReadsOneSpanAndTheRightBytes) {
  for (std::size_t size : {std::size_t{1}, S - 1, S, S + 1, 3 * S, 3 * S + 100}) {
    const std::string pt = pattern(size, static_cast<unsigned>(size));
    const std::string ct = encrypt(pt);
    const std::uint64_t n = stream_segment_count(size);
    std::vector<std::uint64_t> points = {0, 1, size - 1, size};
    for (std::uint64_t k = 1; k <= n; ++k) {
      for (std::int64_t d : {-1, 0, 1}) {
        auto p = static_cast<std::int64_t>(k * S) + d;
        if (p >= 0 && static_cast<std::uint64_t>(p) <= size) points.push_back(p);
      }
    }
    for (std::uint64_t first : points) {
      for (std::uint64_t last : points) {
        if (last < first) continue;
        const std::uint64_t length = last - first;
        for (std::size_t piece : {std::size_t{0}, std::size_t{1000}, S + kGcmTagSize}) {
          SCOPED_TRACE(std::to_string(size) + " " + std::to_string(first) + "+" +
                       std::to_string(length) + " piece " + std::to_string(piece));
          RangeRead r = read_range(ct, size, first, length, piece);
          ASSERT_TRUE(r.status.ok()) << r.status.error().message;
          EXPECT_EQ(r.plain, pt.substr(first, length));
          if (length == 0) {
            EXPECT_EQ(r.span_length, 0u);
            continue;
          }
          // The span starts at the first segment touched and covers exactly
          // the touched ones (plus one byte when it reaches the final one).
          const std::uint64_t s0 = first / S;
          const std::uint64_t s1 = (first + length - 1) / S;
          EXPECT_EQ(r.span_offset, record_offset(s0));
          const std::uint64_t end =
              s1 + 1 == n ? ct.size() + 1 : record_offset(static_cast<std::size_t>(s1 + 1));
          EXPECT_EQ(r.span_offset + r.span_length, end);
        }
      }
    }
  }
}

TEST(StreamRangeDecryptor, ClipsAtTheEndAndRefusesAStartPastIt) {
  const std::string pt = pattern(2 * S + 7);
  const std::string ct = encrypt(pt);
  RangeRead tail = read_range(ct, pt.size(), 2 * S, 1000);
  ASSERT_TRUE(tail.status.ok()) << tail.status.error().message;
  EXPECT_EQ(tail.plain, pt.substr(2 * S));
  RangeRead past = read_range(ct, pt.size(), pt.size() + 1, 1);
  ASSERT_FALSE(past.status.ok());
  EXPECT_EQ(past.status.error().code, sdk::ErrorCode::kInvalidArgument);
  // An empty recording: nothing to read, nothing delivered.
  const std::string empty = encrypt("");
  RangeRead none = read_range(empty, 0, 0, 0);
  ASSERT_TRUE(none.status.ok());
  EXPECT_EQ(none.span_length, 0u);
  EXPECT_EQ(none.sink_calls, 0);
}

TEST(StreamRangeDecryptor, ADamagedSegmentFailsBeforeItsBytesAreDelivered) {
  const std::string pt = pattern(4 * S + 10);
  const std::string ct = encrypt(pt);
  std::string bad = ct;
  bad[record_offset(2) + 100] ^= 0x01;
  // A range starting in the damaged segment: nothing at all is delivered.
  RangeRead first = read_range(bad, pt.size(), 2 * S + 5, S);
  ASSERT_FALSE(first.status.ok());
  EXPECT_EQ(first.status.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(first.status.error().message.find("segment 2"), std::string::npos)
      << first.status.error().message;
  EXPECT_EQ(first.sink_calls, 0);
  // A range across it: the segments before it, then the failure.
  RangeRead across = read_range(bad, pt.size(), S, 3 * S, 777);
  ASSERT_FALSE(across.status.ok());
  EXPECT_EQ(across.before_failure, pt.substr(S, S));
  // A range that does not touch it reads fine.
  RangeRead beside = read_range(bad, pt.size(), 3 * S, S + 10);
  ASSERT_TRUE(beside.status.ok());
  EXPECT_EQ(beside.plain, pt.substr(3 * S));
  // Segments swapped: named as out of order.
  std::string swapped = ct;
  std::memcpy(swapped.data() + record_offset(1), ct.data() + record_offset(2), S + kGcmTagSize);
  std::memcpy(swapped.data() + record_offset(2), ct.data() + record_offset(1), S + kGcmTagSize);
  RangeRead reordered = read_range(swapped, pt.size(), S, 10);
  ASSERT_FALSE(reordered.status.ok());
  EXPECT_NE(reordered.status.error().message.find("out of order"), std::string::npos)
      << reordered.status.error().message;
}

TEST(StreamRangeDecryptor, CutShortOrWithBytesAppendedIsFound) {
  const std::string pt = pattern(3 * S + 100);
  const std::string ct = encrypt(pt);
  // Cut inside the final segment: the range reaching it fails at finish().
  RangeRead cut = read_range(ct.substr(0, ct.size() - 10), pt.size(), 2 * S, S + 100);
  ASSERT_FALSE(cut.status.ok());
  EXPECT_NE(cut.status.error().message.find("truncated"), std::string::npos)
      << cut.status.error().message;
  EXPECT_EQ(cut.before_failure, pt.substr(2 * S, S)) << "segment 2 was whole";
  // The final segment dropped and the stored size shortened to match: the
  // segment read as final was sealed as non-final.
  RangeRead dropped = read_range(ct.substr(0, record_offset(3)), 3 * S, 2 * S, S);
  ASSERT_FALSE(dropped.status.ok());
  EXPECT_NE(dropped.status.error().message.find("truncated"), std::string::npos)
      << dropped.status.error().message;
  // Bytes appended after the final segment: seen by the one extra byte asked.
  RangeRead appended = read_range(ct + "xyz", pt.size(), 3 * S, 100);
  ASSERT_FALSE(appended.status.ok());
  EXPECT_NE(appended.status.error().message.find("trailing data"), std::string::npos)
      << appended.status.error().message;
  // A header cut short, or not a stream at all.
  EXPECT_FALSE(read_range(ct.substr(0, 5), pt.size(), 0, 1).status.ok());
  RangeRead garbage = read_range(std::string(200, 'x'), pt.size(), 0, 1);
  ASSERT_FALSE(garbage.status.ok());
  EXPECT_NE(garbage.status.error().message.find("magic"), std::string::npos);
}

TEST(StreamRangeDecryptor, ABoundStreamOpensOnlyUnderItsBinding) {
  const std::string pt = pattern(2 * S + 7);
  std::string bound;
  auto enc = StreamEncryptor::create(
      *ring(),
      [&bound](std::string_view b) {
        bound.append(b);
        return sdk::ok_status();
      },
      "wasl-recording\nfac-a\nrec-1");
  ASSERT_TRUE(enc.ok());
  ASSERT_TRUE(enc->write(pt).ok());
  ASSERT_TRUE(enc->finish().ok());
  RangeRead mine = read_range(bound, pt.size(), S + 1, S, 0, "wasl-recording\nfac-a\nrec-1");
  ASSERT_TRUE(mine.status.ok()) << mine.status.error().message;
  EXPECT_EQ(mine.plain, pt.substr(S + 1, S));
  for (std::string_view other : {"wasl-recording\nfac-a\nrec-2", ""}) {
    RangeRead theirs = read_range(bound, pt.size(), S + 1, S, 0, other);
    ASSERT_FALSE(theirs.status.ok());
    EXPECT_EQ(theirs.status.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_EQ(theirs.sink_calls, 0) << "nothing of another recording is delivered";
  }
  // A version 1 stream (before bindings) opens under any binding.
  const std::string unbound = encrypt(pt);
  RangeRead legacy = read_range(unbound, pt.size(), 0, 5, 0, "wasl-recording\nfac-a\nrec-1");
  ASSERT_TRUE(legacy.status.ok());
  EXPECT_EQ(legacy.plain, pt.substr(0, 5));
}

TEST(StreamRangeDecryptor, AnUnknownKeyAndASinkErrorStopTheRead) {
  const std::string pt = pattern(2 * S);
  const std::string ct = encrypt(pt);
  std::string ring_text = kStreamRing;
  for (std::size_t at; (at = ring_text.find("k1-20260101")) != std::string::npos;) {
    ring_text.replace(at, 11, "k9-20270101");
  }
  auto other = Keyring::from_json(ring_text);
  ASSERT_TRUE(other.ok()) << other.error().message;
  auto unknown =
      StreamRangeDecryptor::create(**other, ct.substr(0, kStreamMaxHeaderSize), pt.size(), 0, 1,
                                   [](std::string_view) { return sdk::ok_status(); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, sdk::ErrorCode::kFailedPrecondition);

  int calls = 0;
  auto d = StreamRangeDecryptor::create(*ring(), ct.substr(0, kStreamMaxHeaderSize), pt.size(), 0,
                                        pt.size(), [&calls](std::string_view) -> sdk::Status {
                                          ++calls;
                                          return sdk::Error(sdk::ErrorCode::kCancelled,
                                                            "the client went away");
                                        });
  ASSERT_TRUE(d.ok());
  auto stopped = d->write(std::string_view(ct).substr(d->ciphertext_offset()));
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code, sdk::ErrorCode::kCancelled);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(d->write("more").error().code, sdk::ErrorCode::kCancelled) << "it stays failed";
}

TEST(StreamCipher, IostreamConveniences) {
  const std::string pt = pattern(2 * S + 3);
  std::istringstream in(pt);
  std::ostringstream ct;
  ASSERT_TRUE(encrypt_stream(*ring(), in, ct).ok());
  std::istringstream ct_in(ct.str());
  std::ostringstream back;
  ASSERT_TRUE(decrypt_stream(ring(), ct_in, back, pt.size()).ok());
  EXPECT_EQ(back.str(), pt);
}

TEST(StreamCipher, DecryptsAfterRotationWithOldKey) {
  ScratchDir dir;
  auto path = dir / "keys.json";
  ASSERT_TRUE(generate_key_file(path).ok());
  auto before = load_keyring(path).value();
  std::string ct;
  {
    auto enc = StreamEncryptor::create(*before, [&ct](std::string_view b) {
                 ct.append(b);
                 return sdk::ok_status();
               }).value();
    ASSERT_TRUE(enc.write("recording").ok());
    ASSERT_TRUE(enc.finish().ok());
  }
  ASSERT_TRUE(add_and_activate_key(path).ok());
  auto after = load_keyring(path).value();
  std::istringstream in(ct);
  std::ostringstream out;
  ASSERT_TRUE(decrypt_stream(after, in, out).ok());
  EXPECT_EQ(out.str(), "recording");
}

// 256 MiB pass through encryptor → decryptor in a pipeline, written in odd
// chunk sizes, checked byte for byte, while neither side ever holds more
// than one segment (plus tag) of pending data.
TEST(StreamCipher, ConstantMemoryFor256MiB) {
  constexpr std::uint64_t kTotal = 256ull << 20;
  const std::string pat = pattern(1000003, 7);
  auto expected_at = [&pat](std::uint64_t pos, std::size_t len) {
    std::string_view p(pat);
    std::size_t start = static_cast<std::size_t>(pos % pat.size());
    return std::pair{p.substr(start, std::min(len, pat.size() - start)), start};
  };

  std::uint64_t verified = 0;
  bool mismatch = false;
  auto dec = StreamDecryptor::create(
                 ring(),
                 [&](std::string_view b) {
                   while (!b.empty()) {
                     auto [want, start] = expected_at(verified, b.size());
                     if (std::memcmp(want.data(), b.data(), want.size()) != 0) mismatch = true;
                     verified += want.size();
                     b.remove_prefix(want.size());
                   }
                   return sdk::ok_status();
                 },
                 kTotal)
                 .value();
  std::uint64_t ct_bytes = 0;
  auto enc = StreamEncryptor::create(*ring(), [&](std::string_view b) {
               ct_bytes += b.size();
               return dec.write(b);
             }).value();

  std::uint64_t written = 0;
  const std::size_t chunks[] = {100003, 1 << 20, 17, 65536, 300000};
  for (std::size_t k = 0; written < kTotal; ++k) {
    std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunks[k % 5], kTotal - written));
    auto [piece, start] = expected_at(written, want);
    ASSERT_TRUE(enc.write(piece).ok());
    written += piece.size();
  }
  ASSERT_TRUE(enc.finish().ok());
  ASSERT_TRUE(dec.finish().ok());
  EXPECT_FALSE(mismatch);
  EXPECT_EQ(verified, kTotal);
  EXPECT_EQ(dec.plaintext_size(), kTotal);
  EXPECT_EQ(ct_bytes, stream_ciphertext_size(kTotal, ring()->active_key_id().size()));
  EXPECT_LE(enc.peak_buffered_bytes(), S);
  EXPECT_LE(dec.peak_buffered_bytes(), S + kGcmTagSize);
  EXPECT_LE(StreamEncryptor::buffer_capacity(), 2 * S + kGcmTagSize);
}

}  // namespace
}  // namespace wasl::crypto
