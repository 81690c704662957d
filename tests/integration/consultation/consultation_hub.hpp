// ConsultationHub: a real `wasl serve` running workflows/consultation.yaml
// end to end for one facility, for the provider end-to-end tests (Chime,
// Twilio, switching between them). A test double's tool: never shipped.
//
// What it sets up, in a scratch directory:
//   - a key ring (`wasl keys generate`), a SQLite file or a fresh PostgreSQL
//     schema, the hub on 127.0.0.1 port 0;
//   - the FHIR plugin (libwasl_fhir.so) as ehr.fhir with SMART Backend
//     Services (an EC P-384 client key made here), against the FHIR peer
//     (tests/peers/fhir, a real R4 server validating every write) the
//     harness starts seeded with the demo patient and practitioner and keeps
//     across restarts; the facility's ehr_bookings start `consultation`;
//   - the shipped sandbox plugin (libwasl_sandbox.so) as billing.sandbox;
//   - the MOH plugin (libwasl_moh.so) as reporting.moh, reporting to the MOH
//     peer (tests/peers/moh) the harness starts and keeps across restarts;
//   - the video plugin and instance the test names (VideoBinding): nothing
//     provider-specific lives here;
//   - facility "hospital-a" bound to those instances, workflows_dir holding a
//     copy of workflows/consultation.yaml (the file itself, unchanged).
//
// Use:
//   VideoBinding video{"chime", chime_plugin_file, "video.chime-main", settings};
//   ConsultationHub hub(video, {.sandbox = {{"fail_first_attempt", true}}});
//   ASSERT_TRUE(hub.start());                       // waits for "listening on"
//   auto api = hub.client("hospital");              // a key of that role
//   std::string id = hub.book(api, "appt-1");      // the appointment in the EHR,
//                                                   // then POST /v1/consultations
//   (or, with options.ehr_bookings, hub.book_in_ehr(api, "appt-1"): the EHR's
//   Subscription notification books it, no POST)
//   hub.wait_for_status(api, id, {"waiting_room"}, 30s);
//   ...drive the provider's peer (join, end) from the test...
//   hub.kill(); hub.start();                        // kill -9 and restart
//   hub.wait_for_status(api, id, {"completed"}, 60s);
//   hub.effects();                                  // the sandbox's effects rows
//   hub.ehr_resources("Encounter");                 // what the FHIR server holds
// After a restart the port changes: re-read port()/client(), and point the
// provider's event sender at webhook_url() again.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/consultation/hub_api_client.hpp"
#include "tests/integration/hub_process.hpp"
#include "tests/peers/fhir/fhir_peer.hpp"
#include "tests/peers/support/peer_process.hpp"

struct sqlite3_stmt;

namespace wasl::testing {

// The facility's video role: which plugin file, plugin name, instance and
// settings (the plugin's schema.json).
struct VideoBinding {
  std::string plugin;     // name the plugin reports, e.g. "chime"
  std::string file;       // absolute path of the .so
  std::string instance;   // e.g. "video.chime-main"
  nlohmann::json settings = nlohmann::json::object();
};

struct ConsultationHubOptions {
  // Extra sandbox settings (fail_first_attempt, eligibility, claim_outcome);
  // state_file is set by the harness.
  nlohmann::json sandbox = nlohmann::json::object();
  // The FHIR peer holds a Subscription posting booked and cancelled
  // appointments to the hub's /v1/webhooks/ehr.fhir (renewed with the port
  // at every start), so book_in_ehr() books with no POST.
  bool ehr_bookings = false;
  // How long the FHIR peer's access tokens live.
  int fhir_token_lifetime_seconds = 300;
  std::string reconcile_interval = "1s";
  std::string poll_interval = "50ms";
  std::string lease = "3s";
  // Set: the hub stores in a fresh schema of this PostgreSQL URI; else SQLite.
  std::optional<std::string> postgres_url;
  // 0: the hub listens on a free port of its choosing. Set (free_loopback_port())
  // when the provider must know the hub's webhook URL before it starts, as
  // Twilio signs its callbacks over it: server.port and server.public_url
  // (http://127.0.0.1:<port>) are written, and the port is kept across restarts.
  int port = 0;
  // Further video instances declared in the config (plugin file and
  // instance) but bound to no role: the facility can be switched to one by
  // changing its binding line alone.
  std::vector<VideoBinding> other_videos;
};

// One row of the sandbox's effects table.
struct SandboxEffect {
  std::string method;
  std::string idempotency_key;
  std::int64_t calls = 0;
};

class ConsultationHub {
 public:
  static constexpr const char* kFacility = "hospital-a";

  ConsultationHub(VideoBinding video, ConsultationHubOptions options = {});
  ~ConsultationHub();

  // Starts `wasl serve` and waits for it to listen; false (with the log in a
  // test failure) when it did not within 60 s.
  bool start();
  // SIGKILL, and waits for the exit.
  void kill();
  // SIGTERM, and waits for the exit (30 s).
  void stop();

  int port() const { return port_; }
  std::string webhook_url() const;
  std::string log() const;
  const std::string& config_path() const { return config_path_; }
  const TempDir& dir() const { return dir_; }

  // A client with a new API key of `role` for the facility (made once per
  // role with `wasl apikeys create`, kept across restarts). Needs the hub to
  // have started once (the schema exists).
  HubApiClient client(const std::string& role);

  // Stores Appointment/<appointment_id> in the FHIR peer (booked, the demo
  // patient with her practitioner, starting `start_in` from now), then POST
  // /v1/consultations for it; the consultation id, or empty (with a test
  // failure).
  std::string book(const HubApiClient& api, const std::string& appointment_id,
                   std::chrono::seconds start_in = std::chrono::seconds(300));
  // Stores the appointment as book() does and waits (30 s) for the EHR's
  // notification to have booked its consultation (options.ehr_bookings);
  // the consultation id, or empty (with a test failure).
  std::string book_in_ehr(const HubApiClient& api, const std::string& appointment_id,
                          std::chrono::seconds start_in = std::chrono::seconds(300));
  // The start (epoch ms) book() gave the appointment; 0 when unknown.
  std::int64_t appointment_start_ms(const std::string& appointment_id) const;

  // Polls GET /v1/consultations/{id} until its status is one of `statuses`;
  // the last status seen (compare it with the wanted ones).
  std::string wait_for_status(const HubApiClient& api, const std::string& id,
                              const std::set<std::string>& statuses,
                              std::chrono::milliseconds deadline);

  // The consultation's timeline as text, for failure messages.
  std::string timeline(const HubApiClient& api, const std::string& id) const;

  // The sandbox's effects rows (its state file, read with sqlite3).
  std::vector<SandboxEffect> effects() const;
  // How many distinct idempotency keys each sandbox method was called with.
  std::map<std::string, int> effect_keys_per_method() const;
  // The FHIR peer (null, with a test failure, when it did not start); every
  // resource of `type` it holds (each validated as R4 when written), and
  // -1 when it cannot be asked; the status of Appointment/<id>.
  FhirPeer* fhir_peer() const { return fhir_.get(); }
  int ehr_resources(const std::string& type) const;
  std::string ehr_appointment_status(const std::string& appointment_id) const;

  // The MOH peer the facility reports to (null, with a test failure, when it
  // did not start), and how many per-consultation reports it accepted (each
  // validated as R4, no patient name), -1 when it cannot be asked.
  PeerProcess* moh_peer() const { return moh_.get(); }
  int moh_consultation_reports() const;

 private:
  void write_config();
  // Runs `sql` (one `?1` parameter bound to `param` when not empty) on the
  // sandbox's state file, read-only, calling `row` for each result row.
  void query_sandbox(const char* sql, const std::string& param,
                     const std::function<void(sqlite3_stmt*)>& row) const;

  VideoBinding video_;
  ConsultationHubOptions options_;
  TempDir dir_;
  std::string config_path_;
  std::string sandbox_state_;
  // Stores Appointment/<appointment_id>; false (with a test failure) if refused.
  bool store_appointment(const std::string& appointment_id, std::chrono::seconds start_in);

  std::unique_ptr<PeerProcess> moh_;
  std::unique_ptr<FhirPeer> fhir_;
  std::map<std::string, std::int64_t> appointment_starts_;
  std::unique_ptr<HubProcess> process_;
  int port_ = 0;
  std::map<std::string, std::string> keys_;  // role -> API key
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and
// released), for ConsultationHubOptions::port.
int free_loopback_port();

// Hex SHA-256 of `data`.
std::string sha256_hex(const std::string& data);

}  // namespace wasl::testing
