// ClientIdentity: a TLS client certificate with its private key, for mutual
// TLS, read from PEM or PKCS#12 bytes through OpenSSL. Loading checks that the
// key belongs to the certificate; the identity is then handed to the TLS
// library as PEM (certificate chain, and the key unencrypted in a wiped
// buffer). A description (subject, issuer, serial, validity, fingerprint)
// may be shown anywhere; the key never is.
//
// TrustAnchors: a PEM bundle of CA certificates, checked to hold at least one.
//
// describe_certificate(): the same description of a DER certificate (a TLS
// peer's), so every certificate is named the same way.
//
// Errors are kInvalidArgument with a sentence that names what is wrong
// ("the private key does not belong to the certificate", "the PKCS#12
// password is wrong or missing") and never repeats the input bytes.
// Immutable after loading; thread-safe to read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/crypto/secret_bytes.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::crypto {

struct CertificateDescription {
  std::string subject;             // RFC 2253, e.g. "CN=wasl-nphies-client,O=Hospital"
  std::string issuer;              // RFC 2253
  std::string serial_hex;          // lowercase hex
  std::string sha256_hex;          // fingerprint of the DER certificate
  std::int64_t not_before_ms = 0;  // Unix milliseconds
  std::int64_t not_after_ms = 0;
};

// The description of one DER-encoded certificate, such as the one a TLS
// peer presented; kInvalidArgument when the bytes are not one certificate.
sdk::Result<CertificateDescription> describe_certificate(std::string_view der);

// The descriptions of every certificate of a PEM text (a chain: the leaf
// first as written); kInvalidArgument when it holds none.
sdk::Result<std::vector<CertificateDescription>> describe_pem_certificates(std::string_view pem);

class ClientIdentity {
 public:
  // `certificate_pem`: the client certificate, optionally followed by
  // intermediate CA certificates. `key_pem`: its private key (PKCS#8,
  // traditional RSA/EC, or encrypted PKCS#8 with `password`).
  static sdk::Result<ClientIdentity> from_pem(std::string_view certificate_pem,
                                              std::string_view key_pem,
                                              std::string_view password = {});

  // A PKCS#12 file (DER bytes, or the same in base64 text) holding the
  // certificate, its key and optionally CA certificates, with `password`
  // (empty for none).
  static sdk::Result<ClientIdentity> from_pkcs12(std::string_view pkcs12,
                                                 std::string_view password = {});

  ClientIdentity(ClientIdentity&&) noexcept = default;
  ClientIdentity& operator=(ClientIdentity&&) noexcept = default;

  // The certificate, then its intermediates, as PEM.
  const std::string& certificate_chain_pem() const { return chain_pem_; }
  // The private key as unencrypted PKCS#8 PEM. Never log or copy it around.
  std::string_view private_key_pem() const { return key_pem_.view(); }
  const CertificateDescription& description() const { return description_; }

 private:
  ClientIdentity() = default;

  std::string chain_pem_;
  SecretBytes key_pem_;
  CertificateDescription description_;
};

class TrustAnchors {
 public:
  // Every certificate of a PEM bundle; kInvalidArgument when it holds none
  // or one cannot be parsed.
  static sdk::Result<TrustAnchors> from_pem(std::string_view bundle_pem);

  const std::string& pem() const { return pem_; }
  int count() const { return count_; }

 private:
  std::string pem_;
  int count_ = 0;
};

}  // namespace wasl::crypto
