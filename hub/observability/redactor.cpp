#include "hub/observability/redactor.hpp"

#include <algorithm>
#include <utility>

namespace wasl::observability {
namespace {

struct Span {
  std::size_t begin;
  std::size_t end;  // one past the last byte
  std::string replacement;
};

bool is_ascii_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// Decodes one digit at `i` (ASCII, Arabic-Indic U+0660–0669 or Extended
// Arabic-Indic U+06F0–06F9). Returns its byte length (0 = not a digit) and
// stores the ASCII digit in `out`.
std::size_t digit_at(std::string_view s, std::size_t i, char& out) {
  if (i >= s.size()) return 0;
  auto c = static_cast<unsigned char>(s[i]);
  if (is_ascii_digit(c)) {
    out = static_cast<char>(c);
    return 1;
  }
  if (i + 1 < s.size()) {
    auto d = static_cast<unsigned char>(s[i + 1]);
    if (c == 0xD9 && d >= 0xA0 && d <= 0xA9) {
      out = static_cast<char>('0' + (d - 0xA0));
      return 2;
    }
    if (c == 0xDB && d >= 0xB0 && d <= 0xB9) {
      out = static_cast<char>('0' + (d - 0xB0));
      return 2;
    }
  }
  return 0;
}

// Whether the text just before `i` continues a word: an ASCII letter or a
// digit of any script. A number glued to such a character is not matched.
bool word_before(std::string_view s, std::size_t i) {
  if (i == 0) return false;
  auto c = static_cast<unsigned char>(s[i - 1]);
  if (is_ascii_alpha(c) || is_ascii_digit(c)) return true;
  char ignored;
  return i >= 2 && digit_at(s, i - 2, ignored) == 2;
}

bool word_at(std::string_view s, std::size_t i) {
  if (i >= s.size()) return false;
  char ignored;
  return is_ascii_alpha(static_cast<unsigned char>(s[i])) || digit_at(s, i, ignored) > 0;
}

// Reads a compact run of digits from `i`; returns the end offset.
std::size_t read_digits(std::string_view s, std::size_t i, std::string& digits) {
  char d;
  while (std::size_t n = digit_at(s, i, d)) {
    digits += d;
    i += n;
  }
  return i;
}

// Digit groups separated by one space or hyphen, starting at `i` (a digit).
// Returns the end offset and accumulated digits after each group.
struct GroupEnd {
  std::size_t end;
  std::string digits;
};
std::vector<GroupEnd> read_groups(std::string_view s, std::size_t i, std::size_t max_digits) {
  std::vector<GroupEnd> ends;
  std::string digits;
  for (;;) {
    i = read_digits(s, i, digits);
    ends.push_back({i, digits});
    if (digits.size() > max_digits) break;
    char d;
    if (i + 1 < s.size() && (s[i] == ' ' || s[i] == '-') && digit_at(s, i + 1, d)) {
      ++i;
      continue;
    }
    break;
  }
  return ends;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool is_saudi_phone(const std::string& d) {
  return (d.size() == 10 && starts_with(d, "05")) || (d.size() == 12 && starts_with(d, "9665")) ||
         (d.size() == 14 && starts_with(d, "009665"));
}

void find_numbers(std::string_view s, std::vector<Span>& spans) {
  static const std::string kPhone = "[redacted:phone]";
  static const std::string kNationalId = "[redacted:national_id]";
  std::size_t i = 0;
  char d;
  while (i < s.size()) {
    bool plus = s[i] == '+' && digit_at(s, i + 1, d) > 0;
    if (!plus && digit_at(s, i, d) == 0) {
      ++i;
      continue;
    }
    if (word_before(s, i)) {
      // Inside a word: skip the whole digit run so its tail is not matched.
      std::string ignored;
      i = read_digits(s, plus ? i + 1 : i, ignored);
      continue;
    }
    std::size_t start = i;
    std::size_t digits_from = plus ? i + 1 : i;
    std::string compact;
    std::size_t compact_end = read_digits(s, digits_from, compact);
    std::size_t next = compact_end;
    if (plus) {
      // International form: the longest group run with 8..15 digits.
      auto ends = read_groups(s, digits_from, 15);
      for (auto it = ends.rbegin(); it != ends.rend(); ++it) {
        if (it->digits.size() >= 8 && it->digits.size() <= 15 && !word_at(s, it->end)) {
          spans.push_back({start, it->end, kPhone});
          next = it->end;
          break;
        }
      }
    } else if (!word_at(s, compact_end) && is_saudi_phone(compact)) {
      spans.push_back({start, compact_end, kPhone});
    } else if (!word_at(s, compact_end) && compact.size() == 10 &&
               (compact[0] == '1' || compact[0] == '2')) {
      spans.push_back({start, compact_end, kNationalId});
    } else if (starts_with(compact, "05") || starts_with(compact, "9665") ||
               starts_with(compact, "009665") || compact == "0" || compact == "00" ||
               compact == "966" || compact == "00966") {
      // A local number written in groups: "055 123 4567", "966 55 123 4567".
      auto ends = read_groups(s, digits_from, 14);
      for (auto it = ends.rbegin(); it != ends.rend(); ++it) {
        if (is_saudi_phone(it->digits) && !word_at(s, it->end)) {
          spans.push_back({start, it->end, kPhone});
          next = it->end;
          break;
        }
      }
    }
    i = std::max(next, i + 1);
  }
}

bool is_local_char(unsigned char c) {
  return is_ascii_alpha(c) || is_ascii_digit(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
         c == '-';
}
bool is_domain_char(unsigned char c) {
  return is_ascii_alpha(c) || is_ascii_digit(c) || c == '.' || c == '-';
}

void find_emails(std::string_view s, std::vector<Span>& spans) {
  for (std::size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
    std::size_t begin = at;
    while (begin > 0 && is_local_char(static_cast<unsigned char>(s[begin - 1]))) --begin;
    std::size_t end = at + 1;
    while (end < s.size() && is_domain_char(static_cast<unsigned char>(s[end]))) ++end;
    while (end > at + 1 && (s[end - 1] == '.' || s[end - 1] == '-')) --end;
    if (begin == at || end == at + 1) continue;
    std::string_view domain = s.substr(at + 1, end - at - 1);
    std::size_t dot = domain.rfind('.');
    if (dot == std::string_view::npos || dot == 0) continue;
    std::string_view tld = domain.substr(dot + 1);
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), [](char c) {
          return is_ascii_alpha(static_cast<unsigned char>(c));
        })) {
      continue;
    }
    spans.push_back({begin, end, "[redacted:email]"});
  }
}

// End of the JSON string starting at `i` (s[i] == '"'); npos if unterminated.
std::size_t json_string_end(std::string_view s, std::size_t i) {
  for (std::size_t j = i + 1; j < s.size(); ++j) {
    if (s[j] == '\\') {
      ++j;
    } else if (s[j] == '"') {
      return j + 1;
    }
  }
  return std::string_view::npos;
}

// End of the JSON value starting at `i`; npos when it is not one we redact
// (true/false/null) or it is cut off.
std::size_t json_value_end(std::string_view s, std::size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  char c = s[i];
  if (c == '"') return json_string_end(s, i);
  if (c == '-' || is_ascii_digit(static_cast<unsigned char>(c))) {
    std::size_t j = i + 1;
    while (j < s.size() && (is_ascii_digit(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
                            s[j] == 'e' || s[j] == 'E' || s[j] == '+' || s[j] == '-')) {
      ++j;
    }
    return j;
  }
  if (c == '[' || c == '{') {
    int depth = 0;
    for (std::size_t j = i; j < s.size(); ++j) {
      if (s[j] == '"') {
        j = json_string_end(s, j);
        if (j == std::string_view::npos) return j;
        --j;
      } else if (s[j] == '[' || s[j] == '{') {
        ++depth;
      } else if (s[j] == ']' || s[j] == '}') {
        if (--depth == 0) return j + 1;
      }
    }
    // Cut off (a truncated message): redact to the end rather than leak it.
    return s.size();
  }
  return std::string_view::npos;
}

void find_json_values(std::string_view s, const std::vector<std::string>& keys,
                      std::vector<Span>& spans) {
  if (s.find('"') == std::string_view::npos) return;
  for (const std::string& key : keys) {
    std::string quoted = "\"" + key + "\"";
    for (std::size_t k = s.find(quoted); k != std::string_view::npos; k = s.find(quoted, k + 1)) {
      std::size_t j = k + quoted.size();
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) ++j;
      if (j >= s.size() || s[j] != ':') continue;
      ++j;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) ++j;
      std::size_t end = json_value_end(s, j);
      if (end == std::string_view::npos) {
        if (j < s.size() && s[j] == '"')
          end = s.size();  // unterminated string: to the end
        else
          continue;
      }
      spans.push_back({j, end, "\"[redacted:" + key + "]\""});
    }
  }
}

}  // namespace

void Redactor::add_json_key(std::string key) {
  if (std::find(json_keys_.begin(), json_keys_.end(), key) == json_keys_.end()) {
    json_keys_.push_back(std::move(key));
  }
}

sdk::Status Redactor::add_pattern(std::string kind, const std::string& ecmascript_regex) {
  try {
    patterns_.push_back({std::move(kind), std::regex(ecmascript_regex, std::regex::ECMAScript)});
  } catch (const std::regex_error&) {
    return sdk::Error(
        sdk::ErrorCode::kInvalidArgument,
        "The redaction pattern for '" + kind + "' is not a valid ECMAScript regular expression.");
  }
  return sdk::ok_status();
}

std::string Redactor::redact(std::string_view text) const {
  std::vector<Span> spans;
  find_emails(text, spans);
  find_numbers(text, spans);
  find_json_values(text, json_keys_, spans);
  if (!patterns_.empty()) {
    std::string copy(text);
    for (const Pattern& p : patterns_) {
      for (auto it = std::sregex_iterator(copy.begin(), copy.end(), p.regex);
           it != std::sregex_iterator(); ++it) {
        if (it->length(0) == 0) continue;
        auto begin = static_cast<std::size_t>(it->position(0));
        spans.push_back(
            {begin, begin + static_cast<std::size_t>(it->length(0)), "[redacted:" + p.kind + "]"});
      }
    }
  }
  if (spans.empty()) return std::string(text);
  // Earlier start first; of two spans starting together the longer wins;
  // a span overlapping an emitted one extends the redaction to its end.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    if (a.end != b.end) return a.end > b.end;
    // Same bytes: prefer the JSON form, which keeps the text valid JSON.
    return a.replacement.front() == '"' && b.replacement.front() != '"';
  });
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  for (const Span& span : spans) {
    if (span.begin < pos) {
      if (span.end > pos) pos = span.end;  // never leave the tail of an overlapping match
      continue;
    }
    out.append(text.substr(pos, span.begin - pos));
    out += span.replacement;
    pos = span.end;
  }
  out.append(text.substr(pos));
  return out;
}

const Redactor& Redactor::standard() {
  static const Redactor kStandard = [] {
    Redactor r;
    for (const char* key : {"name", "given", "family", "first_name", "last_name", "full_name",
                            "patient_name", "national_id", "iqama", "phone", "mobile", "email",
                            "birth_date", "birthDate", "date_of_birth", "address"}) {
      r.add_json_key(key);
    }
    return r;
  }();
  return kStandard;
}

}  // namespace wasl::observability
