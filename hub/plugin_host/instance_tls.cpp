#include "hub/plugin_host/instance_tls.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>

#include "hub/text/suggestion.hpp"

namespace wasl::plugin_host {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;

constexpr std::array<std::string_view, 5> kKeys{"ca_bundle", "client_certificate", "client_key",
                                                "client_key_password", "client_pkcs12"};

Error problem(std::string_view key, const std::string& message) {
  return Error(
      ErrorCode::kInvalidArgument,
      "settings.tls" + (key.empty() ? std::string() : "." + std::string(key)) + ": " + message,
      false);
}

}  // namespace

std::optional<sdk::ClientCertificate> InstanceTls::describe() const {
  if (!identity) return std::nullopt;
  const crypto::CertificateDescription& d = identity->description();
  sdk::ClientCertificate out;
  out.subject = d.subject;
  out.issuer = d.issuer;
  out.serial_hex = d.serial_hex;
  out.sha256_hex = d.sha256_hex;
  out.not_before_ms = d.not_before_ms;
  out.not_after_ms = d.not_after_ms;
  out.trust_anchors = anchors ? anchors->count() : 0;
  return out;
}

sdk::Result<std::optional<InstanceTls>> take_instance_tls(json& settings) {
  if (!settings.is_object()) return std::optional<InstanceTls>();
  auto found = settings.find("tls");
  if (found == settings.end()) return std::optional<InstanceTls>();
  json tls = std::move(*found);
  settings.erase("tls");
  if (!tls.is_object()) {
    return problem("",
                   "expected an object with client_certificate and client_key (or "
                   "client_pkcs12), client_key_password and ca_bundle");
  }
  std::vector<std::string> known(kKeys.begin(), kKeys.end());
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : tls.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      std::string hint = text::closest_match(key, known);
      return problem(key, "unknown key" +
                              (hint.empty() ? std::string() : " (did you mean \"" + hint + "\"?)"));
    }
    if (!value.is_string()) {
      return problem(key, "expected a string (the file's text, written as ${file:PATH})");
    }
    values[key] = value.get<std::string>();
  }
  auto text = [&](std::string_view key) -> const std::string* {
    auto it = values.find(std::string(key));
    return it == values.end() ? nullptr : &it->second;
  };

  InstanceTls out;
  const std::string* certificate = text("client_certificate");
  const std::string* key = text("client_key");
  const std::string* pkcs12 = text("client_pkcs12");
  const std::string* password = text("client_key_password");
  const std::string no_password;
  if (pkcs12 != nullptr && (certificate != nullptr || key != nullptr)) {
    return problem("client_pkcs12",
                   "give either client_pkcs12 or client_certificate with "
                   "client_key, not both");
  }
  if ((certificate == nullptr) != (key == nullptr)) {
    return problem(certificate == nullptr ? "client_certificate" : "client_key",
                   "is required with " +
                       std::string(certificate == nullptr ? "client_key" : "client_certificate"));
  }
  if (password != nullptr && certificate == nullptr && pkcs12 == nullptr) {
    return problem("client_key_password", "there is no client key or PKCS#12 file to unlock");
  }
  if (certificate != nullptr) {
    auto identity =
        crypto::ClientIdentity::from_pem(*certificate, *key, password ? *password : no_password);
    if (!identity.ok()) return problem("client_certificate", identity.error().message);
    out.identity = std::make_shared<crypto::ClientIdentity>(std::move(identity).value());
    out.secrets.push_back(*key);
  } else if (pkcs12 != nullptr) {
    auto identity =
        crypto::ClientIdentity::from_pkcs12(*pkcs12, password ? *password : no_password);
    if (!identity.ok()) return problem("client_pkcs12", identity.error().message);
    out.identity = std::make_shared<crypto::ClientIdentity>(std::move(identity).value());
    out.secrets.push_back(*pkcs12);
  }
  if (password != nullptr && !password->empty()) out.secrets.push_back(*password);
  if (const std::string* bundle = text("ca_bundle")) {
    auto anchors = crypto::TrustAnchors::from_pem(*bundle);
    if (!anchors.ok()) return problem("ca_bundle", anchors.error().message);
    out.anchors = std::make_shared<crypto::TrustAnchors>(std::move(anchors).value());
  }
  return std::optional<InstanceTls>(std::move(out));
}

}  // namespace wasl::plugin_host
