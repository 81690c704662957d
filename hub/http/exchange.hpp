// Request and Response: the hub's own view of an HTTP exchange, independent
// of Poco, so handlers are plain functions that tests can call directly.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace wasl::http {

// Header names compare case-insensitively.
struct HeaderLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::multimap<std::string, std::string, HeaderLess>;

struct Request {
  std::string method;      // "GET", "POST", …
  std::string path;        // decoded path, no query string
  std::string raw_target;  // the request target exactly as received (path + query)
  std::map<std::string, std::string> query;        // decoded query parameters (last wins)
  std::map<std::string, std::string> path_params;  // from the route template
  std::string route;  // the matched route template, e.g. "/v1/consultations/{id}"
  Headers headers;
  std::string body;            // raw bytes, already limited by the server
  std::string request_id;      // accepted from X-Request-Id or generated
  std::string remote_address;  // "ip:port" of the peer
  // The client's IP address (no port): the peer's, or the one a trusted proxy
  // names in X-Forwarded-For (see trusted_proxies.hpp). Empty only for a
  // Request built by hand; use client_host(remote_address) then.
  std::string client_address;

  // First value of a header, if present.
  std::optional<std::string> header(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the body is produced by this function instead of `body`
  // (large downloads); Content-Length should then be set by the handler or
  // the response is sent chunked.
  std::function<void(std::ostream&)> stream_body;

  Response& set_header(std::string name, std::string value);

  static Response json(int status, std::string body);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  static Response empty(int status);
};

}  // namespace wasl::http
