#include "plugins/fhir/fhir_client.hpp"

#include <utility>

#include "plugins/fhir/error_mapping.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

}  // namespace

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool is_fhir_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id) {
    if (!std::isalnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

FhirClient::FhirClient(sdk::Host& host, FhirSettings settings)
    : host_(host), settings_(std::move(settings)) {}

Result<json> FhirClient::get_json(const std::string& url, std::string_view what) {
  sdk::HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.timeout = settings_.request_timeout;
  request.headers.emplace_back("Accept", "application/fhir+json");
  if (settings_.auth == AuthKind::kBearer) {
    request.headers.emplace_back("Authorization", "Bearer " + settings_.bearer_token);
  } else if (settings_.auth == AuthKind::kBasic) {
    request.headers.emplace_back(
        "Authorization", "Basic " + sdk::base64_encode(settings_.username + ":" + settings_.password));
  }
  auto response = host_.http(request);
  if (!response.ok()) {
    Error error = std::move(response).error();
    error.message = host_.instance_name() + ": " + std::string(what) + " failed: " + error.message;
    return error;
  }
  if (response->status < 200 || response->status > 299) {
    return error_from_response(host_.instance_name(), what, *response);
  }
  auto body = json::parse(response->body, nullptr, false);
  if (!body.is_object()) {
    return Error(ErrorCode::kUnavailable,
                 host_.instance_name() + ": " + std::string(what) + " answered no JSON object",
                 true);
  }
  return body;
}

Result<json> FhirClient::read(std::string_view type, std::string_view id) {
  const std::string what = "GET " + std::string(type);
  if (!is_fhir_id(id)) {
    return Error(ErrorCode::kInvalidArgument,
                 host_.instance_name() + ": " + std::string(type) + " id is not a FHIR id", false);
  }
  WASL_ASSIGN_OR_RETURN(json resource,
                        get_json(settings_.base_url + "/" + std::string(type) + "/" +
                                     std::string(id),
                                 what));
  if (resource.value("resourceType", "") != type) {
    return Error(ErrorCode::kUnavailable,
                 host_.instance_name() + ": " + what + " answered another resource type", true);
  }
  return resource;
}

Result<std::vector<json>> FhirClient::search(std::string_view type, std::string_view query) {
  const std::string what = "search " + std::string(type);
  std::string url = settings_.base_url + "/" + std::string(type) + "?" + std::string(query) +
                    (query.empty() ? "" : "&") + "_count=" + std::to_string(settings_.page_size);
  std::vector<json> found;
  for (int page = 0; !url.empty(); ++page) {
    if (page == settings_.max_pages) {
      return Error(ErrorCode::kFailedPrecondition,
                   host_.instance_name() + ": " + what + " has more than " +
                       std::to_string(settings_.max_pages) + " pages (max_pages)",
                   false);
    }
    WASL_ASSIGN_OR_RETURN(json bundle, get_json(url, what));
    if (bundle.value("resourceType", "") != "Bundle") {
      return Error(ErrorCode::kUnavailable, host_.instance_name() + ": " + what +
                                                " answered no Bundle", true);
    }
    if (auto entries = bundle.find("entry"); entries != bundle.end() && entries->is_array()) {
      for (auto& entry : *entries) {
        if (!entry.is_object()) continue;
        auto resource = entry.find("resource");
        if (resource == entry.end() || !resource->is_object()) continue;
        if (resource->value("resourceType", "") != type) continue;
        found.push_back(std::move(*resource));
      }
    }
    url.clear();
    if (auto links = bundle.find("link"); links != bundle.end() && links->is_array()) {
      for (const auto& link : *links) {
        if (!link.is_object() || link.value("relation", "") != "next") continue;
        std::string next = link.value("url", "");
        if (next.rfind(settings_.base_url + "/", 0) != 0) {
          return Error(ErrorCode::kFailedPrecondition,
                       host_.instance_name() + ": " + what +
                           " answered a next page outside base_url; not followed",
                       false);
        }
        url = std::move(next);
      }
    }
  }
  return found;
}

Result<json> FhirClient::capabilities() {
  return get_json(settings_.base_url + "/metadata", "GET metadata");
}

}  // namespace wasl::plugins::fhir
