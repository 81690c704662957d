#include "hub/signin/provider_set.hpp"

#include <algorithm>
#include <utility>

#include "hub/plugin_host/http_client.hpp"

namespace wasl::signin {
namespace {

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

ProviderSet::ProviderSet(std::string public_url, MfaPolicy mfa,
                         std::vector<ConfiguredProvider> providers)
    : public_url_(without_trailing_slash(std::move(public_url))),
      mfa_(std::move(mfa)),
      providers_(std::move(providers)) {
  std::sort(
      providers_.begin(), providers_.end(),
      [](const ConfiguredProvider& a, const ConfiguredProvider& b) { return a.name < b.name; });
}

sdk::Result<std::unique_ptr<ProviderSet>> ProviderSet::from_config(
    const config::Config& config, const std::function<std::int64_t()>& now_s) {
  if (!config.signin) return std::make_unique<ProviderSet>();
  const config::SigninConfig& signin = *config.signin;
  const std::string public_url = without_trailing_slash(signin.public_url);

  MfaPolicy mfa;
  for (const std::string& role : signin.mfa.roles) {
    auto parsed = access::parse_role(role);
    if (!parsed) {
      return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                        "signin.mfa.roles: '" + role + "' is not a role", false);
    }
    mfa.roles.push_back(*parsed);
  }
  mfa.amr = signin.mfa.amr;
  mfa.acr = signin.mfa.acr;

  std::vector<ConfiguredProvider> providers;
  for (const auto& [name, provider] : signin.providers) {
    ConfiguredProvider configured;
    configured.name = name;
    configured.label_en = provider.label.en;
    configured.label_ar = provider.label.ar;
    configured.access.groups_claim = provider.groups_claim;
    configured.access.practitioner_claim = provider.practitioner_claim;
    for (const config::SigninRuleConfig& rule : provider.rules) {
      auto role = access::parse_role(rule.role);
      if (!role) {
        return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                          "signin.providers." + name + ".rules: '" + rule.role + "' is not a role",
                          false);
      }
      configured.access.rules.push_back(
          AccessRule{.group = rule.group, .facility = rule.facility, .role = *role});
    }

    ProviderSettings settings;
    settings.name = name;
    settings.issuer = provider.issuer;
    settings.client_id = provider.client_id;
    settings.client_secret = provider.client_secret;
    settings.client_key_pem = provider.client_key.reveal();
    settings.client_key_id = provider.client_key_id;
    settings.redirect_uri = public_url + "/signin/" + name + "/callback";
    settings.scopes = provider.scopes;
    if (std::find(settings.scopes.begin(), settings.scopes.end(), "openid") ==
        settings.scopes.end()) {
      settings.scopes.insert(settings.scopes.begin(), "openid");
    }
    settings.ca_file = provider.ca_file;

    // The identity provider is reached like any outside service: TLS
    // verification always on, the provider's ca_file added to the system's
    // anchors, bounded answers and time.
    plugin_host::HttpClientOptions http;
    http.connect_timeout = std::chrono::seconds(5);
    http.total_timeout = std::chrono::seconds(10);
    http.max_response_bytes = std::int64_t{1} << 20;
    http.ca_file = provider.ca_file;
    configured.oidc = std::make_shared<OidcProvider>(
        std::move(settings), std::make_shared<plugin_host::HttpClient>(std::move(http)), now_s);
    providers.push_back(std::move(configured));
  }
  return std::make_unique<ProviderSet>(public_url, std::move(mfa), std::move(providers));
}

const ConfiguredProvider* ProviderSet::find(std::string_view name) const {
  for (const ConfiguredProvider& provider : providers_) {
    if (provider.name == name) return &provider;
  }
  return nullptr;
}

nlohmann::json ProviderSet::list_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const ConfiguredProvider& provider : providers_) {
    list.push_back({{"name", provider.name},
                    {"label", {{"en", provider.label_en}, {"ar", provider.label_ar}}}});
  }
  return list;
}

std::string safe_return_to(std::string_view requested) {
  constexpr std::string_view kConsole = "/console/";
  if (requested.size() > 512 || requested.substr(0, kConsole.size()) != kConsole) {
    return std::string(kConsole);
  }
  for (char c : requested) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '\\') return std::string(kConsole);
  }
  if (requested.find("//") != std::string_view::npos) return std::string(kConsole);
  // No dot segment, whether plain or percent-encoded, anywhere in the path.
  std::string_view path = requested.substr(0, requested.find_first_of("?#"));
  std::size_t at = 0;
  while (at <= path.size()) {
    std::size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    std::string segment(path.substr(at, slash - at));
    for (char& ch : segment) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    for (std::size_t dot = segment.find("%2e"); dot != std::string::npos;
         dot = segment.find("%2e")) {
      segment.replace(dot, 3, ".");
    }
    if (segment == "." || segment == "..") return std::string(kConsole);
    if (segment.find("%2f") != std::string::npos || segment.find("%5c") != std::string::npos) {
      return std::string(kConsole);
    }
    at = slash + 1;
  }
  return std::string(requested);
}

}  // namespace wasl::signin
