// The numbers of an RSA or EC private key read from PEM, as big-endian
// bytes, for a JOSE library to build its own key object from (a JWK holds
// exactly these). The private numbers are wiped when the parts are
// destroyed.
//
// Errors are kInvalidArgument with a sentence that names what is wrong and
// never repeats the input bytes.
#pragma once

#include <string>
#include <string_view>

#include "hub/crypto/secret_bytes.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::crypto {

struct RsaKeyParts {
  std::string n, e;                 // public: modulus, exponent
  SecretBytes d, p, q, dp, dq, qi;  // private exponent, primes, CRT values
};

struct EcKeyParts {
  int curve_bits = 0;  // 256 (P-256), 384 (P-384) or 521 (P-521)
  std::string x, y;    // public point, each padded to the curve's size
  SecretBytes d;       // private scalar, padded to the curve's size
};

struct SigningKeyParts {
  enum class Kind { kRsa, kEc } kind = Kind::kRsa;
  RsaKeyParts rsa;  // when kind is kRsa
  EcKeyParts ec;    // when kind is kEc
};

// An unencrypted PEM private key (PKCS#8 or traditional): RSA of 2048 bits or
// more, or EC on P-256, P-384 or P-521.
sdk::Result<SigningKeyParts> read_signing_key_pem(std::string_view pem);

}  // namespace wasl::crypto
