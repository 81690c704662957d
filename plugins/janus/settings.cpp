#include "plugins/janus/settings.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/setting_or_secret.hpp"

namespace wasl::plugins::janus {
namespace {

using nlohmann::json;
using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Result;
using wasl::sdk::setting_or_secret;

Error invalid_setting(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

bool is_loopback_host(std::string host) {
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8 written as four decimal parts.
  if (host.rfind("127.", 0) != 0) return false;
  int parts = 0;
  std::size_t at = 0;
  while (at <= host.size()) {
    std::size_t dot = host.find('.', at);
    std::string part = host.substr(at, dot == std::string::npos ? std::string::npos : dot - at);
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c); }) ||
        std::stoi(part) > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string::npos) break;
    at = dot + 1;
  }
  return parts == 4;
}

}  // namespace

std::string url_problem(std::string_view url, std::string_view what) {
  const std::string name(what);
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return name + " must be an absolute https:// URL (or http:// to a loopback address)";
  }
  std::string_view scheme = url.substr(0, scheme_end);
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return name + " must not have a query string or fragment";
  }
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      authority.find_first_of(" \t\r\n") != std::string_view::npos) {
    return name + " must name a host (and no user information)";
  }
  std::string host(authority);
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string::npos) return name + " has an unclosed [IPv6] host";
    host = host.substr(0, close + 1);
  } else if (auto colon = host.find(':'); colon != std::string::npos) {
    host.erase(colon);
  }
  if (scheme == "https") return {};
  if (scheme == "http") {
    if (is_loopback_host(host)) return {};
    return name + " uses http:// to a host that is not loopback; use https://";
  }
  return name + " must use https (or http to a loopback address)";
}

Result<JanusSettings> parse_settings(const json& settings, wasl::sdk::Host& host, SettingsUse use) {
  JanusSettings out;
  out.api_url = settings.at("api_url").get<std::string>();
  out.admin_url = settings.at("admin_url").get<std::string>();
  for (auto [value, what] :
       {std::pair{&out.api_url, "api_url"}, std::pair{&out.admin_url, "admin_url"}}) {
    while (!value->empty() && value->back() == '/') value->pop_back();
    if (std::string problem = url_problem(*value, what); !problem.empty()) {
      return invalid_setting(problem);
    }
  }
  out.recording_root = settings.at("recording_root").get<std::string>();
  while (out.recording_root.size() > 1 && out.recording_root.back() == '/') {
    out.recording_root.pop_back();
  }
  if (out.recording_root.empty() || out.recording_root.front() != '/' ||
      out.recording_root == "/" || out.recording_root.find("/..") != std::string::npos) {
    return invalid_setting(
        "recording_root must be an absolute folder other than / with no '..' part");
  }
  out.token_ttl = std::chrono::seconds(settings.at("token_ttl_seconds").get<std::int64_t>());
  out.request_timeout =
      std::chrono::milliseconds(settings.at("request_timeout_ms").get<std::int64_t>());
  out.janus_pp_rec = settings.at("janus_pp_rec").get<std::string>();
  out.ffmpeg = settings.at("ffmpeg").get<std::string>();
  out.conversion_timeout =
      std::chrono::seconds(settings.at("conversion_timeout_seconds").get<std::int64_t>());
  out.ice_servers = sdk::array_member(settings, "ice_servers");

  const json& events = settings.at("events");
  out.events_user = events.at("user").get<std::string>();
  if (use == SettingsUse::kWebhook) {
    WASL_ASSIGN_OR_RETURN(
        out.events_password,
        setting_or_secret(sdk::string_member(events, "password"), host, "events_password"));
  }
  if (use == SettingsUse::kVideo) {
    WASL_ASSIGN_OR_RETURN(
        out.admin_secret,
        setting_or_secret(sdk::string_member(settings, "admin_secret"), host, "admin_secret"));
    WASL_ASSIGN_OR_RETURN(
        out.room_admin_key,
        setting_or_secret(sdk::string_member(settings, "room_admin_key"), host, "room_admin_key"));
    if (out.admin_secret.empty()) {
      return invalid_setting(
          "admin_secret is required (in the settings, usually as ${file:…}, or as the instance "
          "secret admin_secret)");
    }
    if (out.room_admin_key.empty()) {
      return invalid_setting(
          "room_admin_key is required (in the settings, usually as ${file:…}, or as the "
          "instance secret room_admin_key)");
    }
  }
  return out;
}

}  // namespace wasl::plugins::janus
