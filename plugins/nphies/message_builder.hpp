// MessageBuilder: one NPHIES request message — a Bundle of type "message"
// whose first entry is the MessageHeader (eventCoding from
// ksa-message-events, sender = the provider licence, destination/receiver =
// the payer licence or NPHIES, focus = the focal entry's fullUrl), every
// resource carrying its nphies-fs profile in meta.profile at the settings'
// profile_version, the Bundle and MessageHeader ids from MessageIds.
//
// Not thread-safe; one builder per message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/settings.hpp"

namespace wasl::plugins::nphies {

class MessageBuilder {
 public:
  // `event`: a ksa-message-events code, e.g. "claim-request".
  MessageBuilder(const NphiesSettings& settings, MessageIds ids, std::string event,
                 std::int64_t now_ms);

  void sender(std::string provider_license);
  // The receiver: a payer licence, or (poll, acknowledgement) NPHIES itself.
  void destination(std::string_view license_system, std::string license);

  // {provider_base_url}/<type>/<id>
  std::string url_of(std::string_view type, std::string_view id) const;

  // Adds `resource` (its resourceType and id set) with the nphies-fs profile
  // `profile_name`; answers its fullUrl. The resource added with focal = true
  // is the MessageHeader's focus.
  std::string add(nlohmann::json resource, std::string_view profile_name, bool focal = false);

  const MessageIds& ids() const { return ids_; }
  std::int64_t now_ms() const { return now_ms_; }

  // The MessageHeader's response member (acknowledgement).
  void respond_to(std::string message_id);

  // The whole Bundle.
  nlohmann::json build() const;

 private:
  const NphiesSettings& settings_;
  MessageIds ids_;
  std::string event_;
  std::int64_t now_ms_;
  std::string sender_;
  std::string destination_system_;
  std::string destination_;
  std::string focus_;
  std::string response_to_;
  nlohmann::json entries_ = nlohmann::json::array();
};

}  // namespace wasl::plugins::nphies
