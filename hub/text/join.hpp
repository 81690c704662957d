// Join: words in one line, for lists in messages ("a, b, c").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wasl::text {

// `words` with `separator` between each two; empty for no words.
inline std::string join(const std::vector<std::string>& words, std::string_view separator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += separator;
    out += words[i];
  }
  return out;
}

}  // namespace wasl::text
