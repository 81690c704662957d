#include "plugins/sms/sms_segments.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace wasl::plugins::sms {
namespace {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

// The basic table's characters outside ASCII, by code point (3GPP TS 23.038
// §6.2.1: £ ¥ è é ù ì ò Ç Ø ø Å å, the Greek capitals, Æ æ ß É ¤ ¡ Ä Ö Ñ Ü §
// ¿ ä ö ñ ü à), sorted for binary search.
constexpr std::array<char32_t, 39> kBasicBeyondAscii = {
    0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0, 0x00E4, 0x00E5, 0x00E6,
    0x00E8, 0x00E9, 0x00EC, 0x00F1, 0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC, 0x0393,
    0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9};

Error not_utf8(std::size_t offset) {
  return Error(ErrorCode::kInvalidArgument,
               "the SMS text is not UTF-8 (at byte " + std::to_string(offset) + ")", false);
}

// The code points of `utf8`, strictly decoded.
Result<std::vector<char32_t>> decode(std::string_view utf8) {
  std::vector<char32_t> out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    int extra = 0;
    char32_t cp = 0;
    char32_t minimum = 0;
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    }
    if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      cp = lead & 0x1F;
      minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      cp = lead & 0x0F;
      minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      cp = lead & 0x07;
      minimum = 0x10000;
    } else {
      return not_utf8(i);
    }
    if (i + extra >= utf8.size()) return not_utf8(i);  // truncated
    for (int k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(utf8[i + k]);
      if ((next & 0xC0) != 0x80) return not_utf8(i);
      cp = (cp << 6) | (next & 0x3F);
    }
    if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return not_utf8(i);
    out.push_back(cp);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

// Parts of `costs` (each character's units, in order) packed into parts of
// `per_part` units without splitting a character.
int pack(const std::vector<int>& costs, int per_part) {
  int parts = 1;
  int used = 0;
  for (int cost : costs) {
    if (used + cost > per_part) {
      ++parts;
      used = 0;
    }
    used += cost;
  }
  return parts;
}

}  // namespace

std::string_view to_string(SmsEncoding encoding) {
  return encoding == SmsEncoding::kGsm7 ? "GSM-7" : "UCS-2";
}

bool in_gsm7_basic_table(char32_t cp) {
  if (cp == '\n' || cp == '\r') return true;
  if (cp >= 0x20 && cp < 0x7F) {
    // Printable ASCII but ` and the extension table's [ \ ] ^ { | } ~.
    switch (cp) {
      case '`':
      case '[':
      case '\\':
      case ']':
      case '^':
      case '{':
      case '|':
      case '}':
      case '~': return false;
      default: return true;
    }
  }
  return std::binary_search(kBasicBeyondAscii.begin(), kBasicBeyondAscii.end(), cp);
}

bool in_gsm7_extension_table(char32_t cp) {
  switch (cp) {
    case 0x0C:  // form feed
    case '^':
    case '{':
    case '}':
    case '\\':
    case '[':
    case '~':
    case ']':
    case '|':
    case 0x20AC:  // €
      return true;
    default: return false;
  }
}

Result<SmsSegments> count_sms_segments(std::string_view utf8) {
  WASL_ASSIGN_OR_RETURN(std::vector<char32_t> text, decode(utf8));
  SmsSegments out;
  out.characters = static_cast<int>(text.size());
  if (text.empty()) return out;
  const bool gsm7 = std::all_of(text.begin(), text.end(), [](char32_t cp) {
    return in_gsm7_basic_table(cp) || in_gsm7_extension_table(cp);
  });
  out.encoding = gsm7 ? SmsEncoding::kGsm7 : SmsEncoding::kUcs2;
  std::vector<int> costs;
  costs.reserve(text.size());
  for (char32_t cp : text) {
    const int cost = gsm7 ? (in_gsm7_extension_table(cp) ? 2 : 1) : (cp > 0xFFFF ? 2 : 1);
    costs.push_back(cost);
    out.units += cost;
  }
  const int single = gsm7 ? kGsm7SingleSegment : kUcs2SingleSegment;
  const int per_part = gsm7 ? kGsm7MultiSegment : kUcs2MultiSegment;
  out.segments = out.units <= single ? 1 : pack(costs, per_part);
  return out;
}

}  // namespace wasl::plugins::sms
