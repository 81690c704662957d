#include "hub/crypto/client_identity.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <cctype>
#include <cstring>
#include <ctime>
#include <memory>
#include <vector>

#include "hub/crypto/hex.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::crypto {
namespace {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct Pkcs12Free {
  void operator()(PKCS12* p) const { PKCS12_free(p); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Certificate = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

Error invalid_identity(std::string message) {
  ERR_clear_error();  // the queue would otherwise leak into a later, unrelated call
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

Bio memory_reader(std::string_view bytes) {
  return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

// Never prompts: OpenSSL's default callback would read the terminal.
int password_callback(char* buf, int size, int, void* user) {
  const auto* password = static_cast<const std::string*>(user);
  if (password == nullptr || password->empty()) return -1;
  if (static_cast<int>(password->size()) > size) return -1;
  std::memcpy(buf, password->data(), password->size());
  return static_cast<int>(password->size());
}

std::vector<Certificate> read_certificates(std::string_view pem) {
  std::vector<Certificate> out;
  Bio bio = memory_reader(pem);
  if (!bio) return out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(cert);
  }
  ERR_clear_error();  // the loop ends on "no start line"
  return out;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::string name_text(const X509_NAME* name) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  return bio_text(bio.get());
}

std::int64_t time_ms(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  // No text is read here: OpenSSL parsed it; timegm only counts its UTC fields.
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

CertificateDescription describe(X509* cert) {
  CertificateDescription d;
  d.subject = name_text(X509_get_subject_name(cert));
  d.issuer = name_text(X509_get_issuer_name(cert));
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(serial)) {
      d.serial_hex = hex;
      for (char& c : d.serial_hex)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      OPENSSL_free(hex);
    }
    BN_free(serial);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) == 1) {
    d.sha256_hex = to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
  }
  d.not_before_ms = time_ms(X509_get0_notBefore(cert));
  d.not_after_ms = time_ms(X509_get0_notAfter(cert));
  return d;
}

Result<std::string> certificate_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return invalid_identity("the certificate cannot be written as PEM");
  }
  return bio_text(bio.get());
}

// The key as unencrypted PKCS#8 PEM, straight into a wiped buffer.
Result<SecretBytes> key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_secmem()));
  if (!bio) bio.reset(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return invalid_identity("the private key cannot be written as PEM");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  SecretBytes out(std::string_view(data, size > 0 ? static_cast<std::size_t>(size) : 0));
  if (size > 0) OPENSSL_cleanse(data, static_cast<std::size_t>(size));
  return out;
}

}  // namespace

Result<CertificateDescription> describe_certificate(std::string_view der) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* cursor = bytes;
  Certificate cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (!cert || cursor != bytes + der.size()) {
    return invalid_identity("the bytes are not one DER certificate");
  }
  return describe(cert.get());
}

Result<std::vector<CertificateDescription>> describe_pem_certificates(std::string_view pem) {
  std::vector<CertificateDescription> out;
  for (const Certificate& cert : read_certificates(pem)) out.push_back(describe(cert.get()));
  if (out.empty()) return invalid_identity("the text holds no PEM certificate");
  return out;
}

Result<ClientIdentity> ClientIdentity::from_pem(std::string_view certificate_pem_text,
                                                std::string_view key_pem_text,
                                                std::string_view password) {
  if (certificate_pem_text.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    return invalid_identity(
        "the client certificate is not PEM (no -----BEGIN CERTIFICATE----- line)");
  }
  std::vector<Certificate> chain = read_certificates(certificate_pem_text);
  if (chain.empty())
    return invalid_identity("the client certificate PEM holds no readable certificate");
  if (key_pem_text.find("-----BEGIN") == std::string_view::npos ||
      key_pem_text.find("PRIVATE KEY-----") == std::string_view::npos) {
    return invalid_identity(
        "the client key is not a PEM private key (no -----BEGIN … PRIVATE KEY----- line)");
  }
  const std::string secret(password);
  Bio bio = memory_reader(key_pem_text);
  Key key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &password_callback,
                                        const_cast<std::string*>(&secret))
              : nullptr);
  if (!key) {
    return invalid_identity(
        password.empty() ? "the client key cannot be read (if it is encrypted, set its password)"
                         : "the client key cannot be read with the password given");
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    return invalid_identity("the private key does not belong to the client certificate");
  }
  ClientIdentity identity;
  for (const auto& cert : chain) {
    WASL_ASSIGN_OR_RETURN(std::string pem, certificate_pem(cert.get()));
    identity.chain_pem_ += pem;
  }
  WASL_ASSIGN_OR_RETURN(identity.key_pem_, key_pem(key.get()));
  identity.description_ = describe(chain.front().get());
  return identity;
}

Result<ClientIdentity> ClientIdentity::from_pkcs12(std::string_view pkcs12,
                                                   std::string_view password) {
  std::string der;
  if (!pkcs12.empty() && static_cast<unsigned char>(pkcs12.front()) == 0x30) {
    der = std::string(pkcs12);  // a DER SEQUENCE
  } else {
    std::string text;
    for (char c : pkcs12) {
      if (std::isspace(static_cast<unsigned char>(c)) == 0) text += c;
    }
    auto decoded = sdk::base64_decode(text);
    if (!decoded || decoded->empty()) {
      return invalid_identity("the PKCS#12 client identity is neither DER nor base64 text");
    }
    der = std::move(*decoded);
  }
  Bio bio = memory_reader(der);
  std::unique_ptr<PKCS12, Pkcs12Free> p12(bio ? d2i_PKCS12_bio(bio.get(), nullptr) : nullptr);
  if (!p12) return invalid_identity("the PKCS#12 client identity cannot be parsed");
  const std::string secret(password);
  EVP_PKEY* raw_key = nullptr;
  X509* raw_cert = nullptr;
  STACK_OF(X509)* extra = nullptr;
  if (PKCS12_parse(p12.get(), secret.c_str(), &raw_key, &raw_cert, &extra) != 1) {
    return invalid_identity(
        "the PKCS#12 password is wrong or missing (or the file uses an algorithm "
        "OpenSSL no longer enables; re-export it with `openssl pkcs12 -export`)");
  }
  Key key(raw_key);
  Certificate cert(raw_cert);
  std::vector<Certificate> intermediates;
  if (extra != nullptr) {
    while (X509* next = sk_X509_shift(extra)) intermediates.emplace_back(next);
    sk_X509_free(extra);
  }
  if (!cert || !key)
    return invalid_identity("the PKCS#12 file holds no certificate with its private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return invalid_identity("the private key does not belong to the client certificate");
  }
  ClientIdentity identity;
  WASL_ASSIGN_OR_RETURN(identity.chain_pem_, certificate_pem(cert.get()));
  for (const auto& ca : intermediates) {
    WASL_ASSIGN_OR_RETURN(std::string pem, certificate_pem(ca.get()));
    identity.chain_pem_ += pem;
  }
  WASL_ASSIGN_OR_RETURN(identity.key_pem_, key_pem(key.get()));
  identity.description_ = describe(cert.get());
  return identity;
}

Result<TrustAnchors> TrustAnchors::from_pem(std::string_view bundle_pem) {
  if (bundle_pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    return invalid_identity("the CA bundle is not PEM (no -----BEGIN CERTIFICATE----- line)");
  }
  std::vector<Certificate> certs = read_certificates(bundle_pem);
  if (certs.empty()) return invalid_identity("the CA bundle holds no readable certificate");
  TrustAnchors anchors;
  for (const auto& cert : certs) {
    WASL_ASSIGN_OR_RETURN(std::string pem, certificate_pem(cert.get()));
    anchors.pem_ += pem;
  }
  anchors.count_ = static_cast<int>(certs.size());
  return anchors;
}

}  // namespace wasl::crypto
