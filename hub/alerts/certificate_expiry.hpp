// Certificate expiry: alerts about the certificates the hub presents before
// they expire. An expired NPHIES client certificate stops every claim, and
// an expired listener certificate every hospital system's call; the first
// sign should not be the failure.
//
// Watched: the TLS listener's chain (server.tls.certificate_file, alerts
// about "hub", which every facility sees), each MLLP listener's chain
// (instances.<name>.mllp.tls, about the instance) and each instance's
// client certificate (settings.tls, about the instance, which the
// facilities binding it see).
//
// certificate_alerts(): a certificate within 30, 14 or 7 days of its end is
// "certificate.expiring" for the tightest of those thresholds it is within;
// one past its end is "certificate.expired". Each alert's dedup key names
// the certificate (its SHA-256 fingerprint) and the threshold, so it is
// raised once however often the check runs and however many hubs run it: a
// certificate raises at most four alerts in its life, and a renewed one
// (another fingerprint) starts again. The message names the certificate by
// its subject and its end, the hub's own words.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/crypto/client_identity.hpp"
#include "hub/plugin_host/instance_health.hpp"
#include "wasl/sdk/client_certificate.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::alerts {

struct WatchedCertificate {
  std::string instance;  // the instance it belongs to, or kHubSubject
  std::string role;      // "TLS listener" | "MLLP listener" | "client"
  crypto::CertificateDescription certificate;
};

// The thresholds, in days, tightest last.
inline constexpr int kExpiryThresholdDays[] = {30, 14, 7};

// The certificates of `config`'s listeners (files read now) and the client
// certificates `clients` (PluginHost::client_certificates()).
// kInvalidArgument naming the setting when a listener's file cannot be read
// or holds no certificate.
sdk::Result<std::vector<WatchedCertificate>> watched_certificates(
    const config::Config& config,
    const std::map<std::string, sdk::ClientCertificate, std::less<>>& clients);

// The alerts `watched` calls for at `now_ms` (above), each with its
// dedup_key; none for a certificate more than 30 days from its end.
std::vector<plugin_host::InstanceAlert> certificate_alerts(
    const std::vector<WatchedCertificate>& watched, std::int64_t now_ms);

}  // namespace wasl::alerts
