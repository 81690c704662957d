// InstanceTls: the reserved `tls` object of a plugin instance's settings —
// the instance's mutual TLS client identity and the CA bundle its servers
// must chain to (the shape is documented in sdk host.hpp, "Mutual TLS"). It
// belongs to the host: take_instance_tls() removes it from the settings
// before they are checked against the plugin's schema.json and handed to the
// plugin, so key bytes never reach plugin code.
//
// Keys: client_certificate + client_key (PEM), or client_pkcs12 (DER or
// base64); client_key_password (optional); ca_bundle (PEM, optional). The
// values are the texts themselves, normally written as ${file:PATH}.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/crypto/client_identity.hpp"
#include "wasl/sdk/client_certificate.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

struct InstanceTls {
  std::shared_ptr<const crypto::ClientIdentity> identity;  // null: no client certificate
  std::shared_ptr<const crypto::TrustAnchors> anchors;     // null: the system's anchors
  // Values never to be logged (the key, its password): added to the
  // instance's redaction list.
  std::vector<std::string> secrets;

  // What the plugin may know (Host::client_certificate()); unset without an
  // identity.
  std::optional<sdk::ClientCertificate> describe() const;
};

// Takes settings["tls"] out of `settings` (an object) and loads it. nullopt
// when there is none. kInvalidArgument with one sentence per problem,
// "settings.tls.<key>: …", never quoting a value: an unknown key, a value
// that is not a string, a certificate without its key (or the other way
// round), both PEM and PKCS#12, a key that does not belong to its
// certificate, a wrong password, an unreadable CA bundle.
sdk::Result<std::optional<InstanceTls>> take_instance_tls(nlohmann::json& settings);

}  // namespace wasl::plugin_host
