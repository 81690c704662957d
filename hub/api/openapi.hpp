// OpenAPI: the API's OpenAPI 3.1 document, written by hand in
// hub/api/openapi.json and compiled into the binary (hub/api/CMakeLists.txt),
// served at GET /v1/openapi.json without authentication. A test keeps it
// and the router in agreement, route for route.
#pragma once

#include <string_view>

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

// The document's text, exactly as in hub/api/openapi.json.
std::string_view openapi_document();

void add_openapi_route(http::Router& router, ApiContext& context);

}  // namespace wasl::api
