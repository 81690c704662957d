#include "plugins/hl7v2/charset.hpp"

#include <unicode/ucnv.h>
#include <unicode/ustring.h>
#include <utf8.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace wasl::hl7v2 {
namespace {

using sdk::Error;
using sdk::ErrorCode;

// Larger inputs are refused (Er7Message takes 1 MiB; this bounds the memory
// a conversion may use, far below ICU's 32-bit lengths).
constexpr std::size_t kMaxConvertedBytes = 16 * 1024 * 1024;

struct KnownCharset {
  std::string_view hl7;  // MSH-18, upper case
  const char* icu;       // ICU converter name; nullptr for UTF-8
};

constexpr KnownCharset kKnownCharsets[] = {
    {"", nullptr},
    {"ASCII", nullptr},
    {"UNICODE UTF-8", nullptr},
    {"UTF-8", nullptr},
    {"8859/1", "ISO-8859-1"},
    {"8859/6", "ISO-8859-6"},
    {"WINDOWS-1256", "windows-1256"},
    {"CP1256", "windows-1256"},
};

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The known character set named `name`, or nullopt.
std::optional<KnownCharset> known_charset(std::string_view name) {
  std::string upper(trimmed(name));
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  for (const KnownCharset& known : kKnownCharsets) {
    if (known.hl7 == upper) return known;
  }
  return std::nullopt;
}

// The name as an operator may read it: printable ASCII, at most 32 bytes.
std::string shown(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 32)) out += c >= ' ' && c < 0x7f ? c : '?';
  return out;
}

Error unknown_charset(std::string_view name, bool declared) {
  return {ErrorCode::kInvalidArgument, "unknown character set \"" + shown(name) + "\"" +
                                           (declared ? " in MSH-18" : " (the configured default)")};
}

// "segment 3 (PID): byte 12 of the segment" for byte `offset` of `raw`.
std::string location(std::string_view raw, std::size_t offset) {
  std::size_t number = 0, start = 0;
  bool in_segment = false;
  for (std::size_t i = 0; i <= offset && i < raw.size(); ++i) {
    if (raw[i] == '\r' || raw[i] == '\n') {
      in_segment = false;
    } else if (!in_segment) {
      in_segment = true;
      ++number;
      start = i;
    }
  }
  std::string s = "segment " + std::to_string(number == 0 ? 1 : number);
  const std::string_view id = raw.substr(start, 3);
  bool id_like = id.size() == 3;
  for (char c : id) id_like = id_like && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
  if (id_like) s += " (" + std::string(id) + ")";
  return s + ": byte " + std::to_string(offset - start + 1) + " of the segment";
}

struct ConverterCloser {
  void operator()(UConverter* converter) const { ucnv_close(converter); }
};
using Converter = std::unique_ptr<UConverter, ConverterCloser>;

sdk::Result<Converter> open_converter(const char* name) {
  UErrorCode status = U_ZERO_ERROR;
  Converter converter(ucnv_open(name, &status));
  if (U_FAILURE(status) || converter == nullptr) {
    return Error(ErrorCode::kInternal,
                 std::string("ICU has no converter for ") + name + ": " + u_errorName(status));
  }
  return converter;
}

sdk::Result<std::string> utf16_to_utf8(const std::u16string& text) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t needed = 0;
  u_strToUTF8(nullptr, 0, &needed, text.data(), static_cast<int32_t>(text.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
    return Error(ErrorCode::kInternal, std::string("UTF-16 to UTF-8: ") + u_errorName(status));
  }
  std::string out(static_cast<std::size_t>(needed), '\0');
  status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), needed, &needed, text.data(), static_cast<int32_t>(text.size()), &status);
  if (U_FAILURE(status)) {
    return Error(ErrorCode::kInternal, std::string("UTF-16 to UTF-8: ") + u_errorName(status));
  }
  return out;
}

}  // namespace

std::string declared_charset(std::string_view raw) {
  if (raw.size() < 4 || raw.substr(0, 3) != "MSH") return {};
  const char field = raw[3];
  const std::size_t line_end = raw.find_first_of("\r\n");
  const std::string_view line = raw.substr(0, line_end);
  // Pieces after "MSH|": MSH-2, MSH-3, ...; MSH-18 is the 17th.
  std::size_t start = 4;
  std::string_view encoding, msh18;
  for (int piece = 2; piece <= 18; ++piece) {
    if (start > line.size()) return {};
    const std::size_t end = line.find(field, start);
    const std::string_view text =
        line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (piece == 2) encoding = text;
    if (piece == 18) msh18 = text;
    start = end == std::string_view::npos ? line.size() + 1 : end + 1;
  }
  const char component = encoding.empty() ? '^' : encoding[0];
  const char repetition = encoding.size() < 2 ? '~' : encoding[1];
  msh18 = msh18.substr(0, msh18.find(repetition));
  msh18 = msh18.substr(0, msh18.find(component));
  return std::string(trimmed(msh18));
}

sdk::Result<std::string> to_utf8(std::string_view raw, std::string_view default_charset) {
  const std::string declared = declared_charset(raw);
  const std::string_view name = declared.empty() ? default_charset : std::string_view(declared);
  const std::optional<KnownCharset> charset = known_charset(name);
  if (!charset) return unknown_charset(name, !declared.empty());
  if (raw.size() > kMaxConvertedBytes) {
    return Error(ErrorCode::kInvalidArgument, "the message is too large to convert");
  }
  if (charset->icu == nullptr) {
    const auto bad = utf8::find_invalid(raw.begin(), raw.end());
    if (bad != raw.end()) {
      return Error(
          ErrorCode::kInvalidArgument,
          location(raw, static_cast<std::size_t>(bad - raw.begin())) + " is not valid UTF-8");
    }
    return std::string(raw);
  }
  WASL_ASSIGN_OR_RETURN(Converter converter, open_converter(charset->icu));
  UErrorCode status = U_ZERO_ERROR;
  ucnv_setToUCallBack(converter.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  std::u16string text(raw.size() * 2 + 2, u'\0');
  char16_t* target = text.data();
  const char* source = raw.data();
  ucnv_toUnicode(converter.get(), &target, text.data() + text.size(), &source,
                 raw.data() + raw.size(), nullptr, /*flush=*/1, &status);
  if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND ||
      status == U_TRUNCATED_CHAR_FOUND) {
    char invalid[8];
    int8_t invalid_size = sizeof invalid;
    UErrorCode ignored = U_ZERO_ERROR;
    ucnv_getInvalidChars(converter.get(), invalid, &invalid_size, &ignored);
    const auto consumed = static_cast<std::size_t>(source - raw.data());
    const std::size_t offset =
        consumed >= static_cast<std::size_t>(invalid_size) ? consumed - invalid_size : 0;
    return Error(ErrorCode::kInvalidArgument,
                 location(raw, offset) + " is not valid " + charset->icu);
  }
  if (U_FAILURE(status)) {
    return Error(ErrorCode::kInternal,
                 std::string("converting from ") + charset->icu + ": " + u_errorName(status));
  }
  text.resize(static_cast<std::size_t>(target - text.data()));
  return utf16_to_utf8(text);
}

sdk::Result<std::string> from_utf8(std::string_view utf8, std::string_view charset) {
  const std::optional<KnownCharset> known = known_charset(charset);
  if (!known) return unknown_charset(charset, false);
  if (utf8.size() > kMaxConvertedBytes) {
    return Error(ErrorCode::kInvalidArgument, "the message is too large to convert");
  }
  if (!utf8::is_valid(utf8.begin(), utf8.end())) {
    return Error(ErrorCode::kInvalidArgument, "the text to convert is not UTF-8");
  }
  if (known->icu == nullptr) return std::string(utf8);

  UErrorCode status = U_ZERO_ERROR;
  int32_t units = 0;
  u_strFromUTF8(nullptr, 0, &units, utf8.data(), static_cast<int32_t>(utf8.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
    return Error(ErrorCode::kInternal, std::string("UTF-8 to UTF-16: ") + u_errorName(status));
  }
  std::u16string text(static_cast<std::size_t>(units), u'\0');
  status = U_ZERO_ERROR;
  u_strFromUTF8(text.data(), units, &units, utf8.data(), static_cast<int32_t>(utf8.size()),
                &status);
  if (U_FAILURE(status)) {
    return Error(ErrorCode::kInternal, std::string("UTF-8 to UTF-16: ") + u_errorName(status));
  }

  WASL_ASSIGN_OR_RETURN(Converter converter, open_converter(known->icu));
  status = U_ZERO_ERROR;
  ucnv_setFromUCallBack(converter.get(), UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr,
                        &status);
  const int32_t capacity =
      UCNV_GET_MAX_BYTES_FOR_STRING(units, ucnv_getMaxCharSize(converter.get()));
  std::string out(static_cast<std::size_t>(capacity), '\0');
  const int32_t written =
      ucnv_fromUChars(converter.get(), out.data(), capacity, text.data(), units, &status);
  if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("the text has a character that ") + known->icu + " cannot represent");
  }
  if (U_FAILURE(status)) {
    return Error(ErrorCode::kInternal,
                 std::string("converting to ") + known->icu + ": " + u_errorName(status));
  }
  out.resize(static_cast<std::size_t>(written));
  return out;
}

}  // namespace wasl::hl7v2
