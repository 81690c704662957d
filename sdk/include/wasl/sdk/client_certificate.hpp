// client_certificate.hpp: what a plugin may know about its instance's mutual
// TLS identity (Host::client_certificate()). The certificate's public facts
// only: the private key stays inside the host, which loaded it from the
// instance's `tls` settings (see host.hpp, "Mutual TLS").
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace wasl::sdk {

struct ClientCertificate {
  std::string subject;             // RFC 2253, e.g. "CN=N-F-00001,O=Saudi General Hospital"
  std::string issuer;              // RFC 2253
  std::string serial_hex;          // lowercase hex
  std::string sha256_hex;          // fingerprint of the DER certificate
  std::int64_t not_before_ms = 0;  // Unix milliseconds
  std::int64_t not_after_ms = 0;
  // CA certificates the server must chain to (settings tls.ca_bundle); 0 when
  // the instance trusts the system's anchors.
  int trust_anchors = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClientCertificate, subject, issuer, serial_hex,
                                                sha256_hex, not_before_ms, not_after_ms,
                                                trust_anchors)

}  // namespace wasl::sdk
