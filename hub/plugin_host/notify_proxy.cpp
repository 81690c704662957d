#include "hub/plugin_host/notify_proxy.hpp"

#include "hub/plugin_host/typed_call.hpp"

namespace wasl::plugin_host {

sdk::Result<sdk::NotificationReceipt> NotifyProxy::send(const sdk::Notification& notification) {
  return typed_call<sdk::NotificationReceipt>(*instance_, sdk::Notifier::kSend, notification);
}

}  // namespace wasl::plugin_host
