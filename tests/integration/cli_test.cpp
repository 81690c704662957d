// The `wasl` binary's command line: help, usage errors and exit codes.
#include <gtest/gtest.h>

#include "tests/integration/hub_process.hpp"

namespace wasl::testing {
namespace {

TEST(Cli, HelpListsCommandsAndExitsZero) {
  CommandResult r = run_wasl({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("serve"), std::string::npos);
  EXPECT_NE(r.out.find("migrate"), std::string::npos);
  EXPECT_NE(r.out.find("check"), std::string::npos);
}

TEST(Cli, NoCommandIsAUsageError) {
  CommandResult r = run_wasl({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Usage: wasl <command>"), std::string::npos);
}

TEST(Cli, UnknownCommandIsAUsageError) {
  CommandResult r = run_wasl({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos);
}

TEST(Cli, EachCommandHasHelp) {
  for (const char* command : {"serve", "migrate", "check"}) {
    CommandResult r = run_wasl({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_NE(r.out.find(std::string("Usage: wasl ") + command), std::string::npos) << command;
  }
}

TEST(Cli, UnknownOptionIsAUsageError) {
  for (const char* command : {"serve", "migrate", "check"}) {
    CommandResult r = run_wasl({command, "--bogus"});
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_NE(r.err.find("unknown option --bogus"), std::string::npos) << r.err;
  }
}

TEST(Cli, CheckAcceptsTheShippedDefaultConfig) {
  CommandResult r = run_wasl({"check", "--config", std::string(WASL_SOURCE_DIR) + "/config/wasl.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("OK"), std::string::npos);
}

TEST(Cli, CheckReportsEveryProblemWithFileAndLine) {
  TempDir dir;
  dir.write("bad.yaml",
            "server:\n"
            "  host: 127.0.0.1\n"
            "  port: eighty\n"
            "storage:\n"
            "  backnd: sqlite\n");
  CommandResult r = run_wasl({"check", "--config", dir.file("bad.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir.file("bad.yaml") + ":3: server.port"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dir.file("bad.yaml") + ":5: storage.backnd"), std::string::npos) << r.err;
}

TEST(Cli, CheckNeverPrintsASubstitutedSecret) {
  TempDir dir;
  dir.write("secret.txt", "s3cr3t-password-value\n");
  dir.write("wasl.yaml",
            "storage:\n"
            "  backend: postgres\n"
            "  postgres:\n"
            "    url: ${file:secret.txt}\n"
            "    pool_size: many\n");
  CommandResult r = run_wasl({"check", "--config", dir.file("wasl.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(r.err.find("s3cr3t"), std::string::npos);
}

TEST(Cli, MissingConfigFileIsAFixableFailure) {
  CommandResult r = run_wasl({"check", "--config", "/nonexistent/wasl.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/wasl.yaml"), std::string::npos);
}

}  // namespace
}  // namespace wasl::testing
