#include "hub/http/percent_decoding.hpp"

#include <algorithm>

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace wasl::http {

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  // In a form-encoded string every literal '+' is a space (a '+' itself comes
  // as %2B); Poco applies plusAsSpace only after a '?', so it is done here.
  std::string input(text);
  if (plus_as_space) std::replace(input.begin(), input.end(), '+', ' ');
  std::string out;
  try {
    Poco::URI::decode(input, out);
  } catch (const Poco::Exception&) {
    return std::nullopt;  // a malformed escape
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value || name->empty()) continue;
    out[*name] = *value;
  }
  return out;
}

}  // namespace wasl::http
