#include "hub/plugin_host/webhook_proxy.hpp"

#include "hub/plugin_host/typed_call.hpp"

namespace wasl::plugin_host {

sdk::Result<std::vector<sdk::Event>> WebhookProxy::verify(const sdk::WebhookRequest& request) {
  return typed_call<std::vector<sdk::Event>>(*instance_, sdk::WebhookVerifier::kVerify, request);
}

}  // namespace wasl::plugin_host
