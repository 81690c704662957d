// PHI never reaches a log line: a real `wasl serve` books a consultation for a
// patient with an Arabic name, a national ID and a phone number, serves it
// back and runs its workflow (whose steps fail: no EHR is bound), logging at
// debug level; then every line it wrote is searched for those values.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/hub_process.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kName = "فاطمة عبدالله الزهراني";
constexpr const char* kNationalId = "1098765432";
constexpr const char* kPhone = "0551234567";
constexpr const char* kPhoneE164 = "+966551234567";
constexpr const char* kEmail = "fatimah.z@example.org";

TEST(PhiLogging, NoLogLineCarriesTheConsultationsPhi) {
  TempDir dir;
  CommandResult keys = run_wasl({"keys", "generate", "--file", dir.file("keys.json")});
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  dir.write("wasl.yaml",
            "server:\n  host: 127.0.0.1\n  port: 0\n"
            "log:\n  level: debug\n"
            "security:\n  key_file: " +
                dir.file("keys.json") +
                "\n"
                "storage:\n  sqlite:\n    path: " +
                dir.file("wasl.db") +
                "\n"
                "workflow:\n  poll_interval: 20ms\n"
                "facilities:\n  hospital-a:\n    name: Hospital A\n"
                "workflows_dir: " +
                std::string(WASL_SOURCE_DIR) + "/workflows\n");
  CommandResult created = run_wasl({"apikeys", "create", "--facility", "hospital-a", "--role",
                                    "hospital", "--config", dir.file("wasl.yaml")});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string key = created.out.substr(0, created.out.find('\n'));

  HubProcess hub(dir.file("wasl.yaml"));
  auto port = hub.wait_until_listening(30s);
  ASSERT_TRUE(port) << hub.log();

  const std::string when = wasl::sdk::format_iso8601(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          (std::chrono::system_clock::now() + std::chrono::hours(2)).time_since_epoch())
          .count(),
      0, wasl::sdk::FractionDigits::kNone);
  nlohmann::json booking = {{"type", "doctor_patient"},
                            {"appointment_id", "42"},
                            {"scheduled_at", when},
                            {"patient",
                             {{"id", "7"},
                              {"name", kName},
                              {"identifiers", {{{"kind", "national_id"}, {"value", kNationalId}}}},
                              {"phone", kPhone},
                              {"email", kEmail}}},
                            {"practitioner", {{"id", "3"}, {"name", "د. أحمد"}}}};
  HttpAnswer made =
      http_request(*port, "POST", "/v1/consultations", key, booking.dump(), "phi-log-1");
  ASSERT_EQ(made.status, 201) << made.body;
  std::string id = nlohmann::json::parse(made.body).value("id", "");
  ASSERT_FALSE(id.empty());
  EXPECT_NE(made.body.find(kName), std::string::npos) << "the API must still return the name";

  EXPECT_EQ(http_request(*port, "GET", "/v1/consultations/" + id, key).status, 200);
  HttpAnswer found = http_request(
      *port, "GET", std::string("/v1/consultations?patient_identifier=") + kNationalId, key);
  EXPECT_EQ(found.status, 200);
  EXPECT_NE(found.body.find(id), std::string::npos) << found.body;
  // A bad request that echoes nothing either.
  nlohmann::json bad = booking;
  bad["type"] = "unknown";
  EXPECT_EQ(http_request(*port, "POST", "/v1/consultations", key, bad.dump(), "phi-log-2").status,
            422);

  // Let the workflow run its first step (it fails: no EHR is bound).
  auto deadline = std::chrono::steady_clock::now() + 30s;
  bool attempted = false;
  while (!attempted && std::chrono::steady_clock::now() < deadline) {
    HttpAnswer timeline = http_request(*port, "GET", "/v1/consultations/" + id + "/timeline", key);
    attempted = timeline.status == 200 && timeline.body.find("\"attempt\"") != std::string::npos;
    if (!attempted) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(attempted) << "the workflow never ran a step";

  hub.signal(SIGTERM);
  ASSERT_TRUE(hub.wait_for_exit(30s));
  std::string log = hub.log();
  EXPECT_NE(log.find("POST /v1/consultations 201"), std::string::npos)
      << "the requests were expected in the access log:\n"
      << log;
  for (const char* phi : {kName, "فاطمة", kNationalId, kPhone, kPhoneE164, kEmail}) {
    EXPECT_EQ(log.find(phi), std::string::npos) << "found \"" << phi << "\" in the log:\n" << log;
  }
}

}  // namespace
}  // namespace wasl::testing
