#include "hub/api/idempotent_request.hpp"

#include "hub/api/api_problem.hpp"
#include "hub/crypto/digest.hpp"

namespace wasl::api {

std::optional<http::Response> read_idempotency_key(const http::Request& request, bool required,
                                                   std::optional<std::string>& key) {
  auto header = request.header("Idempotency-Key");
  if (!header) {
    if (required) return problem_response(request, 400, MessageId::kIdempotencyKeyMissing);
    return std::nullopt;
  }
  bool valid = !header->empty() && header->size() <= kMaxIdempotencyKeyBytes;
  for (char c : *header) {
    if (c < 0x21 || c > 0x7E) valid = false;
  }
  if (!valid) return problem_response(request, 400, MessageId::kIdempotencyKeyInvalid);
  key = *header;
  return std::nullopt;
}

std::string request_fingerprint(const http::Request& request, const nlohmann::json& body) {
  nlohmann::json fingerprint = {{"method", request.method},
                                {"route", request.route},
                                {"params", request.path_params},
                                {"body", body}};
  return crypto::sha256_hex(fingerprint.dump());
}

http::Response replay(const records::StoredResponse& stored, const std::string& location_prefix) {
  http::Response r;
  r.status = stored.status;
  r.body = stored.body;
  r.set_header("Content-Type", "application/json");
  r.set_header("Idempotent-Replayed", "true");
  if (stored.status == 201) {
    nlohmann::json parsed = nlohmann::json::parse(stored.body, nullptr, false);
    if (parsed.is_object() && parsed.contains("id") && parsed["id"].is_string()) {
      r.set_header("Location", location_prefix + parsed["id"].get<std::string>());
    }
  }
  return r;
}

std::optional<http::Response> idempotency_answer(const http::Request& request,
                                                 const records::IdempotencyBegin& begun,
                                                 const std::string& location_prefix) {
  switch (begun.outcome) {
    case records::IdempotencyOutcome::kReplay: return replay(*begun.response, location_prefix);
    case records::IdempotencyOutcome::kConflict:
      return problem_response(request, 422, MessageId::kIdempotencyMismatch);
    case records::IdempotencyOutcome::kInProgress: {
      http::Response r = problem_response(request, 409, MessageId::kIdempotencyInProgress);
      r.set_header("Retry-After", "1");
      return r;
    }
    case records::IdempotencyOutcome::kNew: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace wasl::api
