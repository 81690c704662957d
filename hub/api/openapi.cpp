#include "hub/api/openapi.hpp"

#include "hub/api/authorization.hpp"

namespace wasl::api {

// Defined in the source file generated from openapi.json.
std::string_view embedded_openapi_json();

std::string_view openapi_document() { return embedded_openapi_json(); }

void add_openapi_route(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/openapi.json",
      [](http::Request&, const access::Principal&) {
        http::Response r =
            http::Response::text(200, std::string(openapi_document()), "application/json");
        r.set_header("Cache-Control", "public, max-age=300");
        return r;
      },
      route_options("The OpenAPI 3.1 document of this API."));
}

}  // namespace wasl::api
