#include "hub/webhooks/webhook_routes.hpp"

#include "hub/webhooks/unmatched_webhooks.hpp"
#include "hub/webhooks/webhook_intake.hpp"

namespace wasl::webhooks {

void add_webhook_routes(http::Router& router, WebhookContext& context) {
  WebhookContext* ctx = &context;
  http::RouteOptions intake;
  intake.summary = "Receive a signed webhook from a provider or hospital system";
  intake.body_limit = context.server != nullptr ? context.server->webhook_body_limit : 256 << 10;
  router.add(
      "POST", "/v1/webhooks/{instance}",
      [ctx](http::Request& request) { return handle_webhook(*ctx, request); }, intake);

  http::RouteOptions list;
  list.summary = "List webhook events that no workflow run took (or that were parked)";
  router.add(
      "GET", "/v1/webhooks/unmatched",
      [ctx](http::Request& request) { return handle_list_unmatched(*ctx, request); }, list);

  http::RouteOptions replay;
  replay.summary = "Dispatch an unmatched or parked webhook event again";
  router.add(
      "POST", "/v1/webhooks/unmatched/{id}/replay",
      [ctx](http::Request& request) { return handle_replay_unmatched(*ctx, request); }, replay);
}

}  // namespace wasl::webhooks
