// url_origin.hpp: the origin (scheme, host, port) of an absolute http(s)
// URL, and the transport rule for URLs that carry credentials or PHI: https,
// or plain http only to this machine (a loopback address: 127.0.0.0/8, ::1,
// or the name localhost), as tests and the sandbox use. Pure and
// thread-safe.
#pragma once

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::sdk {

struct UrlOrigin {
  std::string scheme;  // "http" or "https", lowercase
  std::string host;    // lowercase; an IPv6 address without its brackets
  int port = 0;        // the explicit port, else 80 or 443

  // Written out (not defaulted) so the header stays C++17, as plugins may be.
  bool operator==(const UrlOrigin& other) const {
    return scheme == other.scheme && host == other.host && port == other.port;
  }
  bool operator!=(const UrlOrigin& other) const { return !(*this == other); }
};

// The origin of `url`, or nullopt when it is not an absolute http(s) URL
// with a host (and, when given, a port of 1 to 65535).
inline std::optional<UrlOrigin> url_origin(std::string_view url) {
  UrlOrigin out;
  auto colon = url.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  for (char c : url.substr(0, colon)) {
    out.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (out.scheme != "http" && out.scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(colon + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (auto p = authority.rfind(':'); p != std::string_view::npos) {
    host = authority.substr(0, p);
    port = authority.substr(p + 1);
  }
  if (host.empty()) return std::nullopt;
  for (char c : host) out.host += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (port.empty()) {
    out.port = out.scheme == "https" ? 443 : 80;
    return out;
  }
  if (port.size() > 5) return std::nullopt;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    out.port = out.port * 10 + (c - '0');
  }
  if (out.port < 1 || out.port > 65535) return std::nullopt;
  return out;
}

// Whether `host` (lowercase, IPv6 without brackets) names this machine:
// "localhost", an IPv4 address in 127.0.0.0/8 (dotted decimal) or "::1".
inline bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
  int octets = 0;
  std::size_t at = 0;
  while (at <= host.size()) {
    std::size_t end = host.find('.', at);
    if (end == std::string_view::npos) end = host.size();
    std::string_view part = host.substr(at, end - at);
    if (part.empty() || part.size() > 3) return false;
    int value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255 || (octets == 0 && value != 127)) return false;
    ++octets;
    at = end + 1;
  }
  return octets == 4;
}

// Whether `url` may carry a credential or PHI: an https URL, or an http URL
// to a loopback host. False for anything that is not an http(s) URL.
inline bool is_https_or_loopback(std::string_view url) {
  auto origin = url_origin(url);
  if (!origin) return false;
  return origin->scheme == "https" || is_loopback_host(origin->host);
}

}  // namespace wasl::sdk
