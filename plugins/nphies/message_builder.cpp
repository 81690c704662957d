#include "plugins/nphies/message_builder.hpp"

#include "plugins/nphies/fhir_time.hpp"
#include "plugins/nphies/nphies_vocabulary.hpp"

namespace wasl::plugins::nphies {

namespace v = vocabulary;
using nlohmann::json;

MessageBuilder::MessageBuilder(const NphiesSettings& settings, MessageIds ids, std::string event,
                               std::int64_t now_ms)
    : settings_(settings), ids_(std::move(ids)), event_(std::move(event)), now_ms_(now_ms) {}

void MessageBuilder::sender(std::string provider_license) { sender_ = std::move(provider_license); }

void MessageBuilder::destination(std::string_view license_system, std::string license) {
  destination_system_ = std::string(license_system);
  destination_ = std::move(license);
}

std::string MessageBuilder::url_of(std::string_view type, std::string_view id) const {
  return settings_.provider_base_url + "/" + std::string(type) + "/" + std::string(id);
}

std::string MessageBuilder::add(json resource, std::string_view profile_name, bool focal) {
  resource["meta"] = {
      {"profile", json::array({v::profile(profile_name, settings_.profile_version)})}};
  std::string url =
      url_of(resource.at("resourceType").get<std::string>(), resource.at("id").get<std::string>());
  if (focal) focus_ = url;
  entries_.push_back({{"fullUrl", url}, {"resource", std::move(resource)}});
  return url;
}

void MessageBuilder::respond_to(std::string message_id) { response_to_ = std::move(message_id); }

json MessageBuilder::build() const {
  json header = {
      {"resourceType", "MessageHeader"},
      {"id", ids_.message_header_id},
      {"meta",
       {{"profile", json::array({v::profile("message-header", settings_.profile_version)})}}},
      {"eventCoding", {{"system", v::kEvents}, {"code", event_}}},
      {"destination",
       json::array(
           {{{"endpoint", destination_system_ == v::kNphiesLicense
                              ? std::string("http://nphies.sa")
                              : destination_system_ + "/" + destination_},
             {"receiver",
              {{"type", "Organization"},
               {"identifier", {{"system", destination_system_}, {"value", destination_}}}}}}})},
      {"sender",
       {{"type", "Organization"},
        {"identifier", {{"system", v::kProviderLicense}, {"value", sender_}}}}},
      {"source", {{"endpoint", settings_.provider_base_url}}},
  };
  if (!focus_.empty()) header["focus"] = json::array({{{"reference", focus_}}});
  if (!response_to_.empty()) header["response"] = {{"identifier", response_to_}, {"code", "ok"}};
  json entries = json::array();
  entries.push_back({{"fullUrl", "urn:uuid:" + ids_.message_header_id}, {"resource", header}});
  for (const auto& e : entries_) entries.push_back(e);
  return {{"resourceType", "Bundle"},
          {"id", ids_.bundle_id},
          {"meta", {{"profile", json::array({v::profile("bundle", settings_.profile_version)})}}},
          {"type", "message"},
          {"timestamp", ksa_instant(now_ms_)},
          {"entry", std::move(entries)}};
}

}  // namespace wasl::plugins::nphies
