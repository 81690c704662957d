// Redactor: removes PHI from text before it reaches a log line. The logging
// layer applies the standard redactor to every message.
//
// Built in, always on:
//   - Saudi national ID / iqama numbers: 10 digits starting with 1 or 2
//     -> "[redacted:national_id]"
//   - phone numbers: +9665…, 9665…, 009665…, 05… (digits may be separated
//     by single spaces or hyphens) and any "+" followed by 8–15 digits
//     -> "[redacted:phone]"
//   - e-mail addresses -> "[redacted:email]"
// ASCII digits and Arabic-Indic digits (٠…٩, ۰…۹) both count as digits. A
// digit run glued to ASCII letters (hex ids, hashes) is not a number.
//
// Extensible: add_json_key() redacts the value of a JSON member with that key
// wherever a message contains JSON text ("phone": "…" -> "phone":
// "[redacted:phone]"); add_pattern() adds a regular expression.
//
// Thread safety: configure before sharing; redact() is const and safe to
// call from any number of threads. standard() is configured once and then
// only read.
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::observability {

class Redactor {
 public:
  // A redactor with the built-in detectors and no JSON keys or patterns.
  Redactor() = default;

  // The values of JSON members named `key` are replaced by
  // "[redacted:<key>]" (a JSON string, so the JSON stays valid).
  void add_json_key(std::string key);
  // Matches of `ecmascript_regex` are replaced by "[redacted:<kind>]".
  // kInvalidArgument when the expression does not compile.
  sdk::Status add_pattern(std::string kind, const std::string& ecmascript_regex);

  std::string redact(std::string_view text) const;

  // The redactor the logging layer uses: built-ins plus the JSON keys that
  // carry patient identity (name, national_id, phone, email, birth date, …).
  static const Redactor& standard();

 private:
  struct Pattern {
    std::string kind;
    std::regex regex;
  };
  std::vector<std::string> json_keys_;
  std::vector<Pattern> patterns_;
};

}  // namespace wasl::observability
