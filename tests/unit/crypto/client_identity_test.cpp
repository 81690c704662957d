#include "hub/crypto/client_identity.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/support/test_pki.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using wasl::testing::TestPki;

TEST(ClientIdentityTest, PemCertificateAndKeyLoadAndDescribeTheCertificate) {
  const TestPki& pki = TestPki::get();
  auto identity = ClientIdentity::from_pem(pki.read("client.crt"), pki.read("client.key"));
  ASSERT_TRUE(identity.ok()) << identity.error().message;
  const CertificateDescription& d = identity->description();
  EXPECT_EQ(d.subject, "CN=N-F-00001,O=Saudi General Hospital");
  EXPECT_EQ(d.issuer, "CN=Wasl Test CA,O=Wasl Test");
  EXPECT_EQ(d.sha256_hex.size(), 64u);
  EXPECT_FALSE(d.serial_hex.empty());
  EXPECT_LT(d.not_before_ms, d.not_after_ms);
  EXPECT_THAT(identity->certificate_chain_pem(), HasSubstr("-----BEGIN CERTIFICATE-----"));
  EXPECT_THAT(std::string(identity->private_key_pem()), HasSubstr("-----BEGIN PRIVATE KEY-----"));
}

TEST(ClientIdentityTest, AKeyOfAnotherCertificateIsRefused) {
  const TestPki& pki = TestPki::get();
  auto identity = ClientIdentity::from_pem(pki.read("client.crt"), pki.read("other-client.key"));
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(identity.error().message, "the private key does not belong to the client certificate");
}

TEST(ClientIdentityTest, TextThatIsNotPemIsNamedWithoutRepeatingIt) {
  const TestPki& pki = TestPki::get();
  auto no_cert = ClientIdentity::from_pem("certs/client.crt", pki.read("client.key"));
  ASSERT_FALSE(no_cert.ok());
  EXPECT_THAT(no_cert.error().message, HasSubstr("not PEM"));
  EXPECT_THAT(no_cert.error().message, Not(HasSubstr("certs/client.crt")));
  auto no_key = ClientIdentity::from_pem(pki.read("client.crt"), "s3cret-not-a-key");
  ASSERT_FALSE(no_key.ok());
  EXPECT_THAT(no_key.error().message, Not(HasSubstr("s3cret")));
}

TEST(ClientIdentityTest, EncryptedKeyNeedsItsPassword) {
  const TestPki& pki = TestPki::get();
  std::string command =
      "openssl pkcs8 -topk8 -v2 aes-256-cbc -in '" + pki.path("client.key").string() + "' -out '" +
      pki.path("client-encrypted.key").string() + "' -passout pass:open-sesame 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::string encrypted = pki.read("client-encrypted.key");
  auto without = ClientIdentity::from_pem(pki.read("client.crt"), encrypted);
  ASSERT_FALSE(without.ok());
  EXPECT_THAT(without.error().message, HasSubstr("set its password"));
  auto wrong = ClientIdentity::from_pem(pki.read("client.crt"), encrypted, "open-barley");
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.error().message, HasSubstr("password"));
  auto right = ClientIdentity::from_pem(pki.read("client.crt"), encrypted, "open-sesame");
  ASSERT_TRUE(right.ok()) << right.error().message;
  EXPECT_THAT(std::string(right->private_key_pem()), HasSubstr("BEGIN PRIVATE KEY"));
}

TEST(ClientIdentityTest, Pkcs12LoadsAsDerOrBase64WithItsPassword) {
  const TestPki& pki = TestPki::get();
  std::string der = pki.read("client.p12");
  auto from_der = ClientIdentity::from_pkcs12(der, "wasl-test");
  ASSERT_TRUE(from_der.ok()) << from_der.error().message;
  EXPECT_EQ(from_der->description().subject, "CN=N-F-00001,O=Saudi General Hospital");
  // The CA certificate inside the file follows the client certificate.
  EXPECT_NE(from_der->certificate_chain_pem().find("-----BEGIN CERTIFICATE-----", 10),
            std::string::npos);
  auto from_base64 = ClientIdentity::from_pkcs12(sdk::base64_encode(der) + "\n", "wasl-test");
  ASSERT_TRUE(from_base64.ok()) << from_base64.error().message;
  EXPECT_EQ(from_base64->description().sha256_hex, from_der->description().sha256_hex);
  auto wrong = ClientIdentity::from_pkcs12(der, "wrong");
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.error().message, HasSubstr("PKCS#12 password is wrong or missing"));
  EXPECT_FALSE(ClientIdentity::from_pkcs12("not pkcs12 at all", "").ok());
}

TEST(ClientIdentityTest, AnExpiredCertificateStillLoadsAndSaysWhenItExpired) {
  const TestPki& pki = TestPki::get();
  auto identity =
      ClientIdentity::from_pem(pki.read("client-expired.crt"), pki.read("client-expired.key"));
  ASSERT_TRUE(identity.ok()) << identity.error().message;
  EXPECT_EQ(identity->description().not_after_ms, 1612137600000);  // 2021-02-01T00:00:00Z
}

TEST(DescribeCertificateTest, ADerCertificateIsDescribedAsItsPemIdentityIs) {
  const TestPki& pki = TestPki::get();
  const std::string command = "openssl x509 -in '" + pki.path("client.crt").string() +
                              "' -outform DER -out '" + pki.path("client.der").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const std::string der = pki.read("client.der");
  auto described = describe_certificate(der);
  ASSERT_TRUE(described.ok()) << described.error().message;
  auto identity = ClientIdentity::from_pem(pki.read("client.crt"), pki.read("client.key"));
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(described->subject, "CN=N-F-00001,O=Saudi General Hospital");
  EXPECT_EQ(described->issuer, identity->description().issuer);
  EXPECT_EQ(described->sha256_hex, identity->description().sha256_hex);

  EXPECT_FALSE(describe_certificate("").ok());
  EXPECT_FALSE(describe_certificate(der.substr(0, der.size() - 1)).ok());
  auto trailing = describe_certificate(der + "x");
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST(TrustAnchorsTest, BundlesAreCountedAndEmptyOnesRefused) {
  const TestPki& pki = TestPki::get();
  auto one = TrustAnchors::from_pem(pki.read("ca.crt"));
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->count(), 1);
  auto two = TrustAnchors::from_pem(pki.read("ca.crt") + pki.read("other-ca.crt"));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->count(), 2);
  EXPECT_FALSE(TrustAnchors::from_pem("").ok());
  EXPECT_FALSE(
      TrustAnchors::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
          .ok());
}

}  // namespace
}  // namespace wasl::crypto
