// The SMART Backend Services client assertion (private_key_jwt, RFC 7523):
// a JWT signed with the client's private key by Poco::JWT (OpenSSL
// underneath). Claims: iss = sub = client id, aud = the token endpoint, jti
// 128 random bits in hex (unique per assertion), iat = now and exp = now +
// lifetime (at most 300 s), both integers. Header: alg, typ JWT, kid when
// given. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::fhir {

class ClientAssertionSigner {
 public:
  // `private_key_pem`: an RSA or EC (P-384 for ES384) private key in PEM.
  // `alg`: RS384 or ES384, or empty for the one the key's type signs with.
  // kInvalidArgument for a key that is not such a PEM key or that does not
  // fit `alg`; the message never contains the key.
  static sdk::Result<std::shared_ptr<const ClientAssertionSigner>> create(
      const std::string& private_key_pem, std::string alg, std::string key_id);

  // A fresh assertion for `client_id` to `audience` at `now`.
  sdk::Result<std::string> sign(std::string_view client_id, std::string_view audience,
                                std::chrono::system_clock::time_point now,
                                std::chrono::seconds lifetime = std::chrono::seconds(240)) const;

  const std::string& alg() const { return alg_; }

  ~ClientAssertionSigner();

 private:
  struct Key;
  ClientAssertionSigner(std::unique_ptr<Key> key, std::string alg, std::string key_id);

  std::unique_ptr<Key> key_;
  std::string alg_;
  std::string key_id_;
};

}  // namespace wasl::plugins::fhir
