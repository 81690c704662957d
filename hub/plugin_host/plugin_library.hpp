// PluginLibrary: one plugin .so, loaded and checked. load() does, in order:
// the SHA-256 pin (before the file is mapped), dlopen through Boost.DLL with
// RTLD_LOCAL, wasl_plugin_abi_version() (a different major is refused before
// anything else runs), wasl_plugin_register(), the plugin info, and the
// settings schema beside the file. Every refusal is one line naming the file
// and the reason.
//
// Load at start-up, from one thread. The library stays mapped as long as the
// object lives (the shared_library is the last member, so it is unloaded after
// everything else); PluginInstance holds a shared_ptr to it. After load the
// object is immutable and safe to share between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/dll/shared_library.hpp>

#include "hub/plugin_host/instance_host.hpp"
#include "hub/plugin_host/settings_schema.hpp"
#include "wasl/sdk/abi.h"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugin_host {

class PluginLibrary {
 public:
  // `sha256` is the pin (lowercase hex) or empty for none. Errors are
  // kFailedPrecondition (or kNotFound for a missing file) with the sentence.
  static sdk::Result<std::shared_ptr<PluginLibrary>> load(const std::filesystem::path& file,
                                                          const std::string& sha256 = {});

  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;
  ~PluginLibrary();

  const std::filesystem::path& file() const { return file_; }
  const sdk::PluginInfo& info() const { return info_; }
  // What wasl_plugin_abi_version() answered: (major << 16) | minor. A method
  // added in a later minor is not asked of a plugin built for an older one.
  std::uint32_t abi_version() const { return abi_version_; }
  const SettingsSchema& schema() const { return *schema_; }
  const std::filesystem::path& schema_file() const { return schema_file_; }
  bool has_capability(std::string_view capability) const;
  // Whether the plugin declares `feature` ("video.waiting_room_tokens",
  // PluginDefinition::features); false for a plugin built before SDK 1.8.
  bool has_feature(std::string_view feature) const;

  // The plugin's registration (function pointers valid while this lives).
  const wasl_plugin_registration& registration() const { return registration_; }

  // Where the loader looks for a plugin's schema: <file stem>.schema.json
  // beside it, then schema.json in the same directory.
  static std::vector<std::filesystem::path> schema_candidates(const std::filesystem::path& file);

 private:
  PluginLibrary() = default;

  std::filesystem::path file_;
  sdk::PluginInfo info_;
  std::uint32_t abi_version_ = 0;
  wasl_plugin_registration registration_{};
  std::filesystem::path schema_file_;
  std::optional<SettingsSchema> schema_;  // always set after load()
  std::unique_ptr<InstanceHost> registration_host_;
  boost::dll::shared_library library_;  // last: unloaded after everything above
};

}  // namespace wasl::plugin_host
