#include "hub/http/accept_language.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

namespace wasl::http {
namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool prefers_arabic(const Request& request) {
  auto header = request.header("Accept-Language");
  if (!header) return false;
  double best_q = -1.0;
  bool arabic = false;
  std::string_view rest = *header;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty()) continue;
    std::size_t semi = item.find(';');
    std::string tag = lowercase(trim(item.substr(0, semi)));
    double q = 1.0;
    if (semi != std::string_view::npos) {
      std::string_view params = trim(item.substr(semi + 1));
      if (params.size() >= 2 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=') {
        std::string value(trim(params.substr(2)));
        char* end = nullptr;
        q = std::strtod(value.c_str(), &end);
        if (end == value.c_str()) q = 0.0;
      }
    }
    if (q <= 0.0) continue;
    if (q > best_q) {
      best_q = q;
      arabic = tag.substr(0, tag.find('-')) == "ar";
    }
  }
  return arabic;
}

}  // namespace wasl::http
