// The built libwasl_sandbox.so as the hub loads it: `wasl plugins list` and
// `wasl check` on a config naming it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/integration/hub_process.hpp"

namespace wasl::plugins::sandbox {
namespace {

using wasl::testing::CommandResult;
using wasl::testing::run_wasl;
using wasl::testing::TempDir;

// A config whose sandbox instance carries `billing_settings`.
std::string config(const TempDir& dir, const std::string& billing_settings) {
  return "storage:\n"
         "  backend: sqlite\n"
         "  sqlite:\n"
         "    path: " +
         dir.file("wasl.db") +
         "\n"
         "plugins:\n"
         "  files:\n"
         "    - {name: sandbox, file: libwasl_sandbox.so}\n"
         "instances:\n"
         "  billing.sandbox:\n"
         "    plugin: sandbox\n"
         "    settings: " +
         billing_settings +
         "\n"
         "workflows_dir: " +
         dir.file("workflows") + "\n";
}

class SandboxPluginTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir_.file("workflows")); }
  TempDir dir_;
};

TEST_F(SandboxPluginTest, PluginsListShowsItsOneCapability) {
  dir_.write("wasl.yaml", config(dir_, "{state_file: " + dir_.file("state/sandbox.db") + "}"));
  CommandResult r = run_wasl({"plugins", "list", "--config", dir_.file("wasl.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("sandbox 1.0.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("billing"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("ehr"), std::string::npos) << "the EHR is plugins/fhir's\n" << r.out;
  EXPECT_EQ(r.out.find("reporting"), std::string::npos) << "reports go to plugins/moh\n" << r.out;
  EXPECT_NE(r.out.find("not for production"), std::string::npos) << r.out;
}

TEST_F(SandboxPluginTest, CheckAcceptsGoodSettings) {
  dir_.write("wasl.yaml", config(dir_, "{state_file: " + dir_.file("state/sandbox.db") +
                                           ", fail_first_attempt: true, claim_outcome: queued}"));
  CommandResult r = run_wasl({"check", "--config", dir_.file("wasl.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("OK"), std::string::npos) << r.out;
}

TEST_F(SandboxPluginTest, CheckNamesBadSettingsWithFileAndLine) {
  dir_.write("wasl.yaml", config(dir_, "{claim_outcome: paid}"));
  CommandResult r = run_wasl({"check", "--config", dir_.file("wasl.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir_.file("wasl.yaml") + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("billing.sandbox"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("state_file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("claim_outcome"), std::string::npos) << r.err;
}

TEST_F(SandboxPluginTest, CheckRefusesAStateFileThatIsNotSqlite) {
  dir_.write("garbage.db", std::string(4096, 'x'));
  dir_.write("wasl.yaml", config(dir_, "{state_file: " + dir_.file("garbage.db") + "}"));
  CommandResult r = run_wasl({"check", "--config", dir_.file("wasl.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("billing.sandbox"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not a usable sandbox state file"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace wasl::plugins::sandbox
