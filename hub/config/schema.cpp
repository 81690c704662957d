#include "hub/config/schema.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>

#include "hub/calendar/civil_time.hpp"
#include "hub/config/document_reader.hpp"
#include "hub/config/residency.hpp"
#include "hub/text/duration.hpp"
#include "hub/text/message_template.hpp"
#include "hub/text/suggestion.hpp"

namespace wasl::config {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;
constexpr std::int64_t kGiB = 1024 * kMiB;

const std::vector<std::string> kLogLevels = {"trace", "debug",    "info", "warn",
                                             "error", "critical", "off"};
const std::vector<std::string> kBackends = {"sqlite", "postgres"};

std::string join(const std::vector<std::string>& words, const std::string& last = ", ") {
  std::string text;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) text += (i + 1 == words.size()) ? last : ", ";
    text += words[i];
  }
  return text;
}

// ----- value parsing ---------------------------------------------------------

std::optional<std::int64_t> parse_int(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// "1048576" (bytes), "256KiB", "1MiB", "2GiB".
std::optional<std::int64_t> parse_size(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  const auto number = parse_int(text.substr(0, digits));
  if (!number) return std::nullopt;
  const std::string unit = text.substr(digits);
  if (unit.empty() || unit == "B") return *number;
  if (unit == "KiB") return *number * kKiB;
  if (unit == "MiB") return *number * kMiB;
  if (unit == "GiB") return *number * kGiB;
  return std::nullopt;
}

std::string format_size(std::int64_t bytes) {
  if (bytes != 0 && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + "GiB";
  if (bytes != 0 && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + "MiB";
  if (bytes != 0 && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + "KiB";
  return std::to_string(bytes);
}

bool is_label(const std::string& s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
    if (!ok) return false;
  }
  return true;
}

bool is_instance_name(const std::string& s) {
  const auto dot = s.find('.');
  if (dot == std::string::npos) return false;
  const std::string capability = s.substr(0, dot);
  const auto& names = capability_names();
  return std::find(names.begin(), names.end(), capability) != names.end() &&
         is_label(s.substr(dot + 1));
}

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_http_url(const std::string& s) {
  std::string rest;
  if (s.rfind("http://", 0) == 0) {
    rest = s.substr(7);
  } else if (s.rfind("https://", 0) == 0) {
    rest = s.substr(8);
  } else {
    return false;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ') return false;
  }
  const std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  const std::string host =
      authority.substr(authority.rfind('@') == std::string::npos ? 0 : authority.rfind('@') + 1);
  return !host.empty() && host[0] != ':';
}

// ----- field builders --------------------------------------------------------

Field text(std::string key, std::string& target, std::string form, std::string description,
           std::function<bool(const std::string&)> valid = {}) {
  Field f;
  f.key = std::move(key);
  f.form = std::move(form);
  f.description = std::move(description);
  f.read = [&target, valid = std::move(valid), form = f.form](
               const YAML::Node& node, const std::string& path, int line, DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    if (valid && !valid(value->value)) {
      reader.expected(line, path, form, value->origin);
      return;
    }
    target = std::move(value->value);
  };
  f.show = [&target] { return target; };
  return f;
}

Field required(Field f) {
  f.required = true;
  f.default_note = "required";
  return f;
}

bool non_empty(const std::string& s) { return !s.empty(); }

// An http(s) URL whose host is a loopback address (127.0.0.0/8, ::1,
// localhost).
bool is_loopback_url(const std::string& s) {
  if (!is_http_url(s)) return false;
  const std::string rest = s.substr(s.find("://") + 3);
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    authority = authority.substr(at + 1);
  }
  std::string host;
  if (!authority.empty() && authority[0] == '[') {
    host = authority.substr(0, authority.find(']') + 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// An object store's endpoint: https://, or http:// to a loopback host; no
// path, query or fragment (the bucket and key go after it).
bool is_store_endpoint(const std::string& s) {
  if (!is_http_url(s) || s.find_first_of("?#") != std::string::npos) return false;
  const std::string rest = s.substr(s.find("://") + 3);
  const auto slash = rest.find('/');
  if (slash != std::string::npos && slash + 1 != rest.size()) return false;
  return s.rfind("https://", 0) == 0 || is_loopback_url(s);
}

// The instance metadata service: an http(s) URL without path, query or
// fragment (it is link-local, so plain http is the rule).
bool is_metadata_endpoint(const std::string& s) {
  if (!is_http_url(s) || s.find_first_of("?#") != std::string::npos) return false;
  const std::string rest = s.substr(s.find("://") + 3);
  const auto slash = rest.find('/');
  return slash == std::string::npos || slash + 1 == rest.size();
}

// arn:<partition>:iam::<account>:role/<path/name>.
bool is_role_arn(const std::string& s) {
  if (s.size() > 2048 || s.rfind("arn:", 0) != 0) return false;
  const auto iam = s.find(":iam::");
  if (iam == std::string::npos) return false;
  const auto role = s.find(":role/", iam + 6);
  if (role == std::string::npos || role + 6 >= s.size()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

// STS's RoleSessionName: 2-64 of A-Z a-z 0-9 and +=,.@_-.
bool is_role_session_name(const std::string& s) {
  if (s.size() < 2 || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '=' || c == ',' || c == '.' || c == '@' || c == '_' || c == '-';
  });
}

// An S3 bucket name as S3 allows it: 3-63 of a-z, 0-9, '.' and '-', starting
// and ending with a letter or digit.
bool is_bucket_name(const std::string& s) {
  if (s.size() < 3 || s.size() > 63) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '.' || c == '-'; });
}

// An object key prefix: empty, or up to 256 printable ASCII characters
// ending in '/', without "..", '\\' or a leading '/'.
bool is_key_prefix(const std::string& s) {
  if (s.empty()) return true;
  if (s.size() > 256 || s.back() != '/' || s.front() == '/') return false;
  if (s.find("..") != std::string::npos || s.find("//") != std::string::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f && c != '\\'; });
}

Field integer(std::string key, int& target, int min, int max, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
  f.description = std::move(description);
  f.read = [&target, min, max, form = f.form](const YAML::Node& node, const std::string& path,
                                              int line, DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    const auto number = parse_int(value->value);
    if (!number || *number < min || *number > max) {
      reader.expected(line, path, form, value->origin);
      return;
    }
    target = static_cast<int>(*number);
  };
  f.show = [&target] { return std::to_string(target); };
  return f;
}

// "150", "150.5", "150.50": a non-negative amount with at most two decimals.
std::optional<double> parse_amount(const std::string& text) {
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string cents = dot == std::string::npos ? std::string() : text.substr(dot + 1);
  auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 9 || !digits(whole)) return std::nullopt;
  if (dot != std::string::npos && (cents.empty() || cents.size() > 2 || !digits(cents))) {
    return std::nullopt;
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

Field amount(std::string key, double& target, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "an amount of at least 0 with at most two decimals, such as 150 or 172.50";
  f.description = std::move(description);
  f.read = [&target, form = f.form](const YAML::Node& node, const std::string& path, int line,
                                    DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    const auto parsed = parse_amount(value->value);
    if (!parsed) {
      reader.expected(line, path, form, value->origin);
      return;
    }
    target = *parsed;
  };
  f.show = [&target] {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", target);
    return std::string(text);
  };
  return f;
}

std::optional<bool> parse_bool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

Field boolean(std::string key, bool& target, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "true or false";
  f.description = std::move(description);
  f.read = [&target, form = f.form](const YAML::Node& node, const std::string& path, int line,
                                    DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    const auto b = parse_bool(value->value);
    if (!b) {
      reader.expected(line, path, form, value->origin);
      return;
    }
    target = *b;
  };
  f.show = [&target] { return target ? std::string("true") : std::string("false"); };
  return f;
}

Field optional_boolean(std::string key, std::optional<bool>& target, std::string description,
                       std::string default_note) {
  Field f;
  f.key = std::move(key);
  f.form = "true or false";
  f.description = std::move(description);
  f.default_note = std::move(default_note);
  f.read = [&target, form = f.form](const YAML::Node& node, const std::string& path, int line,
                                    DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    const auto b = parse_bool(value->value);
    if (!b) {
      reader.expected(line, path, form, value->origin);
      return;
    }
    target = *b;
  };
  f.show = [&target] {
    return target ? (*target ? std::string("true") : std::string("false")) : std::string("unset");
  };
  return f;
}

// `form` replaces the default wording of what is expected (a minimum other
// than "positive" says itself there).
Field duration(std::string key, milliseconds& target, milliseconds min, std::string description,
               std::string form = "") {
  Field f;
  f.key = std::move(key);
  f.form = !form.empty() ? std::move(form)
                         : std::string(min.count() > 0 ? "a positive duration" : "a duration") +
                               " with a unit, such as 250ms, 5s, 2m or 1h";
  f.description = std::move(description);
  f.read = [&target, min, form = f.form](const YAML::Node& node, const std::string& path, int line,
                                         DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    const auto parsed = text::parse_duration(value->value);
    if (!parsed.ok() || *parsed < min) {
      reader.expected(line, path, form, value->origin);
      return;
    }
    target = *parsed;
  };
  f.show = [&target] { return text::format_duration(target); };
  return f;
}

Field size(std::string key, std::int64_t& target, std::int64_t max, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "a size in bytes such as 1048576, 256KiB or 1MiB, from 1 to " + format_size(max);
  f.description = std::move(description);
  f.read = [&target, max, form = f.form](const YAML::Node& node, const std::string& path, int line,
                                         DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    const auto parsed = parse_size(value->value);
    if (!parsed || *parsed < 1 || *parsed > max) {
      reader.expected(line, path, form, value->origin);
      return;
    }
    target = *parsed;
  };
  f.show = [&target] { return format_size(target); };
  return f;
}

Field choice(std::string key, std::string& target, std::vector<std::string> choices,
             std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "one of " + join(choices);
  f.description = std::move(description);
  f.read = [&target, choices = std::move(choices), form = f.form](
               const YAML::Node& node, const std::string& path, int line, DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    if (std::find(choices.begin(), choices.end(), value->value) == choices.end()) {
      const std::string near = value->secret() ? "" : text::closest_match(value->value, choices);
      reader.expected(line, path, near.empty() ? form : form + " (did you mean \"" + near + "\"?)",
                      value->origin);
      return;
    }
    target = std::move(value->value);
  };
  f.show = [&target] { return target; };
  return f;
}

Field text_list(std::string key, std::vector<std::string>& target, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "a list of non-empty strings";
  f.description = std::move(description);
  f.read = [&target, form = f.form](const YAML::Node& node, const std::string& path, int line,
                                    DocumentReader& reader) {
    if (node.IsNull()) return;
    if (!node.IsSequence()) {
      reader.expected(line, path, form);
      return;
    }
    target.clear();
    std::size_t index = 0;
    for (const auto& item : node) {
      const std::string item_path = path + "[" + std::to_string(index++) + "]";
      const int item_line = DocumentReader::line_of(item, line);
      auto value = reader.scalar(item, item_path, item_line, "a non-empty string");
      if (!value) continue;
      if (value->value.empty()) {
        reader.expected(item_line, item_path, "a non-empty string", value->origin);
        continue;
      }
      target.push_back(std::move(value->value));
    }
  };
  f.show = [&target] { return "[" + join(target) + "]"; };
  return f;
}

Field secret(std::string key, Secret& target, std::string form, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = std::move(form);
  f.description = std::move(description);
  f.read = [&target, form = f.form](const YAML::Node& node, const std::string& path, int line,
                                    DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    target = Secret(std::move(value->value));
  };
  f.show = [&target] { return target.empty() ? std::string() : std::string("[redacted]"); };
  return f;
}

// A path to a file that must exist and be readable when the config loads.
Field readable_file(std::string key, std::string& target, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "the path of a readable file";
  f.description = std::move(description);
  f.read = [&target, form = f.form](const YAML::Node& node, const std::string& path, int line,
                                    DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    if (value->value.empty()) {
      reader.expected(line, path, form, value->origin);
      return;
    }
    const std::string shown = value->secret() ? "the file" + value->origin : value->value;
    std::error_code ec;
    if (std::filesystem::is_directory(value->value, ec)) {
      reader.problem(line, path, "cannot read " + shown + " (it is a directory)");
      return;
    }
    if (::access(value->value.c_str(), R_OK) != 0) {
      const int err = errno;
      reader.problem(line, path, "cannot read " + shown + " (" + std::strerror(err) + ")");
      return;
    }
    target = std::move(value->value);
  };
  f.show = [&target] { return target; };
  return f;
}

Field section(std::string key, std::function<Fields()> make, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "a mapping";
  f.description = std::move(description);
  f.section = make;
  f.read = [make = std::move(make)](const YAML::Node& node, const std::string& path, int line,
                                    DocumentReader& reader) {
    reader.read_mapping(node, make(), path, line);
  };
  return f;
}

template <typename T>
Field optional_section(std::string key, std::optional<T>& target, std::function<Fields(T&)> make,
                       std::string description, std::string default_note) {
  Field f;
  f.key = std::move(key);
  f.form = "a mapping";
  f.description = std::move(description);
  f.default_note = std::move(default_note);
  f.read = [&target, make](const YAML::Node& node, const std::string& path, int line,
                           DocumentReader& reader) {
    // Present but empty still means "on": its required keys are reported.
    target.emplace();
    reader.read_mapping(node, make(*target), path, line);
  };
  f.present = [&target] { return target.has_value(); };
  f.section = [&target, make]() -> Fields {
    if (target) return make(*target);
    auto fresh = std::make_shared<T>();
    Fields fields = make(*fresh);
    for (auto& field : fields) field.keep_alive = fresh;
    return fields;
  };
  return f;
}

template <typename T>
std::function<Fields()> entry_template(std::function<Fields(T&)> make) {
  return [make] {
    auto fresh = std::make_shared<T>();
    Fields fields = make(*fresh);
    for (auto& field : fields) field.keep_alive = fresh;
    return fields;
  };
}

template <typename T>
Field list(std::string key, std::vector<T>& target, std::function<Fields(T&)> make,
           std::function<void(T&, int)> init, std::string form, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = std::move(form);
  f.description = std::move(description);
  f.entry_label = "[]";
  f.entry_template = entry_template(make);
  f.read = [&target, make, init, form = f.form](const YAML::Node& node, const std::string& path,
                                                int line, DocumentReader& reader) {
    if (node.IsNull()) return;
    if (!node.IsSequence()) {
      reader.expected(line, path, form);
      return;
    }
    target.clear();
    std::size_t index = 0;
    for (const auto& item : node) {
      const int item_line = DocumentReader::line_of(item, line);
      T entry;
      init(entry, item_line);
      reader.read_mapping(item, make(entry), path + "[" + std::to_string(index++) + "]", item_line);
      target.push_back(std::move(entry));
    }
  };
  f.entries = [&target, make] {
    std::vector<FieldEntry> out;
    for (std::size_t i = 0; i < target.size(); ++i) {
      out.push_back(FieldEntry{"[" + std::to_string(i) + "]", make(target[i])});
    }
    return out;
  };
  return f;
}

template <typename T>
Field keyed_map(std::string key, std::map<std::string, T>& target,
                std::function<bool(const std::string&)> valid_key, std::string key_form,
                std::string entry_label, std::function<Fields(T&)> make,
                std::function<void(T&, const std::string&, int)> init, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "a mapping of " + key_form + " to settings";
  f.description = std::move(description);
  f.entry_label = std::move(entry_label);
  f.entry_template = entry_template(make);
  f.read = [&target, valid_key = std::move(valid_key), key_form = std::move(key_form), make, init,
            form = f.form](const YAML::Node& node, const std::string& path, int line,
                           DocumentReader& reader) {
    target.clear();
    for (const auto& entry : reader.mapping_entries(node, path, line, form)) {
      const std::string entry_path = path + "." + entry.key;
      if (!valid_key(entry.key)) {
        reader.expected(entry.line, entry_path, key_form);
        continue;
      }
      T value;
      init(value, entry.key, entry.line);
      reader.read_mapping(entry.value, make(value), entry_path, entry.line);
      target.emplace(entry.key, std::move(value));
    }
  };
  f.entries = [&target, make] {
    std::vector<FieldEntry> out;
    out.reserve(target.size());
    for (auto& [name, value] : target) out.push_back(FieldEntry{"." + name, make(value)});
    return out;
  };
  return f;
}

// role -> instance name; the instances themselves are checked by the loader
// once every section is read.
Field bindings(std::string key, std::map<std::string, std::string>& target,
               std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "a mapping of role (" + join(capability_names()) + ") to instance name";
  f.description = std::move(description);
  f.read = [&target, form = f.form](const YAML::Node& node, const std::string& path, int line,
                                    DocumentReader& reader) {
    target.clear();
    const auto& roles = capability_names();
    for (const auto& entry : reader.mapping_entries(node, path, line, form)) {
      const std::string entry_path = path + "." + entry.key;
      if (std::find(roles.begin(), roles.end(), entry.key) == roles.end()) {
        const std::string near = text::closest_match(entry.key, roles);
        reader.problem(entry.line, entry_path,
                       near.empty() ? "unknown role (expected one of " + join(roles) + ")"
                                    : "unknown role (did you mean \"" + near + "\"?)");
        continue;
      }
      auto value = reader.scalar(entry.value, entry_path, entry.value_line,
                                 "the name of an instance declared in instances");
      if (!value) continue;
      target[entry.key] = std::move(value->value);
    }
  };
  f.show = [&target] {
    std::string text = "{";
    for (const auto& [role, instance] : target) {
      if (text.size() > 1) text += ", ";
      text += role + ": " + instance;
    }
    return text + "}";
  };
  return f;
}

Field settings(std::string key, nlohmann::json& target, std::vector<std::string>& secrets,
               std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "a mapping";
  f.description = std::move(description);
  f.default_note = "{}";
  f.read = [&target, &secrets, form = f.form](const YAML::Node& node, const std::string& path,
                                              int line, DocumentReader& reader) {
    if (node.IsNull()) {
      target = nlohmann::json::object();
      return;
    }
    if (!node.IsMap()) {
      reader.expected(line, path, form);
      return;
    }
    target = reader.to_json(node, path, line, secrets);
  };
  f.show = [&target] { return target.dump(); };
  return f;
}

// A country code field: an ISO 3166-1 alpha-2 code; empty (the default)
// leaves the residency to be derived.
Field country(std::string key, std::string& target, std::string description,
              std::string default_note) {
  Field f = text(std::move(key), target, "an ISO 3166-1 alpha-2 country code such as SA",
                 std::move(description), [](const std::string& s) { return is_country_code(s); });
  f.default_note = std::move(default_note);
  return f;
}

// A list of ISO 3166-1 alpha-2 codes, each once.
Field country_list(std::string key, std::vector<std::string>& target, std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "a list of ISO 3166-1 alpha-2 country codes such as [SA]";
  f.description = std::move(description);
  f.default_note = "[]: no requirement";
  f.read = [&target, form = f.form](const YAML::Node& node, const std::string& path, int line,
                                    DocumentReader& reader) {
    if (node.IsNull()) return;
    if (!node.IsSequence()) {
      reader.expected(line, path, form);
      return;
    }
    target.clear();
    std::size_t index = 0;
    for (const auto& item : node) {
      const std::string item_path = path + "[" + std::to_string(index++) + "]";
      const int item_line = DocumentReader::line_of(item, line);
      auto value = reader.scalar(item, item_path, item_line, "an ISO 3166-1 alpha-2 country code");
      if (!value) continue;
      if (!is_country_code(value->value)) {
        reader.expected(item_line, item_path, "an ISO 3166-1 alpha-2 country code such as SA",
                        value->origin);
        continue;
      }
      if (std::find(target.begin(), target.end(), value->value) != target.end()) {
        reader.problem(item_line, item_path, value->value + " is listed twice");
        continue;
      }
      target.push_back(std::move(value->value));
    }
  };
  f.show = [&target] { return "[" + join(target) + "]"; };
  return f;
}

// ----- the declaration -------------------------------------------------------

Fields tls_fields(TlsConfig& t) {
  return {
      required(readable_file("certificate_file", t.certificate_file,
                             "PEM certificate chain the listener presents.")),
      required(readable_file("private_key_file", t.private_key_file,
                             "PEM private key of that certificate.")),
      [&] {
        Field f = readable_file("ca_file", t.ca_file,
                                "PEM CA bundle; when set, clients must present a certificate it "
                                "signed.");
        f.default_note = "none: client certificates are not requested";
        return f;
      }(),
  };
}

Fields server_fields(ServerConfig& s) {
  return {
      text("host", s.host, "a host name or IP address", "Address the HTTP listener binds to.",
           non_empty),
      integer("port", s.port, 0, 65535, "TCP port to listen on; 0 picks a free port."),
      text("public_url", s.public_url, "an absolute http:// or https:// URL",
           "URL the outside world reaches the hub at; webhook signatures are checked against it.",
           is_http_url),
      integer("max_threads", s.max_threads, 1, 100000,
              "Most connections served at once (idle keep-alive ones included)."),
      integer("max_queued", s.max_queued, 0, 1000000,
              "Accepted connections that may wait for a thread; beyond this they are refused."),
      duration("keep_alive_timeout", s.keep_alive_timeout, milliseconds(1),
               "How long an idle keep-alive connection stays open."),
      integer("max_keep_alive_requests", s.max_keep_alive_requests, 1, 1000000,
              "Requests served on one connection before it is closed."),
      duration("request_timeout", s.request_timeout, milliseconds(1),
               "Longest time to receive one whole request, from its first byte; also the send "
               "timeout."),
      duration("header_timeout", s.header_timeout, milliseconds(1),
               "Longest time from a connection's start (or a keep-alive request's first byte) "
               "until its headers are complete; slower clients get 408 and are closed."),
      duration("write_timeout", s.write_timeout, milliseconds(1),
               "Longest time to write one whole response; a client reading more slowly is "
               "closed. A streamed body of known length (a recording) gets its length at "
               "min_send_rate on top."),
      size("min_send_rate", s.min_send_rate, kGiB,
           "Bytes per second a streamed download must at least be read at: its length at this "
           "rate is added to write_timeout."),
      integer("max_connections_per_peer", s.max_connections_per_peer, 0, 1000000,
              "Connections one client address (an IPv6 /64) may hold at once; 0 means no cap. "
              "Behind a reverse proxy, raise it or set 0."),
      text_list("trusted_proxies", s.trusted_proxies,
                "Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the "
                "client (for the failed-authentication limit and the audit trail); empty: the "
                "header is ignored."),
      duration("shutdown_grace", s.shutdown_grace, milliseconds(0),
               "On shutdown, how long in-flight requests may take to finish."),
      size("body_limit", s.body_limit, kGiB, "Largest request body; larger ones answer 413."),
      size("webhook_body_limit", s.webhook_body_limit, kGiB,
           "Largest webhook body; larger ones answer 413."),
      optional_section<TlsConfig>("tls", s.tls, tls_fields,
                                  "Serve HTTPS with these files instead of plain HTTP.",
                                  "absent: plain HTTP"),
  };
}

Fields log_fields(LogConfig& l) {
  return {
      choice("level", l.level, kLogLevels, "Least severe level written."),
      text("file", l.file, "a file path, or empty for standard error",
           "File log lines are appended to; empty writes to standard error."),
  };
}

Fields sqlite_fields(SqliteConfig& s) {
  return {
      text("path", s.path, "a non-empty file path", "Database file, created when missing.",
           non_empty),
      duration("busy_timeout", s.busy_timeout, milliseconds(0),
               "How long a write waits for another writer's lock."),
      integer("pool_size", s.pool_size, 1, 256, "Connections kept open."),
  };
}

Fields postgres_fields(PostgresConfig& p) {
  return {
      [&] {
        Field f = secret("url", p.url, "a libpq URI such as postgresql://wasl@db/wasl",
                         "Connection URI; a secret, usually ${env:NAME} or ${file:PATH}.");
        f.default_note = "required when storage.backend is postgres";
        return f;
      }(),
      integer("pool_size", p.pool_size, 1, 1024, "Connections kept open."),
      duration("acquire_timeout", p.acquire_timeout, milliseconds(1),
               "How long a request waits for a free pooled connection."),
      duration("connect_timeout", p.connect_timeout, milliseconds(1),
               "How long opening one connection may take."),
      duration("statement_timeout", p.statement_timeout, milliseconds(0),
               "Longest a statement may run (the server cancels it; the request answers 503). "
               "A statement with no answer for a little longer has its connection closed, "
               "which ends a half-open connection. 0 turns both off."),
  };
}

Fields storage_fields(StorageConfig& s) {
  return {
      choice("backend", s.backend, kBackends, "Where consultations and workflow state live."),
      optional_boolean("migrate_on_start", s.migrate_on_start,
                       "Apply pending schema migrations when the hub starts.",
                       "true for sqlite, false for postgres"),
      section(
          "sqlite", [&s] { return sqlite_fields(s.sqlite); },
          "Settings used when backend is sqlite."),
      section(
          "postgres", [&s] { return postgres_fields(s.postgres); },
          "Settings used when backend is postgres."),
  };
}

Fields security_fields(SecurityConfig& s) {
  return {
      text("key_file", s.key_file, "a non-empty file path",
           "Key ring file made by `wasl keys generate`; must be mode 0600.", non_empty),
      integer("audit_checkpoint_every", s.audit_checkpoint_every, 1, 1000000,
              "A signed audit checkpoint is written after this many events."),
      integer("auth_failures_per_minute", s.auth_failures_per_minute, 1, 100000,
              "Failed authentications allowed per source address per minute before 429."),
      integer("auth_failures_per_minute_total", s.auth_failures_per_minute_total, 1, 10000000,
              "Failed authentications allowed per minute from all sources together; beyond "
              "it, a source's first failure blocks it."),
  };
}

Fields workflow_fields(WorkflowEngineConfig& w) {
  return {
      integer("workers", w.workers, 0, 1024,
              "Worker threads running workflow steps; 0 = this process runs none."),
      duration("lease", w.lease, milliseconds(100),
               "How long a worker holds a step before another process may take it over."),
      duration("poll_interval", w.poll_interval, milliseconds(1),
               "How often an idle worker looks for due steps."),
      duration("default_call_timeout", w.default_call_timeout, milliseconds(1),
               "Timeout of a call step that declares none."),
      integer("calls_per_instance", w.calls_per_instance, 0, 1024,
              "Calls into one plugin instance the workers wait on at once (its bulkhead): a "
              "provider that hangs holds at most this many workers, and the steps beyond wait "
              "as deferred steps; 0 = half the workers (at least one)."),
      integer("claim_batch", w.claim_batch, 1, 1000, "Due steps one claim takes at most."),
      integer("commit_group", w.commit_group, 1, 1000,
              "Step finishes recorded in one commit when workers finish at the same time; "
              "1 = each alone."),
      duration("schedule_interval", w.schedule_interval, milliseconds(100),
               "How often scheduled workflows are checked for due firings (and once at start)."),
      duration("no_show_interval", w.no_show_interval, milliseconds(100),
               "How often consultations waiting for their patient are checked against their "
               "facility's no_show_after (and once at start)."),
      duration("attendance_settle", w.attendance_settle, milliseconds(0),
               "After a room ends, how long hub.attendance waits with no new join or leave from "
               "the provider before it answers (late callbacks)."),
  };
}

Fields task_runner_fields(TaskRunnerConfig& t) {
  return {
      integer("threads", t.threads, 1, 64,
              "Threads doing the work owed once a transaction has committed (EHR bookings, "
              "shared documents and feedback written to the EHR, empty rooms, delivery "
              "receipts)."),
      integer("calls_per_instance", t.calls_per_instance, 0, 64,
              "Tasks calling one plugin instance that run at once (its share of the threads): "
              "a provider that hangs holds at most this many, and the tasks beyond wait as "
              "deferred tasks; 0 = half the threads (at least one)."),
  };
}

Fields object_store_fields(ObjectStoreConfig& o) {
  return {
      choice("kind", o.kind, {"s3"}, "The store's protocol: the S3 API."),
      required(text("endpoint", o.endpoint,
                    "an https:// URL (http:// only to a loopback host) without path, query or "
                    "fragment",
                    "The store's S3 endpoint, e.g. https://s3.me-central-1.amazonaws.com or an "
                    "on-premises gateway.",
                    is_store_endpoint)),
      text("region", o.region, "a region name", "The SigV4 signing region.", non_empty),
      required(text("bucket", o.bucket, "an S3 bucket name (3-63 of a-z, 0-9, '.', '-')",
                    "The bucket recordings are kept in; it must exist.", is_bucket_name)),
      text("prefix", o.prefix, "empty, or a key prefix ending in '/'",
           "Prepended to every object key; each facility's recordings are under "
           "<prefix><facility>/.",
           is_key_prefix),
      choice("addressing", o.addressing, {"path", "virtual"},
             "path: <endpoint>/<bucket>/<key>; virtual: the bucket as part of the host name."),
      choice("credentials", o.credentials, {"static", "instance", "web_identity"},
             "Where the keys come from: static (access_key_id and secret_access_key, with "
             "session_token for temporary keys), instance (the EC2 instance role, through the "
             "instance metadata service, IMDSv2) or web_identity (STS AssumeRoleWithWebIdentity "
             "with a token file, as on EKS). Temporary keys are renewed 5 minutes before they "
             "expire."),
      [&] {
        Field f = secret("access_key_id", o.access_key_id, "a secret, usually ${env:NAME}",
                         "The access key id (credentials: static only).");
        f.default_note = "none; required with static credentials";
        return f;
      }(),
      [&] {
        Field f = secret("secret_access_key", o.secret_access_key, "a secret, usually ${file:PATH}",
                         "The secret access key (credentials: static only).");
        f.default_note = "none; required with static credentials";
        return f;
      }(),
      [&] {
        Field f = secret("session_token", o.session_token, "a secret",
                         "The session token of temporary keys (credentials: static only).");
        f.default_note = "none";
        return f;
      }(),
      text("imds_endpoint", o.imds_endpoint, "an http(s) URL without path",
           "The instance metadata service (credentials: instance); http://[fd00:ec2::254] on "
           "IPv6-only instances.",
           is_metadata_endpoint),
      [&] {
        Field f = text("role_arn", o.role_arn, "an IAM role ARN (arn:…:iam::…:role/…)",
                       "The role assumed with the web identity token (credentials: "
                       "web_identity).",
                       is_role_arn);
        f.default_note = "$AWS_ROLE_ARN";
        return f;
      }(),
      [&] {
        Field f = text("web_identity_token_file", o.web_identity_token_file, "a file path",
                       "The OIDC token presented to STS (credentials: web_identity), read "
                       "again at each renewal since the platform rotates it.",
                       non_empty);
        f.default_note = "$AWS_WEB_IDENTITY_TOKEN_FILE";
        return f;
      }(),
      [&] {
        Field f = text("sts_endpoint", o.sts_endpoint,
                       "an https:// URL (http:// only to a loopback host) without path",
                       "Where AssumeRoleWithWebIdentity is sent (credentials: web_identity): "
                       "AWS's regional STS, or an on-premises gateway's own STS.",
                       is_store_endpoint);
        f.default_note = "https://sts.<region>.amazonaws.com";
        return f;
      }(),
      text("role_session_name", o.role_session_name, "2-64 of A-Z a-z 0-9 +=,.@_-",
           "The session name STS records for the hub's session (credentials: web_identity).",
           is_role_session_name),
      [&] {
        Field f = readable_file("ca_file", o.ca_file,
                                "PEM certificates trusted for the store's TLS besides the "
                                "system's.");
        f.default_note = "none: the system's trust anchors";
        return f;
      }(),
      size("part_size", o.part_size, std::int64_t{5} * kGiB,
           "The size of each part of a multipart upload; at least 5MiB (S3's minimum)."),
      integer("parts_in_flight", o.parts_in_flight, 1, 64,
              "Parts of one upload sent at once; memory is part_size times this, per upload."),
      choice("checksum", o.checksum, {"sha256", "md5"},
             "How each part's integrity is sent: sha256 (x-amz-checksum-sha256) or md5 "
             "(Content-MD5, for stores without the former)."),
      choice("retention_mode", o.retention_mode, {"none", "governance", "compliance"},
             "S3 Object Lock: governance or compliance writes every object locked until its "
             "recording's retention date and turns a legal hold into the object's own; the "
             "bucket must have Object Lock enabled (wasl check says). none: no lock."),
      country("residency", o.residency,
              "The country the store keeps recordings in (GET /v1/residency).",
              "the region's country when the endpoint is Amazon S3's, else unknown"),
  };
}

Fields archive_fields(ArchiveConfig& a) {
  return {
      text("store", a.store, "local, or the name of an entry of archive.stores",
           "Where new recordings are written; recordings written before stay readable where "
           "they are.",
           non_empty),
      keyed_map<ObjectStoreConfig>(
          "stores", a.stores, is_label, "a store name (a-z, 0-9 and -, not starting with -)",
          ".<name>", object_store_fields,
          [](ObjectStoreConfig& o, const std::string& name, int line) {
            o.name = name;
            o.line = line;
            // What EKS (IAM roles for service accounts) puts in a pod's environment.
            if (const char* arn = std::getenv("AWS_ROLE_ARN")) o.role_arn = arn;
            if (const char* file = std::getenv("AWS_WEB_IDENTITY_TOKEN_FILE")) {
              o.web_identity_token_file = file;
            }
          },
          "Object stores recordings may be kept in."),
      text("root", a.root, "a non-empty directory path",
           "Directory of the local store: where encrypted recordings are written when store "
           "is local, and where those written before a move stay.",
           non_empty),
      country("residency", a.residency,
              "The country the local store's disk (root) is in (GET /v1/residency).", "unknown"),
      integer("retention_days", a.retention_days, 1, 36500,
              "Days a recording is kept unless its facility says otherwise."),
      duration("retention_interval", a.retention_interval, milliseconds(1000),
               "How often expired recordings are deleted (and the S3 stores' stale uploads "
               "aborted)."),
      duration("stale_upload_age", a.stale_upload_age, std::chrono::hours(1),
               "Age after which an unfinished multipart upload in an S3 store is aborted (its "
               "parts freed); longer than any archive step can run, since a younger one may be "
               "another hub's live upload.",
               "a duration of at least 1h, such as 24h"),
      duration("reconcile_interval", a.reconcile_interval, milliseconds(100),
               "How often open video sessions are checked with the provider."),
  };
}

bool is_clamd_address(const std::string& s) {
  if (s.rfind("unix:/", 0) == 0) return s.size() > 6;
  if (s.rfind("tcp://", 0) != 0) return false;
  const std::size_t colon = s.rfind(':');
  if (colon <= 6 || colon + 1 >= s.size()) return false;
  for (std::size_t i = colon + 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const std::string port = s.substr(colon + 1);
  return port.size() <= 5 && std::stoi(port) > 0 && std::stoi(port) < 65536;
}

Fields documents_fields(DocumentsConfig& d) {
  return {
      text("clamd", d.clamd, "unix:/PATH or tcp://HOST:PORT",
           "Where ClamAV's daemon listens; every shared document is scanned there (INSTREAM) "
           "before it is kept, and one that cannot be scanned is refused. Production keeps its "
           "signatures current with freshclam.",
           is_clamd_address),
      duration("scan_timeout", d.scan_timeout, milliseconds(100),
               "The longest one scan may take, from connecting to the verdict."),
      duration("link_ttl", d.link_ttl, milliseconds(1000),
               "How long a shared document's download link works."),
  };
}

Fields notification_delivery_fields(NotificationDeliveryConfig& d) {
  return {
      duration("interval", d.interval, milliseconds(100),
               "How often the queued notifications are looked at for due ones."),
      duration("lease", d.lease, milliseconds(1000),
               "How long one send holds its message before another hub may send it again (with "
               "the same idempotency key); longer than the notify plugins' timeouts."),
      integer("batch", d.batch, 1, 1000, "Due messages one look takes at most."),
      integer("max_attempts", d.max_attempts, 1, 100,
              "Attempts of one message, the first included, before it is failed and alerted."),
      duration("initial_delay", d.initial_delay, milliseconds(1),
               "The delay before the first retry; each next one doubles, up to max_delay."),
      duration("max_delay", d.max_delay, milliseconds(1), "The longest delay between retries."),
  };
}

Fields plugin_file_fields(PluginFileConfig& p) {
  return {
      required(text("name", p.name, "a non-empty string",
                    "The plugin's name as it reports it (instances refer to it).", non_empty)),
      required(text("file", p.file, "a non-empty file path",
                    "The shared library; a relative path is searched in plugins.directories, then "
                    "beside the hub (bin/../plugins, bin/../lib/wasl/plugins).",
                    non_empty)),
      [&] {
        Field f = text("sha256", p.sha256, "64 lowercase hexadecimal digits (a SHA-256)",
                       "Pin: the library is refused unless its SHA-256 matches.", is_sha256_hex);
        f.default_note = "none: the file is not pinned";
        return f;
      }(),
  };
}

Fields plugins_fields(PluginsConfig& p) {
  return {
      text_list("directories", p.directories, "Directories searched for plugin libraries."),
      list<PluginFileConfig>(
          "files", p.files, plugin_file_fields,
          [](PluginFileConfig& entry, int line) { entry.line = line; },
          "a list of mappings with name, file and sha256", "Plugin libraries loaded at start-up."),
      duration("probe_interval", p.probe_interval, milliseconds(100),
               "How often each plugin instance is probed for its health."),
  };
}

Fields mllp_fields(InstanceMllpConfig& m) {
  return {
      text("host", m.host, "a host name or IP address", "Address the MLLP listener binds to.",
           non_empty),
      integer("port", m.port, 0, 65535, "TCP port to listen on; 0 picks a free port."),
      size("max_message_bytes", m.max_message_bytes, kGiB,
           "Longest message; a longer one is refused and its connection closed."),
      duration("read_timeout", m.read_timeout, milliseconds(1),
               "Longest time from a message's first byte to its end; a slower sender is closed."),
      duration("idle_timeout", m.idle_timeout, milliseconds(1),
               "A connection sending no message for this long is closed."),
      integer("max_connections", m.max_connections, 1, 100000,
              "Connections open at once from every sender; beyond it new ones are closed."),
      integer("max_connections_per_peer", m.max_connections_per_peer, 1, 100000,
              "Connections open at once from one address; beyond it new ones are closed."),
      integer("workers", m.workers, 1, 256,
              "Messages handled at once (each a plugin call and a database commit)."),
      optional_section<TlsConfig>(
          "tls", m.tls, tls_fields,
          "Accept MLLP over TLS only (1.2 or later), with these files; the handshake must end "
          "within read_timeout.",
          "absent: plain TCP"),
  };
}

Fields instance_fields(InstanceConfig& i) {
  return {
      required(text("plugin", i.plugin, "the name of an entry in plugins.files",
                    "Which plugin serves this instance.", non_empty)),
      boolean("optional", i.optional, "When true, the hub starts without it if it fails to load."),
      settings("settings", i.settings, i.secret_values,
               "The plugin's own settings, checked against its schema.json."),
      optional_section<InstanceMllpConfig>(
          "mllp", i.mllp, mllp_fields,
          "An MLLP listener for the plugin's feed (HL7 v2); the plugin must declare the feed "
          "capability.",
          "absent: no listener"),
      country("residency", i.residency,
              "The country the instance processes PHI and media in; a facility requiring "
              "residency refuses an instance outside it.",
              "derived from the settings where they say it (chime: region; twilio: base_url), "
              "else unknown"),
      duration("empty_room_timeout", i.empty_room_timeout, milliseconds(1),
               "A video instance whose provider does not end empty rooms by itself (Janus): "
               "once everyone who joined a room has left and nobody has joined for this long, "
               "the hub ends the room. Ignored for providers that end them (Twilio, Chime)."),
      integer("max_concurrent_calls", i.max_concurrent_calls, 1, 1000,
              "Calls into the instance running at once in this hub (its bulkhead): a provider "
              "that hangs holds at most this many threads. Workflow steps beyond it wait as "
              "deferred steps."),
      integer("max_queued_calls", i.max_queued_calls, 0, 10000,
              "Callers that may wait (at most 2 s) for a free call slot at once; beyond it a "
              "call is refused at once (503 with Retry-After on the API)."),
  };
}

Fields facility_reporting_fields(FacilityReportingConfig& r) {
  return {
      text("licence", r.licence, "a string",
           "The facility's Ministry of Health licence, sent with every report."),
      choice("language", r.language, {"en", "ar"},
             "Language of the labels of the CSV reports: en or ar."),
      text("time_zone", r.time_zone, "an IANA time zone such as Asia/Riyadh",
           "The facility's time zone: report periods (days, months) are bounded in it, and the "
           "times in its notifications and their quiet hours read on it.",
           [](const std::string& zone) { return calendar::is_time_zone(zone); }),
      boolean("hijri_dates", r.hijri_dates,
              "Reports carry Umm al-Qura Hijri dates beside the Gregorian ones."),
      boolean("patient_names", r.patient_names,
              "Per-consultation reports name the patient (otherwise national id or iqama only)."),
  };
}

bool is_currency(const std::string& s) {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool is_code(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::none_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ';
  });
}

Fields billing_fields(FacilityBillingConfig& b) {
  return {
      required(text("provider_license", b.provider_license,
                    "a licence code without spaces (up to 64 characters)",
                    "The facility's provider licence on the insurance exchange: the sender of "
                    "every billing message.",
                    is_code)),
      text("provider_name", b.provider_name, "a string",
           "The facility's name on billing messages; empty uses the facility's name."),
      text("payer_license", b.payer_license, "a licence code without spaces (up to 64 characters)",
           "The payer's licence every billing message goes to; empty sends each to the payer "
           "of the patient's coverage.",
           [](const std::string& s) { return s.empty() || is_code(s); }),
      choice("claim_type", b.claim_type,
             {"institutional", "oral", "pharmacy", "professional", "vision"},
             "The claim's type (HL7 claim-type) for a virtual consultation."),
      choice("claim_subtype", b.claim_subtype, {"op", "ip", "emr"},
             "The claim's subtype (NPHIES claim-subtype): op outpatient, ip inpatient, emr "
             "emergency."),
      required(text("service_code", b.service_code,
                    "a service code without spaces (up to 64 characters)",
                    "The payer contract's code for a virtual consultation, billed when the "
                    "workflow's claim step names no service.",
                    is_code)),
      text("service_code_system", b.service_code_system, "an http(s) URL",
           "The code system of service_code; empty uses the billing plugin's own (NPHIES: "
           "http://nphies.sa/terminology/CodeSystem/services).",
           [](const std::string& s) { return s.empty() || is_http_url(s); }),
      required(amount("price", b.price,
                      "The price of one virtual consultation under the payer contract, "
                      "before tax.")),
      amount("tax", b.tax, "The tax (VAT) on one virtual consultation."),
      text("currency", b.currency, "a three-letter ISO 4217 code in capitals, such as SAR",
           "The currency of price and tax.", is_currency),
      required(text("diagnosis_code", b.diagnosis_code,
                    "an ICD-10-AM code without spaces, such as Z71.9",
                    "The diagnosis billed when the workflow's claim step names none.", is_code)),
      boolean("requires_prior_auth", b.requires_prior_auth,
              "Whether the payer contract asks for a prior authorization of the service "
              "before it is given; workflows read it from hub.billing_service and run their "
              "billing.request_prior_authorization step only when it is true."),
      choice("submission", b.submission, {"immediate", "batch"},
             "How the facility's claims go to the exchange: immediate, each by its "
             "consultation's billing.submit_claim step; batch, each queued by the workflow "
             "(hub.queue_claim) and sent with the others to its payer, at most 200 at a time, "
             "by the billing round (billing.submit_batch). hub.billing_service answers it."),
      duration("poll_interval", b.poll_interval, milliseconds(1000),
               "How often the exchange is asked for the facility's queued claim answers."),
      duration("max_unanswered_age", b.max_unanswered_age, milliseconds(1000),
               "A claim still in_doubt or queued this long after it was sent raises an alert "
               "(GET /v1/alerts, kind claim.unanswered)."),
  };
}

Fields ehr_bookings_fields(FacilityEhrBookingsConfig& b) {
  return {
      required(text("workflow", b.workflow, "a workflow name",
                    "The workflow a booked appointment of the facility's EHR starts, as POST "
                    "/v1/consultations would.",
                    non_empty)),
      choice("consultation_type", b.consultation_type,
             {"doctor_patient", "medical_team", "family", "second_opinion", "emergency",
              "follow_up", "remote_monitoring", "training"},
             "The type of the consultations the EHR's bookings start."),
  };
}

// "HH:MM", 00:00 to 23:59.
bool is_clock_time(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return false;
  for (std::size_t i : {0, 1, 3, 4}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return (s[0] - '0') * 10 + (s[1] - '0') < 24 && (s[3] - '0') * 10 + (s[4] - '0') < 60;
}

// A URL template for a join link: an absolute http(s) URL containing {code}.
bool is_join_url(const std::string& s) {
  return s.empty() || (is_http_url(s) && s.find("{code}") != std::string::npos);
}

// A message template (text/message_template.hpp) whose variables are all
// the message kind's; each unknown one is a problem naming it.
Field message_template(std::string key, std::string& target, std::string kind,
                       std::string description) {
  Field f;
  f.key = std::move(key);
  f.form = "a message template, text with {{variable}} placeholders";
  f.description = std::move(description);
  f.read = [&target, kind = std::move(kind), form = f.form](
               const YAML::Node& node, const std::string& path, int line, DocumentReader& reader) {
    auto value = reader.scalar(node, path, line, form);
    if (!value) return;
    auto parsed = text::MessageTemplate::parse(value->value);
    if (!parsed.ok()) {
      reader.problem(line, path, "is not a message template: " + parsed.error().message);
      return;
    }
    const std::vector<std::string> allowed = notification_variables(kind);
    bool known = true;
    for (const std::string& name : parsed->variables()) {
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      known = false;
      const std::string near = text::closest_match(name, allowed);
      reader.problem(line, path,
                     "unknown variable {{" + name + "}}" +
                         (near.empty() ? std::string() : " (did you mean {{" + near + "}}?)") +
                         "; a " + kind + " message has " + join(allowed));
    }
    if (known) target = std::move(value->value);
  };
  f.show = [&target] { return target; };
  return f;
}

Fields notification_template_fields(NotificationTemplateConfig& t, const std::string& kind) {
  return {
      message_template("subject", t.subject, kind,
                       "The e-mail's subject; empty uses the built-in one."),
      required(message_template("body", t.body, kind,
                                "The message: the e-mail's text and the whole SMS.")),
  };
}

Fields notification_message_fields(NotificationMessageConfig& m, const std::string& kind) {
  Fields fields = {
      boolean("enabled", m.enabled, "Whether this message is sent at all."),
      optional_section<NotificationTemplateConfig>(
          "ar", m.ar,
          [kind](NotificationTemplateConfig& t) { return notification_template_fields(t, kind); },
          "The Arabic text.", "the built-in Arabic text"),
      optional_section<NotificationTemplateConfig>(
          "en", m.en,
          [kind](NotificationTemplateConfig& t) { return notification_template_fields(t, kind); },
          "The English text.", "the built-in English text"),
  };
  if (kind == "reminder_24h" || kind == "reminder_1h") {
    fields.push_back(duration("before", m.before, milliseconds(1000),
                              "How long before the consultation's start the reminder is due."));
  }
  return fields;
}

Fields notification_messages_fields(NotificationMessagesConfig& m) {
  struct Kind {
    const char* name;
    NotificationMessageConfig NotificationMessagesConfig::*member;
    const char* description;
  };
  static const Kind kinds[] = {
      {"invitation", &NotificationMessagesConfig::invitation,
       "Sent when the workflow books the consultation, with the join link."},
      {"reminder_24h", &NotificationMessagesConfig::reminder_24h,
       "Sent `before` (24 hours) before the start."},
      {"reminder_1h", &NotificationMessagesConfig::reminder_1h,
       "Sent `before` (1 hour) before the start."},
      {"clinician_ready", &NotificationMessagesConfig::clinician_ready,
       "Sent when a clinician is admitted to the room; ignores quiet hours."},
      {"cancellation", &NotificationMessagesConfig::cancellation,
       "Sent when a consultation the patient was told of is cancelled."},
      {"reschedule", &NotificationMessagesConfig::reschedule,
       "Sent when the start of a consultation the patient was told of moves."},
      {"feedback", &NotificationMessagesConfig::feedback,
       "Sent after the consultation (a hub.notify step), with the one-use link to the feedback "
       "questionnaire."},
  };
  Fields fields;
  for (const Kind& k : kinds) {
    NotificationMessageConfig& target = m.*(k.member);
    const std::string kind = k.name;
    fields.push_back(section(
        kind, [&target, kind] { return notification_message_fields(target, kind); },
        std::string(k.description) + " Variables: " + join(notification_variables(kind)) + "."));
  }
  return fields;
}

Fields notifications_fields(FacilityNotificationsConfig& n) {
  return {
      text("email", n.email, "the name of a notify instance declared in instances",
           "The notify instance that sends e-mail; empty sends none."),
      text("sms", n.sms, "the name of a notify instance declared in instances",
           "The notify instance that sends SMS; empty sends none."),
      choice("default_language", n.default_language, {"ar", "en"},
             "The language of a patient whose own (from the EHR) is neither Arabic nor English."),
      text("quiet_hours_start", n.quiet_hours_start, "a wall-clock time HH:MM such as 22:00",
           "From this time on the facility's clock (reporting.time_zone) no message goes out "
           "but \"the clinician is ready\"; a reminder waits for quiet_hours_end, or is skipped "
           "when that is after the consultation's start.",
           is_clock_time),
      text("quiet_hours_end", n.quiet_hours_end, "a wall-clock time HH:MM such as 08:00",
           "The end of the quiet hours; equal to quiet_hours_start: no quiet hours.",
           is_clock_time),
      boolean("arabic_digits", n.arabic_digits,
              "Arabic texts write dates and times in Arabic-Indic digits."),
      text("join_url", n.join_url, "an http(s) URL containing {code}",
           "The join link sent to the patient, {code} replaced by the link's code; empty is "
           "<server.public_url>/join/{code}, answered by the hub until the link expires.",
           is_join_url),
      text("feedback_url", n.feedback_url, "an http(s) URL containing {code}",
           "The feedback link sent to the patient, {code} replaced by the link's code; empty is "
           "<server.public_url>/feedback/{code}, answered by the hub (the questionnaire, and "
           "the answer once).",
           is_join_url),
      duration("feedback_link_lifetime", n.feedback_link_lifetime, milliseconds(60 * 1000),
               "How long a feedback link works after its message is written; it answers once."),
      section(
          "messages", [&n] { return notification_messages_fields(n.messages); },
          "Each message: whether it is sent, and the facility's own Arabic and English texts."),
  };
}

Fields facility_console_fields(FacilityConsoleConfig& c);

// A code system's URI: http(s)://host/… or urn:<nid>:<nss>.
bool is_code_system(const std::string& s) {
  if (s.rfind("urn:", 0) == 0) {
    return s.size() > 6 && s.find(':', 4) != std::string::npos &&
           std::none_of(s.begin(), s.end(),
                        [](char c) { return static_cast<unsigned char>(c) <= ' '; });
  }
  return is_http_url(s);
}

Fields facility_clinical_fields(FacilityClinicalConfig& c) {
  return {
      text("medication_system", c.medication_system,
           "a code system URI (http(s)://… or urn:…), such as http://www.whocc.no/atc",
           "The code system of the medication codes the facility's prescriptions carry; empty: "
           "the facility takes no prescriptions (POST …/prescriptions answers 409).",
           is_code_system),
      text_list("blocked_medications", c.blocked_medications,
                "Medication codes (of medication_system) never prescribed by telehealth; a "
                "prescription naming one is refused with 422 naming this rule."),
  };
}

Fields facility_retention_fields(FacilityRetentionConfig& r) {
  constexpr milliseconds kHour = std::chrono::hours(1);
  constexpr milliseconds kDay = std::chrono::hours(24);
  return {
      duration("inbox", r.inbox, kHour,
               "How long webhook and feed events are kept once dispatched (their bodies are PHI), "
               "and workflow events no run took; received, unmatched and parked ones stay.",
               "a duration of an hour or more, such as 30d"),
      duration("step_data", r.step_data, kHour,
               "How long a finished (succeeded or cancelled) run keeps its trigger, step outputs "
               "and received events' bodies; then they read as null.",
               "a duration of an hour or more, such as 90d"),
      duration("runs", r.runs, kHour,
               "How long finished runs are kept at all, with their steps, events and notes; a "
               "failed run, one with work queued, or one of a consultation with an open claim "
               "or a recording under legal hold stays.",
               "a duration of an hour or more, such as 365d"),
      duration("idempotency_keys", r.idempotency_keys, kDay,
               "How long an Idempotency-Key is remembered with the answer it replays.",
               "a duration of a day or more, such as 30d"),
  };
}

Fields alert_webhook_fields(AlertWebhookConfig& w) {
  return {
      required(text("url", w.url, "an http:// or https:// URL",
                    "Where each alert is POSTed, signed as Standard Webhooks sign.", is_http_url)),
      required(secret("secret", w.secret, "a Standard Webhooks secret: whsec_<base64>",
                      "The secret the alerts are signed with (the receiver verifies with it).")),
  };
}

Fields alert_rules_fields(FacilityAlertRulesConfig& r) {
  using std::chrono::milliseconds;
  return {
      section(
          "failed_runs",
          [&r] {
            return Fields{
                integer("percent", r.failed_runs_percent, 1, 100,
                        "runs.failing when more than this share (%) of the runs ended in the "
                        "window failed."),
                integer("minimum", r.failed_runs_minimum, 1, 100000,
                        "... and at least this many runs ended in the window."),
                duration("window", r.failed_runs_window, milliseconds(60000),
                         "How far back the runs are counted.",
                         "a duration of a minute or more, such as 15m"),
            };
          },
          "The facility's failed-run rate, as alert runs.failing and runs.recovered."),
      section(
          "dead_letters",
          [&r] {
            return Fields{
                integer("count", r.dead_letters_count, 1, 100000,
                        "dead_letters.growing when at least this many dead letters arrived in "
                        "the window."),
                duration("window", r.dead_letters_window, milliseconds(60000),
                         "How far back the dead letters are counted.",
                         "a duration of a minute or more, such as 1h"),
            };
          },
          "New dead letters (failed runs, unmatched or parked webhooks, billing messages in "
          "error), as alert dead_letters.growing and dead_letters.settled."),
      duration("schedule_grace", r.schedule_grace, milliseconds(60000),
               "schedule.missed when a scheduled workflow's period has no succeeded run this "
               "long after its firing.",
               "a duration of a minute or more, such as 2h"),
      duration("ehr_heartbeat", r.ehr_heartbeat, milliseconds(0),
               "ehr.silent when nothing (a notification, a heartbeat, an HL7 message) has "
               "arrived from the facility's EHR instance for this long; 0s: not watched. Set it "
               "above the heartbeat period of the EHR's subscription.",
               "a duration, such as 15m, or 0s"),
  };
}

Fields facility_alerts_fields(FacilityAlertsConfig& a) {
  return {
      keyed_map<AlertWebhookConfig>(
          "webhooks", a.webhooks, is_label, "a label (a-z, 0-9, -)", "webhook",
          alert_webhook_fields,
          [](AlertWebhookConfig& w, const std::string&, int line) { w.line = line; },
          "Endpoints each of the facility's alerts is POSTed to, signed, retried until "
          "answered 2xx (for a day at most), in order per endpoint."),
      text("alertmanager", a.alertmanager_url, "an http:// or https:// URL",
           "Base URL of an Alertmanager each alert is posted to (POST /api/v2/alerts).",
           [](const std::string& s) { return s.empty() || is_http_url(s); }),
      text_list("email", a.email,
                "E-mail addresses each alert is sent to through the facility's e-mail notify "
                "instance (notifications.email), retried like the webhooks."),
      section(
          "rules", [&a] { return alert_rules_fields(a.rules); },
          "Thresholds of the alert rules the hub checks every minute for the facility."),
  };
}

bool is_iso_date(const std::string& s) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  char tail = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' ||
      std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &year, &month, &day, &tail) != 3) {
    return false;
  }
  static constexpr unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

bool is_reference(const std::string& s) {
  return !s.empty() && s.size() <= 128 && std::none_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < ' ' || c == 0x7f;
  });
}

Fields residency_exception_fields(FacilityResidencyExceptionConfig& e) {
  return {
      required(text(
          "instance", e.instance, "the name of an instance the facility binds, or archive.<store>",
          "The instance allowed outside the facility's residency, or the recordings' "
          "store (archive.local, archive.<name of an archive.stores entry>).",
          [](const std::string& s) {
            return is_instance_name(s) || (s.rfind("archive.", 0) == 0 && is_label(s.substr(8)));
          })),
      required(text("reference", e.reference, "1-128 printable characters",
                    "The approval's reference (a ticket, the data protection officer's decision).",
                    is_reference)),
      required(text("approved", e.approved, "a date YYYY-MM-DD", "The date it was approved.",
                    is_iso_date)),
  };
}

Fields facility_fields(FacilityConfig& f) {
  return {
      text("name", f.name, "a string", "Display name of the facility."),
      bindings("bindings", f.bindings,
               "Which instance serves each capability role for this facility."),
      secret("webhook_secret", f.webhook_secret, "a Standard Webhooks secret: whsec_<base64>",
             "Secret the facility's systems sign webhooks to /v1/webhooks/hospital.<id> with."),
      integer("retention_days", f.retention_days, 0, 36500,
              "Days this facility's recordings are kept; 0 uses archive.retention_days."),
      text_list("workflows", f.workflows,
                "Workflow names this facility runs; empty means every workflow in workflows_dir."),
      section(
          "reporting", [&f] { return facility_reporting_fields(f.reporting); },
          "What the facility's ministry reports carry: licence, language, time zone, Hijri "
          "dates, patient names."),
      optional_section<FacilityBillingConfig>(
          "billing", f.billing, billing_fields,
          "How the facility bills a virtual consultation: its licence, its payer's, the "
          "service code and price of its payer contract.",
          "none; required when the facility binds a billing role"),
      optional_section<FacilityEhrBookingsConfig>(
          "ehr_bookings", f.ehr_bookings, ehr_bookings_fields,
          "Appointments booked in the facility's EHR (its Subscription notifications to "
          "/v1/webhooks/<ehr instance>) start a consultation on this workflow; cancelled ones "
          "cancel it.",
          "none: the EHR's notifications start no consultation"),
      duration("no_show_after", f.no_show_after, milliseconds(1000),
               "How long after a consultation's scheduled start (or its room's opening, when "
               "later or unscheduled) the patient may still join; then the consultation's run is "
               "told the patient is absent (the consultation workflow ends it as no_show)."),
      optional_section<FacilityNotificationsConfig>(
          "notifications", f.notifications, notifications_fields,
          "What the facility's patients are told of their consultations (invitation, "
          "reminders, the clinician is ready, cancellation, reschedule), by e-mail and SMS.",
          "none: no message is sent"),
      section(
          "console", [&f] { return facility_console_fields(f.console); },
          "How the facility's people sign in to the operator console."),
      section(
          "clinical", [&f] { return facility_clinical_fields(f.clinical); },
          "What the facility's clinicians prescribe during consultations: the medication code "
          "system and the medications never prescribed by telehealth."),
      section(
          "retention", [&f] { return facility_retention_fields(f.retention); },
          "How long the facility's working data is kept: dispatched webhook events, finished "
          "runs' data and the runs themselves, idempotency keys (defaults 30d, 90d, 365d, "
          "30d)."),
      section(
          "alerts", [&f] { return facility_alerts_fields(f.alerts); },
          "Where the facility's alerts are delivered: signed webhooks and an Alertmanager."),
      country_list("residency", f.residency,
                   "The countries the facility's PHI and media may be processed in: every "
                   "instance it binds must process in one of them (wasl check and start refuse "
                   "one outside), unless residency_exceptions names it."),
      list<FacilityResidencyExceptionConfig>(
          "residency_exceptions", f.residency_exceptions, residency_exception_fields,
          [](FacilityResidencyExceptionConfig& e, int line) { e.line = line; },
          "a list of mappings with instance, reference and approved",
          "Approved exceptions to residency: each lets the facility bind one instance outside "
          "it; audited when the hub first starts with it."),
  };
}

// An issuer: https://, or http:// to a loopback host (a local test IdP),
// with no query or fragment.
bool is_issuer(const std::string& s) {
  if (!is_http_url(s) || s.find_first_of("?#") != std::string::npos) return false;
  return s.rfind("https://", 0) == 0 || is_loopback_url(s);
}

// A JSON claim name: non-empty, no spaces or dots.
bool is_claim_name(const std::string& s) {
  if (s.empty()) return false;
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == '.'; });
}

bool is_claim_name_or_empty(const std::string& s) { return s.empty() || is_claim_name(s); }

Fields signin_session_fields(SigninSessionConfig& s) {
  return {
      duration("idle_timeout", s.idle_timeout, milliseconds(1000),
               "A console session with no request for this long is ended; the person signs in "
               "again."),
      duration("absolute_lifetime", s.absolute_lifetime, milliseconds(60000),
               "A console session ends this long after sign-in, however busy."),
      duration("keep_ended", s.keep_ended, milliseconds(60000),
               "An ended console session's record is deleted this long after it ended; the "
               "audit events keep its session reference."),
  };
}

Field role_list(std::string key, std::vector<std::string>& target, std::string description) {
  Field f = text_list(std::move(key), target, std::move(description));
  f.form = "a list of roles (" + join(role_names()) + ")";
  auto read_list = f.read;
  f.read = [&target, read_list, form = f.form](const YAML::Node& node, const std::string& path,
                                               int line, DocumentReader& reader) {
    read_list(node, path, line, reader);
    const auto& roles = role_names();
    std::vector<std::string> known;
    for (std::size_t i = 0; i < target.size(); ++i) {
      if (std::find(roles.begin(), roles.end(), target[i]) != roles.end()) {
        known.push_back(target[i]);
        continue;
      }
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      const std::string near = text::closest_match(target[i], roles);
      reader.problem(reader.line_of_path(item_path) > 0 ? reader.line_of_path(item_path) : line,
                     item_path,
                     "unknown role \"" + target[i] + "\"" +
                         (near.empty() ? " (expected one of " + join(roles) + ")"
                                       : " (did you mean \"" + near + "\"?)"));
    }
    target = std::move(known);
  };
  return f;
}

Fields signin_mfa_fields(SigninMfaConfig& m) {
  return {
      role_list("roles", m.roles,
                "The roles that need multi-factor sign-in; a person given one of them without "
                "it is refused."),
      text_list("amr", m.amr,
                "Authentication methods (the ID token's amr) any one of which counts as "
                "multi-factor."),
      text_list("acr", m.acr,
                "Authentication context classes (the ID token's acr) that count as multi-factor."),
  };
}

Fields signin_label_fields(SigninLabelConfig& l) {
  return {
      required(text("en", l.en, "a non-empty string",
                    "The sign-in button's text in English, such as Hospital account.", non_empty)),
      required(text("ar", l.ar, "a non-empty string", "The sign-in button's text in Arabic.",
                    non_empty)),
  };
}

Fields signin_rule_fields(SigninRuleConfig& r) {
  return {
      required(text("group", r.group, "a non-empty string",
                    "A value of the person's groups claim this rule matches.", non_empty)),
      required(text("facility", r.facility, "a facility id declared in facilities",
                    "The facility the person signs in to.", non_empty)),
      required(choice("role", r.role, role_names(), "The role the person gets there.")),
  };
}

Fields signin_provider_fields(SigninProviderConfig& p) {
  return {
      required(section(
          "label", [&p] { return signin_label_fields(p.label); },
          "The provider's name on the console's sign-in page, in English and Arabic.")),
      required(text("issuer", p.issuer,
                    "an https:// URL (http:// only to a loopback host) without query or fragment",
                    "The identity provider's issuer, exactly as its ID tokens' iss; discovery "
                    "is read from <issuer>/.well-known/openid-configuration.",
                    is_issuer)),
      required(text("client_id", p.client_id, "a non-empty string",
                    "The hub's client id at the identity provider.", non_empty)),
      [&] {
        Field f = secret("client_secret", p.client_secret, "a secret, usually ${file:PATH}",
                         "The client secret (client_secret_basic); set it or client_key.");
        f.default_note = "none; required unless client_key is set";
        return f;
      }(),
      [&] {
        Field f = secret("client_key", p.client_key, "a PEM private key, usually ${file:PATH}",
                         "The private key (RS256 or ES256) the hub signs its client assertion "
                         "with (private_key_jwt), instead of a client secret.");
        f.default_note = "none";
        return f;
      }(),
      text("client_key_id", p.client_key_id, "a key id",
           "The kid of client_key as registered at the identity provider; required with "
           "client_key."),
      text_list("scopes", p.scopes, "The scopes asked for; must include openid."),
      text("groups_claim", p.groups_claim, "a claim name (no spaces or dots)",
           "The ID token claim (a string or a list of strings) the rules' groups are looked "
           "for in.",
           is_claim_name),
      text("practitioner_claim", p.practitioner_claim, "a claim name (no spaces or dots)",
           "The ID token claim naming a clinician's practitioner (\"Practitioner/3\"); empty: "
           "people sign in without one.",
           is_claim_name_or_empty),
      [&] {
        Field f = readable_file("ca_file", p.ca_file,
                                "PEM certificates trusted for the identity provider's TLS "
                                "besides the system's.");
        f.default_note = "none: the system's trust anchors";
        return f;
      }(),
      list<SigninRuleConfig>(
          "rules", p.rules, signin_rule_fields,
          [](SigninRuleConfig& rule, int line) { rule.line = line; },
          "a list of mappings with group, facility and role",
          "Who gets which role in which facility; the first rule that matches wins, and a "
          "person no rule matches is refused."),
  };
}

Fields signin_fields(SigninConfig& s) {
  return {
      text("public_url", s.public_url, "an absolute http:// or https:// URL",
           "Where browsers reach the hub; the identity provider sends them back to "
           "<public_url>/signin/<provider>/callback.",
           is_http_url),
      section(
          "session", [&s] { return signin_session_fields(s.session); },
          "How long a console session lasts."),
      section(
          "mfa", [&s] { return signin_mfa_fields(s.mfa); },
          "The roles that need multi-factor sign-in and what counts as such."),
      keyed_map<SigninProviderConfig>(
          "providers", s.providers, is_label,
          "a provider name (a-z, 0-9 and -, not starting with -)", ".<name>",
          signin_provider_fields,
          [](SigninProviderConfig& p, const std::string& name, int line) {
            p.name = name;
            p.line = line;
          },
          "The hospitals' OpenID Connect identity providers people sign in with."),
  };
}

Fields facility_console_fields(FacilityConsoleConfig& c) {
  return {
      boolean("api_key_sign_in", c.api_key_sign_in,
              "Whether an operator may sign in to the console with one of the facility's API "
              "keys; false: its people sign in through the identity provider only."),
  };
}

}  // namespace

const std::vector<std::string>& notification_message_kinds() {
  static const std::vector<std::string> kinds = {"invitation",      "reminder_24h", "reminder_1h",
                                                 "clinician_ready", "cancellation", "reschedule",
                                                 "feedback"};
  return kinds;
}

std::vector<std::string> notification_variables(std::string_view kind) {
  std::vector<std::string> names = {"facility_name", "weekday", "date", "time", "hijri_date"};
  // A cancelled consultation has no link to join.
  // After the consultation: the questionnaire's link instead.
  if (kind == "feedback") {
    names.push_back("feedback_link");
  } else if (kind != "cancellation") {
    names.push_back("join_link");
  }
  return names;
}

const std::vector<std::string>& role_names() {
  static const std::vector<std::string> names = {"admin", "integrator", "hospital", "clinician",
                                                 "auditor"};
  return names;
}

const std::vector<std::string>& capability_names() {
  static const std::vector<std::string> names = {"video", "ehr", "billing", "reporting", "notify"};
  return names;
}

Fields config_fields(Config& c) {
  const std::string capabilities = join(capability_names(), " or ");
  return {
      section(
          "server", [&c] { return server_fields(c.server); }, "The HTTP listener."),
      section(
          "log", [&c] { return log_fields(c.log); }, "Logging."),
      section(
          "storage", [&c] { return storage_fields(c.storage); }, "The database."),
      section(
          "security", [&c] { return security_fields(c.security); },
          "Keys, audit checkpoints and authentication limits."),
      section(
          "workflow", [&c] { return workflow_fields(c.workflow); }, "The workflow engine."),
      section(
          "tasks", [&c] { return task_runner_fields(c.tasks); },
          "The task runner: work owed to the outside world after a commit."),
      section(
          "archive", [&c] { return archive_fields(c.archive); }, "Recordings."),
      section(
          "documents", [&c] { return documents_fields(c.documents); },
          "Documents shared in consultations: the virus scanner and download links."),
      section(
          "notification_delivery",
          [&c] { return notification_delivery_fields(c.notification_delivery); },
          "How the facilities' notifications to patients are sent and retried."),
      section(
          "plugins", [&c] { return plugins_fields(c.plugins); }, "Plugin libraries."),
      keyed_map<InstanceConfig>(
          "instances", c.instances, is_instance_name,
          "an instance name \"<capability>.<label>\" (capability " + capabilities +
              "; label of a-z, 0-9 and -, not starting with -)",
          ".<capability>.<label>", instance_fields,
          [](InstanceConfig& i, const std::string& name, int line) {
            i.name = name;
            i.line = line;
          },
          "Named plugin instances, e.g. video.twilio-main or ehr.hospital-a."),
      keyed_map<FacilityConfig>(
          "facilities", c.facilities, is_label,
          "a facility id (a-z, 0-9 and -, not starting with -)", ".<id>", facility_fields,
          [](FacilityConfig& f, const std::string& id, int line) {
            f.id = id;
            f.line = line;
          },
          "Facilities and the instance bound to each of their roles."),
      optional_section<SigninConfig>(
          "signin", c.signin, signin_fields,
          "People signing in to the console through their hospital's OpenID Connect identity "
          "provider, and their sessions.",
          "absent: no identity provider; API-key sign-in where the facility allows it"),
      text("workflows_dir", c.workflows_dir, "a non-empty directory path",
           "Directory the workflow definitions are read from.", non_empty),
  };
}

}  // namespace wasl::config
