// The language a request asks for, of the two the hub speaks (Arabic and
// English): the problem answers of the API and the sign-in pages choose by
// this one rule.
#pragma once

#include "hub/http/exchange.hpp"

namespace wasl::http {

// True when the request's Accept-Language ranks "ar" (or a regional form
// such as "ar-SA") above English and any other language. q-values are
// honoured, "q=0" excludes, and earlier entries win ties (RFC 9110 leaves
// the order to the server). No header: false.
bool prefers_arabic(const Request& request);

}  // namespace wasl::http
