// The page a browser gets when the identity provider's callback does not end
// in a session: 403, HTML in Arabic (right to left) or English as the
// request's Accept-Language asks, saying why in words a person can act on,
// with a link back to the console's sign-in screen. It names neither the
// person nor the account; the reference is the request id, which the audit
// event `signin.refused` carries too.
#pragma once

#include <string>
#include <string_view>

#include "hub/http/exchange.hpp"
#include "hub/signin/access_rules.hpp"

namespace wasl::signin {

// The Content-Security-Policy the console's files are served with
// (hub/console/console_routes.cpp); the refusal page is part of the console
// for the browser and gets the same one. A test keeps the two equal.
inline constexpr std::string_view kConsoleContentSecurityPolicy =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'";

// `text` with &, <, >, " and ' replaced by character references, for HTML
// text and quoted attribute values.
std::string escape_html(std::string_view text);

// The page's HTML. `arabic` chooses the language; `reference` (the request
// id) is shown escaped, and left out when empty.
std::string refusal_page_html(Refusal refusal, bool arabic, std::string_view reference);

// The whole answer to `request`: 403, the page in the language its
// Accept-Language prefers (http::prefers_arabic), Content-Language, the
// console's Content-Security-Policy, and headers that keep it out of caches
// and referrers (the callback's URL carries the authorization code).
http::Response refusal_page(const http::Request& request, Refusal refusal);

}  // namespace wasl::signin
