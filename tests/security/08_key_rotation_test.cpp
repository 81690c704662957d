// Point 8: a key rotation needs no restart. With a consultation of
// hospital-a in its waiting room (its Chime meeting and the EHR's SMART
// token kept in plugin state), `wasl keys rotate` and SIGHUP make the hub
// re-encrypt plugin_state under the new key; then the meeting is still found
// (the practitioner's join token), and a consultation booked afterwards
// reads the EHR and gets its own meeting, all on the same process.
// The suite's shared hub is rotated: every test after this one runs on it.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The progress the hub logged ("re-encryption: {…}") when its rotation job
// finished, looked for in `log` after its first `from` characters; also
// sets `stopped` when the job logged that it stopped on an error.
std::optional<json> finished_rotation(const std::string& log, std::size_t from, bool& stopped) {
  std::istringstream lines(log.substr(std::min(from, log.size())));
  for (std::string line; std::getline(lines, line);) {
    json entry = json::parse(line, nullptr, false);
    if (!entry.is_object()) continue;
    const std::string msg = entry.value("msg", std::string());
    if (msg.rfind("re-encryption stopped", 0) == 0) stopped = true;
    static const std::string kDone = "re-encryption: ";
    if (msg.rfind(kDone, 0) == 0) {
      json progress = json::parse(msg.substr(kDone.size()), nullptr, false);
      if (progress.is_object()) return progress;
    }
  }
  return std::nullopt;
}

TEST(KeyRotation, PluginStateStaysReadableAfterRotateAndReloadWithoutRestart) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  ConsultationHub& hub = s.hub();
  HubApiClient hospital = s.client(SecurityHub::kA, "hospital");
  HubApiClient admin = s.client(SecurityHub::kA, "admin");
  HubApiClient clinician = s.client(SecurityHub::kA, "clinician");

  // The workflow read the EHR (a SMART token, kept in plugin state) and
  // created the Chime meeting (its records in plugin state) on the way.
  const std::string id = s.book(SecurityHub::kA, "sec-08-before");
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(hub.wait_for_status(hospital, id, {"waiting_room"}, 60s), "waiting_room")
      << hub.timeline(admin, id);

  CommandResult rotated = hub.run_command({"keys", "rotate"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  // "key <id> is now active in <file>"
  const std::string new_key = rotated.out.substr(4, rotated.out.find(' ', 4) - 4);
  ASSERT_FALSE(new_key.empty()) << rotated.out;

  const std::size_t log_before = hub.log().size();
  hub.signal(SIGHUP);
  std::optional<json> progress;
  bool stopped = false;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline && !stopped &&
         !(progress = finished_rotation(hub.log(), log_before, stopped))) {
    std::this_thread::sleep_for(100ms);  // the next look at the log
  }
  ASSERT_TRUE(progress.has_value()) << "the re-encryption did not finish:\n"
                                    << hub.log().substr(log_before);
  EXPECT_EQ(progress->value("to_key", std::string()), new_key) << progress->dump();
  EXPECT_TRUE(progress->value("done", false)) << progress->dump();
  bool plugin_state_seen = false;
  for (const json& table : (*progress)["tables"]) {
    EXPECT_EQ(table.value("rows_failed", -1), 0) << table;
    if (table.value("table", std::string()) != "plugin_state") continue;
    plugin_state_seen = true;
    EXPECT_EQ(table.value("state", std::string()), "done") << table;
    EXPECT_GT(table.value("rows_done", 0), 0) << "no plugin state was re-encrypted: " << table;
  }
  EXPECT_TRUE(plugin_state_seen) << progress->dump();

  // The meeting is looked up in plugin state (now under the new key) to
  // give the practitioner a join token.
  ApiAnswer joined =
      clinician.post("/v1/consultations/" + id + "/participants",
                     {{"role", "doctor"}, {"display_name", "Dr Khalid"}}, "sec-08-join");
  ASSERT_EQ(joined.status, 201) << joined.body << "\n" << hub.log().substr(log_before);
  EXPECT_EQ(joined.json.value("state", std::string()), "admitted") << joined.body;
  EXPECT_TRUE(joined.json.contains("join")) << joined.body;

  // A consultation booked after the rotation reads the EHR and gets its
  // meeting: plugin state is written and read under the new key.
  const std::string after = s.book(SecurityHub::kA, "sec-08-after");
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(hub.wait_for_status(hospital, after, {"waiting_room"}, 60s), "waiting_room")
      << hub.timeline(admin, after) << "\n"
      << hub.log().substr(log_before);
  ApiAnswer joined_after =
      clinician.post("/v1/consultations/" + after + "/participants",
                     {{"role", "doctor"}, {"display_name", "Dr Khalid"}}, "sec-08-join-after");
  EXPECT_EQ(joined_after.status, 201) << joined_after.body;
}

}  // namespace
}  // namespace wasl::testing
