// The SMTP plugin's registration: the notify capability, e-mail over SMTP
// with STARTTLS and AUTH through libcurl (see README.md).
#include <memory>

#include "plugins/smtp/settings.hpp"
#include "plugins/smtp/smtp_client.hpp"
#include "plugins/smtp/smtp_notifier.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

wasl::sdk::Status register_smtp(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "smtp";
  plugin.version = "1.0.0";
  plugin.description =
      "E-mail notifications over SMTP (STARTTLS required, AUTH) through libcurl: UTF-8 MIME "
      "with encoded-word subjects, Message-ID derived from the idempotency key.";
  plugin.notify =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::Notifier>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          wasl::plugins::smtp::parse_settings(host.settings(), host));
    WASL_ASSIGN_OR_RETURN(auto client, wasl::plugins::smtp::SmtpClient::create(settings));
    return std::unique_ptr<wasl::sdk::Notifier>(std::make_unique<wasl::plugins::smtp::SmtpNotifier>(
        host, std::move(settings), std::move(client)));
  };
  return {};
}

}  // namespace

WASL_PLUGIN(register_smtp)
