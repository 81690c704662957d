// `wasl apikeys` and `wasl audit verify` against a real database file.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include "tests/integration/hub_process.hpp"

namespace wasl::testing {
namespace {

class SecurityCli : public ::testing::Test {
 protected:
  void SetUp() override {
    CommandResult keys = run_wasl({"keys", "generate", "--file", dir_.file("keys.json")});
    ASSERT_EQ(keys.exit_code, 0) << keys.err;
    dir_.write("wasl.yaml", "security:\n  key_file: " + dir_.file("keys.json") +
                                "\nstorage:\n  sqlite:\n    path: " + dir_.file("wasl.db") +
                                "\nfacilities:\n  hospital-a:\n    name: مستشفى أ\n");
    config_ = dir_.file("wasl.yaml");
  }

  void exec_sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.file("wasl.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }

  TempDir dir_;
  std::string config_;
};

TEST_F(SecurityCli, CreatePrintsTheKeyOnceAndStoresOnlyItsHash) {
  CommandResult r = run_wasl({"apikeys", "create", "--facility", "hospital-a", "--role", "hospital",
                              "--label", "HIS", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string key = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(key.rfind("wasl_", 0), 0u) << key;

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.file("wasl.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT * FROM api_keys", -1, &stmt, nullptr), SQLITE_OK);
  int rows = 0;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    ++rows;
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      const void* cell = sqlite3_column_blob(stmt, c);
      std::string text(cell ? static_cast<const char*>(cell) : "",
                       static_cast<size_t>(sqlite3_column_bytes(stmt, c)));
      EXPECT_EQ(text.find(key.substr(5)), std::string::npos) << "the key itself was stored";
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  EXPECT_EQ(rows, 1);
}

TEST_F(SecurityCli, UnknownFacilityOrRoleIsRefused) {
  CommandResult facility = run_wasl(
      {"apikeys", "create", "--facility", "nowhere", "--role", "hospital", "--config", config_});
  EXPECT_EQ(facility.exit_code, 1);
  EXPECT_NE(facility.err.find("nowhere"), std::string::npos);
  CommandResult role = run_wasl(
      {"apikeys", "create", "--facility", "hospital-a", "--role", "root", "--config", config_});
  EXPECT_EQ(role.exit_code, 2);
}

// A clinician key names the practitioner it belongs to; the listing shows it.
TEST_F(SecurityCli, AClinicianKeyNeedsItsPractitioner) {
  CommandResult bare = run_wasl({"apikeys", "create", "--facility", "hospital-a", "--role",
                                 "clinician", "--config", config_});
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_NE(bare.err.find("--practitioner"), std::string::npos) << bare.err;
  CommandResult hospital =
      run_wasl({"apikeys", "create", "--facility", "hospital-a", "--role", "hospital",
                "--practitioner", "Practitioner/3", "--config", config_});
  EXPECT_EQ(hospital.exit_code, 2);
  CommandResult malformed =
      run_wasl({"apikeys", "create", "--facility", "hospital-a", "--role", "clinician",
                "--practitioner", "Patient/3", "--config", config_});
  EXPECT_EQ(malformed.exit_code, 2);

  CommandResult made =
      run_wasl({"apikeys", "create", "--facility", "hospital-a", "--role", "clinician",
                "--practitioner", "Practitioner/3", "--label", "Dr A", "--config", config_});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto id_at = made.err.find("API key ") + 8;
  std::string id = made.err.substr(id_at, made.err.find(' ', id_at) - id_at);
  CommandResult listed =
      run_wasl({"apikeys", "list", "--facility", "hospital-a", "--config", config_});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(id + "  hospital-a  clinician  Practitioner/3  active"),
            std::string::npos)
      << listed.out;
  EXPECT_EQ(listed.out.find("wasl_"), std::string::npos) << "never the key itself";
}

TEST_F(SecurityCli, AuditVerifyPassesThenNamesTheEditedEvent) {
  for (const char* role : {"hospital", "auditor", "clinician"}) {
    std::vector<std::string> args = {"apikeys", "create", "--facility", "hospital-a",
                                     "--role",  role,     "--config",   config_};
    if (std::string(role) == "clinician") {
      args.insert(args.end(), {"--practitioner", "Practitioner/3"});
    }
    CommandResult r = run_wasl(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult ok = run_wasl({"audit", "verify", "--config", config_});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("3 event(s)"), std::string::npos) << ok.out;

  exec_sql("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2");
  CommandResult broken = run_wasl({"audit", "verify", "--config", config_});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("event 2"), std::string::npos) << broken.err;
}

// The refusal while ciphertexts still use a key is covered by the key usage
// tests (tests/unit/records); here the command's own rules on a real file.
TEST_F(SecurityCli, KeysRetireRefusesTheActiveKeyAndRetiresAnUnusedOne) {
  CommandResult created = run_wasl(
      {"apikeys", "create", "--facility", "hospital-a", "--role", "hospital", "--config", config_});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  CommandResult listed = run_wasl({"keys", "list", "--config", config_});
  std::string first = listed.out.substr(0, listed.out.find(' '));
  CommandResult active = run_wasl({"keys", "retire", first, "--config", config_});
  EXPECT_EQ(active.exit_code, 1) << "the active key must not be retired";
  ASSERT_EQ(run_wasl({"keys", "rotate", "--config", config_}).exit_code, 0);
  CommandResult retired = run_wasl({"keys", "retire", first, "--config", config_});
  EXPECT_EQ(retired.exit_code, 0) << retired.err;
  CommandResult after = run_wasl({"keys", "list", "--config", config_});
  EXPECT_NE(after.out.find(first + "  retired"), std::string::npos) << after.out;
}

TEST_F(SecurityCli, RevokedKeyIsRecordedAndAudited) {
  CommandResult created = run_wasl({"apikeys", "create", "--facility", "hospital-a", "--role",
                                    "integrator", "--config", config_});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto id_at = created.err.find("API key ") + 8;
  std::string id = created.err.substr(id_at, created.err.find(' ', id_at) - id_at);
  CommandResult revoked = run_wasl({"apikeys", "revoke", id, "--config", config_});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  CommandResult verify = run_wasl({"audit", "verify", "--config", config_});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("2 event(s)"), std::string::npos) << verify.out;
}

}  // namespace
}  // namespace wasl::testing
