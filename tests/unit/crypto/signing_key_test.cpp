#include "hub/crypto/signing_key.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>

namespace wasl::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

enum class Form { kPkcs8, kTraditional, kEncrypted };

std::string pem_of(EVP_PKEY* key, Form form = Form::kPkcs8) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (form == Form::kTraditional) {
    PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else if (form == Form::kEncrypted) {
    static char password[] = "password";
    PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), password, 8, nullptr, nullptr);
  } else {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

BIGNUM* bn(std::string_view bytes) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size()), nullptr);
}

TEST(SigningKey, RsaGivesNumbersThatBelongTogether) {
  Pkey key(EVP_RSA_gen(2048));
  for (Form form : {Form::kPkcs8, Form::kTraditional}) {
    auto parts = read_signing_key_pem(pem_of(key.get(), form));
    ASSERT_TRUE(parts.ok()) << parts.error().message;
    ASSERT_EQ(parts->kind, SigningKeyParts::Kind::kRsa);
    const RsaKeyParts& rsa = parts->rsa;
    EXPECT_EQ(rsa.n.size(), 256u);
    EXPECT_EQ(rsa.e, std::string("\x01\x00\x01", 3));

    BIGNUM* n = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n), 1);
    BIGNUM* ours = bn(rsa.n);
    EXPECT_EQ(BN_cmp(n, ours), 0);
    // p * q = n, and d * e = 1 mod (p-1): the private numbers are the key's.
    BN_CTX* ctx = BN_CTX_new();
    BIGNUM* product = BN_new();
    BIGNUM* p = bn(rsa.p.view());
    BIGNUM* q = bn(rsa.q.view());
    BN_mul(product, p, q, ctx);
    EXPECT_EQ(BN_cmp(product, n), 0);
    BIGNUM* dp = bn(rsa.dp.view());
    BIGNUM* d = bn(rsa.d.view());
    BIGNUM* p_minus_1 = BN_dup(p);
    BN_sub_word(p_minus_1, 1);
    BIGNUM* d_mod = BN_new();
    BN_mod(d_mod, d, p_minus_1, ctx);
    EXPECT_EQ(BN_cmp(d_mod, dp), 0);
    for (BIGNUM* value : {n, ours, product, p, q, dp, d, p_minus_1, d_mod}) BN_free(value);
    BN_CTX_free(ctx);
  }
}

TEST(SigningKey, EcGivesThePublicPointAndAScalarOfTheCurvesSize) {
  for (const auto& [curve, width] :
       {std::pair<const char*, std::size_t>{"P-256", 32}, {"P-384", 48}}) {
    Pkey key(EVP_EC_gen(curve));
    auto parts = read_signing_key_pem(pem_of(key.get()));
    ASSERT_TRUE(parts.ok()) << parts.error().message;
    ASSERT_EQ(parts->kind, SigningKeyParts::Kind::kEc);
    EXPECT_EQ(parts->ec.curve_bits, static_cast<int>(width * 8));
    EXPECT_EQ(parts->ec.x.size(), width);
    EXPECT_EQ(parts->ec.y.size(), width);
    EXPECT_EQ(parts->ec.d.size(), width);
    unsigned char point[1 + 2 * 48] = {};
    std::size_t point_length = 0;
    ASSERT_EQ(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point,
                                              sizeof point, &point_length),
              1);
    ASSERT_EQ(point_length, 1 + 2 * width);  // uncompressed: 04 || x || y
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(point) + 1, 2 * width),
              parts->ec.x + parts->ec.y);
  }
}

TEST(SigningKey, KeysItCannotSignWithAreRefusedWithoutRepeatingThem) {
  Pkey small(EVP_RSA_gen(1024));
  auto parts = read_signing_key_pem(pem_of(small.get()));
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(parts.error().message, HasSubstr("2048"));

  Pkey ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  parts = read_signing_key_pem(pem_of(ed.get()));
  ASSERT_FALSE(parts.ok());
  EXPECT_THAT(parts.error().message, HasSubstr("neither RSA nor EC"));

  Pkey rsa(EVP_RSA_gen(2048));
  const std::string encrypted = pem_of(rsa.get(), Form::kEncrypted);
  ASSERT_THAT(encrypted, HasSubstr("ENCRYPTED PRIVATE KEY"));
  parts = read_signing_key_pem(encrypted);
  ASSERT_FALSE(parts.ok());
  EXPECT_THAT(parts.error().message, HasSubstr("unencrypted"));

  const std::string garbage =
      "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n-----END PRIVATE KEY-----\n";
  parts = read_signing_key_pem(garbage);
  ASSERT_FALSE(parts.ok());
  EXPECT_THAT(parts.error().message, Not(HasSubstr("c2VjcmV0")));
  EXPECT_FALSE(read_signing_key_pem("not pem at all").ok());
}

}  // namespace
}  // namespace wasl::crypto
