#include "hub/plugin_host/plugin_host.hpp"

#include <set>

#include "hub/plugin_host/billing_proxy.hpp"
#include "hub/plugin_host/ehr_proxy.hpp"
#include "hub/plugin_host/environment_secret_source.hpp"
#include "hub/plugin_host/feed_proxy.hpp"
#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/plugin_host/instance_tls.hpp"
#include "hub/plugin_host/notify_proxy.hpp"
#include "hub/plugin_host/reporting_proxy.hpp"
#include "hub/plugin_host/video_proxy.hpp"
#include "hub/plugin_host/webhook_proxy.hpp"

namespace wasl::plugin_host {

namespace {

using nlohmann::json;

// Where the plugins shipped with the hub are: <bin>/../plugins in a build
// tree, <prefix>/lib/wasl/plugins when installed. Searched after the
// configured directories.
std::vector<std::filesystem::path> shipped_plugin_directories() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  std::filesystem::path prefix = exe.parent_path().parent_path();
  return {prefix / "plugins", prefix / "lib" / "wasl" / "plugins"};
}

std::filesystem::path resolve(const config::PluginFileConfig& plugin,
                              const config::PluginsConfig& plugins) {
  std::filesystem::path file(plugin.file);
  if (file.is_absolute()) return file;
  std::error_code ec;
  std::vector<std::filesystem::path> search(plugins.directories.begin(), plugins.directories.end());
  for (auto& dir : shipped_plugin_directories()) search.push_back(std::move(dir));
  for (const auto& dir : search) {
    auto candidate = dir / file;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  if (!plugins.directories.empty())
    return std::filesystem::path(plugins.directories.front()) / file;
  return file;
}

// The instance's HTTP client options: defaults overridden by settings["http"].
HttpClientOptions http_options(const HttpClientOptions& defaults, const json& settings) {
  HttpClientOptions options = defaults;
  auto it = settings.find("http");
  if (it == settings.end() || !it->is_object()) return options;
  const json& h = *it;
  if (h.contains("connect_timeout_ms") && h["connect_timeout_ms"].is_number_integer())
    options.connect_timeout = std::chrono::milliseconds(h["connect_timeout_ms"].get<int64_t>());
  if (h.contains("total_timeout_ms") && h["total_timeout_ms"].is_number_integer())
    options.total_timeout = std::chrono::milliseconds(h["total_timeout_ms"].get<int64_t>());
  if (h.contains("max_response_bytes") && h["max_response_bytes"].is_number_integer())
    options.max_response_bytes = h["max_response_bytes"].get<int64_t>();
  if (h.contains("ca_file") && h["ca_file"].is_string()) options.ca_file = h["ca_file"];
  if (h.contains("client_cert_file") && h["client_cert_file"].is_string())
    options.client_cert_file = h["client_cert_file"];
  if (h.contains("client_key_file") && h["client_key_file"].is_string())
    options.client_key_file = h["client_key_file"];
  if (h.contains("proxy") && h["proxy"].is_string()) options.proxy = h["proxy"];
  return options;
}

}  // namespace

std::string_view capability_of(std::string_view instance_name) {
  auto dot = instance_name.find('.');
  return dot == std::string_view::npos ? instance_name : instance_name.substr(0, dot);
}

PluginHost::~PluginHost() {
  instances_.clear();  // instances before the libraries they run in
  libraries_.clear();
}

sdk::Result<std::unique_ptr<PluginHost>> PluginHost::load(const config::Config& config,
                                                          observability::Metrics& metrics,
                                                          const PluginHostOptions& options) {
  std::unique_ptr<PluginHost> host(new PluginHost());
  std::function<std::int64_t()> now_ms;
  if (options.clock) {
    now_ms = [clock = options.clock] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(clock().time_since_epoch())
          .count();
    };
  }
  host->health_ = std::make_unique<InstanceHealth>(std::move(now_ms));
  StateStore* state = options.state;
  if (state == nullptr) {
    host->owned_state_ = std::make_unique<InMemoryStateStore>();
    state = host->owned_state_.get();
  }
  SecretSource* secrets = options.secrets;
  if (secrets == nullptr) {
    host->owned_secrets_ = std::make_unique<EnvironmentSecretSource>();
    secrets = host->owned_secrets_.get();
  }

  // Plugin files: each loaded once, even when several names share one file.
  std::map<std::string, std::string> file_problems;  // plugin name -> problem
  std::map<std::string, std::shared_ptr<PluginLibrary>> by_path;
  for (const auto& plugin : config.plugins.files) {
    auto file = resolve(plugin, config.plugins);
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(file, ec);
    std::string key = ec ? file.string() : canonical.string();
    std::shared_ptr<PluginLibrary> library;
    if (auto it = by_path.find(key); it != by_path.end()) {
      library = it->second;
    } else {
      auto loaded = PluginLibrary::load(ec ? file : canonical, plugin.sha256);
      if (!loaded.ok()) {
        file_problems[plugin.name] = loaded.error().message;
        host->problems_.push_back(loaded.error().message);
        continue;
      }
      library = std::move(loaded).value();
      by_path[key] = library;
    }
    if (library->info().name != plugin.name) {
      std::string problem = "plugin file " + library->file().string() +
                            " refused: it registers the plugin '" + library->info().name +
                            "' but the config names it '" + plugin.name + "'";
      file_problems[plugin.name] = problem;
      host->problems_.push_back(problem);
      continue;
    }
    host->libraries_[plugin.name] = library;
    host->plugin_files_[plugin.name] = library->file().string();
  }

  bool fatal = false;
  for (const auto& entry : config.instances) {
    // Not a structured binding: `fail` captures instance, which clang 14 refuses.
    const auto& name = entry.first;
    const auto& instance = entry.second;
    InstanceStatus status{name, instance.plugin, instance.optional, false, {}};
    auto fail = [&](const std::string& problem) {
      status.problem = problem;
      host->problems_.push_back(
          problem + (instance.optional ? " (optional: the hub starts without it)" : ""));
      if (!instance.optional) fatal = true;
      host->statuses_.push_back(status);
    };
    auto lib = host->libraries_.find(instance.plugin);
    if (lib == host->libraries_.end()) {
      auto why = file_problems.find(instance.plugin);
      fail("instance '" + name + "': " +
           (why != file_problems.end()
                ? "its plugin '" + instance.plugin + "' did not load"
                : "no plugin named '" + instance.plugin + "' is declared under plugins"));
      continue;
    }
    const auto& library = lib->second;
    std::string capability(capability_of(name));
    if (!library->has_capability(capability)) {
      fail("instance '" + name + "': plugin '" + instance.plugin + "' (" +
           library->file().string() + ") does not provide the '" + capability +
           "' capability its name asks for");
      continue;
    }
    json given = instance.settings;
    auto tls = take_instance_tls(given);  // the host's, not the plugin's
    if (!tls.ok()) {
      fail("instance '" + name + "': " + tls.error().message);
      continue;
    }
    json settings = library->schema().with_defaults(given);
    auto violations = library->schema().validate(settings);
    if (!violations.empty()) {
      std::string problem = "instance '" + name + "': settings break " +
                            library->schema_file().filename().string() + ":";
      for (const auto& v : violations) {
        problem += " " + (v.path.empty() ? std::string("/") : v.path) + ": " + v.message + ";";
      }
      problem.pop_back();
      fail(problem);
      continue;
    }
    std::vector<std::string> executables;
    std::string not_absolute;
    for (const auto& [path, program] : library->schema().executables(settings)) {
      if (program.empty() || program.front() != '/') {
        not_absolute += " " + path + " must be an absolute path to a program;";
      } else {
        executables.push_back(program);
      }
    }
    if (!not_absolute.empty()) {
      not_absolute.pop_back();
      fail("instance '" + name + "': settings:" + not_absolute);
      continue;
    }
    InstanceServices services;
    services.processes = std::make_unique<ProcessRunner>(name, std::move(executables));
    HttpClientOptions plain = http_options(options.http, settings);
    plain.metrics = &metrics;
    plain.metrics_client = name;
    services.http = std::make_unique<HttpClient>(std::move(plain));
    services.secrets = secrets;
    services.state = state;
    services.clock = options.clock;
    std::vector<std::string> redact = instance.secret_values;
    if (*tls) {
      HttpClientOptions mutual = http_options(options.http, settings);
      mutual.ca_file.clear();
      mutual.client_cert_file.clear();
      mutual.client_key_file.clear();
      mutual.client_identity = (*tls)->identity;
      mutual.trust_anchors = (*tls)->anchors;
      mutual.metrics = &metrics;
      mutual.metrics_client = name;
      services.mutual_tls_http = std::make_unique<HttpClient>(std::move(mutual));
      services.client_certificate = (*tls)->describe();
      if (services.client_certificate) {
        host->client_certificates_[name] = *services.client_certificate;
      }
      redact.insert(redact.end(), (*tls)->secrets.begin(), (*tls)->secrets.end());
    }
    auto instance_host =
        std::make_unique<InstanceHost>(name, settings, std::move(redact), std::move(services));
    CallGateLimits gate;
    gate.max_concurrent = instance.max_concurrent_calls;
    gate.max_queued = instance.max_queued_calls;
    auto created = PluginInstance::create(library, std::move(instance_host), metrics, gate);
    if (!created.ok()) {
      fail(created.error().message);
      continue;
    }
    (*created)->observe(host->health_.get());
    host->instances_[name] = std::shared_ptr<PluginInstance>(std::move(created).value());
    status.loaded = true;
    host->statuses_.push_back(status);
  }

  if (fatal && !options.keep_failed_instances) {
    std::string message;
    for (const auto& p : host->problems_) message += (message.empty() ? "" : "\n") + p;
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition, message, false);
  }
  return host;
}

sdk::Result<std::shared_ptr<PluginInstance>> PluginHost::instance(std::string_view name) const {
  auto it = instances_.find(name);
  if (it == instances_.end()) {
    return sdk::Error(sdk::ErrorCode::kNotFound,
                      "no plugin instance '" + std::string(name) + "' is loaded", false);
  }
  return it->second;
}

sdk::Result<std::shared_ptr<PluginInstance>> PluginHost::with_capability(
    std::string_view name, std::string_view capability) const {
  WASL_ASSIGN_OR_RETURN(auto found, instance(name));
  if (!found->library().has_capability(capability)) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "plugin instance '" + std::string(name) + "' does not provide the '" +
                          std::string(capability) + "' capability",
                      false);
  }
  return found;
}

sdk::Result<std::shared_ptr<sdk::VideoProvider>> PluginHost::video(std::string_view name) const {
  WASL_ASSIGN_OR_RETURN(auto found, with_capability(name, "video"));
  return std::shared_ptr<sdk::VideoProvider>(std::make_shared<VideoProxy>(std::move(found)));
}
sdk::Result<std::shared_ptr<sdk::EhrConnector>> PluginHost::ehr(std::string_view name) const {
  WASL_ASSIGN_OR_RETURN(auto found, with_capability(name, "ehr"));
  return std::shared_ptr<sdk::EhrConnector>(std::make_shared<EhrProxy>(std::move(found)));
}
sdk::Result<std::shared_ptr<sdk::BillingGateway>> PluginHost::billing(std::string_view name) const {
  WASL_ASSIGN_OR_RETURN(auto found, with_capability(name, "billing"));
  return std::shared_ptr<sdk::BillingGateway>(std::make_shared<BillingProxy>(std::move(found)));
}
sdk::Result<std::shared_ptr<sdk::ReportSink>> PluginHost::reporting(std::string_view name) const {
  WASL_ASSIGN_OR_RETURN(auto found, with_capability(name, "reporting"));
  return std::shared_ptr<sdk::ReportSink>(std::make_shared<ReportingProxy>(std::move(found)));
}
sdk::Result<std::shared_ptr<sdk::WebhookVerifier>> PluginHost::webhook(
    std::string_view name) const {
  WASL_ASSIGN_OR_RETURN(auto found, with_capability(name, "webhook"));
  return std::shared_ptr<sdk::WebhookVerifier>(std::make_shared<WebhookProxy>(std::move(found)));
}
sdk::Result<std::shared_ptr<sdk::MessageFeed>> PluginHost::feed(std::string_view name) const {
  WASL_ASSIGN_OR_RETURN(auto found, with_capability(name, "feed"));
  return std::shared_ptr<sdk::MessageFeed>(std::make_shared<FeedProxy>(std::move(found)));
}
sdk::Result<std::shared_ptr<sdk::Notifier>> PluginHost::notifier(std::string_view name) const {
  WASL_ASSIGN_OR_RETURN(auto found, with_capability(name, "notify"));
  return std::shared_ptr<sdk::Notifier>(std::make_shared<NotifyProxy>(std::move(found)));
}

std::string_view PluginHost::probe_method(std::string_view instance_name) {
  std::string_view capability = capability_of(instance_name);
  if (capability == "video") return sdk::VideoProvider::kListParticipants;
  if (capability == "ehr") return sdk::EhrConnector::kReadPatient;
  return {};
}

void PluginHost::probe() const {
  // An id no provider issued: the far end answers not_found when it is up.
  static constexpr char kProbeId[] = "wasl-health-probe";
  for (const auto& [name, instance] : instances_) {
    std::string_view method = probe_method(name);
    if (method.empty()) continue;
    json request =
        capability_of(name) == "video" ? json{{"room_id", kProbeId}} : json{{"id", kProbeId}};
    auto answer = instance->call(method, request);
    health_->note_probe(name, method, answer.ok() ? nullptr : &answer.error());
  }
}

nlohmann::json PluginHost::list() const {
  json plugins = json::array();
  for (const auto& [name, library] : libraries_) {
    const auto& info = library->info();
    json entry = {{"name", info.name},
                  {"version", info.version},
                  {"sdk_version", info.sdk_version},
                  {"capabilities", info.capabilities},
                  {"description", info.description},
                  {"file", library->file().string()},
                  {"instances", json::array()}};
    for (const auto& status : statuses_) {
      if (status.plugin != name) continue;
      json i = {{"name", status.name},
                {"optional", status.optional},
                {"health", status.loaded ? "ok" : "failed"}};
      if (!status.loaded) i["problem"] = status.problem;
      entry["instances"].push_back(std::move(i));
    }
    plugins.push_back(std::move(entry));
  }
  return {{"plugins", plugins}, {"problems", problems_}};
}

bool PluginHost::ready() const {
  for (const auto& status : statuses_) {
    if (!status.optional && !status.loaded) return false;
  }
  return true;
}

nlohmann::json PluginHost::readiness() const {
  json failed = json::array();
  for (const auto& status : statuses_) {
    if (status.loaded) continue;
    failed.push_back(
        {{"name", status.name}, {"optional", status.optional}, {"problem", status.problem}});
  }
  return {{"ready", ready()}, {"failed", failed}};
}

}  // namespace wasl::plugin_host
