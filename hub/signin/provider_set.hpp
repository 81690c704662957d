// ProviderSet: the identity providers of the configuration's `signin`
// section, each as the hub's relying party (OidcProvider) with its label
// and access rules, and the MFA policy they share. Built once by app; read
// only afterwards, so every member is safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/config/config.hpp"
#include "hub/signin/access_rules.hpp"
#include "hub/signin/oidc_provider.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::signin {

struct ConfiguredProvider {
  std::string name;  // the config key, in the sign-in URLs
  std::string label_en, label_ar;
  ProviderAccess access;
  std::shared_ptr<OidcProvider> oidc;
};

class ProviderSet {
 public:
  ProviderSet() = default;
  // `public_url` without a trailing '/'.
  ProviderSet(std::string public_url, MfaPolicy mfa, std::vector<ConfiguredProvider> providers);

  // One OidcProvider per configured provider, each on an outgoing
  // plugin_host::HttpClient of its own (the provider's ca_file added to the
  // system's anchors), redirect_uri <public_url>/signin/<name>/callback.
  // No signin section: an empty set. Touches no network. `now_s` is the
  // providers' clock (seconds; the system clock when empty).
  static sdk::Result<std::unique_ptr<ProviderSet>> from_config(
      const config::Config& config, const std::function<std::int64_t()>& now_s = {});

  // The provider named `name`, or nullptr.
  const ConfiguredProvider* find(std::string_view name) const;
  const std::vector<ConfiguredProvider>& providers() const { return providers_; }
  const MfaPolicy& mfa() const { return mfa_; }
  // Where browsers reach the hub, without a trailing '/'.
  const std::string& public_url() const { return public_url_; }

  // GET /signin/providers: [{"name", "label": {"en", "ar"}}], in name order.
  nlohmann::json list_json() const;

 private:
  std::string public_url_;
  MfaPolicy mfa_;
  std::vector<ConfiguredProvider> providers_;
};

// Where a sign-in returns the browser: `requested` when it is a path under
// /console/ (no scheme, no host, no "//", no backslash, no "..", no control
// characters, at most 512 bytes), else "/console/". Keeps the hub from
// being an open redirector.
std::string safe_return_to(std::string_view requested);

}  // namespace wasl::signin
