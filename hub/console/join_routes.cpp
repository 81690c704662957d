#include "hub/console/join_routes.hpp"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "hub/console/console_files.hpp"

namespace wasl::console {
namespace {

// The console's policy (console_routes.cpp) with the page's one addition.
constexpr std::string_view kConsolePolicy =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'";

std::string join_content_type(std::string_view name) {
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

struct JoinFiles {
  std::string policy;
  // Debian's libraries by their served name; empty when unreadable.
  std::vector<std::pair<std::string, std::string>> libraries;
};

http::Response with_headers(http::Response response, const JoinFiles& files) {
  response.set_header("Content-Security-Policy", files.policy);
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Cache-Control", "no-cache");
  return response;
}

http::Response serve(const JoinFiles& files, std::string_view name) {
  for (const ConsoleFile& file : embedded_join_files()) {
    if (file.name != name) continue;
    return with_headers(http::Response::text(200, std::string(file.body), join_content_type(name)),
                        files);
  }
  for (const auto& [served, body] : files.libraries) {
    if (served != name || body.empty()) continue;
    return with_headers(http::Response::text(200, body, join_content_type(name)), files);
  }
  http::Response missing = http::Response::text(404, "no such join page file\n");
  missing.set_header("Content-Security-Policy", files.policy);
  return missing;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return std::nullopt;
  return text.str();
}

}  // namespace

std::optional<std::string> csp_origin(std::string_view url) {
  std::string lowered(url);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t start = 0;
  if (lowered.rfind("https://", 0) == 0) {
    start = 8;
  } else if (lowered.rfind("http://", 0) == 0) {
    start = 7;
  } else {
    return std::nullopt;
  }
  const std::size_t end = lowered.find_first_of("/?#", start);
  const std::string authority = lowered.substr(start, end == std::string::npos ? end : end - start);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;
  for (char c : authority) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                         c == ':' || c == '[' || c == ']';
    if (!allowed) return std::nullopt;
  }
  return lowered.substr(0, start) + authority;
}

std::string join_content_security_policy(const std::vector<std::string>& origins) {
  std::string policy(kConsolePolicy);
  policy += "; connect-src";
  if (origins.empty()) return policy + " 'none'";
  for (const std::string& origin : origins) policy += " " + origin;
  return policy;
}

std::vector<std::string> add_join_routes(http::Router& router, const JoinPageOptions& options) {
  std::vector<std::string> problems;
  auto files = std::make_shared<JoinFiles>();
  files->policy = join_content_security_policy(options.janus_origins);
  for (const auto& [served, path] :
       {std::pair<std::string, std::string>{"janus.js", options.janus_js},
        std::pair<std::string, std::string>{"adapter.js", options.adapter_js}}) {
    std::optional<std::string> body = read_file(path);
    if (!body || body->empty()) {
      problems.push_back("the join page's " + served + " cannot be read from " + path +
                         " (Debian's libjs-janus-gateway and libjs-webrtc-adapter)");
    }
    files->libraries.emplace_back(served, body.value_or(""));
  }
  router.add("GET", "/join",
             [](http::Request&) {
               http::Response response = http::Response::text(301, "moved to /join/\n");
               response.set_header("Location", "/join/");
               return response;
             },
             {.summary = "The join page (redirects to /join/)."});
  router.add("GET", "/join/", [files](http::Request&) { return serve(*files, "index.html"); },
             {.summary = "The join page: a video consultation in the browser."});
  router.add(
      "GET", "/join/assets/{file}",
      [files](http::Request& request) { return serve(*files, request.path_params.at("file")); },
      {.summary = "The join page's static files and Debian's Janus client library."});
  return problems;
}

}  // namespace wasl::console
