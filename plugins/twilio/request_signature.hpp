// X-Twilio-Signature: how Twilio signs the webhooks it sends (status
// callbacks), so the plugin can refuse forged ones.
//
// signature = base64(HMAC-SHA1(key = account auth token,
//                              data = URL + for each POST parameter, sorted by
//                                     name: name + value))
//
// Semantics follow twilio-node's webhooks.validateRequest, the reference the
// peers sign with:
// - parameter names are sorted as JavaScript sorts strings (by UTF-16 code
//   unit); a name that repeats contributes each distinct value once, the
//   values sorted the same way (Foo=b&Foo=a&Foo=a signs "FooaFoob");
// - the URL is the public URL Twilio called, query included, exactly as
//   configured (the hub may sit behind a proxy, so it comes from config, not
//   from the request line); it is tried as given and with the scheme's
//   default port (https 443, http 80) added when absent or removed when
//   present. A non-default port is never stripped, and no other
//   normalization (re-escaping the query) is tried;
// - JSON bodies: Twilio appends bodySHA256=<hex SHA-256 of the body> to the
//   URL and signs the URL alone (no parameters).
// Comparison is constant-time (CRYPTO_memcmp) over equal-length values.
//
// The auth token is borrowed for the call and never copied, logged or put in
// an error. Every function is pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plugins/twilio/form_encoding.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::twilio {

inline constexpr std::string_view kSignatureHeader = "X-Twilio-Signature";

// The exact bytes HMAC'd: `url` followed by the sorted parameters as above.
std::string signature_base_string(std::string_view url, const FormFields& params);

// base64(HMAC-SHA1(auth_token, signature_base_string(url, params))).
std::string compute_signature(std::string_view auth_token, std::string_view url,
                              const FormFields& params);

// The URLs a signature is checked against: `url` itself, then the same URL
// with the default port removed (when it carries it) or added (when it has
// none). A URL without "scheme://" yields only itself.
std::vector<std::string> signature_url_variants(std::string_view url);

// OK when `signature` (the X-Twilio-Signature header value) matches one of
// signature_url_variants(url) with `params`. kUnauthenticated otherwise,
// with a message that names no secret and no parameter value.
sdk::Status verify_signature(std::string_view auth_token, std::string_view signature,
                             std::string_view url, const FormFields& params);

// The JSON-body variant: `url` must carry bodySHA256; the signature covers the
// URL alone, and bodySHA256 must equal the hex SHA-256 of `body`.
// kUnauthenticated when either check fails or bodySHA256 is absent.
sdk::Status verify_json_body_signature(std::string_view auth_token, std::string_view signature,
                                       std::string_view url, std::string_view body);

// Lower-case hex SHA-256 of `body` (the bodySHA256 query value).
std::string body_sha256_hex(std::string_view body);

}  // namespace wasl::plugins::twilio
