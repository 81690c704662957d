// Er7Message: an HL7 v2 message in the ER7 encoding (the pipe-and-hat text),
// parsed once and read by position.
//
// The reader is generic: it knows MSH (delimiters, its field numbering) and
// the escape sequences, nothing of any message structure or segment's
// meaning. Immutable after parse; a const Er7Message is safe to read from
// several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::hl7v2 {

// The delimiters of a message: MSH-1 and the four characters of MSH-2.
struct Er7Delimiters {
  char field = '|', component = '^', repetition = '~', escape = '\\', subcomponent = '&';
};

// Bounds of Er7Message::parse; an input beyond any of them is refused.
inline constexpr std::size_t kMaxEr7Bytes = 1024 * 1024;
inline constexpr std::size_t kMaxEr7Segments = 10000;
inline constexpr std::size_t kMaxEr7Fields = 1000;         // per segment
inline constexpr std::size_t kMaxEr7Repetitions = 1000;    // per field
inline constexpr std::size_t kMaxEr7Components = 1000;     // per repetition
inline constexpr std::size_t kMaxEr7Subcomponents = 1000;  // per component

// A parsed ER7 message. Segments are split on '\r' ('\n' and "\r\n" accepted;
// empty lines are skipped). Positions are 1-based as in the standard: field 1
// of MSH is the field separator itself, MSH-2 the encoding characters, MSH-3
// the first field after "MSH|^~\&|", MSH-9 the message type. Components and
// subcomponents are 1-based; repetitions 0-based; occurrence = which segment
// of that id (0 = the first). Every accessor answers "" (or 0) when the
// position is absent or out of range. Values are returned as text: the HL7
// null `""` is the two characters '"' '"', left to the caller to interpret.
class Er7Message {
 public:
  // kInvalidArgument for text that is not ER7: no MSH first, bad encoding
  // characters, a segment id that is not 3 capital letters or digits, text
  // that is not UTF-8, a \X...\ escape that is not whole hex bytes forming
  // UTF-8, or input over the limits above. The error message says where
  // ("segment 3 (PID), field 5: ..."; segments counted from 1 = MSH) and
  // never quotes the message's content. Time and memory are linear in the
  // input's size.
  //
  // MSH-2 is 4 characters (component, repetition, escape, subcomponent; a
  // fifth, the truncation character of v2.7, is accepted and ignored), each
  // distinct, not a letter, digit, space or line break, and not the field
  // separator. A later MSH segment (as in a batch) must use the same
  // delimiters.
  static sdk::Result<Er7Message> parse(std::string_view utf8_text);

  const Er7Delimiters& delimiters() const { return delimiters_; }
  std::size_t segment_count() const { return segments_.size(); }
  // "MSH", "PID", ...; "" for an index out of range.
  const std::string& segment_id(std::size_t index) const;
  // How many segments have this id.
  std::size_t occurrences(std::string_view segment) const;
  // How many repetitions the field has (0 when empty or absent).
  std::size_t repetitions(std::string_view segment, int field, std::size_t occurrence = 0) const;

  // Unescaped text of one subcomponent: \F\ \S\ \T\ \R\ \E\ give the
  // delimiters, \Xhh..\ its bytes, \.br\ "\n"; \H\ and \N\ are dropped; any
  // other escape sequence (and an escape character with no closing one) is
  // kept as written. MSH-1 and MSH-2 answer the delimiters as written
  // (component 1, subcomponent 1, repetition 0 only).
  std::string value(std::string_view segment, int field, int component = 1, int subcomponent = 1,
                    std::size_t repetition = 0, std::size_t occurrence = 0) const;
  // Same, addressing the segment by index (0-based over all segments), for
  // walking groups.
  std::string value_at(std::size_t segment_index, int field, int component = 1,
                       int subcomponent = 1, std::size_t repetition = 0) const;

 private:
  struct Span {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  struct Segment {
    std::string id;
    std::vector<Span> fields;  // fields[0] = field 1 (for MSH: the field separator)
  };

  const Segment* find(std::string_view segment, std::size_t occurrence) const;
  std::string_view field_text(const Segment& segment, int field) const;
  std::string read(const Segment& segment, int field, int component, int subcomponent,
                   std::size_t repetition) const;

  std::string text_;  // the message as parsed; spans point into it
  Er7Delimiters delimiters_;
  std::vector<Segment> segments_;
};

// Decodes the escape sequences of one subcomponent's text (as value() does)
// and appends the result to `out`. False when a \X...\ sequence is not whole
// hex bytes or its bytes are not UTF-8 (`out` then holds what came before).
bool er7_unescape(std::string_view text, const Er7Delimiters& delimiters, std::string& out);

}  // namespace wasl::hl7v2
