#include "hub/plugin_host/plugin_library.hpp"

#include <fstream>
#include <sstream>

#include <boost/dll/shared_library_load_mode.hpp>
#include <boost/system/error_code.hpp>

#include "hub/plugin_host/file_sha256.hpp"
#include "wasl/sdk/wire_error.hpp"

namespace wasl::plugin_host {

namespace {

sdk::Error refuse(const std::filesystem::path& file, const std::string& reason,
                  sdk::ErrorCode code = sdk::ErrorCode::kFailedPrecondition) {
  return sdk::Error(code, "plugin file " + file.string() + " refused: " + reason, false);
}

std::string registration_error(const wasl_plugin_registration& reg) {
  if (!WASL_STRUCT_HAS(&reg, wasl_plugin_registration, error_json) || reg.error_json == nullptr) {
    return "it gave no reason";
  }
  std::string text = reg.error_json;
  if (WASL_STRUCT_HAS(&reg, wasl_plugin_registration, free_string) && reg.free_string != nullptr) {
    reg.free_string(reg.error_json);
  }
  return sdk::error_from_json(nlohmann::json::parse(text, nullptr, false)).message;
}

}  // namespace

std::vector<std::filesystem::path> PluginLibrary::schema_candidates(
    const std::filesystem::path& file) {
  return {file.parent_path() / (file.stem().string() + ".schema.json"),
          file.parent_path() / "schema.json"};
}

bool PluginLibrary::has_capability(std::string_view capability) const {
  for (const auto& c : info_.capabilities) {
    if (c == capability) return true;
  }
  return false;
}

bool PluginLibrary::has_feature(std::string_view feature) const {
  for (const auto& f : info_.features) {
    if (f == feature) return true;
  }
  return false;
}

PluginLibrary::~PluginLibrary() = default;

sdk::Result<std::shared_ptr<PluginLibrary>> PluginLibrary::load(const std::filesystem::path& file,
                                                                const std::string& sha256) {
  std::error_code exists_error;
  if (!std::filesystem::is_regular_file(file, exists_error)) {
    return refuse(file, "the file does not exist", sdk::ErrorCode::kNotFound);
  }
  if (!sha256.empty()) {
    auto digest = file_sha256(file);
    if (!digest.ok()) return refuse(file, digest.error().message);
    if (*digest != sha256) {
      return refuse(file, "its SHA-256 is " + *digest + " but the config pins " + sha256);
    }
  }

  std::shared_ptr<PluginLibrary> self(new PluginLibrary());
  self->file_ = file;
  boost::system::error_code ec;
  self->library_.load(boost::dll::fs::path(file.string()),
                      boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now, ec);
  if (ec) return refuse(file, "it cannot be loaded (" + ec.message() + ")");

  if (!self->library_.has(WASL_ABI_VERSION_SYMBOL)) {
    return refuse(file,
                  "it does not export " WASL_ABI_VERSION_SYMBOL ", so it is not a Wasl plugin");
  }
  auto version_fn = self->library_.get<uint32_t()>(WASL_ABI_VERSION_SYMBOL);
  const uint32_t version = version_fn();
  self->abi_version_ = version;
  if (WASL_ABI_MAJOR_OF(version) != WASL_ABI_VERSION_MAJOR) {
    return refuse(
        file, "it was built for plugin ABI " + std::to_string(WASL_ABI_MAJOR_OF(version)) + "." +
                  std::to_string(WASL_ABI_MINOR_OF(version)) + " but this hub speaks ABI " +
                  std::to_string(WASL_ABI_VERSION_MAJOR) + ".x");
  }

  if (!self->library_.has(WASL_REGISTER_SYMBOL)) {
    return refuse(file, "it does not export the entry point " WASL_REGISTER_SYMBOL);
  }
  auto register_fn = self->library_.get<int(const wasl_host_api*, wasl_plugin_registration*)>(
      WASL_REGISTER_SYMBOL);
  self->registration_host_ = std::make_unique<InstanceHost>(
      "registration of " + file.filename().string(), nlohmann::json::object(),
      std::vector<std::string>{}, InstanceServices{});
  wasl_plugin_registration& reg = self->registration_;
  reg = wasl_plugin_registration{};
  reg.struct_size = sizeof(wasl_plugin_registration);
  int rc = register_fn(self->registration_host_->table(), &reg);
  if (reg.struct_size > sizeof(wasl_plugin_registration)) reg.struct_size = sizeof(reg);
  if (rc != WASL_OK) return refuse(file, "its registration failed: " + registration_error(reg));

  const bool complete = WASL_STRUCT_HAS(&reg, wasl_plugin_registration, free_string) &&
                        reg.info_json != nullptr && reg.create_instance != nullptr &&
                        reg.destroy_instance != nullptr && reg.call != nullptr &&
                        reg.free_string != nullptr;
  if (!complete) {
    return refuse(file,
                  "its registration leaves out info_json, create_instance, "
                  "destroy_instance, call or free_string");
  }
  auto info = nlohmann::json::parse(reg.info_json, nullptr, false);
  try {
    if (!info.is_object()) throw std::invalid_argument("not a JSON object");
    self->info_ = info.get<sdk::PluginInfo>();
  } catch (const std::exception& e) {
    return refuse(file, std::string("its plugin info is not valid JSON of the expected form (") +
                            e.what() + ")");
  }
  if (self->info_.name.empty()) return refuse(file, "its plugin info has no name");
  if (self->info_.capabilities.empty()) return refuse(file, "it declares no capability");
  for (const auto& c : self->info_.capabilities) {
    if (c != "video" && c != "ehr" && c != "billing" && c != "reporting" && c != "webhook" &&
        c != "feed" && c != "notify") {
      return refuse(file, "it declares the unknown capability '" + c + "'");
    }
  }

  for (const auto& candidate : schema_candidates(file)) {
    if (std::filesystem::is_regular_file(candidate, exists_error)) {
      self->schema_file_ = candidate;
      break;
    }
  }
  if (self->schema_file_.empty()) {
    auto candidates = schema_candidates(file);
    return refuse(file, "no settings schema beside it (looked for " +
                            candidates[0].filename().string() + " and " +
                            candidates[1].filename().string() + ")");
  }
  std::ifstream in(self->schema_file_);
  std::stringstream text;
  text << in.rdbuf();
  auto document = nlohmann::json::parse(text.str(), nullptr, false);
  if (document.is_discarded()) {
    return refuse(file, "its settings schema " + self->schema_file_.string() + " is not JSON");
  }
  auto schema = SettingsSchema::parse(document);
  if (!schema.ok()) {
    return refuse(file, "its settings schema " + self->schema_file_.string() +
                            " is invalid: " + schema.error().message);
  }
  self->schema_ = std::move(schema).value();
  return self;
}

}  // namespace wasl::plugin_host
