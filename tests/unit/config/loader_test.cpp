#include "hub/config/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "hub/config/describe.hpp"
#include "tests/unit/config/test_files.hpp"

namespace wasl::config {
namespace {

using test_support::ScopedEnv;
using test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

std::vector<std::string> problems_of(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& p : result.problems) out.push_back(p.to_string());
  return out;
}

std::vector<std::string> problems(const std::string& yaml, const std::string& base_dir = ".") {
  return problems_of(load_text(yaml, "t.yaml", base_dir));
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// 1-based line of the first line of `text` containing `needle`.
int line_containing(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(needle) != std::string::npos) return n;
  }
  return 0;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// ----- shipped files ---------------------------------------------------------

// config/wasl.yaml reads the sandbox's NPHIES certificates from var/nphies-pki,
// which scripts/sandbox-pki makes when missing (as scripts/run does).
// Its identity provider's client secret is var/oidc/client_secret, which
// scripts/sandbox-oidc makes when missing; its Janus's secrets and recording
// folder are under var/janus, which scripts/sandbox-janus makes.
void make_sandbox_pki() {
  for (const char* script :
       {"/scripts/sandbox-pki", "/scripts/sandbox-oidc", "/scripts/sandbox-janus"}) {
    const std::string command = std::string(WASL_SOURCE_DIR) + script + " >/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
}

TEST(LoadShippedConfig, DefaultFileLoadsWithTheDocumentedValues) {
  make_sandbox_pki();
  const std::string path = std::string(WASL_SOURCE_DIR) + "/config/wasl.yaml";
  const auto result = load_file(path);
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  const Config& c = result.config;
  EXPECT_EQ(c.source_file, path);
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.server.public_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c.server.keep_alive_timeout, 5s);
  EXPECT_EQ(c.server.request_timeout, 30s);
  EXPECT_EQ(c.server.shutdown_grace, 20s);
  EXPECT_EQ(c.server.body_limit, 1 << 20);
  EXPECT_EQ(c.server.webhook_body_limit, 256 << 10);
  EXPECT_FALSE(c.server.tls.has_value());
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.file, "");
  EXPECT_EQ(c.storage.backend, "sqlite");
  EXPECT_EQ(c.storage.migrate_on_start, std::optional<bool>(true));
  EXPECT_TRUE(c.storage.should_migrate_on_start());
  EXPECT_EQ(c.storage.sqlite.path, "var/wasl.db");
  EXPECT_EQ(c.storage.sqlite.busy_timeout, 5s);
  EXPECT_TRUE(c.plugins.directories.empty());
  // The sandbox block (README "Run"): the Chime, FHIR, NPHIES, MOH, HL7 v2,
  // SMTP and SMS peers, and Janus.
  ASSERT_EQ(c.plugins.files.size(), 8u);
  EXPECT_EQ(c.plugins.files[0].name, "chime");
  EXPECT_EQ(c.plugins.files[1].name, "fhir");
  EXPECT_EQ(c.plugins.files[2].name, "nphies");
  EXPECT_EQ(c.plugins.files[3].name, "moh");
  EXPECT_EQ(c.plugins.files[4].name, "hl7v2");
  EXPECT_EQ(c.plugins.files[5].name, "smtp");
  EXPECT_EQ(c.plugins.files[6].name, "sms");
  EXPECT_EQ(c.plugins.files[7].name, "janus");
  EXPECT_EQ(c.instances.size(), 8u);
  EXPECT_EQ(c.instances.count("notify.smtp-sandbox"), 1u);
  EXPECT_EQ(c.instances.count("notify.sms-sandbox"), 1u);
  EXPECT_EQ(c.instances.count("video.chime-sandbox"), 1u);
  EXPECT_EQ(c.instances.count("ehr.fhir-sandbox"), 1u);
  EXPECT_EQ(c.instances.count("billing.nphies-sandbox"), 1u);
  // The instance's tls block holds the certificate files' contents, read
  // from var/nphies-pki (scripts/sandbox-pki made them above).
  EXPECT_EQ(c.instances.at("billing.nphies-sandbox")
                .settings["tls"]["client_certificate"]
                .get<std::string>()
                .rfind("-----BEGIN CERTIFICATE-----", 0),
            0u);
  EXPECT_EQ(c.instances.count("reporting.moh-sandbox"), 1u);
  ASSERT_EQ(c.facilities.count("sandbox"), 1u);
  EXPECT_EQ(c.facilities.at("sandbox").bindings.at("video"), "video.chime-sandbox");
  EXPECT_EQ(c.facilities.at("sandbox").bindings.at("reporting"), "reporting.moh-sandbox");
  EXPECT_EQ(c.facilities.at("sandbox").bindings.at("ehr"), "ehr.fhir-sandbox");
  ASSERT_TRUE(c.facilities.at("sandbox").ehr_bookings.has_value());
  EXPECT_EQ(c.facilities.at("sandbox").ehr_bookings->workflow, "consultation");
  EXPECT_EQ(c.facilities.at("sandbox").reporting.language, "ar");
  ASSERT_TRUE(c.facilities.at("sandbox").billing.has_value());
  EXPECT_EQ(c.facilities.at("sandbox").bindings.at("billing"), "billing.nphies-sandbox");
  EXPECT_EQ(c.facilities.at("sandbox").billing->provider_license, "N-F-00001");
  // The HL7 v2 hospital: its HIS's feed on an MLLP listener, the same
  // consultation workflow for its bookings.
  const InstanceConfig& his = c.instances.at("ehr.hl7v2-sandbox");
  ASSERT_TRUE(his.mllp.has_value());
  EXPECT_EQ(his.mllp->port, 4576);
  EXPECT_EQ(his.settings["outbound"]["port"], 4574);
  ASSERT_EQ(c.facilities.count("sandbox-his"), 1u);
  EXPECT_EQ(c.facilities.at("sandbox-his").bindings.at("ehr"), "ehr.hl7v2-sandbox");
  ASSERT_TRUE(c.facilities.at("sandbox-his").ehr_bookings.has_value());
  EXPECT_EQ(c.facilities.at("sandbox-his").ehr_bookings->workflow, "consultation");
  // The console: API-key sign-in for the sandbox, and the OIDC peer as the
  // hospital's identity provider.
  EXPECT_TRUE(c.facilities.at("sandbox").console.api_key_sign_in);
  EXPECT_FALSE(c.facilities.at("sandbox-his").console.api_key_sign_in);
  // The in-Kingdom hospital: video on the sandbox's Janus, everything it
  // binds declared in SA, its requirement met without an exception.
  ASSERT_EQ(c.facilities.count("sandbox-ksa"), 1u);
  const FacilityConfig& ksa = c.facilities.at("sandbox-ksa");
  EXPECT_EQ(ksa.residency, std::vector<std::string>{"SA"});
  EXPECT_TRUE(ksa.residency_exceptions.empty());
  EXPECT_EQ(ksa.bindings.at("video"), "video.janus-sandbox");
  EXPECT_EQ(ksa.bindings.at("ehr"), "ehr.fhir-sandbox");
  EXPECT_EQ(ksa.bindings.at("billing"), "billing.nphies-sandbox");
  EXPECT_EQ(ksa.bindings.at("reporting"), "reporting.moh-sandbox");
  const InstanceConfig& janus = c.instances.at("video.janus-sandbox");
  EXPECT_EQ(janus.residency, "SA");
  EXPECT_EQ(janus.settings["recording_root"].get<std::string>(),
            std::string(WASL_SOURCE_DIR) + "/var/janus/recordings");
  EXPECT_TRUE(c.facilities.at("sandbox").residency.empty());
  EXPECT_EQ(c.archive.residency, "SA");
  ASSERT_TRUE(c.signin.has_value());
  EXPECT_EQ(c.signin->public_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c.signin->session.idle_timeout, 15min);
  EXPECT_EQ(c.signin->session.absolute_lifetime, 8h);
  EXPECT_EQ(c.signin->session.keep_ended, 7 * 24h);
  ASSERT_EQ(c.signin->providers.count("hospital"), 1u);
  const SigninProviderConfig& hospital = c.signin->providers.at("hospital");
  EXPECT_EQ(hospital.issuer, "http://127.0.0.1:4590");
  EXPECT_EQ(hospital.client_id, "wasl");
  EXPECT_EQ(hospital.client_secret.reveal(),
            read_all(std::string(WASL_SOURCE_DIR) + "/var/oidc/client_secret").substr(0, 64));
  EXPECT_EQ(hospital.label.ar, "حساب المستشفى");
  EXPECT_EQ(hospital.practitioner_claim, "fhir_user");
  ASSERT_EQ(hospital.rules.size(), 6u);
  EXPECT_EQ(hospital.rules[1].group, "wasl-sandbox-integrators");
  EXPECT_EQ(hospital.rules[1].facility, "sandbox");
  EXPECT_EQ(hospital.rules[1].role, "integrator");
  EXPECT_EQ(hospital.rules[5].facility, "sandbox-his");
  EXPECT_EQ(hospital.rules[5].role, "clinician");
  EXPECT_EQ(c.workflows_dir, "workflows");
  // The clamd scripts/run starts for the sandbox (scripts/test-clamav, var/clamd).
  EXPECT_EQ(c.documents.clamd, "tcp://127.0.0.1:4582");
}

TEST(LoadShippedConfig, DefaultFileAgreesWithTheDeclaredDefaults) {
  make_sandbox_pki();
  const auto result = load_file(std::string(WASL_SOURCE_DIR) + "/config/wasl.yaml");
  ASSERT_TRUE(result.ok());
  Config defaults;
  defaults.storage.migrate_on_start = true;  // written out in the file
  // The sandbox block is checked by the test above; everything else is a default.
  Config shipped = result.config;
  shipped.plugins.files = defaults.plugins.files;
  shipped.instances = defaults.instances;
  shipped.facilities = defaults.facilities;
  // Where the sandbox's recordings are kept (GET /v1/residency).
  shipped.archive.residency = defaults.archive.residency;
  // The sandbox's clamd; the default is the system's clamav-daemon.
  shipped.documents.clamd = defaults.documents.clamd;
  // The signin block's values are the declared defaults but for its provider.
  ASSERT_TRUE(shipped.signin.has_value());
  shipped.signin->providers.clear();
  defaults.signin.emplace();
  EXPECT_EQ(render(shipped), render(defaults));
}

TEST(LoadShippedConfig, ProductionFileLoadsWithTheDatabaseUrlFromTheEnvironment) {
  TempDir dir;
  const std::string secret_url = "postgresql://wasl:pr0d-pa55word@db.internal:5432/wasl";
  ScopedEnv env("WASL_DATABASE_URL", secret_url);
  dir.write("tls/wasl.crt", "-----BEGIN CERTIFICATE-----\n");
  dir.write("tls/wasl.key", "-----BEGIN PRIVATE KEY-----\n");
  const std::string original =
      read_all(std::string(WASL_SOURCE_DIR) + "/config/wasl.production.yaml");
  ASSERT_THAT(original, HasSubstr("/etc/wasl/tls/"));
  const std::string text =
      replace_all(original, "/etc/wasl/tls/", (dir.path() / "tls").string() + "/");
  const std::string path = dir.write("wasl.production.yaml", text);

  const auto result = load_file(path);
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  const Config& c = result.config;
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 8443);
  EXPECT_EQ(c.server.public_url, "https://wasl.example.org");
  ASSERT_TRUE(c.server.tls.has_value());
  EXPECT_EQ(c.server.tls->certificate_file, (dir.path() / "tls/wasl.crt").string());
  EXPECT_EQ(c.server.tls->private_key_file, (dir.path() / "tls/wasl.key").string());
  EXPECT_EQ(c.server.tls->ca_file, "");
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.file, "");
  EXPECT_EQ(c.storage.backend, "postgres");
  EXPECT_EQ(c.storage.postgres.url.reveal(), secret_url);
  EXPECT_GT(c.storage.postgres.pool_size, 1);
  EXPECT_FALSE(c.storage.should_migrate_on_start());
  EXPECT_THAT(c.secret_values, ElementsAre(secret_url));
  EXPECT_THAT(render(c), Not(HasSubstr("pr0d-pa55word")));
}

TEST(LoadShippedConfig, ProductionFileWithoutTheVariableNamesIt) {
  ScopedEnv env("WASL_DATABASE_URL", std::nullopt);
  const std::string path = std::string(WASL_SOURCE_DIR) + "/config/wasl.production.yaml";
  const int line = line_containing(read_all(path), "${env:WASL_DATABASE_URL}");
  ASSERT_GT(line, 0);
  const auto all = problems_of(load_file(path));
  EXPECT_THAT(all, ::testing::Contains(path + ":" + std::to_string(line) +
                                       ": storage.postgres.url: environment variable "
                                       "WASL_DATABASE_URL is not set (${env:WASL_DATABASE_URL})"));
  EXPECT_THAT(::testing::PrintToString(all), Not(HasSubstr("required when")));
}

TEST(LoadFile, MissingFileIsOneProblemNamingIt) {
  TempDir dir;
  const std::string path = (dir.path() / "absent.yaml").string();
  EXPECT_THAT(problems_of(load_file(path)),
              ElementsAre(path + ": cannot read the config file (No such file or directory)"));
}

TEST(LoadText, EmptyDocumentGivesTheDefaults) {
  const auto result = load_text("# nothing here\n", "t.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(render(result.config), render(Config{}));
}

// ----- one problem per class, with its exact line ------------------------------

TEST(LoadProblems, UnknownKeySuggestsTheNearestKey) {
  EXPECT_THAT(problems("storage:\n"
                       "  backnd: sqlite\n"),
              ElementsAre("t.yaml:2: storage.backnd: unknown key (did you mean \"backend\"?)"));
}

TEST(LoadProblems, UnknownKeyWithoutNearKeyListsTheKeys) {
  EXPECT_THAT(problems("log:\n"
                       "  level: info\n"
                       "colour: blue\n"),
              ElementsAre("t.yaml:3: colour: unknown key (expected one of server, log, storage, "
                          "security, workflow, tasks, archive, documents, notification_delivery, "
                          "plugins, instances, facilities, signin, workflows_dir)"));
}

TEST(LoadProblems, WrongTypeNamesTheExpectedForm) {
  EXPECT_THAT(problems("server:\n"
                       "  port: eighty\n"
                       "storage:\n"
                       "  migrate_on_start: maybe\n"
                       "plugins:\n"
                       "  directories: /usr/lib/wasl\n"),
              ElementsAre("t.yaml:2: server.port: expected an integer between 0 and 65535",
                          "t.yaml:4: storage.migrate_on_start: expected true or false",
                          "t.yaml:6: plugins.directories: expected a list of non-empty strings"));
}

TEST(LoadProblems, SectionThatIsNotAMappingIsAProblem) {
  const auto all = problems("log: verbose\n");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], "t.yaml:1: log: expected a mapping with keys level, file");
}

TEST(LoadProblems, OutOfRangeInteger) {
  EXPECT_THAT(
      problems("server:\n"
               "  host: 0.0.0.0\n"
               "  port: 70000\n"
               "  max_threads: 0\n"),
      ElementsAre("t.yaml:3: server.port: expected an integer between 0 and 65535",
                  "t.yaml:4: server.max_threads: expected an integer between 1 and 100000"));
}

TEST(LoadProblems, BadDurationsShowTheForm) {
  EXPECT_THAT(
      problems("server:\n"
               "  request_timeout: 30\n"
               "  shutdown_grace: 5 s\n"
               "  keep_alive_timeout: 0s\n"
               "storage:\n"
               "  sqlite:\n"
               "    busy_timeout: 1.5s\n"),
      ElementsAre("t.yaml:2: server.request_timeout: expected a positive duration with a unit, "
                  "such as 250ms, 5s, 2m or 1h",
                  "t.yaml:3: server.shutdown_grace: expected a duration with a unit, such as "
                  "250ms, 5s, 2m or 1h",
                  "t.yaml:4: server.keep_alive_timeout: expected a positive duration with a "
                  "unit, such as 250ms, 5s, 2m or 1h",
                  "t.yaml:7: storage.sqlite.busy_timeout: expected a duration with a unit, such "
                  "as 250ms, 5s, 2m or 1h"));
}

TEST(LoadProblems, DurationsAndSizesInEveryUnit) {
  const auto result = load_text(
      "server:\n"
      "  keep_alive_timeout: 250ms\n"
      "  request_timeout: 2m\n"
      "  shutdown_grace: 1h\n"
      "  body_limit: 1048576\n"
      "  webhook_body_limit: 2GiB\n",
      "t.yaml");
  EXPECT_THAT(problems_of(result),
              ElementsAre("t.yaml:6: server.webhook_body_limit: expected a size in bytes such as "
                          "1048576, 256KiB or 1MiB, from 1 to 1GiB"));
  EXPECT_EQ(result.config.server.keep_alive_timeout, 250ms);
  EXPECT_EQ(result.config.server.request_timeout, 2min);
  EXPECT_EQ(result.config.server.shutdown_grace, 1h);
  EXPECT_EQ(result.config.server.body_limit, 1048576);

  const auto ok =
      load_text("server:\n  body_limit: 256KiB\n  webhook_body_limit: 1MiB\n", "t.yaml");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.config.server.body_limit, 256 * 1024);
  EXPECT_EQ(ok.config.server.webhook_body_limit, 1024 * 1024);
}

TEST(LoadProblems, BadSize) {
  EXPECT_THAT(problems("server:\n"
                       "  body_limit: 1MB\n"
                       "  webhook_body_limit: 0\n"),
              ElementsAre("t.yaml:2: server.body_limit: expected a size in bytes such as 1048576, "
                          "256KiB or 1MiB, from 1 to 1GiB",
                          "t.yaml:3: server.webhook_body_limit: expected a size in bytes such as "
                          "1048576, 256KiB or 1MiB, from 1 to 1GiB"));
}

TEST(LoadProblems, BadEnumListsTheChoicesAndSuggests) {
  EXPECT_THAT(problems("log:\n"
                       "  level: verbose\n"
                       "storage:\n"
                       "  backend: postgress\n"),
              ElementsAre("t.yaml:2: log.level: expected one of trace, debug, info, warn, error, "
                          "critical, off",
                          "t.yaml:4: storage.backend: expected one of sqlite, postgres (did you "
                          "mean \"postgres\"?)"));
}

TEST(LoadProblems, BadPublicUrl) {
  EXPECT_THAT(problems("server:\n"
                       "  public_url: wasl.example.org\n"),
              ElementsAre("t.yaml:2: server.public_url: expected an absolute http:// or https:// "
                          "URL"));
  EXPECT_THAT(problems("server:\n  public_url: https://\n"),
              ElementsAre("t.yaml:2: server.public_url: expected an absolute http:// or https:// "
                          "URL"));
  EXPECT_TRUE(problems("server:\n  public_url: https://wasl.example.org:8443/base\n").empty());
}

TEST(LoadProblems, MissingRequiredKeyIsReportedWhereItsMappingStarts) {
  EXPECT_THAT(problems("plugins:\n"
                       "  files:\n"
                       "    - name: chime\n"
                       "    - file: libx.so\n"),
              ElementsAre("t.yaml:3: plugins.files[0].file: required (a non-empty file path)",
                          "t.yaml:4: plugins.files[1].name: required (a non-empty string)"));
}

TEST(LoadProblems, PostgresUrlRequiredWhenTheBackendIsPostgres) {
  EXPECT_THAT(problems("storage:\n"
                       "  backend: postgres\n"
                       "  postgres:\n"
                       "    pool_size: 4\n"),
              ElementsAre("t.yaml:2: storage.postgres.url: required when storage.backend is "
                          "postgres"));
  EXPECT_TRUE(problems("storage:\n  backend: sqlite\n").empty());
}

TEST(LoadProblems, EmptyTlsSectionStillNeedsItsFiles) {
  EXPECT_THAT(problems("server:\n"
                       "  tls:\n"),
              ElementsAre("t.yaml:2: server.tls.certificate_file: required (the path of a "
                          "readable file)",
                          "t.yaml:2: server.tls.private_key_file: required (the path of a "
                          "readable file)"));
}

TEST(LoadProblems, DuplicateKey) {
  EXPECT_THAT(problems("server:\n"
                       "  port: 1\n"
                       "  port: 2\n"),
              ElementsAre("t.yaml:3: server.port: duplicate key (first written at line 2)"));
}

TEST(LoadProblems, TlsFilesMustBeReadable) {
  TempDir dir;
  const std::string cert = dir.write("c.pem", "x");
  const std::string missing = (dir.path() / "k.pem").string();
  EXPECT_THAT(problems("server:\n"
                       "  tls:\n"
                       "    certificate_file: " +
                       cert +
                       "\n"
                       "    private_key_file: " +
                       missing + "\n"),
              ElementsAre("t.yaml:4: server.tls.private_key_file: cannot read " + missing +
                          " (No such file or directory)"));
  EXPECT_THAT(problems("server:\n"
                       "  tls:\n"
                       "    certificate_file: " +
                       cert + "\n"),
              ElementsAre("t.yaml:2: server.tls.private_key_file: required (the path of a "
                          "readable file)"));
}

const char* const kReferences =
    "plugins:\n"                       // 1
    "  files:\n"                       // 2
    "    - name: chime\n"              // 3
    "      file: libchime.so\n"        // 4
    "      sha256: ABCDEF\n"           // 5
    "instances:\n"                     // 6
    "  video.chime-main:\n"            // 7
    "    plugin: chime\n"              // 8
    "  ehr.kfsh:\n"                    // 9
    "    plugin: fhir\n"               // 10
    "  Video.Bad:\n"                   // 11
    "    plugin: chime\n"              // 12
    "facilities:\n"                    // 13
    "  kfsh:\n"                        // 14
    "    name: KFSH\n"                 // 15
    "    bindings:\n"                  // 16
    "      video: video.chime-mian\n"  // 17
    "      ehr: video.chime-main\n"    // 18
    "      fax: ehr.kfsh\n"            // 19
    "  Bad_Id:\n"                      // 20
    "    name: x\n";                   // 21

TEST(LoadProblems, AllProblemsAreCollectedAtOnceInLineOrder) {
  EXPECT_THAT(
      problems(kReferences),
      ElementsAre(
          "t.yaml:5: plugins.files[0].sha256: expected 64 lowercase hexadecimal digits (a "
          "SHA-256)",
          "t.yaml:10: instances.ehr.kfsh.plugin: \"fhir\" is not declared in plugins.files",
          "t.yaml:11: instances.Video.Bad: expected an instance name \"<capability>.<label>\" "
          "(capability video, ehr, billing, reporting or notify; label of a-z, 0-9 and -, not "
          "starting with -)",
          "t.yaml:17: facilities.kfsh.bindings.video: instance \"video.chime-mian\" is not "
          "declared in instances (did you mean \"video.chime-main\"?)",
          "t.yaml:18: facilities.kfsh.bindings.ehr: instance \"video.chime-main\" has "
          "capability video, not ehr",
          "t.yaml:19: facilities.kfsh.bindings.fax: unknown role (expected one of video, ehr, "
          "billing, reporting, notify)",
          "t.yaml:20: facilities.Bad_Id: expected a facility id (a-z, 0-9 and -, not starting "
          "with -)"));
}

TEST(LoadProblems, PluginNotDeclaredSuggestsTheNearestPlugin) {
  EXPECT_THAT(problems("plugins:\n"
                       "  files:\n"
                       "    - {name: twilio, file: libtwilio.so}\n"
                       "instances:\n"
                       "  video.main:\n"
                       "    plugin: twillio\n"),
              ElementsAre("t.yaml:6: instances.video.main.plugin: \"twillio\" is not declared in "
                          "plugins.files (did you mean \"twilio\"?)"));
}

TEST(LoadProblems, DuplicatePluginName) {
  EXPECT_THAT(problems("plugins:\n"
                       "  files:\n"
                       "    - {name: a, file: a.so}\n"
                       "    - {name: a, file: b.so}\n"),
              ElementsAre("t.yaml:4: plugins.files[1].name: \"a\" is already declared at line 3"));
}

TEST(LoadProblems, MissingEnvironmentVariable) {
  ScopedEnv env("WASL_TEST_UNSET_VAR", std::nullopt);
  EXPECT_THAT(problems("storage:\n"
                       "  backend: postgres\n"
                       "  postgres:\n"
                       "    url: ${env:WASL_TEST_UNSET_VAR}\n"),
              ElementsAre("t.yaml:4: storage.postgres.url: environment variable "
                          "WASL_TEST_UNSET_VAR is not set (${env:WASL_TEST_UNSET_VAR})"));
}

TEST(LoadProblems, MissingSecretFileIsResolvedAgainstTheConfigDirectory) {
  TempDir dir;
  const std::string path = dir.write("wasl.yaml",
                                     "storage:\n"
                                     "  backend: postgres\n"
                                     "  postgres:\n"
                                     "    url: ${file:secrets/db-url}\n");
  EXPECT_THAT(problems_of(load_file(path)),
              ElementsAre(path + ":4: storage.postgres.url: cannot read file " +
                          (dir.path() / "secrets/db-url").string() +
                          " (No such file or directory; from ${file:secrets/db-url})"));

  dir.write("secrets/db-url", "postgresql://wasl:f1le-secret@db/wasl\n");
  const auto result = load_file(path);
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  EXPECT_EQ(result.config.storage.postgres.url.reveal(), "postgresql://wasl:f1le-secret@db/wasl");
}

TEST(LoadProblems, YamlSyntaxErrorGivesItsLine) {
  EXPECT_THAT(problems("server:\n"
                       "  port: 8080\n"
                       " host: x\n"),
              ElementsAre("t.yaml:3: YAML syntax error: end of map not found"));
  EXPECT_THAT(problems("server:\n"
                       "  port: 8080\n"
                       "  host: [a, b\n"
                       "log:\n"
                       "  level: info\n"),
              ElementsAre("t.yaml:4: YAML syntax error: end of sequence flow not found"));
}

TEST(LoadProblems, RootThatIsNotAMapping) {
  const auto all = problems("- a\n- b\n");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_THAT(all[0], HasSubstr("t.yaml:1: expected a mapping with keys server, log"));
}

TEST(LoadText, JsonDocumentIsAccepted) {
  const auto result = load_text(R"({
  "server": {"port": 9090, "public_url": "https://hub.example.org"},
  "storage": {"backend": "sqlite", "sqlite": {"path": "/var/lib/wasl/wasl.db"}},
  "plugins": {"files": [{"name": "chime", "file": "libchime.so"}]},
  "instances": {"video.chime-main": {"plugin": "chime", "settings": {"region": "me-south-1", "n": 2}}},
  "facilities": {"kfsh": {"name": "KFSH", "bindings": {"video": "video.chime-main"}}}
})",
                                "t.json");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  EXPECT_EQ(result.config.server.port, 9090);
  EXPECT_EQ(result.config.storage.sqlite.path, "/var/lib/wasl/wasl.db");
  EXPECT_EQ(result.config.instances.at("video.chime-main").settings,
            nlohmann::json::parse(R"({"region": "me-south-1", "n": 2})"));
  EXPECT_EQ(result.config.facilities.at("kfsh").bindings.at("video"), "video.chime-main");

  EXPECT_THAT(problems_of(load_text("{\n"
                                    "  \"server\": {\n"
                                    "    \"port\": \"abc\"\n"
                                    "  }\n"
                                    "}\n",
                                    "t.json")),
              ElementsAre("t.json:3: server.port: expected an integer between 0 and 65535"));
}

// ----- secrets ----------------------------------------------------------------

TEST(LoadSecrets, SubstitutedValuesNeverAppearInProblems) {
  const std::string secret = "hunter2-TOP";
  ScopedEnv env("WASL_TEST_SECRET", secret);
  TempDir dir;
  dir.write("secret.txt", secret + "\n");
  const std::string text =
      "server:\n"                                        // 1
      "  port: ${env:WASL_TEST_SECRET}\n"                // 2
      "  public_url: ${env:WASL_TEST_SECRET}\n"          // 3
      "  request_timeout: ${file:secret.txt}\n"          // 4
      "  tls:\n"                                         // 5
      "    certificate_file: ${env:WASL_TEST_SECRET}\n"  // 6
      "    private_key_file: x${file:secret.txt}\n"      // 7
      "log:\n"                                           // 8
      "  level: ${env:WASL_TEST_SECRET}\n"               // 9
      "plugins:\n"                                       // 10
      "  files:\n"                                       // 11
      "    - name: p\n"                                  // 12
      "      file: p.so\n"                               // 13
      "      sha256: ${env:WASL_TEST_SECRET}\n"          // 14
      "instances:\n"                                     // 15
      "  video.a:\n"                                     // 16
      "    plugin: ${env:WASL_TEST_SECRET}\n"            // 17
      "facilities:\n"                                    // 18
      "  f:\n"                                           // 19
      "    bindings:\n"                                  // 20
      "      video: ${file:secret.txt}\n";               // 21
  const auto all = problems(text, dir.path().string());
  EXPECT_THAT(
      all,
      ElementsAre(
          "t.yaml:2: server.port: expected an integer between 0 and 65535 (value from "
          "${env:WASL_TEST_SECRET})",
          "t.yaml:3: server.public_url: expected an absolute http:// or https:// URL (value "
          "from ${env:WASL_TEST_SECRET})",
          "t.yaml:4: server.request_timeout: expected a positive duration with a unit, such as "
          "250ms, 5s, 2m or 1h (value from ${file:secret.txt})",
          "t.yaml:6: server.tls.certificate_file: cannot read the file (value from "
          "${env:WASL_TEST_SECRET}) (No such file or directory)",
          "t.yaml:7: server.tls.private_key_file: cannot read the file (value from "
          "${file:secret.txt}) (No such file or directory)",
          "t.yaml:9: log.level: expected one of trace, debug, info, warn, error, critical, off "
          "(value from ${env:WASL_TEST_SECRET})",
          "t.yaml:14: plugins.files[0].sha256: expected 64 lowercase hexadecimal digits (a "
          "SHA-256) (value from ${env:WASL_TEST_SECRET})",
          "t.yaml:17: instances.video.a.plugin: the value of ${env:WASL_TEST_SECRET} is not "
          "declared in plugins.files",
          "t.yaml:21: facilities.f.bindings.video: instance the value of ${file:secret.txt} is "
          "not declared in instances"));
  for (const auto& p : all) EXPECT_THAT(p, Not(HasSubstr("hunter2"))) << p;
  EXPECT_THAT(describe(), Not(HasSubstr("hunter2")));
}

TEST(LoadSecrets, SecretValuesAreRedactedWhenRendered) {
  ScopedEnv url("WASL_TEST_DB_URL", "postgresql://wasl:db-s3cret@db/wasl");
  ScopedEnv token("WASL_TEST_TOKEN", "tok-s3cret");
  ScopedEnv log("WASL_TEST_LOG", "/var/log/s3cret-dir/wasl.log");
  const auto result = load_text(
      "log:\n"
      "  file: ${env:WASL_TEST_LOG}\n"
      "storage:\n"
      "  backend: postgres\n"
      "  postgres:\n"
      "    url: ${env:WASL_TEST_DB_URL}\n"
      "plugins:\n"
      "  files: [{name: x, file: x.so}]\n"
      "instances:\n"
      "  ehr.a:\n"
      "    plugin: x\n"
      "    settings:\n"
      "      header: Bearer ${env:WASL_TEST_TOKEN}\n",
      "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  EXPECT_EQ(result.config.log.file, "/var/log/s3cret-dir/wasl.log");
  const std::string text = render(result.config);
  EXPECT_THAT(text, Not(HasSubstr("s3cret")));
  EXPECT_THAT(text, HasSubstr("storage.postgres.url: [redacted]"));
  EXPECT_THAT(text, HasSubstr("log.file: [redacted]"));
  EXPECT_THAT(text, HasSubstr("instances.ehr.a.settings: {\"header\":\"Bearer [redacted]\"}"));
  std::ostringstream streamed;
  streamed << result.config.storage.postgres.url;
  EXPECT_EQ(streamed.str(), "[redacted]");
}

// ----- instances --------------------------------------------------------------

TEST(LoadInstances, SettingsBecomeTypedJsonAndRecordTheirSecrets) {
  TempDir dir;
  dir.write("token.txt", "auth-tok\n");
  ScopedEnv sid("WASL_TEST_SID", "AC123");
  const std::string text =
      "plugins:\n"                  // 1
      "  files:\n"                  // 2
      "    - name: twilio\n"        // 3
      "      file: libtwilio.so\n"  // 4
      "instances:\n"                // 5
      "  video.twilio-main:\n"      // 6
      "    plugin: twilio\n"        // 7
      "    optional: true\n"        // 8
      "    settings:\n"             // 9
      "      account_sid: ${env:WASL_TEST_SID}\n"
      "      auth_token: ${file:token.txt}\n"
      "      region: \"us1\"\n"
      "      port: 443\n"
      "      quoted_port: \"443\"\n"
      "      single_quoted: '-7'\n"
      "      negative: -7\n"
      "      ratio: 0.5\n"
      "      exponent: 1e3\n"
      "      enabled: false\n"
      "      quoted_bool: \"true\"\n"
      "      nothing: null\n"
      "      tilde: ~\n"
      "      empty:\n"
      "      nested: {list: [1, \"2\", three, 4.0e1]}\n"
      "      big: 18446744073709551615\n"
      "      literal: $${env:NOT_EXPANDED}\n"
      "      header: \"Bearer ${env:WASL_TEST_SID}\"\n"
      "      arabic: \"مستشفى\"\n"
      "  ehr.kfsh:\n"
      "    plugin: twilio\n";
  const auto result = load_text(text, "t.yaml", dir.path().string());
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  ASSERT_EQ(result.config.plugins.files.size(), 1u);
  EXPECT_EQ(result.config.plugins.files[0].line, 3);

  const InstanceConfig& twilio = result.config.instances.at("video.twilio-main");
  EXPECT_EQ(twilio.name, "video.twilio-main");
  EXPECT_EQ(twilio.plugin, "twilio");
  EXPECT_TRUE(twilio.optional);
  EXPECT_EQ(twilio.line, 6);
  const nlohmann::json& s = twilio.settings;
  EXPECT_EQ(s["account_sid"], "AC123");
  EXPECT_EQ(s["auth_token"], "auth-tok");
  EXPECT_EQ(s["region"], "us1");
  EXPECT_TRUE(s["port"].is_number_integer());
  EXPECT_EQ(s["port"], 443);
  EXPECT_TRUE(s["quoted_port"].is_string());
  EXPECT_EQ(s["quoted_port"], "443");
  EXPECT_EQ(s["single_quoted"], "-7");
  EXPECT_EQ(s["negative"], -7);
  EXPECT_TRUE(s["ratio"].is_number_float());
  EXPECT_DOUBLE_EQ(s["ratio"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(s["exponent"].get<double>(), 1000.0);
  EXPECT_EQ(s["enabled"], false);
  EXPECT_EQ(s["quoted_bool"], "true");
  EXPECT_TRUE(s["nothing"].is_null());
  EXPECT_TRUE(s["tilde"].is_null());
  EXPECT_TRUE(s["empty"].is_null());
  EXPECT_EQ(s["nested"], nlohmann::json::parse(R"({"list": [1, "2", "three", 40.0]})"));
  EXPECT_TRUE(s["big"].is_number_unsigned());
  EXPECT_EQ(s["big"].get<std::uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(s["literal"], "${env:NOT_EXPANDED}");
  EXPECT_EQ(s["header"], "Bearer AC123");
  EXPECT_EQ(s["arabic"], "مستشفى");
  EXPECT_THAT(twilio.secret_values, ElementsAre("AC123", "auth-tok", "AC123"));

  const InstanceConfig& kfsh = result.config.instances.at("ehr.kfsh");
  EXPECT_FALSE(kfsh.optional);
  EXPECT_EQ(kfsh.settings, nlohmann::json::object());
  EXPECT_TRUE(kfsh.secret_values.empty());
}

TEST(LoadInstances, SettingsMustBeAMapping) {
  EXPECT_THAT(problems("plugins:\n"
                       "  files: [{name: x, file: x.so}]\n"
                       "instances:\n"
                       "  billing.nphies:\n"
                       "    plugin: x\n"
                       "    settings: [1, 2]\n"),
              ElementsAre("t.yaml:6: instances.billing.nphies.settings: expected a mapping"));
}

TEST(LoadInstances, AnMllpBlockGivesTheFeedAListenerWithDefaultsAndBounds) {
  const auto result = load_text(
      "plugins:\n"
      "  files: [{name: hl7v2, file: libwasl_hl7v2.so}]\n"
      "instances:\n"
      "  ehr.his-a:\n"
      "    plugin: hl7v2\n"
      "    mllp:\n"
      "      port: 2575\n"
      "      max_message_bytes: 512KiB\n"
      "      read_timeout: 5s\n"
      "  ehr.his-b:\n"
      "    plugin: hl7v2\n",
      "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  const InstanceConfig& a = result.config.instances.at("ehr.his-a");
  ASSERT_TRUE(a.mllp.has_value());
  EXPECT_EQ(a.mllp->host, "127.0.0.1");
  EXPECT_EQ(a.mllp->port, 2575);
  EXPECT_EQ(a.mllp->max_message_bytes, 512 * 1024);
  EXPECT_EQ(a.mllp->read_timeout, std::chrono::seconds(5));
  EXPECT_EQ(a.mllp->idle_timeout, std::chrono::minutes(5));
  EXPECT_EQ(a.mllp->max_connections_per_peer, 64);
  EXPECT_FALSE(result.config.instances.at("ehr.his-b").mllp.has_value());

  EXPECT_THAT(problems("plugins:\n"
                       "  files: [{name: x, file: x.so}]\n"
                       "instances:\n"
                       "  ehr.his:\n"
                       "    plugin: x\n"
                       "    mllp:\n"
                       "      port: 70000\n"),
              ElementsAre(testing::StartsWith("t.yaml:7: instances.ehr.his.mllp.port: ")));
}

TEST(LoadInstances, AnMllpTlsBlockNamesReadableFilesAsServerTlsDoes) {
  TempDir dir;
  const std::string cert = dir.write("mllp.crt", "-----BEGIN CERTIFICATE-----\n");
  const std::string key = dir.write("mllp.key", "-----BEGIN PRIVATE KEY-----\n");
  const std::string ca = dir.write("senders-ca.crt", "-----BEGIN CERTIFICATE-----\n");
  const std::string head =
      "plugins:\n"
      "  files: [{name: hl7v2, file: libwasl_hl7v2.so}]\n"
      "instances:\n"
      "  ehr.his-a:\n"
      "    plugin: hl7v2\n"
      "    mllp:\n"
      "      port: 2575\n"
      "      tls:\n";
  const auto result = load_text(head + "        certificate_file: " + cert +
                                    "\n"
                                    "        private_key_file: " +
                                    key +
                                    "\n"
                                    "        ca_file: " +
                                    ca + "\n",
                                "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  const InstanceMllpConfig& mllp = *result.config.instances.at("ehr.his-a").mllp;
  ASSERT_TRUE(mllp.tls.has_value());
  EXPECT_EQ(mllp.tls->certificate_file, cert);
  EXPECT_EQ(mllp.tls->private_key_file, key);
  EXPECT_EQ(mllp.tls->ca_file, ca);

  // Without a tls block: plain TCP; an empty one still needs its two files,
  // and a file that cannot be read is named.
  const auto plain = load_text(head.substr(0, head.rfind("      tls:")), "t.yaml");
  ASSERT_TRUE(plain.ok()) << ::testing::PrintToString(problems_of(plain));
  EXPECT_FALSE(plain.config.instances.at("ehr.his-a").mllp->tls.has_value());
  EXPECT_THAT(problems(head),
              ElementsAre("t.yaml:8: instances.ehr.his-a.mllp.tls.certificate_file: required (the "
                          "path of a readable file)",
                          "t.yaml:8: instances.ehr.his-a.mllp.tls.private_key_file: required (the "
                          "path of a readable file)"));
  const std::string missing = (dir.path() / "missing.key").string();
  EXPECT_THAT(problems(head + "        certificate_file: " + cert +
                       "\n"
                       "        private_key_file: " +
                       missing + "\n"),
              ElementsAre("t.yaml:10: instances.ehr.his-a.mllp.tls.private_key_file: cannot read " +
                          missing + " (No such file or directory)"));
}

TEST(LoadInstances, FacilitiesBindRolesToInstancesOfTheSameCapability) {
  const auto result = load_text(
      "plugins:\n"
      "  files: [{name: x, file: x.so, sha256: " +
          std::string(64, 'a') +
          "}]\n"
          "instances:\n"
          "  video.main: {plugin: x}\n"
          "  ehr.hospital-a: {plugin: x}\n"
          "facilities:\n"
          "  hospital-a:\n"
          "    name: مستشفى أ\n"
          "    bindings:\n"
          "      video: video.main\n"
          "      ehr: ehr.hospital-a\n",
      "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  EXPECT_EQ(result.config.plugins.files[0].sha256, std::string(64, 'a'));
  const FacilityConfig& f = result.config.facilities.at("hospital-a");
  EXPECT_EQ(f.id, "hospital-a");
  EXPECT_EQ(f.name, "مستشفى أ");
  EXPECT_EQ(f.line, 7);
  EXPECT_EQ(f.bindings, (std::map<std::string, std::string>{{"video", "video.main"},
                                                            {"ehr", "ehr.hospital-a"}}));
}

TEST(LoadFacilities, BillingSettingsAreReadWithTheirDefaults) {
  const auto result = load_text(
      "facilities:\n"
      "  hospital-a:\n"
      "    name: A\n"
      "    billing:\n"
      "      provider_license: PR-FHIR\n"
      "      service_code: \"83600-00-10\"\n"
      "      price: 172.50\n"
      "      tax: 25.88\n"
      "      diagnosis_code: Z71.9\n",
      "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  const auto& billing = result.config.facilities.at("hospital-a").billing;
  ASSERT_TRUE(billing.has_value());
  EXPECT_EQ(billing->provider_license, "PR-FHIR");
  EXPECT_EQ(billing->payer_license, "");
  EXPECT_EQ(billing->claim_type, "professional");
  EXPECT_EQ(billing->claim_subtype, "op");
  EXPECT_EQ(billing->service_code, "83600-00-10");
  EXPECT_DOUBLE_EQ(billing->price, 172.5);
  EXPECT_DOUBLE_EQ(billing->tax, 25.88);
  EXPECT_EQ(billing->currency, "SAR");
  EXPECT_EQ(billing->diagnosis_code, "Z71.9");
  EXPECT_EQ(billing->poll_interval, std::chrono::minutes(5));
  EXPECT_EQ(billing->max_unanswered_age, std::chrono::hours(72));
  EXPECT_EQ(billing->submission, "immediate");
}

TEST(LoadFacilities, AFacilityMayBillInBatches) {
  const std::string head =
      "facilities:\n"
      "  hospital-a:\n"
      "    name: A\n"
      "    billing:\n"
      "      provider_license: PR-FHIR\n"
      "      service_code: \"83600-00-10\"\n"
      "      price: 172.50\n"
      "      diagnosis_code: Z71.9\n";
  const auto result = load_text(head + "      submission: batch\n", "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  EXPECT_EQ(result.config.facilities.at("hospital-a").billing->submission, "batch");
  EXPECT_THAT(problems_of(load_text(head + "      submission: batches\n", "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:9: facilities.hospital-a.billing.submission: "
                                    "expected one of immediate, batch")));
}

TEST(LoadFacilities, TheAgeOfAnUnansweredClaimIsSet) {
  const auto result = load_text(
      "facilities:\n"
      "  hospital-a:\n"
      "    name: A\n"
      "    billing:\n"
      "      provider_license: PR-FHIR\n"
      "      service_code: \"83600-00-10\"\n"
      "      price: 172.50\n"
      "      diagnosis_code: Z71.9\n"
      "      max_unanswered_age: 6h\n",
      "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems_of(result));
  EXPECT_EQ(result.config.facilities.at("hospital-a").billing->max_unanswered_age,
            std::chrono::hours(6));
  EXPECT_THAT(problems_of(load_text("facilities:\n"
                                    "  hospital-a:\n"
                                    "    name: A\n"
                                    "    billing:\n"
                                    "      provider_license: PR-FHIR\n"
                                    "      service_code: \"83600-00-10\"\n"
                                    "      price: 172.50\n"
                                    "      diagnosis_code: Z71.9\n"
                                    "      max_unanswered_age: 10ms\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:9: facilities.hospital-a.billing.max_unanswered_age")));
}

TEST(LoadFacilities, NoShowAfterDefaultsToFifteenMinutesAndIsChecked) {
  const auto plain = load_text("facilities:\n  hospital-a:\n    name: A\n", "t.yaml");
  ASSERT_TRUE(plain.ok()) << ::testing::PrintToString(problems_of(plain));
  EXPECT_EQ(plain.config.facilities.at("hospital-a").no_show_after, std::chrono::minutes(15));
  EXPECT_EQ(plain.config.workflow.no_show_interval, std::chrono::seconds(30));

  const auto set = load_text(
      "workflow:\n  no_show_interval: 2s\n"
      "facilities:\n  hospital-a:\n    name: A\n    no_show_after: 5m\n",
      "t.yaml");
  ASSERT_TRUE(set.ok()) << ::testing::PrintToString(problems_of(set));
  EXPECT_EQ(set.config.facilities.at("hospital-a").no_show_after, std::chrono::minutes(5));
  EXPECT_EQ(set.config.workflow.no_show_interval, std::chrono::seconds(2));

  EXPECT_THAT(problems_of(load_text("facilities:\n"
                                    "  hospital-a:\n"
                                    "    name: A\n"
                                    "    no_show_after: 10ms\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:4: facilities.hospital-a.no_show_after: expected a "
                                    "positive duration")));
  EXPECT_THAT(problems_of(load_text("facilities:\n"
                                    "  hospital-a:\n"
                                    "    name: A\n"
                                    "    no_show_after: soon\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:4: facilities.hospital-a.no_show_after")));
}

TEST(LoadFacilities, WorkingDataRetentionHasDefaultsAndLowerBounds) {
  const auto plain = load_text("facilities:\n  hospital-a:\n    name: A\n", "t.yaml");
  ASSERT_TRUE(plain.ok()) << ::testing::PrintToString(problems_of(plain));
  const auto& defaults = plain.config.facilities.at("hospital-a").retention;
  EXPECT_EQ(defaults.inbox, std::chrono::hours(24 * 30));
  EXPECT_EQ(defaults.step_data, std::chrono::hours(24 * 90));
  EXPECT_EQ(defaults.runs, std::chrono::hours(24 * 365));
  EXPECT_EQ(defaults.idempotency_keys, std::chrono::hours(24 * 30));

  const auto set = load_text(
      "facilities:\n  hospital-a:\n    name: A\n    retention:\n      inbox: 7d\n"
      "      step_data: 14d\n      runs: 2h\n      idempotency_keys: 1d\n",
      "t.yaml");
  ASSERT_TRUE(set.ok()) << ::testing::PrintToString(problems_of(set));
  const auto& r = set.config.facilities.at("hospital-a").retention;
  EXPECT_EQ(r.inbox, std::chrono::hours(24 * 7));
  EXPECT_EQ(r.step_data, std::chrono::hours(24 * 14));
  EXPECT_EQ(r.runs, std::chrono::hours(2));
  EXPECT_EQ(r.idempotency_keys, std::chrono::hours(24));

  EXPECT_THAT(problems_of(load_text("facilities:\n"
                                    "  hospital-a:\n"
                                    "    name: A\n"
                                    "    retention:\n"
                                    "      inbox: 30m\n"
                                    "      idempotency_keys: 12h\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:5: facilities.hospital-a.retention.inbox: expected a "
                                    "duration of an hour or more"),
                          HasSubstr("t.yaml:6: facilities.hospital-a.retention.idempotency_keys: "
                                    "expected a duration of a day or more")));
}

TEST(LoadFacilities, AlertTargetsAreNamedWebhooksAndAnAlertmanager) {
  const auto set = load_text(
      "facilities:\n  hospital-a:\n    name: A\n    alerts:\n      webhooks:\n"
      "        ops:\n          url: https://ops.example/wasl\n"
      "          secret: whsec_c2VjcmV0LW9mLWZhY2lsaXR5LWEtMTIz\n"
      "      alertmanager: http://127.0.0.1:9093\n",
      "t.yaml");
  ASSERT_TRUE(set.ok()) << ::testing::PrintToString(problems_of(set));
  const auto& a = set.config.facilities.at("hospital-a").alerts;
  ASSERT_EQ(a.webhooks.size(), 1U);
  EXPECT_EQ(a.webhooks.at("ops").url, "https://ops.example/wasl");
  EXPECT_EQ(a.webhooks.at("ops").secret.reveal(), "whsec_c2VjcmV0LW9mLWZhY2lsaXR5LWEtMTIz");
  EXPECT_EQ(a.webhooks.at("ops").line, 6);
  EXPECT_EQ(a.alertmanager_url, "http://127.0.0.1:9093");
  EXPECT_TRUE(load_text("facilities:\n  hospital-a:\n    name: A\n", "t.yaml")
                  .config.facilities.at("hospital-a")
                  .alerts.webhooks.empty());

  EXPECT_THAT(problems_of(load_text("facilities:\n"
                                    "  hospital-a:\n"
                                    "    name: A\n"
                                    "    alerts:\n"
                                    "      webhooks:\n"
                                    "        Ops:\n"
                                    "          url: https://ops.example/wasl\n"
                                    "        pager:\n"
                                    "          url: ftp://pager.example\n"
                                    "      alertmanager: alertmanager:9093\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:6: facilities.hospital-a.alerts.webhooks.Ops"),
                          HasSubstr("t.yaml:8: facilities.hospital-a.alerts.webhooks.pager.secret"),
                          HasSubstr("t.yaml:9: facilities.hospital-a.alerts.webhooks.pager.url: "
                                    "expected an http:// or https:// URL"),
                          HasSubstr("t.yaml:10: facilities.hospital-a.alerts.alertmanager: "
                                    "expected an http:// or https:// URL")));
}

TEST(LoadFacilities, AlertRulesHaveDefaultsAndTheFacilitysThresholds) {
  const auto plain = load_text("facilities:\n  hospital-a:\n    name: A\n", "t.yaml");
  ASSERT_TRUE(plain.ok()) << ::testing::PrintToString(problems_of(plain));
  const auto& defaults = plain.config.facilities.at("hospital-a").alerts.rules;
  EXPECT_EQ(defaults.failed_runs_percent, 20);
  EXPECT_EQ(defaults.failed_runs_minimum, 5);
  EXPECT_EQ(defaults.failed_runs_window, std::chrono::minutes(15));
  EXPECT_EQ(defaults.dead_letters_count, 10);
  EXPECT_EQ(defaults.dead_letters_window, std::chrono::hours(1));
  EXPECT_EQ(defaults.schedule_grace, std::chrono::hours(2));
  EXPECT_EQ(defaults.ehr_heartbeat.count(), 0);
  EXPECT_TRUE(plain.config.facilities.at("hospital-a").alerts.email.empty());

  const auto set = load_text(
      "facilities:\n  hospital-a:\n    name: A\n    alerts:\n      rules:\n"
      "        failed_runs:\n          percent: 35\n          minimum: 3\n"
      "          window: 30m\n"
      "        dead_letters:\n          count: 4\n          window: 2h\n"
      "        schedule_grace: 6h\n",
      "t.yaml");
  ASSERT_TRUE(set.ok()) << ::testing::PrintToString(problems_of(set));
  const auto& r = set.config.facilities.at("hospital-a").alerts.rules;
  EXPECT_EQ(r.failed_runs_percent, 35);
  EXPECT_EQ(r.failed_runs_minimum, 3);
  EXPECT_EQ(r.failed_runs_window, std::chrono::minutes(30));
  EXPECT_EQ(r.dead_letters_count, 4);
  EXPECT_EQ(r.dead_letters_window, std::chrono::hours(2));
  EXPECT_EQ(r.schedule_grace, std::chrono::hours(6));

  EXPECT_THAT(problems_of(load_text("facilities:\n"
                                    "  hospital-a:\n"
                                    "    name: A\n"
                                    "    alerts:\n"
                                    "      email: [ops@hospital.example, not-an-address]\n"
                                    "      rules:\n"
                                    "        failed_runs:\n"
                                    "          percent: 0\n"
                                    "          window: 10s\n"
                                    "        ehr_heartbeat: 15m\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:5: facilities.hospital-a.alerts.email: needs "
                                    "notifications.email"),
                          HasSubstr("t.yaml:5: facilities.hospital-a.alerts.email[1]: "
                                    "\"not-an-address\" is not an e-mail address"),
                          HasSubstr("t.yaml:8: facilities.hospital-a.alerts.rules.failed_runs."
                                    "percent: expected an integer between 1 and 100"),
                          HasSubstr("t.yaml:9: facilities.hospital-a.alerts.rules.failed_runs."
                                    "window: expected a duration of a minute or more"),
                          HasSubstr("t.yaml:10: facilities.hospital-a.alerts.rules.ehr_heartbeat: "
                                    "needs an ehr binding")));
}

TEST(LoadFacilities, ClinicalSettingsNameTheMedicationSystemAndBlockList) {
  const auto plain = load_text("facilities:\n  hospital-a:\n    name: A\n", "t.yaml");
  ASSERT_TRUE(plain.ok()) << ::testing::PrintToString(problems_of(plain));
  EXPECT_EQ(plain.config.facilities.at("hospital-a").clinical.medication_system, "");
  EXPECT_TRUE(plain.config.facilities.at("hospital-a").clinical.blocked_medications.empty());

  const auto set = load_text(
      "facilities:\n  hospital-a:\n    name: A\n    clinical:\n"
      "      medication_system: http://www.whocc.no/atc\n"
      "      blocked_medications: [N02AA01, N05BA01]\n",
      "t.yaml");
  ASSERT_TRUE(set.ok()) << ::testing::PrintToString(problems_of(set));
  const auto& clinical = set.config.facilities.at("hospital-a").clinical;
  EXPECT_EQ(clinical.medication_system, "http://www.whocc.no/atc");
  EXPECT_EQ(clinical.blocked_medications, (std::vector<std::string>{"N02AA01", "N05BA01"}));
  EXPECT_TRUE(load_text("facilities:\n  hospital-a:\n    name: A\n    clinical:\n"
                        "      medication_system: urn:oid:2.16.840.1.113883.6.88\n",
                        "t.yaml")
                  .ok());

  EXPECT_THAT(problems_of(load_text("facilities:\n"
                                    "  hospital-a:\n"
                                    "    name: A\n"
                                    "    clinical:\n"
                                    "      medication_system: atc codes\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:5: facilities.hospital-a.clinical.medication_system: "
                                    "expected a code system URI")));
  EXPECT_THAT(
      problems_of(load_text("facilities:\n"
                            "  hospital-a:\n"
                            "    name: A\n"
                            "    clinical:\n"
                            "      blocked_medications: N02AA01\n",
                            "t.yaml")),
      ElementsAre(HasSubstr("t.yaml:5: facilities.hospital-a.clinical.blocked_medications")));
  EXPECT_THAT(problems_of(load_text("facilities:\n"
                                    "  hospital-a:\n"
                                    "    name: A\n"
                                    "    clinical:\n"
                                    "      blocked: [N02AA01]\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:5: facilities.hospital-a.clinical.blocked")));
}

TEST(LoadFacilities, ABillingBindingRequiresBillingSettings) {
  EXPECT_THAT(problems_of(load_text("instances:\n"
                                    "  billing.x:\n"
                                    "    plugin: p\n"
                                    "plugins:\n"
                                    "  files:\n"
                                    "    - {name: p, file: p.so}\n"
                                    "facilities:\n"
                                    "  hospital-a:\n"
                                    "    bindings:\n"
                                    "      billing: billing.x\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:10: facilities.hospital-a.billing: required when "
                                    "the facility binds a billing role")));
}

TEST(LoadFacilities, BillingSettingsAreValidatedWithTheirLines) {
  EXPECT_THAT(problems_of(load_text("facilities:\n"
                                    "  hospital-a:\n"
                                    "    billing:\n"
                                    "      provider_license: \"PR FHIR\"\n"
                                    "      claim_type: profesional\n"
                                    "      price: 12.345\n"
                                    "      currency: sar\n"
                                    "      poll_interval: 10ms\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:3: facilities.hospital-a.billing.service_code"),
                          HasSubstr("t.yaml:3: facilities.hospital-a.billing.diagnosis_code"),
                          HasSubstr("t.yaml:4: facilities.hospital-a.billing.provider_license: "
                                    "expected a licence code without spaces"),
                          HasSubstr("t.yaml:5: facilities.hospital-a.billing.claim_type: "
                                    "expected one of institutional, oral, pharmacy, "
                                    "professional, vision (did you mean \"professional\"?)"),
                          HasSubstr("t.yaml:6: facilities.hospital-a.billing.price: expected an "
                                    "amount of at least 0 with at most two decimals"),
                          HasSubstr("t.yaml:7: facilities.hospital-a.billing.currency"),
                          HasSubstr("t.yaml:8: facilities.hospital-a.billing.poll_interval")));
}

TEST(LoadFacilities, EhrBookingsNameAWorkflowOfTheFacilityAndNeedAnEhrBinding) {
  const std::string head =
      "instances:\n"
      "  ehr.x:\n"
      "    plugin: p\n"
      "plugins:\n"
      "  files:\n"
      "    - {name: p, file: p.so}\n"
      "facilities:\n"
      "  hospital-a:\n";
  auto good = load_text(head +
                            "    workflows: [consultation]\n"
                            "    bindings: {ehr: ehr.x}\n"
                            "    ehr_bookings:\n"
                            "      workflow: consultation\n"
                            "      consultation_type: follow_up\n",
                        "t.yaml");
  ASSERT_TRUE(good.ok()) << ::testing::PrintToString(problems_of(good));
  const auto& bookings = good.config.facilities.at("hospital-a").ehr_bookings;
  ASSERT_TRUE(bookings.has_value());
  EXPECT_EQ(bookings->workflow, "consultation");
  EXPECT_EQ(bookings->consultation_type, "follow_up");
  EXPECT_FALSE(load_text(head + "    bindings: {ehr: ehr.x}\n", "t.yaml")
                   .config.facilities.at("hospital-a")
                   .ehr_bookings.has_value());

  EXPECT_THAT(problems_of(load_text(head + "    workflows: [consultation]\n"
                                           "    ehr_bookings:\n"
                                           "      workflow: consultaton\n"
                                           "      consultation_type: video\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:10: facilities.hospital-a.ehr_bookings: needs an ehr "
                                    "binding"),
                          HasSubstr("t.yaml:11: facilities.hospital-a.ehr_bookings.workflow: "
                                    "workflow \"consultaton\" is not in the facility's workflows "
                                    "(did you mean \"consultation\"?)"),
                          HasSubstr("t.yaml:12: facilities.hospital-a.ehr_bookings."
                                    "consultation_type: expected one of")));
  EXPECT_THAT(problems_of(load_text(head + "    bindings: {ehr: ehr.x}\n"
                                           "    ehr_bookings: {}\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("facilities.hospital-a.ehr_bookings.workflow")));
}

TEST(LoadFacilities, NotificationsNameNotifyInstancesAndOnlyTheirMessagesVariables) {
  const std::string head =
      "instances:\n"
      "  notify.mail:\n"
      "    plugin: p\n"
      "  notify.sms:\n"
      "    plugin: p\n"
      "  ehr.x:\n"
      "    plugin: p\n"
      "plugins:\n"
      "  files:\n"
      "    - {name: p, file: p.so}\n"
      "facilities:\n"
      "  hospital-a:\n"
      "    notifications:\n";  // line 13
  auto good =
      load_text(head +
                    "      email: notify.mail\n"
                    "      sms: notify.sms\n"
                    "      quiet_hours_start: \"21:30\"\n"
                    "      messages:\n"
                    "        reminder_1h:\n"
                    "          enabled: false\n"
                    "        reminder_24h:\n"
                    "          before: 30m\n"
                    "        invitation:\n"
                    "          ar:\n"
                    "            body: \"موعدك {{ date }} الساعة {{time}}: {{join_link}}\"\n"
                    "          en: {subject: \"{{facility_name}}\", body: \"See you "
                    "{{weekday}} {{hijri_date}}\"}\n",
                "t.yaml");
  ASSERT_TRUE(good.ok()) << ::testing::PrintToString(problems_of(good));
  const auto& n = good.config.facilities.at("hospital-a").notifications;
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->email, "notify.mail");
  EXPECT_EQ(n->quiet_hours_start, "21:30");
  EXPECT_EQ(n->quiet_hours_end, "08:00");
  EXPECT_EQ(n->default_language, "ar");
  EXPECT_FALSE(n->messages.reminder_1h.enabled);
  EXPECT_TRUE(n->messages.reminder_24h.enabled);
  EXPECT_EQ(n->messages.reminder_24h.before, 30min);
  EXPECT_EQ(n->messages.reminder_1h.before, 1h);
  ASSERT_TRUE(n->messages.invitation.ar.has_value());
  EXPECT_TRUE(n->messages.invitation.ar->subject.empty());
  EXPECT_EQ(n->messages.invitation.en->subject, "{{facility_name}}");
  EXPECT_FALSE(n->messages.cancellation.ar.has_value());
  EXPECT_FALSE(
      load_text(head.substr(0, head.size() - std::string("    notifications:\n").size()), "t.yaml")
          .config.facilities.at("hospital-a")
          .notifications.has_value());

  EXPECT_THAT(
      problems_of(load_text(head +
                                "      email: notify.mial\n"                                 // 14
                                "      sms: ehr.x\n"                                         // 15
                                "      quiet_hours_end: \"8:00\"\n"                          // 16
                                "      join_url: https://portal.example.sa/join\n"           // 17
                                "      messages:\n"                                          // 18
                                "        cancellation:\n"                                    // 19
                                "          en:\n"                                            // 20
                                "            body: \"Cancelled: {{join_link}}\"\n"           // 21
                                "        reminder_24h:\n"                                    // 22
                                "          ar:\n"                                            // 23
                                "            subject: \"{{diagnosis}} {{patient_name}}\"\n"  // 24
                                "            body: \"{{dat}} {{\"\n",                        // 25
                            "t.yaml")),
      ElementsAre(
          HasSubstr("t.yaml:14: facilities.hospital-a.notifications.email: instance "
                    "\"notify.mial\" is not declared in instances (did you mean \"notify.mail\"?)"),
          HasSubstr("t.yaml:15: facilities.hospital-a.notifications.sms: instance \"ehr.x\" is "
                    "not a notify instance"),
          HasSubstr("t.yaml:16: facilities.hospital-a.notifications.quiet_hours_end: expected a "
                    "wall-clock time HH:MM"),
          HasSubstr("t.yaml:17: facilities.hospital-a.notifications.join_url: expected an http(s) "
                    "URL containing {code}"),
          HasSubstr("t.yaml:21: facilities.hospital-a.notifications.messages.cancellation.en.body: "
                    "unknown variable {{join_link}}; a cancellation message has facility_name, "
                    "weekday, date, time, hijri_date"),
          HasSubstr("t.yaml:24: facilities.hospital-a.notifications.messages.reminder_24h.ar."
                    "subject: unknown variable {{diagnosis}}"),
          HasSubstr("t.yaml:24: facilities.hospital-a.notifications.messages.reminder_24h.ar."
                    "subject: unknown variable {{patient_name}}"),
          HasSubstr("t.yaml:25: facilities.hospital-a.notifications.messages.reminder_24h.ar."
                    "body: is not a message template")));
  EXPECT_THAT(problems_of(load_text(head + "      default_language: fr\n", "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:13: facilities.hospital-a.notifications: names no "
                                    "channel"),
                          HasSubstr("t.yaml:14: facilities.hospital-a.notifications."
                                    "default_language: expected one of ar, en")));
  EXPECT_THAT(problems_of(load_text(head + "      email: notify.mail\n"
                                           "      messages:\n"
                                           "        birthday: {}\n"
                                           "        invitation: {before: 1h}\n",
                                    "t.yaml")),
              ElementsAre(HasSubstr("t.yaml:16: facilities.hospital-a.notifications.messages."
                                    "birthday"),
                          HasSubstr("t.yaml:17: facilities.hospital-a.notifications.messages."
                                    "invitation.before")));
}

TEST(LoadConfig, TheTaskRunnerHasDefaultsAndBounds) {
  auto d = load_text("log:\n  level: info\n", "t.yaml");
  ASSERT_TRUE(d.ok()) << ::testing::PrintToString(problems_of(d));
  EXPECT_EQ(d.config.tasks.threads, 4);
  EXPECT_EQ(d.config.tasks.calls_per_instance, 0);
  auto c = load_text("tasks:\n  threads: 12\n  calls_per_instance: 3\n", "t.yaml");
  ASSERT_TRUE(c.ok()) << ::testing::PrintToString(problems_of(c));
  EXPECT_EQ(c.config.tasks.threads, 12);
  EXPECT_EQ(c.config.tasks.calls_per_instance, 3);
  EXPECT_THAT(problems("tasks:\n  threads: 0\n  calls_per_instance: 65\n"),
              ElementsAre("t.yaml:2: tasks.threads: expected an integer between 1 and 64",
                          "t.yaml:3: tasks.calls_per_instance: expected an integer between 0 "
                          "and 64"));
  EXPECT_THAT(problems("tasks:\n  thread: 2\n"),
              ElementsAre(HasSubstr("t.yaml:2: tasks.thread: unknown key (did you mean "
                                    "\"threads\"?)")));
}

TEST(LoadConfig, NotificationDeliveryHasDefaultsAndBounds) {
  auto d = load_text("documents:\n  clamd: tcp://127.0.0.1:3310\n  link_ttl: 2m\n", "t.yaml");
  EXPECT_EQ(d.config.documents.clamd, "tcp://127.0.0.1:3310");
  EXPECT_EQ(d.config.documents.link_ttl, 2min);
  EXPECT_EQ(d.config.documents.scan_timeout, 30s);
  EXPECT_THAT(problems("documents:\n  clamd: localhost:3310\n"),
              ElementsAre(HasSubstr("t.yaml:2: documents.clamd")));
  auto c = load_text("notification_delivery:\n  interval: 1s\n  max_attempts: 2\n", "t.yaml");
  ASSERT_TRUE(c.ok()) << ::testing::PrintToString(problems_of(c));
  EXPECT_EQ(c.config.notification_delivery.interval, 1s);
  EXPECT_EQ(c.config.notification_delivery.max_attempts, 2);
  EXPECT_EQ(c.config.notification_delivery.lease, 2min);
  EXPECT_THAT(problems("notification_delivery:\n  max_attempts: 0\n"),
              ElementsAre(HasSubstr("t.yaml:2: notification_delivery.max_attempts")));
}

}  // namespace
}  // namespace wasl::config
