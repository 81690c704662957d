#include "hub/plugin_host/feed_proxy.hpp"

#include "hub/plugin_host/typed_call.hpp"

namespace wasl::plugin_host {

sdk::Result<sdk::FeedAnswer> FeedProxy::accept(const sdk::FeedMessage& message) {
  return typed_call<sdk::FeedAnswer>(*instance_, sdk::MessageFeed::kAccept, message);
}

}  // namespace wasl::plugin_host
