// Router: maps (method, path) to a handler through route templates such as
// "/v1/consultations/{id}/participants/{pid}". Literal segments win over
// parameters. Unknown path -> 404; known path, other method -> 405 with Allow.
// HEAD is answered by a GET route when no HEAD route exists.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hub/http/exchange.hpp"

namespace wasl::http {

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  std::string summary;          // one line, for the OpenAPI spec
  std::int64_t body_limit = 0;  // 0 = the server default
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
  // Adds a route. Templates start with '/' and are '/'-separated literals or
  // {name} segments. Throws std::invalid_argument on a malformed template or
  // a duplicate (method, template): both are programming errors found at
  // start-up.
  void add(std::string method, std::string path_template, Handler handler,
           RouteOptions options = {});

  // `path` is the request path as received (percent-encoded, no query);
  // it is split on '/' first and each segment is then percent-decoded, so
  // an encoded "%2F" stays inside one parameter. Among matching templates
  // with the method, the one whose first differing segment is literal wins.
  // No match with the method: `allowed_methods` lists the methods of the
  // templates that matched the path (empty: 404). A malformed escape
  // matches nothing.
  Match match(const std::string& method, const std::string& path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    bool param = false;
    std::string text;  // the literal, or the parameter's name
  };
  std::vector<Route> routes_;
  std::vector<std::vector<Segment>> segments_;  // parallel to routes_
};

}  // namespace wasl::http
