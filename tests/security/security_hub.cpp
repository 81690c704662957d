#include "tests/security/security_hub.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "tests/integration/consultation/chime_side.hpp"

namespace wasl::testing {
namespace {

using std::chrono::milliseconds;

// A meeting nobody joins ends after this long at the peer: long enough for
// the suite's runs, short enough that nothing outlives the binary.
constexpr int kMeetingIdleEndMs = 600000;

}  // namespace

ConsultationHubOptions security_hub_options() {
  ConsultationHubOptions options;
  options.more_facilities = {SecurityHub::kB};
  options.moh_file_drop = true;
#ifdef WASL_SECURITY_POSTGRES
  options.postgres_url = postgres_test_url();
#endif
  return options;
}

SecurityHub& SecurityHub::shared() {
  // Never destroyed before exit's own clean-up of the peers' processes
  // would race gtest's; the destructors stop the hub and the peers.
  static SecurityHub hub;
  return hub;
}

SecurityHub::SecurityHub() {
  video_peer_ = start_peer(kMeetingIdleEndMs);
  if (!video_peer_) return;
  hub_ = std::make_unique<ConsultationHub>(chime_binding(*video_peer_), security_hub_options());
  if (!hub_->start()) return;
  send_events_to(*video_peer_, *hub_);
  ok_ = true;
}

HubApiClient SecurityHub::client(const std::string& facility, const std::string& role) {
  return hub_->client(role, facility);
}

std::string SecurityHub::book(const std::string& facility, const std::string& appointment_id) {
  return hub_->book(client(facility, "hospital"), appointment_id);
}

ApiAnswer SecurityHub::deploy(const std::string& facility, const std::string& name,
                              const std::string& yaml) {
  return client(facility, "integrator").put_text("/v1/workflows/" + name, yaml, "application/yaml");
}

std::string SecurityHub::start(const std::string& facility, const std::string& name,
                               const nlohmann::json& trigger) {
  static int started = 0;
  nlohmann::json body = {{"type", "doctor_patient"},
                         {"workflow", name},
                         {"appointment_id", "security-" + name + "-" + std::to_string(++started)},
                         {"scheduled_at", "2030-01-01T09:00:00Z"},
                         {"patient", {{"id", "fatimah-alzahrani"}}},
                         {"practitioner", {{"id", "khalid-alharbi"}}}};
  for (const auto& [member, value] : trigger.items()) body[member] = value;
  ApiAnswer made =
      client(facility, "hospital")
          .post("/v1/consultations", body,
                "security-" + facility + "-" + body["appointment_id"].get<std::string>());
  EXPECT_EQ(made.status, 201) << made.body;
  if (made.status != 201 || !made.json.is_object()) return {};
  return made.json.value("id", std::string());
}

nlohmann::json SecurityHub::wait_for_run_end(const std::string& facility,
                                             const std::string& consultation_id,
                                             milliseconds deadline) {
  HubApiClient admin = client(facility, "admin");
  auto until = std::chrono::steady_clock::now() + deadline;
  nlohmann::json last;
  while (std::chrono::steady_clock::now() < until) {
    ApiAnswer read = admin.get("/v1/consultations/" + consultation_id + "/timeline");
    if (read.status == 200 && read.json.is_object()) {
      last = read.json;
      const std::string status = last.value("status", std::string());
      if (status == "succeeded" || status == "failed" || status == "cancelled" ||
          status == "waiting") {
        return last;
      }
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  return last;
}

nlohmann::json SecurityHub::audit(const std::string& facility, const std::string& action) {
  ApiAnswer read = client(facility, "auditor").get("/v1/audit?limit=200&action=" + action);
  EXPECT_EQ(read.status, 200) << read.body;
  if (read.status != 200 || !read.json.is_object()) return nlohmann::json::array();
  return read.json.value("items", nlohmann::json::array());
}

}  // namespace wasl::testing
