// The public keys a FHIR instance publishes (EhrConnector::public_keys, SDK
// 1.7): its SMART client assertion key, and the previous keys an operator
// keeps published while EHRs may still hold them (previous_public_keys).
// Each as a JWK of public members: RSA as RS384 with n and e, EC P-384 as
// ES384 with crv, x and y. Read with OpenSSL; pure and thread-safe.
#pragma once

#include <string>

#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::fhir {

// The public half of a PEM private key (RSA or EC P-384), as the JWK the
// key's assertions verify with: alg `alg` (RS384 / ES384), kid `kid`.
// kInvalidArgument naming `setting` for anything else; never quotes the key.
sdk::Result<sdk::PublicJwk> jwk_of_private_pem(const std::string& pem, const std::string& alg,
                                               const std::string& kid, const std::string& setting);

// A PEM public key (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY"; RSA or EC
// P-384) as its JWK: RS384 or ES384 by its type, kid `kid`.
// kInvalidArgument naming `setting` otherwise.
sdk::Result<sdk::PublicJwk> jwk_of_public_pem(const std::string& pem, const std::string& kid,
                                              const std::string& setting);

}  // namespace wasl::plugins::fhir
