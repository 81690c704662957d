#include "hub/config/describe.hpp"

#include "hub/config/schema.hpp"

namespace wasl::config {
namespace {

std::string child(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

void describe_fields(const Fields& fields, const std::string& prefix, std::string& out) {
  for (const auto& f : fields) {
    const std::string path = child(prefix, f.key);
    if (f.section) {
      out += path + "\n  " + f.description + "\n";
      if (!f.default_note.empty()) out += "  Default: " + f.default_note + ".\n";
      describe_fields(f.section(), path, out);
      continue;
    }
    if (f.entry_template) {
      out += path + "\n  " + f.description + "\n  Form: " + f.form + ".\n";
      describe_fields(f.entry_template(), path + f.entry_label, out);
      continue;
    }
    std::string fallback = f.show ? f.show() : std::string();
    if (fallback.empty()) fallback = "\"\"";
    out += path + "\n  " + f.description + "\n  Form: " + f.form +
           ". Default: " + (f.default_note.empty() ? fallback : f.default_note) + ".\n";
  }
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + 10)) {
      text.replace(pos, secret.size(), "[redacted]");
    }
  }
  return text;
}

void render_fields(const Fields& fields, const std::string& prefix,
                   const std::vector<std::string>& secrets, std::string& out) {
  for (const auto& f : fields) {
    const std::string path = child(prefix, f.key);
    if (f.present && !f.present()) {
      out += path + ": absent\n";
      continue;
    }
    if (f.section) {
      render_fields(f.section(), path, secrets, out);
      continue;
    }
    if (f.entries) {
      auto entries = f.entries();
      if (entries.empty()) out += path + ": none\n";
      for (const auto& entry : entries) {
        render_fields(entry.fields, redact(path + entry.suffix, secrets), secrets, out);
      }
      continue;
    }
    std::string value = f.show ? f.show() : std::string();
    if (value.empty()) value = "\"\"";
    out += path + ": " + redact(value, secrets) + "\n";
  }
}

}  // namespace

std::string describe() {
  Config defaults;
  std::string out;
  describe_fields(config_fields(defaults), "", out);
  return out;
}

std::string render(const Config& config) {
  Config copy = config;
  std::vector<std::string> secrets = copy.secret_values;
  for (const auto& [name, instance] : copy.instances) {
    secrets.insert(secrets.end(), instance.secret_values.begin(), instance.secret_values.end());
  }
  if (!copy.storage.postgres.url.empty()) secrets.push_back(copy.storage.postgres.url.reveal());
  std::string out;
  render_fields(config_fields(copy), "", secrets, out);
  return out;
}

}  // namespace wasl::config
