#include "plugins/hl7v2/er7_message.hpp"

#include <utf8.h>

#include <string>
#include <utility>

namespace wasl::hl7v2 {
namespace {

using sdk::Error;
using sdk::ErrorCode;

bool is_line_end(char c) { return c == '\r' || c == '\n'; }

bool is_segment_id_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// A delimiter is a printable ASCII character that is not a letter or digit.
bool is_delimiter_char(char c) {
  const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  return c > ' ' && c < 0x7f && !alnum;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The part `index` (0-based) of `text` split on `separator`; empty when absent.
std::string_view nth_part(std::string_view text, char separator, std::size_t index) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < index; ++i) {
    const std::size_t next = text.find(separator, start);
    if (next == std::string_view::npos) return {};
    start = next + 1;
  }
  const std::size_t end = text.find(separator, start);
  return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

std::string where(std::size_t segment_number, std::string_view id) {
  std::string s = "segment " + std::to_string(segment_number);
  if (!id.empty()) s += " (" + std::string(id) + ")";
  return s;
}

Error invalid(std::string message) { return {ErrorCode::kInvalidArgument, std::move(message)}; }

// The segment number (1-based, empty lines not counted) holding byte `offset`.
std::size_t segment_number_at(std::string_view text, std::size_t offset) {
  std::size_t number = 0;
  bool in_segment = false;
  for (std::size_t i = 0; i <= offset && i < text.size(); ++i) {
    if (is_line_end(text[i])) {
      in_segment = false;
    } else if (!in_segment) {
      in_segment = true;
      ++number;
    }
  }
  return number == 0 ? 1 : number;
}

// Checks the repetition, component and subcomponent counts and the escape
// sequences of one field; `location` names the field in an error.
sdk::Status check_field(std::string_view field, const Er7Delimiters& d,
                        const std::string& location) {
  std::size_t repetitions = 1, components = 1, subcomponents = 1;
  std::size_t sub_start = 0;
  std::string scratch;
  for (std::size_t i = 0; i <= field.size(); ++i) {
    const bool end = i == field.size();
    const char c = end ? '\0' : field[i];
    if (!end && c != d.repetition && c != d.component && c != d.subcomponent) continue;
    const std::string_view sub = field.substr(sub_start, i - sub_start);
    if (sub.find(d.escape) != std::string_view::npos) {
      scratch.clear();
      if (!er7_unescape(sub, d, scratch)) {
        return invalid(location + ", component " + std::to_string(components) +
                       ": an \\X escape sequence that is not hex bytes forming UTF-8");
      }
    }
    sub_start = i + 1;
    if (end) break;
    if (c == d.repetition) {
      components = 1;
      subcomponents = 1;
      if (++repetitions > kMaxEr7Repetitions) {
        return invalid(location + ": more than " + std::to_string(kMaxEr7Repetitions) +
                       " repetitions");
      }
    } else if (c == d.component) {
      subcomponents = 1;
      if (++components > kMaxEr7Components) {
        return invalid(location + ": more than " + std::to_string(kMaxEr7Components) +
                       " components");
      }
    } else if (++subcomponents > kMaxEr7Subcomponents) {
      return invalid(location + ": more than " + std::to_string(kMaxEr7Subcomponents) +
                     " subcomponents");
    }
  }
  return sdk::ok_status();
}

}  // namespace

bool er7_unescape(std::string_view text, const Er7Delimiters& d, std::string& out) {
  const std::size_t out_start = out.size();
  bool decoded_bytes = false;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != d.escape) {
      out += c;
      ++i;
      continue;
    }
    const std::size_t close = text.find(d.escape, i + 1);
    if (close == std::string_view::npos) {  // no closing escape: kept as written
      out.append(text.substr(i));
      break;
    }
    const std::string_view sequence = text.substr(i + 1, close - i - 1);
    if (sequence == "F") {
      out += d.field;
    } else if (sequence == "S") {
      out += d.component;
    } else if (sequence == "T") {
      out += d.subcomponent;
    } else if (sequence == "R") {
      out += d.repetition;
    } else if (sequence == "E") {
      out += d.escape;
    } else if (sequence == "H" || sequence == "N") {
      // highlighting on / normal text: presentation only
    } else if (sequence == ".br") {
      out += '\n';
    } else if (!sequence.empty() && sequence[0] == 'X') {
      const std::string_view hex = sequence.substr(1);
      if (hex.empty() || hex.size() % 2 != 0) return false;
      for (std::size_t k = 0; k < hex.size(); k += 2) {
        const int high = hex_digit(hex[k]);
        const int low = hex_digit(hex[k + 1]);
        if (high < 0 || low < 0) return false;
        out += static_cast<char>((high << 4) | low);
      }
      decoded_bytes = true;
    } else {
      out.append(text.substr(i, close - i + 1));
    }
    i = close + 1;
  }
  return !decoded_bytes ||
         utf8::is_valid(out.begin() + static_cast<std::ptrdiff_t>(out_start), out.end());
}

sdk::Result<Er7Message> Er7Message::parse(std::string_view text) {
  if (text.size() > kMaxEr7Bytes) {
    return invalid("the message is " + std::to_string(text.size()) + " bytes; the limit is " +
                   std::to_string(kMaxEr7Bytes));
  }
  if (auto bad = utf8::find_invalid(text.begin(), text.end()); bad != text.end()) {
    const auto offset = static_cast<std::size_t>(bad - text.begin());
    return invalid(where(segment_number_at(text, offset), "") + ": text that is not UTF-8");
  }
  if (text.size() < 4 || text.substr(0, 3) != "MSH") {
    return invalid("segment 1: the message does not start with an MSH segment");
  }
  Er7Message message;
  Er7Delimiters& d = message.delimiters_;
  d.field = text[3];
  std::size_t encoding_end = 4;
  while (encoding_end < text.size() && text[encoding_end] != d.field &&
         !is_line_end(text[encoding_end])) {
    ++encoding_end;
  }
  const std::string_view encoding = text.substr(4, encoding_end - 4);
  if (!is_delimiter_char(d.field) || (encoding.size() != 4 && encoding.size() != 5)) {
    return invalid(
        "segment 1 (MSH): MSH-1 and MSH-2 are not a field separator and 4 encoding "
        "characters");
  }
  d.component = encoding[0];
  d.repetition = encoding[1];
  d.escape = encoding[2];
  d.subcomponent = encoding[3];
  // The field separator, the encoding characters and a truncation character.
  const std::string all = std::string(1, d.field) + std::string(encoding);
  for (std::size_t a = 0; a < all.size(); ++a) {
    bool ok = is_delimiter_char(all[a]);
    for (std::size_t b = 0; b < a; ++b) ok = ok && all[a] != all[b];
    if (!ok) {
      return invalid(
          "segment 1 (MSH): MSH-2 encoding characters must be 4 distinct "
          "punctuation characters, none the field separator");
    }
  }
  const std::string_view msh_prefix = text.substr(0, encoding_end);

  message.text_.assign(text);
  const std::string_view all_text = message.text_;
  std::size_t pos = 0;
  while (pos < all_text.size()) {
    std::size_t end = pos;
    while (end < all_text.size() && !is_line_end(all_text[end])) ++end;
    const std::string_view line = all_text.substr(pos, end - pos);
    const std::size_t line_offset = pos;
    pos = end + 1;
    if (line.empty()) continue;
    const std::size_t number = message.segments_.size() + 1;
    if (number > kMaxEr7Segments) {
      return invalid("the message has more than " + std::to_string(kMaxEr7Segments) + " segments");
    }
    if (line.size() < 3 || !is_segment_id_char(line[0]) || !is_segment_id_char(line[1]) ||
        !is_segment_id_char(line[2]) || (line.size() > 3 && line[3] != d.field)) {
      return invalid(where(number, "") +
                     ": not a segment id (3 capital letters or digits) and a field separator");
    }
    Segment segment;
    segment.id.assign(line.substr(0, 3));
    std::size_t fields_start = 4;  // first byte of field 1 (MSH: of MSH-3)
    if (segment.id == "MSH") {
      if (line.substr(0, msh_prefix.size()) != msh_prefix ||
          (line.size() > msh_prefix.size() && line[msh_prefix.size()] != d.field)) {
        return invalid(where(number, "MSH") +
                       ": delimiters differ from those of the first MSH segment");
      }
      const auto offset = static_cast<std::uint32_t>(line_offset);
      segment.fields.push_back({offset + 3, 1});
      segment.fields.push_back({offset + 4, static_cast<std::uint32_t>(msh_prefix.size() - 4)});
      fields_start = msh_prefix.size() + 1;
    }
    if (line.size() >= fields_start) {
      std::size_t start = fields_start;
      for (std::size_t i = fields_start; i <= line.size(); ++i) {
        if (i < line.size() && line[i] != d.field) continue;
        if (segment.fields.size() == kMaxEr7Fields) {
          return invalid(where(number, segment.id) + ": more than " +
                         std::to_string(kMaxEr7Fields) + " fields");
        }
        const std::string location =
            where(number, segment.id) + ", field " + std::to_string(segment.fields.size() + 1);
        WASL_RETURN_IF_ERROR(check_field(line.substr(start, i - start), d, location));
        segment.fields.push_back({static_cast<std::uint32_t>(line_offset + start),
                                  static_cast<std::uint32_t>(i - start)});
        start = i + 1;
      }
    }
    message.segments_.push_back(std::move(segment));
  }
  return message;
}

const std::string& Er7Message::segment_id(std::size_t index) const {
  static const std::string kNone;
  return index < segments_.size() ? segments_[index].id : kNone;
}

std::size_t Er7Message::occurrences(std::string_view segment) const {
  std::size_t count = 0;
  for (const Segment& s : segments_) count += s.id == segment ? 1 : 0;
  return count;
}

const Er7Message::Segment* Er7Message::find(std::string_view segment,
                                            std::size_t occurrence) const {
  for (const Segment& s : segments_) {
    if (s.id != segment) continue;
    if (occurrence == 0) return &s;
    --occurrence;
  }
  return nullptr;
}

std::string_view Er7Message::field_text(const Segment& segment, int field) const {
  if (field < 1 || static_cast<std::size_t>(field) > segment.fields.size()) return {};
  const Span span = segment.fields[static_cast<std::size_t>(field) - 1];
  return std::string_view(text_).substr(span.offset, span.size);
}

std::size_t Er7Message::repetitions(std::string_view segment, int field,
                                    std::size_t occurrence) const {
  const Segment* s = find(segment, occurrence);
  if (s == nullptr) return 0;
  const std::string_view text = field_text(*s, field);
  if (text.empty()) return 0;
  if (s->id == "MSH" && field <= 2) return 1;
  std::size_t count = 1;
  for (char c : text) count += c == delimiters_.repetition ? 1 : 0;
  return count;
}

std::string Er7Message::read(const Segment& segment, int field, int component, int subcomponent,
                             std::size_t repetition) const {
  if (field < 1 || component < 1 || subcomponent < 1) return {};
  const std::string_view text = field_text(segment, field);
  if (segment.id == "MSH" && field <= 2) {
    return component == 1 && subcomponent == 1 && repetition == 0 ? std::string(text)
                                                                  : std::string();
  }
  const std::string_view one =
      nth_part(nth_part(nth_part(text, delimiters_.repetition, repetition), delimiters_.component,
                        static_cast<std::size_t>(component) - 1),
               delimiters_.subcomponent, static_cast<std::size_t>(subcomponent) - 1);
  std::string out;
  if (!er7_unescape(one, delimiters_, out)) return {};  // parse() refused such text already
  return out;
}

std::string Er7Message::value(std::string_view segment, int field, int component, int subcomponent,
                              std::size_t repetition, std::size_t occurrence) const {
  const Segment* s = find(segment, occurrence);
  return s == nullptr ? std::string() : read(*s, field, component, subcomponent, repetition);
}

std::string Er7Message::value_at(std::size_t segment_index, int field, int component,
                                 int subcomponent, std::size_t repetition) const {
  if (segment_index >= segments_.size()) return {};
  return read(segments_[segment_index], field, component, subcomponent, repetition);
}

}  // namespace wasl::hl7v2
