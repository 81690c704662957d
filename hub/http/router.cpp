#include "hub/http/router.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <utf8.h>

#include "hub/http/percent_decoding.hpp"

namespace wasl::http {
namespace {

// Well-formed UTF-8 (utfcpp: shortest forms only, no surrogates, at most
// U+10FFFF) without NUL.
bool is_path_text(std::string_view s) {
  return s.find('\0') == std::string_view::npos && utf8::is_valid(s.begin(), s.end());
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (true) {
    std::size_t slash = path.find('/', start);
    parts.push_back(
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

}  // namespace

void Router::add(std::string method, std::string path_template, Handler handler,
                 RouteOptions options) {
  if (path_template.empty() || path_template[0] != '/') {
    throw std::invalid_argument("route template must start with '/': " + path_template);
  }
  std::vector<Segment> segments;
  std::set<std::string> names;
  for (std::string& part : split_path(path_template)) {
    Segment seg;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      seg.param = true;
      seg.text = part.substr(1, part.size() - 2);
      if (seg.text.empty() || seg.text.find_first_of("{}/") != std::string::npos ||
          !names.insert(seg.text).second) {
        throw std::invalid_argument("malformed or repeated parameter in route " + path_template);
      }
    } else {
      if (part.find_first_of("{}") != std::string::npos) {
        throw std::invalid_argument("a parameter must be a whole segment in route " +
                                    path_template);
      }
      seg.text = std::move(part);
    }
    segments.push_back(std::move(seg));
  }
  for (const Route& r : routes_) {
    if (r.method == method && r.path_template == path_template) {
      throw std::invalid_argument("duplicate route " + method + " " + path_template);
    }
  }
  routes_.push_back(
      Route{std::move(method), std::move(path_template), std::move(handler), std::move(options)});
  segments_.push_back(std::move(segments));
}

Match Router::match(const std::string& method, const std::string& path) const {
  Match result;
  if (path.empty() || path[0] != '/') return result;
  std::vector<std::string> parts;
  for (const std::string& raw : split_path(path)) {
    auto decoded = percent_decode(raw);
    // A segment that decodes to a NUL or to bytes that are not UTF-8 names
    // no resource (and would reach a store as text it refuses): 404.
    if (!decoded || !is_path_text(*decoded)) return result;
    parts.push_back(std::move(*decoded));
  }

  // Specificity: a is better than b when, at the first segment where one is
  // literal and the other a parameter, a is the literal.
  auto more_specific = [this](std::size_t a, std::size_t b) {
    const auto& sa = segments_[a];
    const auto& sb = segments_[b];
    for (std::size_t i = 0; i < sa.size(); ++i) {
      if (sa[i].param != sb[i].param) return !sa[i].param;
    }
    return false;
  };

  std::set<std::string> allowed;
  std::optional<std::size_t> best;
  std::optional<std::size_t> best_get;  // fallback for HEAD
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    const auto& segs = segments_[r];
    if (segs.size() != parts.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; i < segs.size() && ok; ++i) {
      ok = segs[i].param ? !parts[i].empty() : segs[i].text == parts[i];
    }
    if (!ok) continue;
    allowed.insert(routes_[r].method);
    if (routes_[r].method == "GET") allowed.insert("HEAD");
    if (routes_[r].method == method) {
      if (!best || more_specific(r, *best)) best = r;
    } else if (method == "HEAD" && routes_[r].method == "GET") {
      if (!best_get || more_specific(r, *best_get)) best_get = r;
    }
  }
  if (!best) best = best_get;
  if (!best) {
    result.allowed_methods.assign(allowed.begin(), allowed.end());
    return result;
  }
  result.route = &routes_[*best];
  const auto& segs = segments_[*best];
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (segs[i].param) result.params[segs[i].text] = parts[i];
  }
  return result;
}

}  // namespace wasl::http
