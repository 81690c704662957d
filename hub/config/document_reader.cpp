#include "hub/config/document_reader.hpp"

#include <charconv>
#include <utility>

#include "hub/config/substitution.hpp"
#include "hub/text/join.hpp"
#include "hub/text/suggestion.hpp"

namespace wasl::config {
namespace {

bool is_quoted(const YAML::Node& node) {
  // yaml-cpp tags plain scalars "?"; quoted and block scalars get the
  // non-specific "!", and an explicit tag (e.g. !!str) is kept as written.
  return node.Tag() != "?" && !node.Tag().empty();
}

std::string child_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

bool is_null_word(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> bool_word(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

bool looks_like_integer(const std::string& s) {
  std::size_t i = (s.size() > 1 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// YAML 1.2 core schema float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool looks_like_float(const std::string& s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t exponent = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == s.size();
}

}  // namespace

DocumentReader::DocumentReader(std::string file, std::string base_dir)
    : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

int DocumentReader::line_of(const YAML::Node& node, int fallback) {
  if (!node.IsDefined() || node.IsNull()) return fallback;
  const int line = node.Mark().line;
  return line >= 0 ? line + 1 : fallback;
}

int DocumentReader::line_of_path(const std::string& path) const {
  auto it = lines_.find(path);
  return it == lines_.end() ? 0 : it->second;
}

std::string DocumentReader::shown(const std::string& path, const std::string& value) const {
  auto it = sources_.find(path);
  if (it != sources_.end()) return "the value of " + it->second;
  return "\"" + value + "\"";
}

void DocumentReader::problem(int line, const std::string& path, const std::string& message) {
  failed_.insert(path);
  problems_.push_back(Problem{file_, line, path.empty() ? message : path + ": " + message});
}

void DocumentReader::expected(int line, const std::string& path, const std::string& form,
                              const std::string& origin) {
  problem(line, path, "expected " + form + origin);
}

std::vector<MappingEntry> DocumentReader::mapping_entries(const YAML::Node& node,
                                                          const std::string& path, int line,
                                                          const std::string& form) {
  std::vector<MappingEntry> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) {
    expected(line_of(node, line), path, form);
    return out;
  }
  std::map<std::string, int> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // a handle; `*it` is a temporary
    const int key_line = line_of(key, line);
    if (!key.IsScalar()) {
      problem(key_line, path, "keys must be plain strings");
      continue;
    }
    const std::string& name = key.Scalar();
    auto [first, inserted] = seen.emplace(name, key_line);
    if (!inserted) {
      problem(key_line, child_path(path, name),
              "duplicate key (first written at line " + std::to_string(first->second) + ")");
      continue;
    }
    // A nested mapping or list is reported where its key introduces it.
    const YAML::Node value = it->second;
    const int value_line = value.IsScalar() ? line_of(value, key_line) : key_line;
    out.push_back(MappingEntry{name, key_line, value, value_line});
  }
  return out;
}

void DocumentReader::read_mapping(const YAML::Node& node, const Fields& fields,
                                  const std::string& path, int line) {
  std::vector<std::string> keys;
  keys.reserve(fields.size());
  for (const auto& field : fields) keys.push_back(field.key);

  std::set<std::string> given;
  for (const auto& entry :
       mapping_entries(node, path, line, "a mapping with keys " + text::join(keys))) {
    const std::string key_path = child_path(path, entry.key);
    const Field* field = nullptr;
    for (const auto& candidate : fields) {
      if (candidate.key == entry.key) field = &candidate;
    }
    if (field == nullptr) {
      const std::string near = text::closest_match(entry.key, keys);
      problem(entry.line, key_path,
              near.empty() ? "unknown key (expected one of " + text::join(keys) + ")"
                           : "unknown key (did you mean \"" + near + "\"?)");
      continue;
    }
    given.insert(entry.key);
    lines_[key_path] = entry.value_line;
    field->read(entry.value, key_path, entry.value_line, *this);
  }
  for (const auto& field : fields) {
    if (field.required && given.count(field.key) == 0) {
      problem(line, child_path(path, field.key), "required (" + field.form + ")");
    }
  }
}

std::optional<Scalar> DocumentReader::scalar(const YAML::Node& node, const std::string& path,
                                             int line, const std::string& form) {
  if (!node.IsDefined() || !node.IsScalar()) {
    expected(line_of(node, line), path, form);
    return std::nullopt;
  }
  lines_[path] = line;
  Substitution sub = substitute(node.Scalar(), base_dir_);
  if (!sub.ok()) {
    for (const auto& error : sub.errors) problem(line, path, error);
    return std::nullopt;
  }
  if (sub.substituted()) sources_[path] = text::join(sub.sources);
  for (auto& secret : sub.secrets) {
    if (!secret.empty()) secret_values_.push_back(secret);
  }
  return Scalar{std::move(sub.value), sub.origin(), is_quoted(node)};
}

nlohmann::json DocumentReader::to_json(const YAML::Node& node, const std::string& path, int line,
                                       std::vector<std::string>& secrets) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  const int here = line_of(node, line);
  if (node.IsMap()) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& entry : mapping_entries(node, path, here, "a mapping")) {
      lines_[child_path(path, entry.key)] = entry.value_line;
      object[entry.key] =
          to_json(entry.value, child_path(path, entry.key), entry.value_line, secrets);
    }
    return object;
  }
  if (node.IsSequence()) {
    nlohmann::json array = nlohmann::json::array();
    std::size_t index = 0;
    for (const auto& item : node) {
      array.push_back(
          to_json(item, path + "[" + std::to_string(index++) + "]", line_of(item, here), secrets));
    }
    return array;
  }
  Substitution sub = substitute(node.Scalar(), base_dir_);
  if (!sub.ok()) {
    for (const auto& error : sub.errors) problem(here, path, error);
    return nullptr;
  }
  if (sub.substituted()) {
    for (auto& secret : sub.secrets) {
      if (secret.empty()) continue;
      secret_values_.push_back(secret);
      secrets.push_back(std::move(secret));
    }
    return sub.value;
  }
  const std::string& text = sub.value;
  if (is_quoted(node)) return text;
  if (is_null_word(text)) return nullptr;
  if (auto b = bool_word(text)) return *b;
  if (looks_like_integer(text)) {
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) return value;
    std::uint64_t big = 0;
    auto [end2, ec2] = std::from_chars(begin, text.data() + text.size(), big);
    if (ec2 == std::errc() && end2 == text.data() + text.size()) return big;
    return text;
  }
  if (looks_like_float(text)) {
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    double value = 0;
    auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) return value;
    return text;
  }
  return text;
}

}  // namespace wasl::config
