// AES-256-GCM against the published known answers of "The Galois/Counter
// Mode of Operation (GCM)" (McGrew & Viega), appendix B, test cases 13-18
// (the 256-bit-key cases). Each checks ciphertext and tag, decryption, and
// that a modified tag, ciphertext or AAD is refused.
#include "hub/crypto/aead.hpp"

#include <gtest/gtest.h>

#include "hub/crypto/hex.hpp"

namespace wasl::crypto {
namespace {

std::string unhex(std::string_view h) { return from_hex(h).value(); }

struct GcmCase {
  const char* name;
  const char* key;
  const char* plaintext;
  const char* aad;
  const char* iv;
  const char* ciphertext;
  const char* tag;
};

constexpr const char* kKey0 = "0000000000000000000000000000000000000000000000000000000000000000";
constexpr const char* kKeyF = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr const char* kPt60 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
constexpr const char* kAad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

const GcmCase kCases[] = {
    {"test case 13", kKey0, "", "", "000000000000000000000000", "",
     "530f8afbc74536b9a963b4f1c4cb738b"},
    {"test case 14", kKey0, "00000000000000000000000000000000", "", "000000000000000000000000",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"test case 15", kKeyF,
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "", "cafebabefacedbaddecaf888",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"test case 16", kKeyF, kPt60, kAad, "cafebabefacedbaddecaf888",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    {"test case 17 (64-bit IV)", kKeyF, kPt60, kAad, "cafebabefacedbad",
     "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0"
     "feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
     "3a337dbf46a792c45e454913fe2ea8f2"},
    {"test case 18 (480-bit IV)", kKeyF, kPt60, kAad,
     "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
     "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
     "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
     "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
     "a44a8266ee1c8eb0c8b5d4cf5ae9f19a"},
};

TEST(Aes256Gcm, GcmSpecKnownAnswers) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    std::string key = unhex(c.key), iv = unhex(c.iv), aad = unhex(c.aad), pt = unhex(c.plaintext);
    auto sealed = aes256_gcm_encrypt(key, iv, aad, pt);
    ASSERT_TRUE(sealed.ok()) << sealed.error().message;
    ASSERT_EQ(sealed->size(), pt.size() + kGcmTagSize);
    EXPECT_EQ(to_hex(sealed->substr(0, pt.size())), c.ciphertext);
    EXPECT_EQ(to_hex(sealed->substr(pt.size())), c.tag);

    std::string published = unhex(std::string(c.ciphertext) + c.tag);
    auto opened = aes256_gcm_decrypt(key, iv, aad, published);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(*opened, pt);

    std::string bad_tag = published;
    bad_tag.back() ^= 0x01;
    auto refused = aes256_gcm_decrypt(key, iv, aad, bad_tag);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument);

    if (!pt.empty()) {
      std::string bad_ct = published;
      bad_ct[0] ^= 0x80;
      EXPECT_FALSE(aes256_gcm_decrypt(key, iv, aad, bad_ct).ok());
    }
    std::string other_aad = aad + "x";
    EXPECT_FALSE(aes256_gcm_decrypt(key, iv, other_aad, published).ok());
  }
}

TEST(Aes256Gcm, KeyedContextMatchesKnownAnswer) {
  const GcmCase& c = kCases[3];  // test case 16, 96-bit IV with AAD
  std::string key = unhex(c.key), iv = unhex(c.iv), aad = unhex(c.aad), pt = unhex(c.plaintext);
  auto sealer = Aes256Gcm::create(key, Aes256Gcm::Direction::kSeal);
  ASSERT_TRUE(sealer.ok());
  std::string out(pt.size(), '\0');
  unsigned char tag[kGcmTagSize];
  const auto* nonce = reinterpret_cast<const unsigned char*>(iv.data());
  // Twice, to show the context resets between messages.
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(sealer
                    ->seal(nonce, aad, reinterpret_cast<const unsigned char*>(pt.data()), pt.size(),
                           reinterpret_cast<unsigned char*>(out.data()), tag)
                    .ok());
    EXPECT_EQ(to_hex(out), c.ciphertext);
    EXPECT_EQ(to_hex(std::string_view(reinterpret_cast<char*>(tag), kGcmTagSize)), c.tag);
  }
  auto opener = Aes256Gcm::create(key, Aes256Gcm::Direction::kOpen);
  ASSERT_TRUE(opener.ok());
  std::string back(pt.size(), '\0');
  ASSERT_TRUE(opener
                  ->open(nonce, aad, reinterpret_cast<const unsigned char*>(out.data()), out.size(),
                         tag, reinterpret_cast<unsigned char*>(back.data()))
                  .ok());
  EXPECT_EQ(back, pt);
  tag[0] ^= 1;
  EXPECT_FALSE(opener
                   ->open(nonce, aad, reinterpret_cast<const unsigned char*>(out.data()),
                          out.size(), tag, reinterpret_cast<unsigned char*>(back.data()))
                   .ok());
}

TEST(Aes256Gcm, RefusesWrongKeySizeAndEmptyNonce) {
  EXPECT_EQ(aes256_gcm_encrypt(std::string(16, 'k'), std::string(12, 'n'), "", "x").error().code,
            sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(aes256_gcm_encrypt(std::string(32, 'k'), "", "", "x").error().code,
            sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      aes256_gcm_decrypt(std::string(32, 'k'), std::string(12, 'n'), "", "short").error().code,
      sdk::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(Aes256Gcm::create(std::string(31, 'k'), Aes256Gcm::Direction::kSeal).ok());
}

}  // namespace
}  // namespace wasl::crypto
