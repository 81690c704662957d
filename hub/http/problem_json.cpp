#include "hub/http/problem_json.hpp"

#include <utility>

#include <nlohmann/json.hpp>

namespace wasl::http {
namespace {

// Every problem the server itself produces has a type URI under this base,
// named after the condition (…/not-found, …/payload-too-large).
constexpr const char* kTypeBase = "https://wasl.dev/problems/";

Problem make(int status, const char* slug, const char* title, std::string detail,
             std::vector<FieldError> errors = {}) {
  Problem p;
  p.status = status;
  p.type = std::string(kTypeBase) + slug;
  p.title = title;
  p.detail = std::move(detail);
  p.errors = std::move(errors);
  return p;
}

}  // namespace

Response Problem::to_response(const std::string& request_id) const {
  nlohmann::json body = nlohmann::json::object();
  body["type"] = type.empty() ? "about:blank" : type;
  body["title"] = title;
  body["status"] = status;
  if (!detail.empty()) body["detail"] = detail;
  if (!errors.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const FieldError& e : errors) {
      list.push_back({{"field", e.field}, {"code", e.code}, {"message", e.message}});
    }
    body["errors"] = std::move(list);
  }
  if (!instance.empty()) body["instance"] = instance;
  if (!request_id.empty()) body["request_id"] = request_id;
  Response r;
  r.status = status;
  // Invalid UTF-8 in a detail is replaced rather than failing the error path.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.set_header("Content-Type", "application/problem+json");
  return r;
}

Problem bad_request(std::string detail, std::vector<FieldError> errors) {
  return make(400, "bad-request", "Bad Request", std::move(detail), std::move(errors));
}
Problem unauthorized(std::string detail) {
  return make(401, "unauthorized", "Unauthorized", std::move(detail));
}
Problem forbidden(std::string detail) {
  return make(403, "forbidden", "Forbidden", std::move(detail));
}
Problem not_found(std::string detail) {
  return make(404, "not-found", "Not Found", std::move(detail));
}
Problem method_not_allowed(std::string detail) {
  return make(405, "method-not-allowed", "Method Not Allowed", std::move(detail));
}
Problem conflict(std::string detail) {
  return make(409, "conflict", "Conflict", std::move(detail));
}
Problem request_timeout(std::string detail) {
  return make(408, "request-timeout", "Request Timeout", std::move(detail));
}
Problem payload_too_large(std::string detail) {
  return make(413, "payload-too-large", "Payload Too Large", std::move(detail));
}
Problem unsupported_media_type(std::string detail) {
  return make(415, "unsupported-media-type", "Unsupported Media Type", std::move(detail));
}
Problem unprocessable(std::string detail, std::vector<FieldError> errors) {
  return make(422, "validation-failed", "Unprocessable Content", std::move(detail),
              std::move(errors));
}
Problem too_many_requests(std::string detail) {
  return make(429, "too-many-requests", "Too Many Requests", std::move(detail));
}
Problem internal_error(std::string detail) {
  return make(500, "internal-error", "Internal Server Error", std::move(detail));
}
Problem service_unavailable(std::string detail) {
  return make(503, "service-unavailable", "Service Unavailable", std::move(detail));
}

}  // namespace wasl::http
