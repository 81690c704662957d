// Percent-decoding of URI components (RFC 3986, by Poco::URI) and of query
// strings (application/x-www-form-urlencoded, where '+' is a space).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::http {

// Decodes %XX escapes; nullopt when an escape is malformed ("%zz", "%4").
// With `plus_as_space`, '+' decodes to ' ' (query strings only).
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

// Parses "a=1&b=x%20y&flag" into {a:1, b:"x y", flag:""}; the last of a
// repeated name wins; pairs with malformed escapes are skipped.
std::map<std::string, std::string> parse_query(std::string_view query);

}  // namespace wasl::http
