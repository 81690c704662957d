#include "plugins/hl7v2/er7_writer.hpp"

#include <string>

namespace wasl::hl7v2 {

std::string er7_escape(std::string_view text, const Er7Delimiters& d) {
  std::string out;
  out.reserve(text.size());
  const auto escape = [&](std::string_view sequence) {
    out += d.escape;
    out += sequence;
    out += d.escape;
  };
  for (char c : text) {
    if (c == d.escape) {
      escape("E");
    } else if (c == d.field) {
      escape("F");
    } else if (c == d.component) {
      escape("S");
    } else if (c == d.subcomponent) {
      escape("T");
    } else if (c == d.repetition) {
      escape("R");
    } else if (c == '\r') {
      escape("X0D");
    } else if (c == '\n') {
      escape("X0A");
    } else {
      out += c;
    }
  }
  return out;
}

// `fields` by value, as er7_writer.hpp declares it: callers pass braced lists of temporaries.
Er7Writer& Er7Writer::segment(
    std::string_view id,
    std::vector<std::string> fields) {  // NOLINT(performance-unnecessary-value-param)
  text_ += id;
  for (const std::string& field : fields) {
    text_ += '|';
    for (char c : field) {
      if (c == '|') {
        text_ += "\\F\\";
      } else if (c == '\r') {
        text_ += "\\X0D\\";
      } else if (c == '\n') {
        text_ += "\\X0A\\";
      } else {
        text_ += c;
      }
    }
  }
  text_ += '\r';
  return *this;
}

}  // namespace wasl::hl7v2
