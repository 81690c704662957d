#include "hub/config/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>

#include "hub/config/document_reader.hpp"
#include "hub/config/residency.hpp"
#include "hub/config/schema.hpp"
#include "hub/config/yaml_budget.hpp"
#include "hub/text/suggestion.hpp"

namespace wasl::config {
namespace {

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string near = text::closest_match(word, candidates);
  return near.empty() ? std::string() : " (did you mean \"" + near + "\"?)";
}

void check_storage(const Config& config, DocumentReader& reader) {
  if (config.storage.backend != "postgres" || !config.storage.postgres.url.empty()) return;
  const std::string path = "storage.postgres.url";
  if (!reader.present(path)) {
    reader.problem(reader.line_of_path("storage.backend"), path,
                   "required when storage.backend is postgres");
  } else if (!reader.failed(path)) {
    reader.problem(reader.line_of_path(path), path,
                   "must not be empty when storage.backend is postgres");
  }
}

// archive.store names a store; each S3 store has its keys
// and a part size S3 accepts.
void check_archive(const Config& config, DocumentReader& reader) {
  const ArchiveConfig& archive = config.archive;
  if (archive.store != "local" && !archive.stores.count(archive.store) &&
      !reader.failed("archive.store")) {
    std::vector<std::string> names = {"local"};
    for (const auto& [name, store] : archive.stores) names.push_back(name);
    reader.problem(reader.line_of_path("archive.store"), "archive.store",
                   "names no store: \"" + archive.store +
                       "\" is neither local nor an entry of "
                       "archive.stores" +
                       did_you_mean(archive.store, names));
  }
  for (const auto& [name, store] : archive.stores) {
    const std::string base = "archive.stores." + name;
    const bool fixed_keys = store.credentials == "static";
    for (const auto& [key, value] :
         {std::pair<const char*, const Secret*>{"access_key_id", &store.access_key_id},
          std::pair<const char*, const Secret*>{"secret_access_key", &store.secret_access_key},
          std::pair<const char*, const Secret*>{"session_token", &store.session_token}}) {
      const std::string path = base + "." + key;
      if (reader.failed(path) || reader.failed(base + ".credentials")) continue;
      if (fixed_keys && value->empty() && std::string_view(key) != "session_token") {
        reader.problem(reader.present(path) ? reader.line_of_path(path) : store.line, path,
                       "required: the store's S3 access key");
      } else if (!fixed_keys && reader.present(path)) {
        reader.problem(reader.line_of_path(path), path,
                       "not used with credentials: " + store.credentials + " (the keys come from " +
                           (store.credentials == "instance" ? "the instance role" : "STS") +
                           "); remove it");
      }
    }
    // Settings of the other sources are refused rather than ignored.
    for (const auto& [key, source] :
         {std::pair<const char*, const char*>{"imds_endpoint", "instance"},
          {"role_arn", "web_identity"},
          {"web_identity_token_file", "web_identity"},
          {"sts_endpoint", "web_identity"},
          {"role_session_name", "web_identity"}}) {
      const std::string path = base + "." + key;
      if (store.credentials != source && reader.present(path) &&
          !reader.failed(base + ".credentials")) {
        reader.problem(reader.line_of_path(path), path,
                       std::string("only used with credentials: ") + source);
      }
    }
    if (store.credentials == "web_identity") {
      for (const auto& [key, value, variable] :
           {std::tuple<const char*, const std::string*, const char*>{"role_arn", &store.role_arn,
                                                                     "AWS_ROLE_ARN"},
            {"web_identity_token_file", &store.web_identity_token_file,
             "AWS_WEB_IDENTITY_TOKEN_FILE"}}) {
        const std::string path = base + "." + key;
        if (value->empty() && !reader.failed(path)) {
          reader.problem(reader.line_of_path(base + ".credentials"), path,
                         std::string("required with credentials: web_identity (or the "
                                     "environment variable ") +
                             variable + ")");
        }
      }
    }
    const std::string part = base + ".part_size";
    if (store.part_size < (std::int64_t{5} << 20) && !reader.failed(part)) {
      reader.problem(reader.line_of_path(part), part,
                     "must be at least 5MiB: S3 refuses smaller parts");
    }
  }
}

void check_plugins(const Config& config, DocumentReader& reader) {
  std::map<std::string, int> declared;
  for (std::size_t i = 0; i < config.plugins.files.size(); ++i) {
    const auto& file = config.plugins.files[i];
    if (file.name.empty()) continue;
    auto [first, inserted] = declared.emplace(file.name, file.line);
    if (!inserted) {
      const std::string path = "plugins.files[" + std::to_string(i) + "].name";
      reader.problem(reader.line_of_path(path), path,
                     reader.shown(path, file.name) + " is already declared at line " +
                         std::to_string(first->second));
    }
  }
}

void check_instances(const Config& config, DocumentReader& reader) {
  std::vector<std::string> names;
  for (const auto& file : config.plugins.files) names.push_back(file.name);
  for (const auto& [name, instance] : config.instances) {
    const std::string path = "instances." + name + ".plugin";
    if (instance.plugin.empty() || reader.failed(path)) continue;
    if (std::find(names.begin(), names.end(), instance.plugin) != names.end()) continue;
    reader.problem(reader.line_of_path(path), path,
                   reader.shown(path, instance.plugin) + " is not declared in plugins.files" +
                       did_you_mean(instance.plugin, names));
  }
}

void check_facilities(const Config& config, DocumentReader& reader) {
  std::vector<std::string> instances;
  for (const auto& [name, instance] : config.instances) instances.push_back(name);
  for (const auto& [id, facility] : config.facilities) {
    if (facility.bindings.count("billing") != 0 && !facility.billing) {
      const std::string path = "facilities." + id + ".billing";
      reader.problem(reader.line_of_path("facilities." + id + ".bindings.billing"), path,
                     "required when the facility binds a billing role (its provider licence, "
                     "service code, price and diagnosis code)");
    }
    if (facility.ehr_bookings) {
      const std::string path = "facilities." + id + ".ehr_bookings";
      if (facility.bindings.count("ehr") == 0) {
        reader.problem(reader.line_of_path(path), path,
                       "needs an ehr binding: the bookings come from the facility's EHR");
      }
      const auto& listed = facility.workflows;
      const std::string& name = facility.ehr_bookings->workflow;
      if (!name.empty() && !listed.empty() &&
          std::find(listed.begin(), listed.end(), name) == listed.end()) {
        reader.problem(reader.line_of_path(path + ".workflow"), path + ".workflow",
                       "workflow " + reader.shown(path + ".workflow", name) +
                           " is not in the facility's workflows" + did_you_mean(name, listed));
      }
    }
    if (facility.notifications) {
      const std::string path = "facilities." + id + ".notifications";
      if (facility.notifications->email.empty() && facility.notifications->sms.empty()) {
        reader.problem(reader.line_of_path(path), path,
                       "names no channel: set email, sms or both to a notify instance");
      }
      for (const auto& [channel, instance] :
           {std::pair<const char*, const std::string&>{"email", facility.notifications->email},
            {"sms", facility.notifications->sms}}) {
        const std::string channel_path = path + "." + channel;
        if (instance.empty() || reader.failed(channel_path)) continue;
        const int line = reader.line_of_path(channel_path);
        if (config.instances.count(instance) == 0) {
          reader.problem(line, channel_path,
                         "instance " + reader.shown(channel_path, instance) +
                             " is not declared in instances" + did_you_mean(instance, instances));
        } else if (instance.rfind("notify.", 0) != 0) {
          reader.problem(line, channel_path,
                         "instance " + reader.shown(channel_path, instance) +
                             " is not a notify instance (notify.<label>)");
        }
      }
    }
    if (!facility.alerts.email.empty()) {
      const std::string path = "facilities." + id + ".alerts.email";
      const int line = reader.line_of_path(path);
      if (!facility.notifications || facility.notifications->email.empty()) {
        reader.problem(line, path,
                       "needs notifications.email: the alerts go through the facility's e-mail "
                       "notify instance");
      }
      for (std::size_t i = 0; i < facility.alerts.email.size(); ++i) {
        const std::string& address = facility.alerts.email[i];
        const auto at = address.find('@');
        if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
            address.find_first_of(" \t\r\n<>,;") != std::string::npos) {
          reader.problem(line, path + "[" + std::to_string(i) + "]",
                         "\"" + address + "\" is not an e-mail address");
        }
      }
    }
    if (facility.alerts.rules.ehr_heartbeat.count() > 0 && facility.bindings.count("ehr") == 0) {
      const std::string path = "facilities." + id + ".alerts.rules.ehr_heartbeat";
      reader.problem(reader.line_of_path(path), path,
                     "needs an ehr binding: it watches the facility's EHR instance");
    }
    for (const auto& [role, instance] : facility.bindings) {
      const std::string path = "facilities." + id + ".bindings." + role;
      const int line = reader.line_of_path(path);
      auto it = config.instances.find(instance);
      if (it == config.instances.end()) {
        reader.problem(line, path,
                       "instance " + reader.shown(path, instance) +
                           " is not declared in instances" + did_you_mean(instance, instances));
        continue;
      }
      const std::string capability = instance.substr(0, instance.find('.'));
      if (capability != role) {
        reader.problem(line, path,
                       "instance " + reader.shown(path, instance) + " has capability " +
                           capability + ", not " + role);
      }
    }
  }
}

// A facility requiring residency is bound only to instances inside it, or
// to ones an approved exception names. The message names both ends with
// file:line: the binding (the problem's own line) and the instance.
void check_residency(const Config& config, DocumentReader& reader) {
  const std::string& file = config.source_file;
  const auto at = [&file](int line) { return file + ":" + std::to_string(line); };
  for (const auto& [id, facility] : config.facilities) {
    const std::string base = "facilities." + id;
    const std::vector<DataPath> paths = facility_data_paths(facility);
    if (!facility.residency.empty() && !reader.failed(base + ".residency")) {
      std::string required = "[";
      for (const auto& country : facility.residency) {
        required += (required.size() > 1 ? ", " : "") + country;
      }
      required += "]";
      const int required_line = reader.line_of_path(base + ".residency");
      for (const DataPath& data : paths) {
        const std::string path = base + "." + data.key;
        const auto it = config.instances.find(data.instance);
        if (it == config.instances.end() || reader.failed(path)) continue;
        const Residency residency = instance_residency(it->second);
        if (meets(facility.residency, residency)) continue;
        if (residency_exception(facility, data.instance) != nullptr) continue;
        const std::string where =
            residency.known() ? "processes data in " + residency.country : "has unknown residency";
        reader.problem(reader.line_of_path(path), path,
                       "facility " + id + " requires residency " + required + " (" +
                           at(required_line) + ") but is bound to instance " + data.instance +
                           " (" + at(it->second.line) + "), which " + where + " (" +
                           residency.basis + "); bind an instance in " + required +
                           ", or record an approved exception for " + data.instance + " in " +
                           base + ".residency_exceptions");
      }
      // The recordings (media) go to the archive's active store.
      const Residency archive = archive_residency(config.archive);
      const std::string store = archive_exception_name(config.archive);
      if (!meets(facility.residency, archive) && residency_exception(facility, store) == nullptr &&
          !reader.failed("archive.store")) {
        const std::string where =
            archive.known() ? "keeps recordings in " + archive.country : "has unknown residency";
        const std::string path =
            config.archive.store == "local" ? "archive.residency" : "archive.store";
        const int line =
            reader.present(path) ? reader.line_of_path(path) : reader.line_of_path("archive");
        reader.problem(required_line, base + ".residency",
                       "facility " + id + " requires residency " + required +
                           " but the recordings' archive " + store +
                           (line > 0 ? " (" + at(line) + ")" : std::string()) + " " + where + " (" +
                           archive.basis + "); declare or choose a store in " + required +
                           ", or record an approved exception for " + store + " in " + base +
                           ".residency_exceptions");
      }
    }
    for (std::size_t i = 0; i < facility.residency_exceptions.size(); ++i) {
      const FacilityResidencyExceptionConfig& exception = facility.residency_exceptions[i];
      const std::string path = base + ".residency_exceptions[" + std::to_string(i) + "]";
      if (facility.residency.empty()) {
        reader.problem(exception.line, path,
                       "an exception to no requirement: " + base + ".residency is not set");
        continue;
      }
      if (exception.instance.empty() || reader.failed(path + ".instance")) continue;
      const bool bound = exception.instance == archive_exception_name(config.archive) ||
                         std::any_of(paths.begin(), paths.end(), [&](const DataPath& data) {
                           return data.instance == exception.instance;
                         });
      const int line = reader.line_of_path(path + ".instance");
      if (!bound) {
        reader.problem(line, path + ".instance",
                       "instance " + exception.instance + " is not bound by facility " + id +
                           " (bindings, notifications) nor the archive's active store (" +
                           archive_exception_name(config.archive) + ")");
        continue;
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (facility.residency_exceptions[j].instance == exception.instance) {
          reader.problem(line, path + ".instance",
                         "instance " + exception.instance + " already has an exception at line " +
                             std::to_string(facility.residency_exceptions[j].line));
          break;
        }
      }
    }
  }
}

void check_signin(const Config& config, DocumentReader& reader) {
  if (!config.signin) return;
  const SigninConfig& signin = *config.signin;
  if (signin.session.idle_timeout > signin.session.absolute_lifetime &&
      !reader.failed("signin.session.idle_timeout") &&
      !reader.failed("signin.session.absolute_lifetime")) {
    const std::string path = "signin.session.idle_timeout";
    const int line = reader.present(path) ? reader.line_of_path(path)
                                          : reader.line_of_path("signin.session.absolute_lifetime");
    reader.problem(line > 0 ? line : reader.line_of_path("signin"), path,
                   "must not be longer than absolute_lifetime");
  }
  std::vector<std::string> facilities;
  for (const auto& [id, facility] : config.facilities) facilities.push_back(id);
  for (const auto& [name, provider] : signin.providers) {
    const std::string base = "signin.providers." + name;
    const bool has_secret = !provider.client_secret.empty();
    const bool has_key = !provider.client_key.empty();
    const bool secret_failed = reader.failed(base + ".client_secret");
    const bool key_failed = reader.failed(base + ".client_key");
    if (has_secret && has_key) {
      reader.problem(reader.line_of_path(base + ".client_key"), base + ".client_key",
                     "set client_secret or client_key, not both");
    } else if (!has_secret && !has_key && !secret_failed && !key_failed) {
      reader.problem(provider.line, base,
                     "needs client_secret (client_secret_basic) or client_key with "
                     "client_key_id (private_key_jwt)");
    }
    if (has_key) {
      if (provider.client_key.reveal().find("-----BEGIN ") == std::string::npos ||
          provider.client_key.reveal().find("PRIVATE KEY-----") == std::string::npos) {
        reader.problem(reader.line_of_path(base + ".client_key"), base + ".client_key",
                       "expected a PEM private key (-----BEGIN PRIVATE KEY-----)");
      }
      if (provider.client_key_id.empty()) {
        reader.problem(reader.line_of_path(base + ".client_key"), base + ".client_key_id",
                       "required with client_key: the kid the identity provider knows the key by");
      }
    } else if (!provider.client_key_id.empty()) {
      reader.problem(reader.line_of_path(base + ".client_key_id"), base + ".client_key_id",
                     "names the kid of client_key, which is not set");
    }
    if (std::find(provider.scopes.begin(), provider.scopes.end(), "openid") ==
            provider.scopes.end() &&
        !reader.failed(base + ".scopes")) {
      reader.problem(reader.line_of_path(base + ".scopes"), base + ".scopes",
                     "must include openid");
    }
    for (std::size_t i = 0; i < provider.rules.size(); ++i) {
      const SigninRuleConfig& rule = provider.rules[i];
      const std::string path = base + ".rules[" + std::to_string(i) + "].facility";
      if (rule.facility.empty() || reader.failed(path)) continue;
      if (config.facilities.count(rule.facility) != 0) continue;
      const int line = reader.line_of_path(path);
      reader.problem(line > 0 ? line : rule.line, path,
                     "facility " + reader.shown(path, rule.facility) +
                         " is not declared in facilities" +
                         did_you_mean(rule.facility, facilities));
    }
  }
}

}  // namespace

std::string Problem::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ": " + message;
}

LoadResult load_text(const std::string& text, const std::string& name,
                     const std::string& base_dir) {
  LoadResult result;
  result.config.source_file = name;
  DocumentReader reader(name, base_dir.empty() ? std::string(".") : base_dir);

  if (auto over = check_yaml_budget(text)) {
    result.problems.push_back(Problem{name, over->line, over->message});
    return result;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    result.problems.push_back(
        Problem{name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "YAML syntax error: " + e.msg});
    return result;
  } catch (const YAML::Exception& e) {
    result.problems.push_back(Problem{name, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                                      "cannot parse the document: " + e.msg});
    return result;
  }

  try {
    reader.read_mapping(root, config_fields(result.config), "", 1);
    check_storage(result.config, reader);
    check_plugins(result.config, reader);
    check_instances(result.config, reader);
    check_facilities(result.config, reader);
    check_residency(result.config, reader);
    check_signin(result.config, reader);
    check_archive(result.config, reader);
  } catch (const YAML::Exception& e) {
    reader.problems().push_back(Problem{name, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                                        "cannot read the document: " + e.msg});
  }

  result.config.secret_values = reader.secret_values();
  result.problems = std::move(reader.problems());
  std::stable_sort(result.problems.begin(), result.problems.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  return result;
}

LoadResult load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(path, ec)) {
    const int err = errno;
    LoadResult result;
    result.config.source_file = path;
    result.problems.push_back(Problem{
        path, 0,
        std::string("cannot read the config file (") +
            (std::filesystem::is_directory(path, ec) ? "it is a directory" : std::strerror(err)) +
            ")"});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  return load_text(text.str(), path, base_dir);
}

}  // namespace wasl::config
