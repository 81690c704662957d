// MessageTemplate: the text of a message to a person with {{name}}
// placeholders, such as "Your consultation is on {{date}} at {{time}}".
// A placeholder is "{{", a name of a-z, 0-9 and _ (spaces around it
// allowed), and "}}"; every other character is copied as written (UTF-8,
// Arabic included). There is no escape: a message cannot show "{{".
//
// Shared by the configuration (which refuses a template naming a variable
// its message does not have) and the notifications that render it.
// Thread-safe: plain values.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::text {

class MessageTemplate {
 public:
  // kInvalidArgument, naming the first fault and its byte offset (never
  // quoting the text), for a "{{" without its "}}", an empty name or one
  // with other characters, and a "}}" with no "{{" before it.
  static sdk::Result<MessageTemplate> parse(std::string_view text);

  // The names of its placeholders, each once, in the order they first appear.
  std::vector<std::string> variables() const;

  // The text with each placeholder replaced by its value in `values`; a
  // name missing there is kInvalidArgument naming it.
  sdk::Result<std::string> render(const std::map<std::string, std::string>& values) const;

 private:
  struct Piece {
    bool variable = false;
    std::string text;  // the literal text, or the variable's name
  };
  std::vector<Piece> pieces_;
};

}  // namespace wasl::text
