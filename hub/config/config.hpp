// Config: the hub's settings, as read from YAML (config/wasl.yaml by default)
// and validated. Every field has its default here; the loader (loader.hpp)
// fills the struct and rejects unknown keys, wrong types and missing values
// with `file:line: message`.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/config/secret.hpp"

namespace wasl::config {

struct TlsConfig {
  std::string certificate_file;  // PEM
  std::string private_key_file;  // PEM
  std::string ca_file;           // optional: require and verify client certificates
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = pick a free port (tests)
  // The URL the outside world reaches the hub at (webhook signatures are
  // computed over it when the hub sits behind a proxy).
  std::string public_url = "http://127.0.0.1:8080";
  int max_threads = 512;  // one per open connection, idle keep-alive ones included
  int max_queued = 1024;  // connections accepted and waiting for a thread
  std::chrono::milliseconds keep_alive_timeout{5000};
  int max_keep_alive_requests = 1000;
  std::chrono::milliseconds request_timeout{30000};  // whole request read; send timeout
  std::chrono::milliseconds header_timeout{10000};   // until the headers are complete
  std::chrono::milliseconds write_timeout{30000};    // a whole response's write
  std::int64_t min_send_rate = 64 << 10;             // bytes/s; a stream's length adds to it
  int max_connections_per_peer = 128;                // 0 = no cap
  std::vector<std::string> trusted_proxies;          // addresses/CIDRs whose X-Forwarded-For counts
  std::chrono::milliseconds shutdown_grace{20000};   // in-flight requests may finish within
  std::int64_t body_limit = 1 << 20;                 // bytes; 413 beyond
  std::int64_t webhook_body_limit = 256 << 10;       // bytes; 413 beyond
  std::optional<TlsConfig> tls;
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string file;            // empty = standard error
};

struct SqliteConfig {
  std::string path = "var/wasl.db";
  std::chrono::milliseconds busy_timeout{5000};
  int pool_size = 4;
};

struct PostgresConfig {
  Secret url;  // libpq URI; usually ${env:…} or ${file:…}
  int pool_size = 8;
  std::chrono::milliseconds acquire_timeout{5000};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds statement_timeout{30000};  // 0 = none
};

struct StorageConfig {
  std::string backend = "sqlite";        // sqlite | postgres
  std::optional<bool> migrate_on_start;  // unset: on for sqlite, off for postgres
  SqliteConfig sqlite;
  PostgresConfig postgres;

  bool should_migrate_on_start() const { return migrate_on_start.value_or(backend == "sqlite"); }
};

// One plugin library the hub loads at start-up.
struct PluginFileConfig {
  std::string name;    // the plugin's name as it reports it (e.g. "chime")
  std::string file;    // path to the .so; relative paths are searched in PluginsConfig::directories
  std::string sha256;  // optional pin: lowercase hex of the file's SHA-256
  int line = 0;        // where it was declared, for messages
};

struct PluginsConfig {
  std::vector<std::string> directories;
  std::vector<PluginFileConfig> files;
  // How often each instance is sent its capability's cheap probe
  // (PluginHost::probe(); GET /v1/plugins/instances shows the health).
  std::chrono::milliseconds probe_interval{30000};
};

// A named instance of a plugin: `video.twilio-main`, `ehr.hospital-a`.
// An instance's MLLP listener (instances.<name>.mllp): the hub accepts the
// plugin's feed messages (HL7 v2) on this address and hands each to the
// instance's feed capability.
struct InstanceMllpConfig {
  std::string host = "127.0.0.1";                  // address the listener binds to
  int port = 0;                                    // TCP port; 0 picks a free one
  std::int64_t max_message_bytes = 1024 * 1024;    // longer: refused, connection closed
  std::chrono::milliseconds read_timeout{30000};   // from a message's first byte to its end
  std::chrono::milliseconds idle_timeout{300000};  // no message for this long: closed
  int max_connections = 1024;                      // open at once, all senders
  int max_connections_per_peer = 64;               // open at once from one address
  int workers = 4;                                 // messages handled at once
  std::optional<TlsConfig> tls;                    // unset: plain TCP; ca_file: client certificates
};

struct InstanceConfig {
  std::string name;       // the key: "<capability>.<label>"
  std::string plugin;     // PluginFileConfig::name
  bool optional = false;  // if it fails to load, the hub starts without it
  nlohmann::json settings = nlohmann::json::object();  // validated against the plugin's schema.json
  std::vector<std::string> secret_values;  // substituted secrets inside settings, to redact
  std::optional<InstanceMllpConfig> mllp;  // the plugin's feed, listened for by the hub
  // Where the instance processes PHI and media: an ISO 3166-1 alpha-2 country
  // code ("SA"). Empty: derived from the settings where they say it
  // (residency.hpp), else unknown.
  std::string residency;
  // A video instance whose plugin does not declare video.ends_empty_rooms
  // (Janus): once everyone who joined a room has left and nobody has joined
  // for this long, the hub ends the room itself (hub/attendance/empty_room.hpp).
  std::chrono::milliseconds empty_room_timeout{std::chrono::seconds(120)};
  // The instance's bulkhead (plugin_host/call_gate.hpp): calls running at
  // once in this hub, and callers waiting for a slot.
  int max_concurrent_calls = 8;
  int max_queued_calls = 16;
  int line = 0;
};

// What a facility's ministry reports carry and how their dates read
// (hub.build_report; plugins/moh).
struct FacilityReportingConfig {
  std::string licence;                    // the facility's MOH licence; empty = not stated
  std::string language = "en";            // "en" or "ar": CSV labels
  std::string time_zone = "Asia/Riyadh";  // IANA id; report periods are bounded in it
  bool hijri_dates = true;                // add Umm al-Qura dates beside the Gregorian ones
  bool patient_names = false;             // per-consultation reports name the patient
};

// A facility's billing identity and price list for a virtual consultation
// (facilities.<id>.billing). The licences name the facility and its payer on
// the exchange; the service code and price are the payer contract's.
struct FacilityBillingConfig {
  std::string provider_license;             // the facility's licence on the exchange (sender)
  std::string provider_name;                // empty = the facility's name
  std::string payer_license;                // empty = the coverage's payer id
  std::string claim_type = "professional";  // HL7 claim-type
  std::string claim_subtype = "op";         // NPHIES claim-subtype
  std::string service_code;                 // a virtual consultation's service code
  std::string service_code_system;          // empty = the billing plugin's default
  double price = 0;                         // unit price of the service, in `currency`
  double tax = 0;                           // VAT on one service, in `currency`
  std::string currency = "SAR";
  std::string diagnosis_code;  // ICD-10-AM code billed when the step names none
  // The payer contract asks for a prior authorization of the service before
  // it is given: a workflow's prior-authorization steps run when this is set
  // (hub.billing_service answers it).
  bool requires_prior_auth = false;
  // How the facility's claims go to the exchange: "immediate", each by its
  // consultation's billing.submit_claim step; "batch", each queued by the
  // workflow (hub.queue_claim) and sent with the others of its payer by the
  // billing round (billing.submit_batch, claims/claim_batches.hpp).
  std::string submission = "immediate";
  // How often queued claim answers are fetched (billing.poll).
  std::chrono::milliseconds poll_interval{300000};
  // A claim in_doubt or queued longer than this since it was sent raises an
  // alert (claims::ClaimPollJob).
  std::chrono::milliseconds max_unanswered_age{std::chrono::hours(72)};
};

// What an appointment booked in the facility's EHR starts
// (facilities.<id>.ehr_bookings): the EHR's Subscription notifications reach
// /v1/webhooks/<the facility's ehr instance>, and a booked appointment starts
// a consultation on this workflow, a cancelled one cancels it.
struct FacilityEhrBookingsConfig {
  std::string workflow;                              // a workflow the facility runs
  std::string consultation_type = "doctor_patient";  // domain::ConsultationType name
};

// One message's text in one language (facilities.<id>.notifications
// .messages.<kind>.<language>): the e-mail's subject and the body, which is
// also the whole SMS. {{name}} inserts one of the message's variables
// (notification_variables() in schema.hpp); the loader refuses any other.
struct NotificationTemplateConfig {
  std::string subject;  // empty: the built-in subject
  std::string body;
};

// One kind of message: whether it is sent, and the facility's own texts
// (unset: the built-in Arabic or English text of hub/notifications).
struct NotificationMessageConfig {
  bool enabled = true;
  std::optional<NotificationTemplateConfig> ar;
  std::optional<NotificationTemplateConfig> en;
  // A reminder: how long before the consultation's start it is due.
  std::chrono::milliseconds before{0};
};

// The messages a facility sends its patients (hub/notifications), by kind.
struct NotificationMessagesConfig {
  NotificationMessageConfig invitation;  // at booking, with the join link
  NotificationMessageConfig reminder_24h{.before = std::chrono::hours(24)};
  NotificationMessageConfig reminder_1h{.before = std::chrono::hours(1)};
  NotificationMessageConfig clinician_ready;  // a clinician was admitted to the room
  NotificationMessageConfig cancellation;     // the consultation was cancelled
  NotificationMessageConfig reschedule;       // its start moved
  NotificationMessageConfig feedback;         // after the consultation: the feedback link

  // The settings of `kind` (notification_message_kinds()); nullptr for another name.
  const NotificationMessageConfig* find(std::string_view kind) const {
    if (kind == "invitation") return &invitation;
    if (kind == "reminder_24h") return &reminder_24h;
    if (kind == "reminder_1h") return &reminder_1h;
    if (kind == "clinician_ready") return &clinician_ready;
    if (kind == "cancellation") return &cancellation;
    if (kind == "reschedule") return &reschedule;
    if (kind == "feedback") return &feedback;
    return nullptr;
  }
};

// How a facility tells its patients of their consultations
// (facilities.<id>.notifications; hub/notifications). Times are read on the
// facility's clock, reporting.time_zone.
struct FacilityNotificationsConfig {
  std::string email;  // the notify instance sending e-mail; empty: no e-mail
  std::string sms;    // the notify instance sending SMS; empty: no SMS
  // The language of a patient whose own is neither Arabic nor English.
  std::string default_language = "ar";
  // No message but "the clinician is ready" goes out between these two
  // wall-clock times (HH:MM; start == end: no quiet hours).
  std::string quiet_hours_start = "22:00";
  std::string quiet_hours_end = "08:00";
  bool arabic_digits = true;  // Arabic texts write numbers in Arabic-Indic digits
  // The join link in a message: {code} is replaced by the link's code.
  // Empty: <server.public_url>/join/{code}, which the hub answers itself.
  std::string join_url;
  // The feedback link in a message: {code} is replaced by the link's code.
  // Empty: <server.public_url>/feedback/{code}, which the hub answers itself.
  std::string feedback_url;
  // How long a feedback link works after its message is written.
  std::chrono::milliseconds feedback_link_lifetime{std::chrono::hours(24 * 7)};
  NotificationMessagesConfig messages;
};

// How a facility's people reach the operator console (facilities.<id>.console).
struct FacilityConsoleConfig {
  // Whether an operator may sign in to the console with one of the
  // facility's API keys (POST /signin/api-key); false: its people sign in
  // through the identity provider only.
  bool api_key_sign_in = false;
};

// What the facility's clinicians may prescribe through telehealth
// (facilities.<id>.clinical).
struct FacilityClinicalConfig {
  // The code system a prescription's medication code is in, as a URI (the
  // SFDA drug list, ATC, RxNorm, …); empty: the facility takes no
  // prescriptions.
  std::string medication_system;
  // Medication codes (of medication_system) never prescribed by telehealth;
  // a prescription naming one is refused (422) naming this rule.
  std::vector<std::string> blocked_medications;
};

// How long the facility's working data is kept (facilities.<id>.retention;
// hub/retention): what the hub keeps only to process and to repair, not
// the records (consultations, claims, recordings, the audit trail). Nothing
// still needed goes: received, unmatched or parked webhook events, failed
// runs, runs with work queued, runs of a consultation with an open claim
// or a recording under legal hold.
struct FacilityRetentionConfig {
  // Webhook and feed events once dispatched, and workflow events no run
  // took.
  std::chrono::milliseconds inbox{std::chrono::hours(24 * 30)};
  // A finished run's trigger, step outputs and received events' bodies.
  std::chrono::milliseconds step_data{std::chrono::hours(24 * 90)};
  // Finished runs themselves, with their steps, events and notes.
  std::chrono::milliseconds runs{std::chrono::hours(24 * 365)};
  // Idempotency-Key records and the answers they replay.
  std::chrono::milliseconds idempotency_keys{std::chrono::hours(24 * 30)};
};

// Where a facility's alerts are delivered (facilities.<id>.alerts): the
// alerts about it, about the instances it binds and the hub's own.
struct AlertWebhookConfig {
  std::string url;  // http(s) URL the alert is POSTed to
  Secret secret;    // Standard Webhooks secret ("whsec_<base64>") it is signed with
  int line = 0;     // where the entry starts in the config file
};

// The facility's alert rules (facilities.<id>.alerts.rules), checked every
// minute by one hub (hub/alerts/alert_rules.hpp).
struct FacilityAlertRulesConfig {
  // runs.failing: at least `failed_runs_minimum` runs ended in the last
  // `failed_runs_window` and more than `failed_runs_percent` % of them failed.
  int failed_runs_percent = 20;
  int failed_runs_minimum = 5;
  std::chrono::milliseconds failed_runs_window{std::chrono::minutes(15)};
  // dead_letters.growing: at least `dead_letters_count` new dead letters
  // (failed runs, unmatched or parked webhooks, billing messages in error)
  // in the last `dead_letters_window`.
  int dead_letters_count = 10;
  std::chrono::milliseconds dead_letters_window{std::chrono::hours(1)};
  // schedule.missed: a scheduled workflow's period whose run has not
  // succeeded this long after its firing.
  std::chrono::milliseconds schedule_grace{std::chrono::hours(2)};
  // ehr.silent: nothing heard from the facility's EHR instance (webhooks,
  // heartbeats included, or MLLP messages) for this long; 0: not watched.
  std::chrono::milliseconds ehr_heartbeat{0};
};

struct FacilityAlertsConfig {
  // name -> endpoint; each alert is one signed POST to each.
  std::map<std::string, AlertWebhookConfig> webhooks;
  // Base URL of an Alertmanager (its API v2); empty: none.
  std::string alertmanager_url;
  // E-mail addresses each alert is sent to through the facility's e-mail
  // notify instance (facilities.<id>.notifications.email).
  std::vector<std::string> email;
  FacilityAlertRulesConfig rules;
};

// An approved exception to a facility's residency requirement
// (facilities.<id>.residency_exceptions[]): the facility's data may go to
// `instance` although it processes outside the required countries. Audited
// when the hub first starts with it (access::ResidencyExceptionStore).
struct FacilityResidencyExceptionConfig {
  std::string instance;   // an instance the facility binds
  std::string reference;  // the approval's reference (a ticket, a DPO decision)
  std::string approved;   // the approval's date, YYYY-MM-DD
  int line = 0;
};

struct FacilityConfig {
  std::string id;  // the key
  std::string name;
  // capability role -> instance name, e.g. "video" -> "video.chime-main"
  std::map<std::string, std::string> bindings;
  // Standard Webhooks secret ("whsec_<base64>") of the facility's own
  // systems, posting to /v1/webhooks/hospital.<id>; empty = not accepted.
  Secret webhook_secret;
  // Days recordings are kept; 0 = archive.retention_days.
  int retention_days = 0;
  // Names of the workflows this facility runs; empty = every workflow in
  // workflows_dir.
  std::vector<std::string> workflows;
  FacilityReportingConfig reporting;
  // How the facility bills (hub.build_eligibility, hub.build_claim and the
  // claims poll); required when the facility binds a billing role.
  std::optional<FacilityBillingConfig> billing;
  // Consultations started by the EHR's booked appointments; unset = the
  // EHR's notifications start none.
  std::optional<FacilityEhrBookingsConfig> ehr_bookings;
  // How long after a consultation's scheduled start (or its room's opening,
  // when that is later or there is no start) the patient may still join:
  // past it with no patient join recorded, the consultation's run receives
  // patient.arrival with outcome "absent" (consultations::NoShowSweep).
  std::chrono::milliseconds no_show_after{std::chrono::minutes(15)};
  // What the facility's patients are told, and through which instances;
  // unset = nothing is sent.
  std::optional<FacilityNotificationsConfig> notifications;
  FacilityConsoleConfig console;
  FacilityClinicalConfig clinical;
  FacilityRetentionConfig retention;
  FacilityAlertsConfig alerts;
  // The countries (ISO 3166-1 alpha-2) the facility's PHI and media may be
  // processed in; empty = no requirement. Every instance it binds must
  // process in one of them, unless residency_exceptions names it.
  std::vector<std::string> residency;
  std::vector<FacilityResidencyExceptionConfig> residency_exceptions;
  int line = 0;
};

// The workflow engine of this process (hub/workflow/engine.hpp).
struct WorkflowEngineConfig {
  int workers = 4;  // 0 = this process starts runs but executes none
  // Calls into one plugin instance the workers wait on at once; 0 = half
  // the workers (EngineOptions::calls_per_instance).
  int calls_per_instance = 0;
  std::chrono::milliseconds lease{30000};
  std::chrono::milliseconds poll_interval{200};
  std::chrono::milliseconds default_call_timeout{300000};
  int claim_batch = 1;
  // Step finishes recorded together in one commit when workers finish at
  // the same time (group commit); 1 = each alone.
  int commit_group = 16;
  // How often scheduled workflows (trigger kind schedule) are checked for
  // due firings; the first check is at start-up.
  std::chrono::milliseconds schedule_interval{30000};
  // How often consultations waiting for their patient are checked against
  // their facility's no_show_after (consultations::NoShowSweep); the first
  // check is at start-up.
  std::chrono::milliseconds no_show_interval{30000};
  // How long hub.attendance waits, once the room has ended, for a quiet
  // period with no new attendance event from the provider (late joins).
  std::chrono::milliseconds attendance_settle{10000};
};

// The task runner of this process (hub/jobs/task_runner.hpp): the work owed
// to the outside world once a transaction has committed (EHR bookings,
// shared documents and feedback written to the EHR, empty rooms, delivery
// receipts).
struct TaskRunnerConfig {
  int threads = 4;
  // Runs of one plugin instance at once (its share of the threads); a task
  // beyond it is deferred, not failed; 0 = half the threads, at least one.
  int calls_per_instance = 0;
};

// An S3 object store recordings may be kept in (archive.stores.<name>):
// Amazon S3, or an on-premises store speaking its API (Ceph's RADOS Gateway,
// StorageGRID, ECS, OBS). Objects are "<prefix><facility>/<recording>.<key>.wse".
struct ObjectStoreConfig {
  std::string name;  // the key under archive.stores
  std::string kind = "s3";
  std::string endpoint;  // https://…, or http:// to a loopback host
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;  // key prefix, "" or ending in '/'
  std::string addressing =
      "path";  // path: <endpoint>/<bucket>/<key>; virtual: <bucket>.<host>/<key>
  // Where the keys come from: static (the three secrets below), instance
  // (the EC2 instance role through IMDSv2 at imds_endpoint) or web_identity
  // (STS AssumeRoleWithWebIdentity of role_arn with the token in
  // web_identity_token_file, at sts_endpoint).
  std::string credentials = "static";
  Secret access_key_id;
  Secret secret_access_key;
  Secret session_token;  // optional, with temporary keys
  std::string imds_endpoint = "http://169.254.169.254";
  std::string role_arn;                 // default: $AWS_ROLE_ARN
  std::string web_identity_token_file;  // default: $AWS_WEB_IDENTITY_TOKEN_FILE
  std::string sts_endpoint;             // empty: https://sts.<region>.amazonaws.com
  std::string role_session_name = "wasl";
  std::string ca_file;               // optional extra trust anchors (PEM)
  std::int64_t part_size = 8 << 20;  // multipart upload part, >= 5 MiB
  int parts_in_flight = 4;           // parts uploading at once
  std::string checksum = "sha256";   // per part: sha256 (x-amz-checksum-sha256) | md5 (Content-MD5)
  // S3 Object Lock of the objects written: none | governance | compliance.
  std::string retention_mode = "none";
  // Where the store keeps recordings (ISO 3166-1 alpha-2); empty: derived
  // from `region` when the endpoint is Amazon S3's, else unknown.
  std::string residency;
  int line = 0;
};

// Recordings archived by hub.archive_recording (hub/archive/).
struct ArchiveConfig {
  // Where new recordings are written: "local" (the directory `root`) or the
  // name of an entry of `stores`. Recordings already written elsewhere stay
  // readable where they are.
  std::string store = "local";
  std::map<std::string, ObjectStoreConfig> stores;
  std::string root = "var/recordings";  // encrypted recording files (the local store)
  // Where the local store's disk is (ISO 3166-1 alpha-2); empty = unknown.
  std::string residency;
  int retention_days = 2555;  // 7 years, unless a facility says otherwise
  std::chrono::milliseconds retention_interval{3600000};  // how often expired ones are deleted
  // Unfinished S3 multipart uploads older than this are aborted, every
  // retention_interval: a hub killed mid-upload leaves its parts behind.
  std::chrono::milliseconds stale_upload_age{24LL * 3600000};
  // How often open video sessions are checked with the provider, so a lost
  // "room ended" event cannot leave a consultation hanging.
  std::chrono::milliseconds reconcile_interval{30000};
};

// How the hub sends the facilities' queued notifications
// (hub/notifications/notification_sender.hpp), the same for every facility.
struct NotificationDeliveryConfig {
  std::chrono::milliseconds interval{5000};  // how often due messages are looked for
  std::chrono::milliseconds lease{120000};   // one send's hold on its message
  int batch = 20;                            // messages one look takes at most
  // Retries of a failed send: the engine's backoff (hub/workflow/backoff.hpp).
  int max_attempts = 6;
  std::chrono::milliseconds initial_delay{30000};
  std::chrono::milliseconds max_delay{900000};
};

// Documents shared in consultations (hub/clinical, the API's
// /v1/consultations/{id}/documents): where ClamAV's daemon listens and how
// long a download link works.
struct DocumentsConfig {
  // "unix:/path" or "tcp://host:port"; Debian's clamav-daemon listens on
  // /run/clamav/clamd.ctl.
  std::string clamd = "unix:/run/clamav/clamd.ctl";
  std::chrono::milliseconds scan_timeout{30000};  // one scan, connect to verdict
  std::chrono::milliseconds link_ttl{300000};     // a download link's life
};

struct SecurityConfig {
  // The key ring (hub/crypto/keyring.hpp): data keys, blind-index key, audit
  // key. Made by `wasl keys generate`; must be mode 0600.
  std::string key_file = "var/wasl-keys.json";
  // A signed audit checkpoint is written after this many events.
  int audit_checkpoint_every = 100;
  // Failed authentications allowed per source address per minute before 429.
  int auth_failures_per_minute = 10;
  // Failed authentications allowed per minute from all sources together;
  // beyond it, a source's first failure blocks it.
  int auth_failures_per_minute_total = 1000;
};

// A console session (signin.session; hub/signin/session_store.hpp).
struct SigninSessionConfig {
  // Ended when no request came on it for this long.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(15)};
  // Ended this long after it was made, however busy.
  std::chrono::milliseconds absolute_lifetime{std::chrono::hours(8)};
  // An ended (or lapsed) session's row is deleted this long after its end;
  // until then the audit trail's session_ref can be looked up.
  std::chrono::milliseconds keep_ended{std::chrono::hours(7 * 24)};
};

// The roles that need multi-factor sign-in (signin.mfa): a person whose
// rule gives one of these roles is let in only when the ID token's amr
// holds one of `amr`, or its acr is one of `acr`.
struct SigninMfaConfig {
  std::vector<std::string> roles = {"admin", "integrator", "clinician"};
  std::vector<std::string> amr = {"mfa", "otp", "hwk", "swk", "sms"};
  std::vector<std::string> acr;
};

// One access rule of a provider: a person whose groups claim holds `group`
// gets `role` in `facility`. The first rule that matches wins.
struct SigninRuleConfig {
  std::string group;
  std::string facility;  // a key of facilities
  std::string role;      // admin, integrator, hospital, clinician or auditor
  int line = 0;
};

// The name of a provider in the console's two languages.
struct SigninLabelConfig {
  std::string en;
  std::string ar;
};

// A hospital's OpenID Connect identity provider (signin.providers.<name>).
struct SigninProviderConfig {
  std::string name;  // the key, in the sign-in URLs
  SigninLabelConfig label;
  std::string issuer;  // exact iss; https://, or http:// to a loopback host
  std::string client_id;
  Secret client_secret;       // client_secret_basic; or
  Secret client_key;          // PEM private key for private_key_jwt, with
  std::string client_key_id;  // its kid
  std::vector<std::string> scopes = {"openid", "profile", "email"};
  std::string groups_claim = "groups";  // the ID token claim the rules read
  std::string practitioner_claim;       // optional: "Practitioner/3" for clinicians
  std::string ca_file;                  // optional extra trust anchors (PEM) for the IdP
  std::vector<SigninRuleConfig> rules;
  int line = 0;
};

// People signing in to the console (hub/signin). Absent: no identity
// provider, and API-key sign-in where the facility allows it.
struct SigninConfig {
  std::string public_url = "http://127.0.0.1:8080";  // where browsers reach the hub
  SigninSessionConfig session;
  SigninMfaConfig mfa;
  std::map<std::string, SigninProviderConfig> providers;
};

struct Config {
  std::string source_file;  // the file it was loaded from
  ServerConfig server;
  LogConfig log;
  StorageConfig storage;
  SecurityConfig security;
  WorkflowEngineConfig workflow;
  TaskRunnerConfig tasks;
  ArchiveConfig archive;
  DocumentsConfig documents;
  NotificationDeliveryConfig notification_delivery;
  PluginsConfig plugins;
  std::map<std::string, InstanceConfig> instances;
  std::map<std::string, FacilityConfig> facilities;
  std::optional<SigninConfig> signin;
  std::string workflows_dir = "workflows";
  // Every value that came from ${env:…} or ${file:…}, anywhere in the file:
  // redact these from anything printed (render() does).
  std::vector<std::string> secret_values;
};

}  // namespace wasl::config
