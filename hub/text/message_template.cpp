#include "hub/text/message_template.hpp"

#include <algorithm>

namespace wasl::text {
namespace {

sdk::Error fault(const std::string& what, std::size_t offset) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                    what + " at byte " + std::to_string(offset) + " of the template", false);
}

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

}  // namespace

sdk::Result<MessageTemplate> MessageTemplate::parse(std::string_view text) {
  MessageTemplate out;
  std::string literal;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "}}") == 0) return fault("\"}}\" without \"{{\" before it", i);
    if (text.compare(i, 2, "{{") != 0) {
      literal.push_back(text[i]);
      ++i;
      continue;
    }
    const std::size_t open = i;
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return fault("\"{{\" without its \"}}\"", open);
    std::string_view name = text.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) return fault("a placeholder without a name", open);
    if (!std::all_of(name.begin(), name.end(), is_name_char)) {
      return fault("a placeholder name that is not a-z, 0-9 and _", open);
    }
    if (!literal.empty()) out.pieces_.push_back({false, std::move(literal)});
    literal.clear();
    out.pieces_.push_back({true, std::string(name)});
    i = close + 2;
  }
  if (!literal.empty()) out.pieces_.push_back({false, std::move(literal)});
  return out;
}

std::vector<std::string> MessageTemplate::variables() const {
  std::vector<std::string> names;
  for (const Piece& p : pieces_) {
    if (p.variable && std::find(names.begin(), names.end(), p.text) == names.end()) {
      names.push_back(p.text);
    }
  }
  return names;
}

sdk::Result<std::string> MessageTemplate::render(
    const std::map<std::string, std::string>& values) const {
  std::string out;
  for (const Piece& p : pieces_) {
    if (!p.variable) {
      out += p.text;
      continue;
    }
    auto it = values.find(p.text);
    if (it == values.end()) {
      return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                        "the template's variable {{" + p.text + "}} has no value", false);
    }
    out += it->second;
  }
  return out;
}

}  // namespace wasl::text
