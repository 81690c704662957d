// HospitalSecretSource: where the built-in hospital verifier reads each
// facility's Standard Webhooks secret ("whsec_<base64>"). The configuration
// key proposed for it is facilities.<id>.webhook_secret (a secret, usually
// ${env:…} or ${file:…}); StaticHospitalSecrets serves an in-memory map.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hub/config/secret.hpp"

namespace wasl::webhooks {

class HospitalSecretSource {
 public:
  virtual ~HospitalSecretSource() = default;
  // The facility's secret, or nullopt when it takes no hospital webhooks.
  // Thread-safe.
  virtual std::optional<config::Secret> webhook_secret(std::string_view facility_id) const = 0;
};

// Immutable after construction.
class StaticHospitalSecrets final : public HospitalSecretSource {
 public:
  explicit StaticHospitalSecrets(std::map<std::string, config::Secret, std::less<>> secrets)
      : secrets_(std::move(secrets)) {}

  std::optional<config::Secret> webhook_secret(std::string_view facility_id) const override {
    auto it = secrets_.find(facility_id);
    if (it == secrets_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, config::Secret, std::less<>> secrets_;
};

}  // namespace wasl::webhooks
