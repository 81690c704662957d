// application/x-www-form-urlencoded bodies as Twilio's REST API takes them and
// as Twilio's status callbacks send them.
//
// Encoding (requests Wasl sends): every byte outside RFC 3986 "unreserved"
// (ALPHA / DIGIT / "-" / "." / "_" / "~") is percent-encoded with upper-case
// hex, so a space is "%20", never "+". Twilio's own libraries encode this way
// (twilio-node serializes with qs' RFC 3986 format) and Twilio decodes both
// forms; Prism, which validates the requests in the tests, decodes "%20" but
// takes a literal "+" as a plus sign, so "%20" is the one form both ends read
// the same. An array is sent as the same key repeated once per element, in
// order (VideoCodecs=VP8&VideoCodecs=H264), which is what Twilio expects and
// what the patched OpenAPI spec declares (style form, explode true).
//
// Decoding (bodies Wasl receives): "+" and "%20" both decode to a space (the
// WHATWG form rules Twilio's senders follow); a malformed escape is an error.
// Repeated keys are kept, in order.
//
// Everything here is pure and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::twilio {

// One name=value pair, decoded (no escapes). A name may repeat.
struct FormField {
  std::string name;
  std::string value;

  bool operator==(const FormField&) const = default;
};

using FormFields = std::vector<FormField>;

// Serializes the fields in the given order as name=value joined by '&', both
// sides sdk::percent_encode()d (RFC 3986: unreserved bytes stay, everything
// else, UTF-8 bytes included, becomes %XX with upper-case hex). An empty list
// is the empty string.
std::string encode_form(const FormFields& fields);

// Appends `name` once per element of `values`, preserving their order.
void append_repeated(FormFields& fields, std::string_view name,
                     const std::vector<std::string>& values);

// Parses a form body. Segments are separated by '&'; empty segments are
// skipped; a segment without '=' is a name with an empty value. '+' and %20
// decode to a space. kInvalidArgument names the position of a malformed
// escape (never the body's content, which may hold PHI). More than
// `max_fields` non-empty segments is kInvalidArgument, found before any
// decoding (a Twilio status callback has a few dozen fields).
inline constexpr std::size_t kMaxFormFields = 1000;
sdk::Result<FormFields> parse_form(std::string_view body, std::size_t max_fields = kMaxFormFields);

// The first value of `name`, if any (names compare exactly, case-sensitive as
// Twilio's parameters are).
std::optional<std::string> form_value(const FormFields& fields, std::string_view name);

// Every value of `name`, in body order.
std::vector<std::string> form_values(const FormFields& fields, std::string_view name);

}  // namespace wasl::plugins::twilio
