#include "plugins/fhir/fhir_client.hpp"

#include <utility>

#include "plugins/fhir/error_mapping.hpp"
#include "plugins/fhir/smart_auth.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/percent_encoding.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

}  // namespace

FhirClient::FhirClient(sdk::Host& host, FhirSettings settings)
    : host_(host), settings_(std::move(settings)) {
  if (settings_.auth == AuthKind::kSmart) smart_ = std::make_unique<SmartAuth>(host_, settings_);
}

FhirClient::~FhirClient() = default;

Result<sdk::HttpResponse> FhirClient::send(sdk::HttpRequest request, std::string_view what) {
  request.timeout = settings_.request_timeout;
  request.headers.emplace_back("Accept", "application/fhir+json");
  if (settings_.auth == AuthKind::kBearer) {
    request.headers.emplace_back("Authorization", "Bearer " + settings_.bearer_token);
  } else if (settings_.auth == AuthKind::kBasic) {
    request.headers.emplace_back(
        "Authorization",
        "Basic " + sdk::base64_encode(settings_.username + ":" + settings_.password));
  }
  for (int attempt = 0;; ++attempt) {
    std::string token;
    sdk::HttpRequest sent = request;
    if (smart_) {
      WASL_ASSIGN_OR_RETURN(token, smart_->token());
      sent.headers.emplace_back("Authorization", "Bearer " + token);
    }
    auto response = host_.http(sent);
    if (!response.ok()) {
      Error error = std::move(response).error();
      error.message =
          host_.instance_name() + ": " + std::string(what) + " failed: " + error.message;
      return error;
    }
    if (smart_ && response->status == 401 && attempt == 0) {
      // Expired or revoked early: one new token, one more try.
      smart_->invalidate(token);
      continue;
    }
    if (response->status < 200 || response->status > 299) {
      return error_from_response(host_.instance_name(), what, *response, host_.now());
    }
    return response;
  }
}

Result<json> FhirClient::get_json(const std::string& url, std::string_view what) {
  sdk::HttpRequest request;
  request.method = "GET";
  request.url = url;
  WASL_ASSIGN_OR_RETURN(auto response, send(std::move(request), what));
  if (std::string problem = sdk::json_budget_problem(response.body); !problem.empty()) {
    return Error(
        ErrorCode::kFailedPrecondition,
        host_.instance_name() + ": " + std::string(what) + " answered a body that " + problem,
        false);
  }
  auto body = sdk::parse_json_within(response.body);
  if (!body.is_object()) {
    return Error(ErrorCode::kUnavailable,
                 host_.instance_name() + ": " + std::string(what) + " answered no JSON object",
                 true);
  }
  return body;
}

Result<FhirClient::Written> FhirClient::written(std::string_view type, std::string_view what,
                                                const sdk::HttpResponse& response,
                                                std::string_view known_id) {
  Written out;
  out.created = response.status == 201;
  auto body = sdk::parse_json_within(response.body);
  if (body.is_object() && sdk::string_member(body, "resourceType") == type) {
    out.id = sdk::string_member(body, "id");
    out.version_id = sdk::string_member(sdk::object_member(body, "meta"), "versionId");
    out.resource = std::move(body);
  }
  // Location: <base>/<type>/<id>/_history/<version> (return=minimal answers).
  std::string location = response.header("Location");
  if (location.empty()) location = response.header("Content-Location");
  const std::string marker = "/" + std::string(type) + "/";
  if (auto at = location.rfind(marker); out.id.empty() && at != std::string::npos) {
    std::string rest = location.substr(at + marker.size());
    auto history = rest.find("/_history/");
    out.id = rest.substr(0, history);
    if (history != std::string::npos && out.version_id.empty()) {
      out.version_id = rest.substr(history + 10);
    }
  }
  if (out.id.empty()) out.id = std::string(known_id);
  if (!is_fhir_id(out.id)) {
    return Error(ErrorCode::kUnavailable,
                 host_.instance_name() + ": " + std::string(what) +
                     " answered neither the resource nor its Location",
                 true);
  }
  return out;
}

Result<FhirClient::Written> FhirClient::create_if_none_exist(std::string_view type,
                                                             const json& resource,
                                                             std::string_view identifier_system,
                                                             std::string_view identifier_value) {
  const std::string what = "POST " + std::string(type);
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = settings_.base_url + "/" + std::string(type);
  request.headers.emplace_back("Content-Type", "application/fhir+json");
  request.headers.emplace_back("Prefer", "return=representation");
  request.headers.emplace_back(
      "If-None-Exist", "identifier=" + sdk::percent_encode(std::string(identifier_system) + "|" +
                                                           std::string(identifier_value)));
  request.body = resource.dump();
  WASL_ASSIGN_OR_RETURN(auto response, send(std::move(request), what));
  return written(type, what, response);
}

Result<FhirClient::Written> FhirClient::update_if_match(std::string_view type, std::string_view id,
                                                        const json& resource,
                                                        std::string_view version_id) {
  const std::string what = "PUT " + std::string(type);
  if (!is_fhir_id(id)) {
    return Error(ErrorCode::kInvalidArgument,
                 host_.instance_name() + ": " + std::string(type) + " id is not a FHIR id", false);
  }
  sdk::HttpRequest request;
  request.method = "PUT";
  request.url = settings_.base_url + "/" + std::string(type) + "/" + std::string(id);
  request.headers.emplace_back("Content-Type", "application/fhir+json");
  request.headers.emplace_back("Prefer", "return=representation");
  if (!version_id.empty()) {
    request.headers.emplace_back("If-Match", "W/\"" + std::string(version_id) + "\"");
  }
  request.body = resource.dump();
  WASL_ASSIGN_OR_RETURN(auto response, send(std::move(request), what));
  WASL_ASSIGN_OR_RETURN(Written out, written(type, what, response, id));
  out.created = false;
  return out;
}

Result<json> FhirClient::read(std::string_view type, std::string_view id) {
  const std::string what = "GET " + std::string(type);
  if (!is_fhir_id(id)) {
    return Error(ErrorCode::kInvalidArgument,
                 host_.instance_name() + ": " + std::string(type) + " id is not a FHIR id", false);
  }
  WASL_ASSIGN_OR_RETURN(
      json resource,
      get_json(settings_.base_url + "/" + std::string(type) + "/" + std::string(id), what));
  if (sdk::string_member(resource, "resourceType") != type) {
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
    if (sdk::string_member(bundle, "resourceType") != "Bundle") {
      return Error(ErrorCode::kUnavailable,
                   host_.instance_name() + ": " + what + " answered no Bundle", true);
    }
    if (auto entries = bundle.find("entry"); entries != bundle.end() && entries->is_array()) {
      for (auto& entry : *entries) {
        if (!entry.is_object()) continue;
        auto resource = entry.find("resource");
        if (resource == entry.end() || !resource->is_object()) continue;
        if (sdk::string_member(*resource, "resourceType") != type) continue;
        found.push_back(std::move(*resource));
      }
    }
    url.clear();
    if (auto links = bundle.find("link"); links != bundle.end() && links->is_array()) {
      for (const auto& link : *links) {
        if (!link.is_object() || sdk::string_member(link, "relation") != "next") continue;
        std::string next = sdk::string_member(link, "url");
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

Result<std::string> FhirClient::get_text(const std::string& url, std::string_view what) {
  if (url.rfind(settings_.base_url + "/", 0) != 0) {
    return Error(ErrorCode::kFailedPrecondition,
                 host_.instance_name() + ": " + std::string(what) +
                     " named a page outside base_url; not followed",
                 false);
  }
  sdk::HttpRequest request;
  request.method = "GET";
  request.url = url;
  WASL_ASSIGN_OR_RETURN(auto response, send(std::move(request), what));
  return std::move(response.body);
}

Result<json> FhirClient::transaction(const json& bundle) {
  const std::string what = "POST transaction";
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = settings_.base_url;
  request.headers.emplace_back("Content-Type", "application/fhir+json");
  request.headers.emplace_back("Prefer", "return=representation");
  request.body = bundle.dump();
  WASL_ASSIGN_OR_RETURN(auto response, send(std::move(request), what));
  if (std::string problem = sdk::json_budget_problem(response.body); !problem.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 host_.instance_name() + ": " + what + " answered a body that " + problem, false);
  }
  auto body = sdk::parse_json_within(response.body);
  if (!body.is_object() || sdk::string_member(body, "resourceType") != "Bundle") {
    return Error(ErrorCode::kUnavailable,
                 host_.instance_name() + ": " + what + " answered no Bundle", true);
  }
  return body;
}

Result<json> FhirClient::capabilities() {
  return get_json(settings_.base_url + "/metadata", "GET metadata");
}

}  // namespace wasl::plugins::fhir
