// SecurityHub: the hub the security suite attacks. A real `wasl serve` with
// two facilities, hospital-a and hospital-b, bound to the same instance of
// every role, as a hospital group deploys it: video.chime-main on the Chime
// peer, ehr.fhir on the FHIR peer (SMART Backend Services), billing.nphies on
// the NPHIES peer over mutual TLS and reporting.moh on the MOH peer, also
// dropping report files into hub().moh_file_drop_dir() (the
// ConsultationHub harness of tests/integration/consultation does the set-up).
// The binary built with WASL_SECURITY_POSTGRES stores in a fresh PostgreSQL
// schema, the other in SQLite. A test double's tool: never shipped.
//
// One hub per test binary: the first test that calls shared() starts it
// (a test failure when it cannot), the process's exit stops it. Tests share
// it, so each uses its own appointment ids and workflow names and asserts on
// what it made, never on totals. A test that needs other settings builds a
// ConsultationHub of its own with security_hub_options().
//
// Use:
//   SecurityHub& s = SecurityHub::shared();
//   ASSERT_TRUE(s.ok());
//   std::string a_id = s.book(SecurityHub::kA, "sec-01-a");   // A's consultation
//   ASSERT_EQ(s.deploy(SecurityHub::kB, "probe", yaml).status, 201);
//   std::string b_id = s.start(SecurityHub::kB, "probe", {{"notes", room}});
//   json run = s.wait_for_run_end(SecurityHub::kB, b_id, 60s);
//   json denied = s.audit(SecurityHub::kB, "access.denied");
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/consultation/consultation_hub.hpp"
#include "tests/integration/consultation/hub_api_client.hpp"
#include "tests/peers/support/peer_process.hpp"

namespace wasl::testing {

// The harness options of the suite's hub: hospital-b beside hospital-a,
// SQLite or PostgreSQL as the binary was built.
ConsultationHubOptions security_hub_options();

class SecurityHub {
 public:
  static constexpr const char* kA = ConsultationHub::kFacility;  // "hospital-a"
  static constexpr const char* kB = "hospital-b";

  // The binary's hub, started on first use.
  static SecurityHub& shared();

  // Whether every peer and the hub started (the reasons are test failures).
  bool ok() const { return ok_; }
  ConsultationHub& hub() { return *hub_; }
  PeerProcess& video_peer() { return *video_peer_; }

  // A client with a key of `role` for `facility` (made once, then reused).
  HubApiClient client(const std::string& facility, const std::string& role);

  // Books a consultation of `facility` for Appointment/<appointment_id> (the
  // demo patient with her practitioner, stored in the EHR first) running the
  // standard `consultation` workflow; its id, or empty with a test failure.
  std::string book(const std::string& facility, const std::string& appointment_id);

  // Deploys `yaml` as `facility`'s workflow `name` with its integrator key.
  ApiAnswer deploy(const std::string& facility, const std::string& name, const std::string& yaml);

  // Starts a consultation of `facility` running its workflow `name`, the
  // members of `trigger` added to the request body (e.g. {"notes": "…"}); the
  // consultation id, or empty with a test failure.
  std::string start(const std::string& facility, const std::string& name,
                    const nlohmann::json& trigger = nlohmann::json::object());

  // Polls the consultation's timeline (admin key of `facility`) until its run
  // has ended (succeeded, failed or cancelled) or waits on an event; the last
  // timeline seen (null when none could be read).
  nlohmann::json wait_for_run_end(const std::string& facility, const std::string& consultation_id,
                                  std::chrono::milliseconds deadline);

  // `facility`'s audit events whose action is `action` (GET /v1/audit with
  // its auditor key, newest first, up to 200).
  nlohmann::json audit(const std::string& facility, const std::string& action);

 private:
  SecurityHub();

  std::unique_ptr<PeerProcess> video_peer_;
  std::unique_ptr<ConsultationHub> hub_;
  bool ok_ = false;
};

}  // namespace wasl::testing
