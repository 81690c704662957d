#include "hub/console/console_routes.hpp"

#include <string>

#include "hub/console/console_files.hpp"

namespace wasl::console {
namespace {

constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'";

std::string content_type(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

http::Response serve(std::string_view name) {
  for (const ConsoleFile& file : embedded_console_files()) {
    if (file.name != name) continue;
    http::Response response = http::Response::text(200, std::string(file.body), content_type(name));
    response.set_header("Content-Security-Policy", kContentSecurityPolicy);
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Referrer-Policy", "no-referrer");
    response.set_header("Cache-Control", "no-cache");
    return response;
  }
  http::Response missing = http::Response::text(404, "no such console file\n");
  missing.set_header("Content-Security-Policy", kContentSecurityPolicy);
  return missing;
}

}  // namespace

void add_console_routes(http::Router& router) {
  router.add("GET", "/console",
             [](http::Request&) {
               http::Response response = http::Response::text(301, "moved to /console/\n");
               response.set_header("Location", "/console/");
               return response;
             },
             {.summary = "The operator console (redirects to /console/)."});
  router.add("GET", "/console/", [](http::Request&) { return serve("index.html"); },
             {.summary = "The operator console."});
  router.add("GET", "/console/{file}",
             [](http::Request& request) { return serve(request.path_params.at("file")); },
             {.summary = "The operator console's static files."});
}

}  // namespace wasl::console
