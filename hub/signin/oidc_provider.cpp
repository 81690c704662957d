#include "hub/signin/oidc_provider.hpp"

#include <utility>

namespace wasl::signin {

struct OidcProvider::Impl {
  ProviderSettings settings;
  std::shared_ptr<plugin_host::HttpClient> http;
  std::function<std::int64_t()> now_s;
};

OidcProvider::OidcProvider(ProviderSettings settings, std::shared_ptr<plugin_host::HttpClient> http,
                           std::function<std::int64_t()> now_s)
    : impl_(std::make_unique<Impl>(Impl{std::move(settings), std::move(http), std::move(now_s)})) {}

OidcProvider::~OidcProvider() = default;

const ProviderSettings& OidcProvider::settings() const { return impl_->settings; }

namespace {
sdk::Error not_yet() {
  return {sdk::ErrorCode::kUnimplemented, "OpenID Connect sign-in is not built yet"};
}
}  // namespace

sdk::Result<AuthorizationStart> OidcProvider::begin() { return not_yet(); }
sdk::Result<std::string> OidcProvider::exchange_code(std::string_view, std::string_view) {
  return not_yet();
}
sdk::Result<IdentityClaims> OidcProvider::verify_id_token(std::string_view, std::string_view) {
  return not_yet();
}
sdk::Result<LogoutClaims> OidcProvider::verify_logout_token(std::string_view) { return not_yet(); }
sdk::Result<std::optional<std::string>> OidcProvider::end_session_url(std::string_view,
                                                                      std::string_view) {
  return not_yet();
}

}  // namespace wasl::signin
