// SMS segment counting: how many parts a text is sent as, and in which
// encoding, as a handset or a gateway splits it.
//
// Encoding: GSM 03.38 7-bit (the default alphabet, 3GPP TS 23.038 §6.2.1)
// when every character is in its basic table or its extension table (form
// feed ^ { } \ [ ~ ] | €, each sent as an escape and a character: two
// septets); otherwise UCS-2, each character one UTF-16 code unit and a
// character outside the Basic Multilingual Plane (an emoji) two. Arabic is
// never in the GSM alphabet, so an Arabic text is always UCS-2.
//
// Parts: a text of at most 160 septets (GSM-7) or 70 units (UCS-2) is one
// part. A longer one is concatenated: each part's user data header leaves
// 153 septets or 67 units, and parts are filled in order without splitting a
// character: an escape sequence or a surrogate pair that does not fit in what
// is left of a part starts the next one (Android's SmsMessage splits so), so
// the count can exceed ceil(units / 153) or ceil(units / 67) by a part.
//
// Pure and thread-safe.
#pragma once

#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::sms {

enum class SmsEncoding { kGsm7, kUcs2 };

// "GSM-7" or "UCS-2".
std::string_view to_string(SmsEncoding encoding);

struct SmsSegments {
  SmsEncoding encoding = SmsEncoding::kGsm7;
  int characters = 0;  // Unicode code points
  int units = 0;       // GSM-7: septets (an extension character two); UCS-2: UTF-16 code units
  int segments = 0;    // parts; 0 for the empty text
};

// Single-part and per-part capacities, in septets (GSM-7) or UTF-16 units.
inline constexpr int kGsm7SingleSegment = 160;
inline constexpr int kGsm7MultiSegment = 153;
inline constexpr int kUcs2SingleSegment = 70;
inline constexpr int kUcs2MultiSegment = 67;

// Whether the code point `cp` is in the GSM 03.38 basic table (one septet).
bool in_gsm7_basic_table(char32_t cp);
// Whether `cp` is in the GSM 03.38 extension table (escape + septet).
bool in_gsm7_extension_table(char32_t cp);

// The encoding, lengths and parts of the UTF-8 text `utf8`.
// kInvalidArgument (not retryable) when it is not well-formed UTF-8
// (overlong forms, surrogates and values past U+10FFFF included); the
// message gives the byte offset, never the text.
sdk::Result<SmsSegments> count_sms_segments(std::string_view utf8);

}  // namespace wasl::plugins::sms
