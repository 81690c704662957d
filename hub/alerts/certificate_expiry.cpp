#include "hub/alerts/certificate_expiry.hpp"

#include <fstream>
#include <iterator>
#include <utility>

#include "hub/alerts/alert_store.hpp"
#include "hub/domain/timestamp.hpp"

namespace wasl::alerts {
namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

sdk::Status add_chain(const std::string& setting, const std::string& file,
                      const std::string& instance, const std::string& role,
                      std::vector<WatchedCertificate>& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      setting + ": cannot read the certificate file " + file, false);
  }
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto chain = crypto::describe_pem_certificates(pem);
  if (!chain.ok()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      setting + ": " + file + ": " + chain.error().message, false);
  }
  for (crypto::CertificateDescription& certificate : *chain) {
    out.push_back(WatchedCertificate{instance, role, std::move(certificate)});
  }
  return {};
}

std::string days_text(std::int64_t days) {
  return std::to_string(days) + (days == 1 ? " day" : " days");
}

}  // namespace

sdk::Result<std::vector<WatchedCertificate>> watched_certificates(
    const config::Config& config,
    const std::map<std::string, sdk::ClientCertificate, std::less<>>& clients) {
  std::vector<WatchedCertificate> out;
  if (config.server.tls) {
    WASL_RETURN_IF_ERROR(add_chain("server.tls.certificate_file",
                                   config.server.tls->certificate_file, kHubSubject, "TLS listener",
                                   out));
  }
  for (const auto& [name, instance] : config.instances) {
    if (instance.mllp && instance.mllp->tls) {
      WASL_RETURN_IF_ERROR(add_chain("instances." + name + ".mllp.tls.certificate_file",
                                     instance.mllp->tls->certificate_file, name, "MLLP listener",
                                     out));
    }
  }
  for (const auto& [name, client] : clients) {
    crypto::CertificateDescription certificate;
    certificate.subject = client.subject;
    certificate.issuer = client.issuer;
    certificate.serial_hex = client.serial_hex;
    certificate.sha256_hex = client.sha256_hex;
    certificate.not_before_ms = client.not_before_ms;
    certificate.not_after_ms = client.not_after_ms;
    out.push_back(WatchedCertificate{name, "client", std::move(certificate)});
  }
  return out;
}

std::vector<plugin_host::InstanceAlert> certificate_alerts(
    const std::vector<WatchedCertificate>& watched, std::int64_t now_ms) {
  std::vector<plugin_host::InstanceAlert> out;
  for (const WatchedCertificate& w : watched) {
    const std::int64_t left_ms = w.certificate.not_after_ms - now_ms;
    int threshold = 0;  // 0: expired
    if (left_ms > 0) {
      for (int days : kExpiryThresholdDays) {
        if (left_ms <= days * kDayMs) threshold = days;
      }
      if (threshold == 0) continue;  // more than 30 days left
    }
    plugin_host::InstanceAlert alert;
    alert.instance = w.instance;
    alert.at_ms = now_ms;
    const std::string what = w.role + " certificate " + w.certificate.subject;
    const std::string end = domain::format_timestamp(w.certificate.not_after_ms);
    if (threshold == 0) {
      alert.kind = "certificate.expired";
      alert.message = what + " expired at " + end;
      alert.dedup_key = "certificate:" + w.certificate.sha256_hex + ":expired";
    } else {
      alert.kind = "certificate.expiring";
      // Whole days left, rounded down: "in 6 days" inside the 7-day threshold.
      alert.message = what + " expires at " + end + ", in " + days_text(left_ms / kDayMs) +
                      " (within " + std::to_string(threshold) + " days)";
      alert.dedup_key =
          "certificate:" + w.certificate.sha256_hex + ":" + std::to_string(threshold) + "d";
    }
    out.push_back(std::move(alert));
  }
  return out;
}

}  // namespace wasl::alerts
