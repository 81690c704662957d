// Point 4: no provider answer can take the hub down. The EHR both facilities
// share answers hospital-b's appointment read with a hostile 200: nested
// arrays 200000 deep (about 400 KB), then a body one byte past ehr.fhir's
// max_response_bytes (4 MiB). Each read fails its step on a permanent error
// naming the instance and the budget, never retried; the `wasl serve`
// process still answers /healthz and the API, and a consultation of
// hospital-a booked afterwards runs to its waiting room.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto kAnswerDeadline = 60s;
// ehr.fhir's http.max_response_bytes: the plugin's default, unset in the
// suite's config.
constexpr int kFhirMaxResponseBytes = 4 << 20;

// The attempts of `step` in a timeline.
json answer_attempts_of(const json& timeline, const std::string& step) {
  json out = json::array();
  if (!timeline.is_object()) return out;
  for (const auto& a : timeline.value("attempts", json::array())) {
    if (a.value("step_id", std::string()) == step) out.push_back(a);
  }
  return out;
}

// Books B's consultation of Appointment/<appointment_id>, whose read the
// EHR answers by `rule` (an `answers` rule of the FHIR peer), and checks
// that its run failed on one attempt of the appointment step whose error
// has `code` and holds every text of `message_parts`; then that the hub is
// alive and answers B's API.
void expect_read_fails(SecurityHub& s, const std::string& appointment_id, json rule,
                       const std::string& code, const std::vector<std::string>& message_parts) {
  ASSERT_NE(s.hub().fhir_peer(), nullptr);
  rule["operation"] = "GET Appointment/" + appointment_id;
  auto faulted = s.hub().fhir_peer()->fault(rule);
  ASSERT_TRUE(faulted.ok()) << faulted.error().message;

  const std::string b_id = s.book(SecurityHub::kB, appointment_id);
  ASSERT_FALSE(b_id.empty());
  const json timeline = s.wait_for_run_end(SecurityHub::kB, b_id, kAnswerDeadline);
  EXPECT_EQ(timeline.value("status", std::string()), "failed") << timeline.dump(2);
  const json attempts = answer_attempts_of(timeline, "appointment");
  ASSERT_EQ(attempts.size(), 1u) << "a hostile answer fails the read for good: "
                                 << timeline.dump(2);
  const json error = attempts[0].value("error", json::object());
  EXPECT_EQ(error.value("code", std::string()), code) << attempts[0].dump();
  const std::string message = error.value("message", std::string());
  for (const std::string& part : message_parts) {
    EXPECT_NE(message.find(part), std::string::npos) << "no \"" << part << "\" in: " << message;
  }
  EXPECT_TRUE(answer_attempts_of(timeline, "patient").empty()) << timeline.dump(2);

  // The process lives and serves: liveness and the API of the facility whose
  // read it was.
  HubApiClient b = s.client(SecurityHub::kB, "hospital");
  ApiAnswer health = b.get("/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.json, json({{"status", "ok"}})) << health.body;
  ApiAnswer read = b.get("/v1/consultations/" + b_id);
  EXPECT_EQ(read.status, 200) << read.body;
}

TEST(ProviderAnswers, ADeepOrOversizedEhrAnswerFailsItsStepAndTheHubServesOn) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());

  expect_read_fails(s, "sec-04-deep-b", {{"answer", "deep"}, {"depth", 200000}},
                    "failed_precondition",
                    {"ehr.fhir", "GET Appointment", "nests 200001 levels deep, more than 32"});
  expect_read_fails(s, "sec-04-huge-b", {{"answer", "huge"}, {"bytes", kFhirMaxResponseBytes}},
                    "resource_exhausted",
                    {"ehr.fhir", "GET Appointment",
                     "exceeded the limit of " + std::to_string(kFhirMaxResponseBytes) + " bytes"});

  // Both rules fired, each on its one read.
  auto faulted = s.hub().fhir_peer()->faulted();
  ASSERT_TRUE(faulted.ok()) << faulted.error().message;
  int hostile = 0;
  for (const auto& record : *faulted) {
    const std::string call = record["item"].value("call", std::string());
    if (call == "GET Appointment/sec-04-deep-b" || call == "GET Appointment/sec-04-huge-b") {
      ++hostile;
    }
  }
  EXPECT_EQ(hostile, 2);

  // The other facility's consultation, booked afterwards, runs.
  HubApiClient a = s.client(SecurityHub::kA, "hospital");
  const std::string a_id = s.book(SecurityHub::kA, "sec-04-after-a");
  ASSERT_FALSE(a_id.empty());
  EXPECT_EQ(s.hub().wait_for_status(a, a_id, {"waiting_room"}, kAnswerDeadline), "waiting_room")
      << s.hub().timeline(a, a_id);
}

}  // namespace
}  // namespace wasl::testing
