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
//   - the NPHIES plugin (libwasl_nphies.so) as billing.nphies over mutual
//     TLS, against the NPHIES peer (tests/peers/nphies, an exchange that
//     validates every bundle as R4 and by NPHIES's rules) the harness starts
//     with certificates of scripts/test-pki and keeps across restarts;
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
//   hub.run_command({"keys", "rotate"}); hub.signal(SIGHUP);  // rotate, reload
//   hub.wait_for_status(api, id, {"completed"}, 60s);
//   hub.nphies_claims();                            // the exchange's claims
//   hub.ehr_resources("Encounter");                 // what the FHIR server holds
// After a restart the port changes: re-read port()/client(), and point the
// provider's event sender at webhook_url() again.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
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
#include "tests/peers/nphies/nphies_peer_process.hpp"
#include "tests/peers/support/peer_process.hpp"

namespace wasl::testing {

// The facility's video role: which plugin file, plugin name, instance and
// settings (the plugin's schema.json).
struct VideoBinding {
  std::string plugin;    // name the plugin reports, e.g. "chime"
  std::string file;      // absolute path of the .so
  std::string instance;  // e.g. "video.chime-main"
  nlohmann::json settings = nlohmann::json::object();
  // instances.<instance>.empty_room_timeout ("1s"); empty: the default.
  std::string empty_room_timeout;
};

// A facility's notifications block (facilities.<id>.notifications) and the
// clock it reads (reporting.time_zone), for ConsultationHubOptions::notify.
struct FacilityNotifications {
  std::string time_zone = "Asia/Riyadh";
  // HH:MM on that clock; equal: no quiet hours.
  std::string quiet_hours_start = "00:00";
  std::string quiet_hours_end = "00:00";
  // messages.reminder_24h.before and messages.reminder_1h.before.
  std::string reminder_24h_before = "24h";
  std::string reminder_1h_before = "1h";
};

// The patients' messages: the SMTP plugin (libwasl_smtp.so) as
// notify.smtp-e2e against the SMTP peer (tests/peers/smtp: STARTTLS with the
// NPHIES test PKI's server certificate, AUTH), the SMS plugin
// (libwasl_sms.so) as notify.sms-e2e against the SMS gateway peer
// (tests/peers/sms: Saudi numbers, sender "Wasl", signed delivery receipts
// posted to the hub), both started by the harness and kept across restarts;
// every facility sends by both.
struct NotifyOptions {
  FacilityNotifications facility;  // every facility's block but those below
  std::map<std::string, FacilityNotifications> facilities;  // by facility id
  // notification_delivery: how often due messages are looked for, how long
  // one send holds its message, and the retries.
  std::string interval = "100ms";
  std::string lease = "4s";
  int max_attempts = 6;
  std::string initial_delay = "200ms";
  std::string max_delay = "1s";
  // Each plugin's time for one send, shorter than the lease.
  int send_timeout_ms = 2500;
};

struct ConsultationHubOptions {
  // The NPHIES peer's start rules, e.g. {"--claim-rule", "queue:2:approve"}
  // or {"--eligibility", "no-member"} (tests/peers/nphies/README.md).
  std::vector<std::string> nphies_args;
  // The identity billing.nphies presents, by scripts/test-pki's names:
  // "client" (its CA's, CN N-F-00001), "client-expired", "other-client"
  // (another CA's) or "" (none); and the CA bundle it trusts the exchange by
  // ("ca.crt", or "other-ca.crt": the wrong one).
  std::string nphies_client = "client";
  std::string nphies_ca = "ca.crt";
  // facilities.<id>.billing.poll_interval: how often queued answers are polled.
  std::string billing_poll_interval = "1s";
  // facilities.<id>.billing.requires_prior_auth: the workflow asks the payer
  // for a prior authorization before the session.
  bool requires_prior_auth = false;
  // facilities.<id>.billing.submission: "immediate", or "batch" (the
  // billing round sends the facility's queued claims together).
  std::string billing_submission = "immediate";
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
  // Further facilities, bound to the same instances as kFacility (a hospital
  // group sharing every provider account), each with its own MOH licence
  // and no EHR bookings. Their keys come from client(role, facility).
  std::vector<std::string> more_facilities;
  // reporting.moh also drops its report files into moh_file_drop_dir() (its
  // file_drop_directory, which the plugin creates on its first write).
  bool moh_file_drop = false;
  // facilities.<id>.no_show_after: how long after the start a patient may
  // still join; workflow.no_show_interval: how often the hub checks.
  std::string no_show_after = "15m";
  std::string no_show_interval = "1s";
  // workflow.attendance_settle: the quiet period hub.attendance waits for
  // after the room's end.
  std::string attendance_settle = "3s";
  // workflows_dir also holds a copy of workflows/moh_daily_report.yaml.
  bool daily_report = false;
  // workflows_dir also holds a copy of workflows/emergency.yaml (POST
  // /v1/consultations with "type": "emergency" runs it).
  bool emergency_workflow = false;
  // Set: the facilities send their patients' messages (NotifyOptions).
  std::optional<NotifyOptions> notify;
  // Further members of the `archive` block beside root and
  // reconcile_interval (which the harness writes), e.g. {"store": "ceph",
  // "stores": {"ceph": {"kind": "s3", …}}}; null: the local store alone.
  nlohmann::json archive;
  // Set: the archive step's first retry delay in the copy of
  // workflows/consultation.yaml (shipped: 30s), for a test that makes the
  // step fail and waits for its next attempt.
  std::string archive_retry_delay;
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
  // The running hub's pid; -1 when it is not running.
  int pid() const;
  // A second `wasl serve` on the same configuration and database (two hubs
  // sharing the work: options.postgres_url), on a port of its own (needs
  // options.port 0); false (with its log in a test failure) when it did not
  // listen within 60 s. kill() and stop() leave it be; kill_second() kills
  // it, the destructor stops it.
  // own_directory: the second hub stands for another machine: it runs in
  // dir().file("hub-b") with archive.root there (hub-b/recordings) and a
  // port of its own chosen by the hub (any options.port), sharing only the
  // database, the key ring and the object stores of options.archive.
  bool start_second(bool own_directory = false);
  void kill_second();
  int second_port() const { return second_port_; }
  // A client of the second hub with the key client(role) uses.
  HubApiClient second_client(const std::string& role);
  // The PostgreSQL URI of the hub's schema (options.postgres_url); empty on
  // SQLite.
  const std::string& postgres_schema_url() const { return postgres_schema_url_; }
  // SIGTERM, and waits for the exit (30 s).
  void stop();
  // Sends `sig` to the running hub; SIGHUP reloads its workflows and key
  // ring, logging "SIGHUP received" and then what the reload did.
  void signal(int sig);
  // Runs `wasl <args…> --config <config_path()>`, e.g. {"keys", "rotate"}.
  CommandResult run_command(std::vector<std::string> args) const;

  int port() const { return port_; }
  std::string webhook_url() const;
  // What the hub (and the second hub, when started) logged.
  std::string log() const;
  const std::string& config_path() const { return config_path_; }
  const TempDir& dir() const { return dir_; }
  // reporting.moh's file_drop_directory when options.moh_file_drop is set.
  std::string moh_file_drop_dir() const { return dir_.file("moh-reports"); }

  // A client with a new API key of `role` for the facility (made once per
  // role with `wasl apikeys create`, kept across restarts). Needs the hub to
  // have started once (the schema exists).
  HubApiClient client(const std::string& role);
  // The same for `facility` (kFacility or one of options.more_facilities).
  HubApiClient client(const std::string& role, const std::string& facility);

  // Stores Appointment/<appointment_id> in the FHIR peer (booked, the demo
  // patient with her practitioner, starting `start_in` from now), then POST
  // /v1/consultations for it (with the members of `patient_summary`, when it
  // is an object, as the patient's inline summary: name, identifiers,
  // diagnosis_codes, …); the consultation id, or empty (with a test
  // failure).
  std::string book(const HubApiClient& api, const std::string& appointment_id,
                   std::chrono::seconds start_in = std::chrono::seconds(300),
                   const nlohmann::json& patient_summary = nullptr);
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

  // The NPHIES peer (null, with a test failure, when it did not start); the
  // claims it holds by business identifier ({"items": [{state, submissions,
  // duplicates, …}]}), and how many distinct messages (Bundle ids) of `event`
  // reached it, a resend of one message counted once (-1 when it cannot be
  // asked; connections refused at the TLS handshake carry no message).
  plugins::nphies::testing::NphiesPeerProcess* nphies_peer() const { return nphies_.get(); }
  nlohmann::json nphies_claims() const;
  int nphies_messages(const std::string& event) const;
  // Polls GET /v1/consultations/{id}/claims until its one claim is in
  // `state`; the last state seen ("" when it has none).
  std::string wait_for_claim_state(const HubApiClient& api, const std::string& id,
                                   const std::string& state, std::chrono::milliseconds deadline);
  // NPHIES saw one eligibility request and one claim for the consultation
  // (every resend after a lost answer reused their ids), submitted once, and
  // the claim's state at the hub reached the exchange's adjudication `state`.
  void expect_billed_once(const HubApiClient& api, const std::string& id,
                          const std::string& state = "approved");
  // Rewrites the configuration with another identity for billing.nphies
  // and CA bundle (options.nphies_client, nphies_ca), for the next start().
  void present_nphies_client(const std::string& name, const std::string& ca = "ca.crt");
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
  // What the MOH peer received ({"messages": […], "measureReports": […]}
  // as GET /_peer/reports answers), null (with a test failure) when it
  // cannot be asked.
  nlohmann::json moh_reports() const;

  // The notify peers (options.notify; null, with a test failure, when one
  // did not start) and every message each accepted, oldest first (GET
  // /_peer/messages: the SMTP peer's decoded e-mails, the SMS peer's texts),
  // an empty array (with a test failure) when one cannot be asked.
  PeerProcess* smtp_peer() const { return smtp_.get(); }
  PeerProcess* sms_peer() const { return sms_.get(); }
  nlohmann::json smtp_messages() const;
  nlohmann::json sms_messages() const;
  // What the SMTP plugin makes the Message-ID of the hub's message `id`
  // (GET /v1/consultations/{id}/notifications), and the SMS plugin its
  // clientReference: both from the idempotency key the hub gives every
  // attempt, "wasl-notification-<id>".
  static std::string smtp_message_id(const std::string& notification_id);
  static std::string sms_client_reference(const std::string& notification_id);
  // The notify instances' names.
  static constexpr const char* kSmtpInstance = "notify.smtp-e2e";
  static constexpr const char* kSmsInstance = "notify.sms-e2e";

 private:
  void write_config();
  // Starts the SMTP and SMS peers (options.notify) and, once the others
  // have started too, waits for them to listen.
  void start_notify_peers();
  void finish_notify_peers();
  // Points the SMS peer's delivery receipts at the running hub.
  void send_receipts_to_hub();

  VideoBinding video_;
  ConsultationHubOptions options_;
  TempDir dir_;
  std::string config_path_;
  std::string postgres_schema_url_;
  std::filesystem::path nphies_pki_;
  // Stores Appointment/<appointment_id>; false (with a test failure) if refused.
  bool store_appointment(const std::string& appointment_id, std::chrono::seconds start_in);

  std::unique_ptr<PeerProcess> moh_;
  std::unique_ptr<FhirPeer> fhir_;
  std::unique_ptr<plugins::nphies::testing::NphiesPeerProcess> nphies_;
  std::map<std::string, std::int64_t> appointment_starts_;
  std::unique_ptr<PeerProcess> smtp_;
  std::future<sdk::Result<std::unique_ptr<PeerProcess>>> smtp_started_;
  std::future<sdk::Result<std::unique_ptr<PeerProcess>>> sms_started_;
  std::unique_ptr<PeerProcess> sms_;
  std::unique_ptr<HubProcess> process_;
  int port_ = 0;
  std::unique_ptr<HubProcess> second_;
  int second_port_ = 0;
  std::map<std::string, std::string> keys_;  // facility + "/" + role -> API key
};

// A TCP port on 127.0.0.1 free a moment ago, below the ephemeral range so
// no connection takes it meanwhile (tests/integration/loopback_port.hpp),
// for ConsultationHubOptions::port.
int free_loopback_port();

// Hex SHA-256 of `data`.
std::string sha256_hex(const std::string& data);

}  // namespace wasl::testing
