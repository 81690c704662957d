#include "hub/plugin_host/plugin_library.hpp"

#include <gtest/gtest.h>

#include "hub/plugin_host/file_sha256.hpp"

namespace wasl::plugin_host {
namespace {

std::filesystem::path plugin(const std::string& name) {
  return std::filesystem::path(WASL_PLUGIN_ABI_DIR) / ("libwasl_" + name + ".so");
}

std::string refusal(const std::string& name, const std::string& pin = {}) {
  auto loaded = PluginLibrary::load(plugin(name), pin);
  EXPECT_FALSE(loaded.ok());
  return loaded.ok() ? std::string() : loaded.error().message;
}

TEST(PluginLibraryTest, LoadsAWorkingPluginAndReadsItsInfo) {
  auto loaded = PluginLibrary::load(plugin("echo"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const auto& info = (*loaded)->info();
  EXPECT_EQ(info.name, "echo");
  EXPECT_EQ(info.version, "0.3.0");
  EXPECT_EQ(info.sdk_version, "1.10");
  EXPECT_EQ(info.capabilities, (std::vector<std::string>{"video", "webhook"}));
  EXPECT_TRUE((*loaded)->has_capability("video"));
  EXPECT_FALSE((*loaded)->has_capability("ehr"));
  // It declares no feature (the Janus plugin's video.waiting_room_tokens is
  // read in tests/unit/api/participants_janus_test.cpp).
  EXPECT_TRUE(info.features.empty());
  EXPECT_FALSE((*loaded)->has_feature("video.waiting_room_tokens"));
  EXPECT_EQ((*loaded)->schema_file().filename(), "libwasl_echo.schema.json");
}

TEST(PluginLibraryTest, LoadsAPluginWrittenInPlainC) {
  auto loaded = PluginLibrary::load(plugin("c_report"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ((*loaded)->info().name, "c_report");
  EXPECT_EQ((*loaded)->info().capabilities, (std::vector<std::string>{"reporting"}));
  // Its info has no "features" member (it predates them): none.
  EXPECT_TRUE((*loaded)->info().features.empty());
}

TEST(PluginLibraryTest, RefusesADifferentAbiMajor) {
  EXPECT_EQ(refusal("wrong_major"),
            "plugin file " + plugin("wrong_major").string() +
                " refused: it was built for plugin ABI 2.0 but this hub speaks ABI 1.x");
}

TEST(PluginLibraryTest, RefusesAMissingEntryPoint) {
  EXPECT_EQ(refusal("no_entry_point"),
            "plugin file " + plugin("no_entry_point").string() +
                " refused: it does not export the entry point wasl_plugin_register");
}

TEST(PluginLibraryTest, RefusesARegistrationThatThrows) {
  EXPECT_EQ(refusal("registration_throws"),
            "plugin file " + plugin("registration_throws").string() +
                " refused: its registration failed: the registration function threw an "
                "exception: registration exploded");
}

TEST(PluginLibraryTest, RefusesAPinThatDoesNotMatch) {
  auto actual = file_sha256(plugin("echo"));
  ASSERT_TRUE(actual.ok());
  const std::string pin(64, '0');
  EXPECT_EQ(refusal("echo", pin), "plugin file " + plugin("echo").string() +
                                      " refused: its SHA-256 is " + *actual +
                                      " but the config pins " + pin);
}

TEST(PluginLibraryTest, AcceptsAPinThatMatches) {
  auto actual = file_sha256(plugin("echo"));
  ASSERT_TRUE(actual.ok());
  auto loaded = PluginLibrary::load(plugin("echo"), *actual);
  EXPECT_TRUE(loaded.ok()) << loaded.error().message;
}

TEST(PluginLibraryTest, RefusesAFileThatIsNotAPlugin) {
  // A file that is not a shared library at all.
  auto path = std::filesystem::path(WASL_PLUGIN_ABI_DIR) / "libwasl_echo.schema.json";
  auto loaded = PluginLibrary::load(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().message.rfind(
                "plugin file " + path.string() + " refused: it cannot be loaded (", 0),
            0u)
      << loaded.error().message;
}

TEST(PluginLibraryTest, RefusesAMissingFile) {
  auto path = std::filesystem::path(WASL_PLUGIN_ABI_DIR) / "libwasl_absent.so";
  auto loaded = PluginLibrary::load(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().message,
            "plugin file " + path.string() + " refused: the file does not exist");
}

}  // namespace
}  // namespace wasl::plugin_host
