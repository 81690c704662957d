#include "hub/config/substitution.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace wasl::config {
namespace {

constexpr std::size_t kMaxSecretFileBytes = 1 << 20;

bool valid_variable_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && i > 0))) return false;
  }
  return true;
}

void expand_env(std::string_view name, const std::string& written, Substitution& out) {
  if (!valid_variable_name(name)) {
    out.errors.push_back(written +
                         " does not name an environment variable (letters, digits and _)");
    return;
  }
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) {
    out.errors.push_back("environment variable " + std::string(name) + " is not set (" + written +
                         ")");
    return;
  }
  out.value += value;
  out.secrets.emplace_back(value);
}

void expand_file(std::string_view path_text, const std::string& written,
                 const std::string& base_dir, Substitution& out) {
  if (path_text.empty()) {
    out.errors.push_back(written + " names no file");
    return;
  }
  std::filesystem::path path{std::string(path_text)};
  if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
  const std::string shown = path.lexically_normal().string();

  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    out.errors.push_back("cannot read file " + shown + " (it is a directory; from " + written +
                         ")");
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    out.errors.push_back("cannot read file " + shown + " (" + std::strerror(err) + "; from " +
                         written + ")");
    return;
  }
  std::string content;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    content.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (content.size() > kMaxSecretFileBytes) {
      out.errors.push_back("file " + shown + " is larger than 1 MiB (from " + written + ")");
      return;
    }
  }
  if (in.bad()) {
    out.errors.push_back("cannot read file " + shown + " (read error; from " + written + ")");
    return;
  }
  if (!content.empty() && content.back() == '\n') {
    content.pop_back();
    if (!content.empty() && content.back() == '\r') content.pop_back();
  }
  out.value += content;
  out.secrets.push_back(std::move(content));
}

}  // namespace

std::string Substitution::origin() const {
  if (sources.empty()) return {};
  std::string text = " (value from ";
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (i > 0) text += ", ";
    text += sources[i];
  }
  return text + ")";
}

Substitution substitute(std::string_view text, const std::string& base_dir) {
  Substitution out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("${", pos);
    if (open == std::string_view::npos) {
      out.value.append(text.substr(pos));
      break;
    }
    if (open > pos && text[open - 1] == '$') {
      // `$${` escapes a literal `${`.
      out.value.append(text.substr(pos, open - 1 - pos));
      out.value += "${";
      pos = open + 2;
      continue;
    }
    out.value.append(text.substr(pos, open - pos));
    const std::string_view rest = text.substr(open + 2);
    const bool is_env = rest.substr(0, 4) == "env:";
    const bool is_file = rest.substr(0, 5) == "file:";
    if (!is_env && !is_file) {
      out.value += "${";
      pos = open + 2;
      continue;
    }
    const std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) {
      out.errors.push_back(std::string("unterminated ") + (is_env ? "${env:" : "${file:") +
                           "…}: expected ${env:NAME} or ${file:PATH}");
      break;
    }
    const std::string written(text.substr(open, close + 1 - open));
    const std::string_view inner = text.substr(open + 2, close - open - 2);
    out.sources.push_back(written);
    if (is_env) {
      expand_env(inner.substr(4), written, out);
    } else {
      expand_file(inner.substr(5), written, base_dir, out);
    }
    pos = close + 1;
  }
  return out;
}

}  // namespace wasl::config
