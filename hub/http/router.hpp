// Router: maps (method, path) to a handler through route templates such as
// "/v1/consultations/{id}/participants/{pid}". Literal segments win over
// parameters. Unknown path -> 404; known path, other method -> 405 with Allow.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hub/http/message.hpp"

namespace wasl::http {

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  std::string summary;           // one line, for the OpenAPI spec
  std::int64_t body_limit = 0;   // 0 = the server default
  // Accepted request media types for bodies (empty = no body expected, any
  // type ignored). A body with another type answers 415.
  std::vector<std::string> consumes;
};

struct Route {
  std::string method;
  std::string path_template;
  Handler handler;
  RouteOptions options;
};

struct Match {
  const Route* route = nullptr;              // set on a match
  std::vector<std::string> allowed_methods;  // set when the path matched but not the method
  std::map<std::string, std::string> params;
};

// Built once at start-up, then read-only: match() is thread-safe.
class Router {
 public:
  // Adds a route. Templates are '/'-separated literals or {name} segments.
  void add(std::string method, std::string path_template, Handler handler,
           RouteOptions options = {});

  Match match(const std::string& method, const std::string& path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace wasl::http
