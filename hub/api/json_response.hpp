// JsonResponse: a JSON answer. Text is written as UTF-8 unescaped (Arabic
// stays byte for byte what the client sent); invalid UTF-8 coming from
// storage is replaced rather than failing the answer.
#pragma once

#include <nlohmann/json.hpp>

#include "hub/http/exchange.hpp"

namespace wasl::api {

http::Response json_response(int status, const nlohmann::json& body,
                             const char* content_type = "application/json");

}  // namespace wasl::api
