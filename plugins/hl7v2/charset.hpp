// Character sets of HL7 v2 messages: MSH-18 read from the raw bytes (MSH is
// ASCII in every character set used here), and the conversion of a whole
// message to UTF-8 and back, with ICU.
//
// Known character sets (MSH-18 component 1, case and surrounding spaces
// ignored):
//   "" / "ASCII" / "UNICODE UTF-8" / "UTF-8"  UTF-8 (the bytes are checked)
//   "8859/1"                                   ISO-8859-1
//   "8859/6"                                   ISO-8859-6 (Arabic)
//   "WINDOWS-1256" / "CP1256"                  windows-1256 (Arabic; vendor
//                                              values, not in HL7 table 0211)
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::hl7v2 {

// The whole message as UTF-8. Its character set is MSH-18's when the message
// declares one, otherwise `default_charset` (one of the names above; ""
// meaning UTF-8). kInvalidArgument for an unknown character set or bytes
// invalid in it (the error names the segment and byte offset, never the
// content). Unconvertible bytes are never replaced.
sdk::Result<std::string> to_utf8(std::string_view raw, std::string_view default_charset);

// MSH-18 component 1 of the first repetition, spaces around it removed, as
// written (no escape decoded); "" when the text has no MSH or no MSH-18.
std::string declared_charset(std::string_view raw);

// `utf8` in `charset` (one of the names above). kInvalidArgument for an
// unknown character set, text that is not UTF-8, or a character that
// `charset` cannot represent.
sdk::Result<std::string> from_utf8(std::string_view utf8, std::string_view charset);

}  // namespace wasl::hl7v2
