// The `wasl` binary's command line: help, usage errors and exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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
  for (const char* command :
       {"serve", "migrate", "check", "keys generate", "keys rotate", "keys list", "plugins list",
        "workflow validate", "workflow run-now"}) {
    std::vector<std::string> args;
    std::istringstream words(command);
    for (std::string w; words >> w;) args.push_back(w);
    args.push_back("--help");
    CommandResult r = run_wasl(args);
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
  // Its NPHIES instance reads the certificates scripts/sandbox-pki makes,
  // its identity provider the client secret scripts/sandbox-oidc makes, its
  // Janus instance the secrets scripts/sandbox-janus makes.
  for (const char* script :
       {"/scripts/sandbox-pki", "/scripts/sandbox-oidc", "/scripts/sandbox-janus"}) {
    ASSERT_EQ(std::system((std::string(WASL_SOURCE_DIR) + script + " >/dev/null").c_str()), 0)
        << script;
  }
  CommandResult r = run_wasl({"check", "--config", "config/wasl.yaml"}, std::chrono::seconds(60),
                             WASL_SOURCE_DIR);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("OK"), std::string::npos);
}

// The shipped config with facility sandbox-ksa (residency [SA]) bound to the
// Chime sandbox instance (us-east-1): `wasl check` refuses it naming the
// binding and the instance with file:line; the commented exception in the
// file, once in force, lets it pass.
TEST(Cli, CheckRefusesABindingOutsideTheFacilitysResidencyUnlessExcepted) {
  for (const char* script :
       {"/scripts/sandbox-pki", "/scripts/sandbox-oidc", "/scripts/sandbox-janus"}) {
    ASSERT_EQ(std::system((std::string(WASL_SOURCE_DIR) + script + " >/dev/null").c_str()), 0)
        << script;
  }
  std::ifstream in(std::string(WASL_SOURCE_DIR) + "/config/wasl.yaml");
  std::stringstream shipped;
  shipped << in.rdbuf();
  auto replaced = [](std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  };
  // The line of the first `needle` after `after`.
  auto line_of = [](const std::string& text, const std::string& needle,
                    const std::string& after = "") {
    const auto at = text.find(needle, text.find(after));
    return at == std::string::npos
               ? -1
               : static_cast<int>(std::count(text.begin(), text.begin() + at, '\n')) + 1;
  };
  // The copy lives elsewhere: its ${file:../var/…} read this checkout's var/.
  std::string text = shipped.str();
  for (auto at = text.find("${file:../"); at != std::string::npos;
       at = text.find("${file:../", at)) {
    text.replace(at, 10, "${file:" + std::string(WASL_SOURCE_DIR) + "/");
  }
  text = replaced(text, "      video: video.janus-sandbox", "      video: video.chime-sandbox");
  TempDir dir;
  dir.write("wasl.yaml", text);
  const std::string path = dir.file("wasl.yaml");
  CommandResult refused =
      run_wasl({"check", "--config", path}, std::chrono::seconds(60), WASL_SOURCE_DIR);
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  const int binding = line_of(text, "      video: video.chime-sandbox", "  sandbox-ksa:");
  const int instance = line_of(text, "  video.chime-sandbox:");
  const int required = line_of(text, "    residency: [SA]");
  EXPECT_NE(refused.err.find(path + ":" + std::to_string(binding) +
                             ": facilities.sandbox-ksa.bindings.video: facility sandbox-ksa "
                             "requires residency [SA] (" +
                             path + ":" + std::to_string(required) +
                             ") but is bound to instance video.chime-sandbox (" + path + ":" +
                             std::to_string(instance) +
                             "), which processes data in US (settings.region us-east-1)"),
            std::string::npos)
      << refused.err;

  text = replaced(text,
                  "    # residency_exceptions:           # an approved exception: audited at the "
                  "first start with it and\n"
                  "    #   - instance: video.chime-sandbox   # shown on the console's Plugins "
                  "page and GET /v1/residency\n"
                  "    #     reference: DPO-2026-014     # the approval's reference\n"
                  "    #     approved: 2026-11-20        # its date\n",
                  "    residency_exceptions:\n"
                  "      - instance: video.chime-sandbox\n"
                  "        reference: DPO-2026-014\n"
                  "        approved: 2026-11-20\n");
  dir.write("wasl.yaml", text);
  CommandResult passed =
      run_wasl({"check", "--config", path}, std::chrono::seconds(60), WASL_SOURCE_DIR);
  EXPECT_EQ(passed.exit_code, 0) << passed.err;
  EXPECT_NE(passed.out.find("OK"), std::string::npos) << passed.out;
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

// PHI and credentials go to the EHR and the ministry over TLS: plain http
// only to a loopback host, refused at the instance's line otherwise.
TEST(Cli, CheckRefusesPlainHttpToAnEhrOrMinistryThatIsNotLoopback) {
  TempDir dir;
  dir.write("http.yaml",
            "plugins:\n"
            "  files:\n"
            "    - name: fhir\n"
            "      file: libwasl_fhir.so\n"
            "    - name: moh\n"
            "      file: libwasl_moh.so\n"
            "instances:\n"
            "  ehr.remote:\n"
            "    plugin: fhir\n"
            "    settings:\n"
            "      base_url: http://ehr.example/fhir\n"
            "      auth: none\n"
            "  reporting.remote:\n"
            "    plugin: moh\n"
            "    settings:\n"
            "      base_url: http://moh.example/fhir\n"
            "      bearer_token: t0ken\n");
  CommandResult r = run_wasl({"check", "--config", dir.file("http.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir.file("http.yaml") + ":8: instances.ehr.remote: "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(dir.file("http.yaml") + ":13: instances.reporting.remote: "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("FHIR settings: base_url must be https://"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("MOH settings: base_url must be https://"), std::string::npos) << r.err;
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

TEST(Cli, KeysGenerateRotateAndList) {
  TempDir dir;
  std::string keys = dir.file("keys.json");
  CommandResult made = run_wasl({"keys", "generate", "--file", keys});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(std::filesystem::status(keys).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  CommandResult again = run_wasl({"keys", "generate", "--file", keys});
  EXPECT_EQ(again.exit_code, 1) << "an existing key file must never be overwritten";

  CommandResult rotated = run_wasl({"keys", "rotate", "--file", keys});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;

  CommandResult listed = run_wasl({"keys", "list", "--file", keys});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("k1-"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("decrypt-only"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("k2-"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("active"), std::string::npos) << listed.out;
}

TEST(Cli, KeysAloneNamesItsCommands) {
  CommandResult r = run_wasl({"keys"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("wasl keys generate"), std::string::npos) << r.err;
}

TEST(Cli, WorkflowValidateAcceptsTheShippedWorkflowsAndRejectsABrokenOne) {
  std::string dir = std::string(WASL_SOURCE_DIR) + "/workflows/";
  CommandResult ok =
      run_wasl({"workflow", "validate", dir + "consultation.yaml", dir + "emergency.yaml"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;

  TempDir tmp;
  tmp.write("bad.yaml",
            "name: bad\n"
            "version: 1\n"
            "trigger:\n"
            "  kind: api\n"
            "steps:\n"
            "  - id: room\n"
            "    call: video.create_rooom\n");
  CommandResult bad = run_wasl({"workflow", "validate", tmp.file("bad.yaml")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(tmp.file("bad.yaml") + ":7:"), std::string::npos) << bad.err;
}

TEST(Cli, WorkflowRunNowStartsAPeriodOnce) {
  TempDir dir;
  ASSERT_EQ(run_wasl({"keys", "generate", "--file", dir.file("keys.json")}).exit_code, 0);
  std::filesystem::create_directory(dir.file("workflows"));
  dir.write(
      "workflows/daily.yaml",
      "name: daily\nversion: 1\ntrigger:\n  kind: schedule\n  every: 1d at 02:00\n"
      "  period: day\nsteps:\n  - id: note\n    call: hub.record_event\n"
      "    with:\n      type: report.day\n      detail:\n        period: ${trigger.period}\n");
  dir.write("wasl.yaml", "security:\n  key_file: " + dir.file("keys.json") +
                             "\nstorage:\n  sqlite:\n    path: " + dir.file("wasl.db") +
                             "\nworkflows_dir: " + dir.file("workflows") +
                             "\nfacilities:\n  hospital-a:\n    name: Hospital A\n");
  const std::string config = dir.file("wasl.yaml");
  CommandResult first = run_wasl({"workflow", "run-now", "daily", "--facility", "hospital-a",
                                  "--period", "2025-03-01", "--config", config});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("started run "), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("period 2025-03-01"), std::string::npos) << first.out;
  const std::size_t id_at = first.out.find("started run ") + 12;
  const std::string run_id = first.out.substr(id_at, first.out.find(' ', id_at) - id_at);

  CommandResult again = run_wasl({"workflow", "run-now", "daily", "--facility", "hospital-a",
                                  "--period", "2025-03-01", "--config", config});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("has its run already: " + run_id), std::string::npos) << again.out;

  CommandResult month = run_wasl({"workflow", "run-now", "daily", "--facility", "hospital-a",
                                  "--period", "2025-03", "--config", config});
  EXPECT_EQ(month.exit_code, 1);
  EXPECT_NE(month.err.find("period '2025-03' is not a day (YYYY-MM-DD)"), std::string::npos)
      << month.err;
  CommandResult nowhere =
      run_wasl({"workflow", "run-now", "daily", "--facility", "nowhere", "--config", config});
  EXPECT_EQ(nowhere.exit_code, 1);
  EXPECT_NE(nowhere.err.find("facility 'nowhere'"), std::string::npos) << nowhere.err;
  CommandResult usage = run_wasl({"workflow", "run-now", "--config", config});
  EXPECT_EQ(usage.exit_code, 2);
}

TEST(Cli, MissingConfigFileIsAFixableFailure) {
  CommandResult r = run_wasl({"check", "--config", "/nonexistent/wasl.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/wasl.yaml"), std::string::npos);
}

}  // namespace
}  // namespace wasl::testing
