// The test messages of messages/ (see messages/README.md), read with '\r'
// ending each segment as ER7 has it on the wire.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace wasl::hl7v2 {

// messages/<name>.er7 with each line ending in '\r' (the files keep '\n').
inline std::string standard_message(std::string_view name) {
  std::ifstream in(std::string(WASL_SOURCE_DIR) + "/plugins/hl7v2/tests/messages/" +
                   std::string(name) + ".er7");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  for (char& c : text) {
    if (c == '\n') c = '\r';
  }
  return text;
}

}  // namespace wasl::hl7v2
