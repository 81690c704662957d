// Mail addresses as the plugin accepts them: an RFC 5321 Mailbox in ASCII
// (dot-atom local part, host-name domain), the form every SMTP server takes
// without the SMTPUTF8 extension. Quoted local parts, address literals and
// internationalised addresses are refused rather than half-supported.
// Pure and thread-safe.
#pragma once

#include <string_view>

namespace wasl::plugins::smtp {

// True when `address` is local@domain: a dot-atom local part of at most 64
// characters, a domain of dot-separated labels (letters, digits, inner
// hyphens, at most 63 each), 254 characters in all.
bool is_mailbox(std::string_view address);

// The domain of a mailbox (what follows the last '@'); empty when there is none.
std::string_view domain_of(std::string_view address);

}  // namespace wasl::plugins::smtp
