// IdempotentRequest: the Idempotency-Key side of POSTs that create. The key
// is 1-255 visible ASCII characters; the request's fingerprint is the
// SHA-256 of its method, route, path parameters and canonical JSON body, so
// the same JSON written with other spacing or member order is the same
// request. The stored first answer is replayed with `Idempotent-Replayed:
// true`.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/http/exchange.hpp"
#include "hub/records/idempotency_store.hpp"

namespace wasl::api {

inline constexpr std::size_t kMaxIdempotencyKeyBytes = 255;

// Reads the header into `key`. Returns the problem to answer when it is
// missing and `required` (400), or malformed (400).
std::optional<http::Response> read_idempotency_key(const http::Request& request, bool required,
                                                   std::optional<std::string>& key);

// Lowercase hex SHA-256 fingerprint of the request (see above).
std::string request_fingerprint(const http::Request& request, const nlohmann::json& body);

// The stored first answer as a JSON response; `location_prefix` + the body's
// "id" becomes Location for a 201.
http::Response replay(const records::StoredResponse& stored, const std::string& location_prefix);

// The answer for a claimed key that is not new: the replay (kReplay), 422
// (another body under the key), 409 with Retry-After (the first request is
// still running); nothing for kNew, which the caller carries out.
std::optional<http::Response> idempotency_answer(const http::Request& request,
                                                 const records::IdempotencyBegin& begun,
                                                 const std::string& location_prefix);

}  // namespace wasl::api
