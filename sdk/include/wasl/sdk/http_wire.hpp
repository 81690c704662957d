// http_wire.hpp: the JSON form of HTTP requests and responses as they cross
// the plugin ABI (wasl_host_api.http_request). Bodies that are valid UTF-8
// travel as "body"; others as "body_base64". Both sides use these functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::sdk {

namespace http_wire_detail {
inline void put_body(nlohmann::json& j, const std::string& body) {
  if (body.empty()) return;
  try {
    (void)nlohmann::json(body).dump();  // throws on invalid UTF-8
    j["body"] = body;
  } catch (const nlohmann::json::exception&) {
    j["body_base64"] = base64_encode(body);
  }
}
inline Result<std::string> get_body(const nlohmann::json& j) {
  if (auto it = j.find("body_base64"); it != j.end() && it->is_string()) {
    auto decoded = base64_decode(it->get_ref<const std::string&>());
    if (!decoded) return Error(ErrorCode::kInvalidArgument, "body_base64 is not valid base64");
    return *decoded;
  }
  if (auto it = j.find("body"); it != j.end() && it->is_string()) return it->get<std::string>();
  return std::string();
}
inline std::vector<std::pair<std::string, std::string>> get_headers(const nlohmann::json& j) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (auto it = j.find("headers"); it != j.end() && it->is_array()) {
    for (const auto& h : *it) {
      if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
        headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
      }
    }
  }
  return headers;
}
}  // namespace http_wire_detail

inline nlohmann::json http_request_to_json(const HttpRequest& request) {
  nlohmann::json j = {
      {"method", request.method}, {"url", request.url}, {"headers", nlohmann::json::array()}};
  for (const auto& [k, v] : request.headers) j["headers"].push_back({k, v});
  http_wire_detail::put_body(j, request.body);
  if (request.timeout) j["timeout_ms"] = request.timeout->count();
  if (request.mutual_tls) j["mutual_tls"] = true;
  return j;
}

inline Result<HttpRequest> http_request_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("url") || !j["url"].is_string()) {
    return Error(ErrorCode::kInvalidArgument, "an HTTP request needs a string \"url\"");
  }
  HttpRequest request;
  request.method = j.value("method", std::string("GET"));
  request.url = j["url"].get<std::string>();
  request.headers = http_wire_detail::get_headers(j);
  WASL_ASSIGN_OR_RETURN(request.body, http_wire_detail::get_body(j));
  if (auto it = j.find("timeout_ms"); it != j.end() && it->is_number_integer()) {
    request.timeout = std::chrono::milliseconds(it->get<std::int64_t>());
  }
  if (auto it = j.find("mutual_tls"); it != j.end() && it->is_boolean()) {
    request.mutual_tls = it->get<bool>();
  }
  return request;
}

inline nlohmann::json http_response_to_json(const HttpResponse& response) {
  nlohmann::json j = {{"status", response.status}, {"headers", nlohmann::json::array()}};
  for (const auto& [k, v] : response.headers) j["headers"].push_back({k, v});
  http_wire_detail::put_body(j, response.body);
  return j;
}

inline Result<HttpResponse> http_response_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("status") || !j["status"].is_number_integer()) {
    return Error(ErrorCode::kInternal, "the host returned an HTTP response without a status");
  }
  HttpResponse response;
  response.status = j["status"].get<int>();
  response.headers = http_wire_detail::get_headers(j);
  WASL_ASSIGN_OR_RETURN(response.body, http_wire_detail::get_body(j));
  return response;
}

}  // namespace wasl::sdk
