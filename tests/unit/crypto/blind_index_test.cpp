#include "hub/crypto/blind_index.hpp"

#include <gtest/gtest.h>

#include "hub/crypto/hex.hpp"
#include "hub/crypto/hmac.hpp"

namespace wasl::crypto {
namespace {

constexpr const char* kRing = R"({
  "format": "wasl-keyring", "version": 1, "active_key_id": "k1",
  "data_keys": [{"id": "k1", "created_at": "2026-01-01T00:00:00Z", "state": "active",
                 "key": "1111111111111111111111111111111111111111111111111111111111111111"}],
  "blind_index_key": "2222222222222222222222222222222222222222222222222222222222222222",
  "audit_key": "3333333333333333333333333333333333333333333333333333333333333333"})";
constexpr const char* kOtherRing = R"({
  "format": "wasl-keyring", "version": 1, "active_key_id": "k1",
  "data_keys": [{"id": "k1", "created_at": "2026-01-01T00:00:00Z", "state": "active",
                 "key": "1111111111111111111111111111111111111111111111111111111111111111"}],
  "blind_index_key": "4444444444444444444444444444444444444444444444444444444444444444",
  "audit_key": "3333333333333333333333333333333333333333333333333333333333333333"})";

std::string norm(IdentifierKind kind, std::string_view v) {
  auto r = normalize_identifier(kind, v);
  return r.ok() ? *r : "<invalid>";
}

TEST(BlindIndex, NationalIdNormalization) {
  using K = IdentifierKind;
  EXPECT_EQ(norm(K::kNationalId, "1012345678"), "1012345678");
  EXPECT_EQ(norm(K::kNationalId, " 2012-345-678 "), "2012345678");
  // Arabic-Indic ١٠١٢٣٤٥٦٧٨ and Eastern Arabic-Indic ۲۰۱۲۳۴۵۶۷۸ digits.
  EXPECT_EQ(norm(K::kNationalId, "١٠١٢٣٤٥٦٧٨"), "1012345678");
  EXPECT_EQ(norm(K::kNationalId, "۲۰۱۲۳۴۵۶۷۸"), "2012345678");
  EXPECT_EQ(norm(K::kNationalId, "١0١2٣4٥6٧8"), "1012345678");
  EXPECT_EQ(norm(K::kNationalId, "3012345678"), "<invalid>");  // must start with 1 or 2
  EXPECT_EQ(norm(K::kNationalId, "101234567"), "<invalid>");   // 9 digits
  EXPECT_EQ(norm(K::kNationalId, "10123456789"), "<invalid>");
  EXPECT_EQ(norm(K::kNationalId, "10123A5678"), "<invalid>");
  EXPECT_EQ(norm(K::kNationalId, ""), "<invalid>");
}

TEST(BlindIndex, MrnNormalization) {
  using K = IdentifierKind;
  EXPECT_EQ(norm(K::kMrn, "  mrn-00123a\t"), "MRN-00123A");
  EXPECT_EQ(norm(K::kMrn, "MRN-00123A"), "MRN-00123A");
  EXPECT_EQ(norm(K::kMrn, "   "), "<invalid>");
}

TEST(BlindIndex, PhoneNormalization) {
  using K = IdentifierKind;
  for (const char* form :
       {"0501234567", "050-123-4567", "(050) 123 4567", "+966501234567", "+966 50 123 4567",
        "00966501234567", "966501234567", "501234567", "٠٥٠١٢٣٤٥٦٧", "+9660501234567"}) {
    EXPECT_EQ(norm(K::kPhone, form), "+966501234567") << form;
  }
  EXPECT_EQ(norm(K::kPhone, "+44 20 7946 0958"), "+442079460958");
  EXPECT_EQ(norm(K::kPhone, "0044 20 7946 0958"), "+442079460958");
  EXPECT_EQ(norm(K::kPhone, "12345"), "<invalid>");
  EXPECT_EQ(norm(K::kPhone, "+1234567890123456"), "<invalid>");  // 16 digits
  EXPECT_EQ(norm(K::kPhone, "phone"), "<invalid>");
  EXPECT_EQ(norm(K::kPhone, "+"), "<invalid>");
}

TEST(BlindIndex, EmailNormalization) {
  using K = IdentifierKind;
  EXPECT_EQ(norm(K::kEmail, "  Patient@Example.SA\n"), "patient@example.sa");
  EXPECT_EQ(norm(K::kEmail, "patient@example.sa"), "patient@example.sa");
  for (const char* bad : {"", "patient", "@example.sa", "patient@", "a@b@c", "pa tient@x.sa"}) {
    EXPECT_EQ(norm(K::kEmail, bad), "<invalid>") << bad;
  }
  EXPECT_EQ(norm(K::kEmail, std::string(250, 'a') + "@x.sa"), "<invalid>");  // over 254
}

TEST(BlindIndex, InvalidInputNeverEchoedInError) {
  auto r = normalize_identifier(IdentifierKind::kNationalId, "9999999999");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message.find("9999999999"), std::string::npos);
}

TEST(BlindIndex, EqualForEquivalentFormsAndIsTheDocumentedHmac) {
  auto ring = Keyring::from_json(kRing).value();
  BlindIndex index(ring);
  auto a = index.compute(IdentifierKind::kPhone, "0501234567").value();
  auto b = index.compute(IdentifierKind::kPhone, "+966 50 123 4567").value();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 64u);
  std::string input = std::string("wasl.blind-index.v1") + '\0' + "phone" + '\0' + "+966501234567";
  EXPECT_EQ(a, to_hex(hmac_sha256(ring->blind_index_key().view(), input).value()));
  EXPECT_NE(a, index.compute(IdentifierKind::kPhone, "0501234568").value());
}

TEST(BlindIndex, KindsAreDomainSeparated) {
  BlindIndex index(Keyring::from_json(kRing).value());
  // "1012345678" is a valid national ID and a valid MRN; same normalized text.
  auto as_id = index.compute(IdentifierKind::kNationalId, "1012345678").value();
  auto as_mrn = index.compute(IdentifierKind::kMrn, "1012345678").value();
  EXPECT_NE(as_id, as_mrn);
  auto as_phone = index.compute(IdentifierKind::kPhone, "+966501234567").value();
  auto as_mrn2 = index.compute(IdentifierKind::kMrn, "+966501234567").value();
  EXPECT_NE(as_phone, as_mrn2);
}

TEST(BlindIndex, DependsOnTheBlindIndexKey) {
  BlindIndex one(Keyring::from_json(kRing).value());
  BlindIndex two(Keyring::from_json(kOtherRing).value());
  EXPECT_NE(one.compute(IdentifierKind::kMrn, "A1").value(),
            two.compute(IdentifierKind::kMrn, "A1").value());
}

}  // namespace
}  // namespace wasl::crypto
