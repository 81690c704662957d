// Writing ER7: the escaping of text for one component, and a message built
// segment by segment, always with the standard delimiters (|^~\&).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plugins/hl7v2/er7_message.hpp"

namespace wasl::hl7v2 {

// Escapes text for one ER7 component or subcomponent: the escape character
// becomes \E\, the field, component, subcomponent and repetition separators
// \F\ \S\ \T\ \R\, a carriage return \X0D\ and a line feed \X0A\.
// Er7Message reads the result back as `text`. Pure; thread-safe.
std::string er7_escape(std::string_view text, const Er7Delimiters& d = {});

// Builds a message segment by segment. Fields are given already encoded:
// components joined by '^' (subcomponents by '&', repetitions by '~'), each
// through er7_escape. The writer joins them with '|' after the segment id
// and ends each segment with '\r'. So that no field can split a segment, a
// '|', '\r' or '\n' left in a field is written escaped (\F\ \X0D\ \X0A\).
// Not thread-safe; one writer per message.
class Er7Writer {
 public:
  // `id` is the segment id ("MSH", "PID"); fields[0] is field 1, except
  // for MSH, whose fields[0] is MSH-2's text "^~\\&" (MSH-1 is the '|'
  // written after the id).
  Er7Writer& segment(std::string_view id, std::vector<std::string> fields);
  // The message: each segment ending in '\r'.
  std::string str() const { return text_; }

 private:
  std::string text_;
};

}  // namespace wasl::hl7v2
