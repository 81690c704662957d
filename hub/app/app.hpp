// App: the composition root. Builds the hub's services in dependency order
// from a validated Config and stops them in reverse. Owns everything it
// builds; nothing else creates services.
//
// Order: key ring → store (migrations, facilities) → audit writer → plugin
// host (state kept in the store) → workflow definitions (workflows_dir
// deployed as versions) → each feature's registration of its hub actions,
// observers, reactions and tasks (claims, reports, archive, then, once the
// engine and the task runner exist, consultations and notifications) →
// engine, task runner, scheduler and the notification sender → HTTP routes
// → server. start() starts the engine's workers, the task runner, the
// background jobs and the listener; stop() undoes it in reverse.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include "hub/access/api_key_store.hpp"
#include "hub/access/auth_failure_limiter.hpp"
#include "hub/access/authenticator.hpp"
#include "hub/alerts/alert_delivery.hpp"
#include "hub/alerts/alert_routing.hpp"
#include "hub/alerts/alert_rules.hpp"
#include "hub/alerts/alert_store.hpp"
#include "hub/alerts/shared_alerts.hpp"
#include "hub/api/api_context.hpp"
#include "hub/api/well_known.hpp"
#include "hub/app/readiness_cache.hpp"
#include "hub/archive/archive_action.hpp"
#include "hub/archive/recording_archive.hpp"
#include "hub/archive/retention_job.hpp"
#include "hub/archive/session_reconciler.hpp"
#include "hub/audit/audit_verifier.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/audit/chain_status.hpp"
#include "hub/claims/claim_poll.hpp"
#include "hub/clinical/clamd_scanner.hpp"
#include "hub/config/config.hpp"
#include "hub/consultations/no_show_sweep.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/http/router.hpp"
#include "hub/http/server.hpp"
#include "hub/jobs/periodic_runner.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/mllp/mllp_listener.hpp"
#include "hub/notifications/notification_sender.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/plugin_host/state_store.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/retention/working_data_retention.hpp"
#include "hub/signin/attempt_store.hpp"
#include "hub/signin/people_store.hpp"
#include "hub/signin/provider_set.hpp"
#include "hub/signin/session_store.hpp"
#include "hub/signin/signin_flow.hpp"
#include "hub/storage/migrator.hpp"
#include "hub/storage/store.hpp"
#include "hub/webhooks/configured_webhook_sources.hpp"
#include "hub/webhooks/feed_intake.hpp"
#include "hub/webhooks/hospital_secret_source.hpp"
#include "hub/webhooks/inbox_writer.hpp"
#include "hub/webhooks/webhook_context.hpp"
#include "hub/webhooks/webhook_dispatcher.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/event_triggers.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "hub/workflow/scheduler.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::app {

// The HTTP server's settings from the configuration's `server:` block.
http::ServerSettings server_settings(const config::ServerConfig& config);

// Opens the configured backend (no migration).
sdk::Result<std::unique_ptr<storage::Store>> open_store(const config::StorageConfig& config);

// Opens the store ready for use: migrations applied when
// storage.migrate_on_start says so (otherwise none may be pending), and the
// config's facilities mirrored into the facilities table. `report` (if given)
// receives what was applied.
sdk::Result<std::unique_ptr<storage::Store>> prepare_store(
    const config::Config& config, storage::MigrationReport* report = nullptr);

// Loads the key ring named by security.key_file; a missing file is a
// failure whose message says how to make one.
sdk::Result<std::shared_ptr<const crypto::Keyring>> load_configured_keyring(
    const config::Config& config);

// The facilities of `config` as the workflow scheduler sees them.
std::vector<workflow::ScheduledFacility> scheduled_facilities(const config::Config& config);

// Deploys every workflow file of workflows_dir as a new version when its text
// changed; a file with problems fails the whole deploy with file:line lines.
sdk::Status deploy_workflow_files(workflow::DefinitionStore& definitions,
                                  const std::string& workflows_dir);

class App {
 public:
  static sdk::Result<std::unique_ptr<App>> build(const config::Config& config);
  ~App();

  sdk::Status start();  // engine workers, background jobs, then the listener
  void stop();          // listener, jobs, engine, store, plugins; idempotent

  // SIGHUP: redeploys changed workflow files, reloads the key ring (a new
  // active key starts the re-encryption job) and builds the published
  // signing keys again (/.well-known/jwks.json). Problems are logged and
  // leave the running state as it was.
  void reload();

  int port() const;
  const storage::MigrationReport& migration_report() const { return migration_report_; }
  bool ready() const;  // what /readyz answers

 private:
  explicit App(const config::Config& config);
  void add_system_routes();
  sdk::Status build_access();
  sdk::Status build_webhooks();
  sdk::Status build_feed_intakes();
  sdk::Status start_mllp_listeners();
  void build_api();
  sdk::Status build_signin();
  void start_key_rotation();
  // Builds /.well-known/jwks.json's set from the EHR instances' public keys
  // and publishes it; a kid two keys claim is logged as a config error.
  void publish_signing_keys();
  claims::ClaimPollDeps claim_poll_deps();
  // Raises a notification that will not arrive as an instance alert.
  notifications::RaiseNotificationAlert notification_alert();

  config::Config config_;
  observability::Metrics metrics_;
  std::shared_ptr<const crypto::Keyring> keyring_;
  std::unique_ptr<records::CellCipher> cipher_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<ReadinessCache> readiness_;  // /readyz's store check, once a second
  storage::MigrationReport migration_report_;
  std::unique_ptr<audit::AuditWriter> audit_;
  std::unique_ptr<audit::AuditVerifier> audit_verifier_;
  std::unique_ptr<audit::ChainStatus> audit_chain_;  // api_context_.audit_chain
  std::unique_ptr<plugin_host::StateStore> plugin_state_;
  std::unique_ptr<plugin_host::PluginHost> plugins_;
  // The alerts every hub on the database shares: the sink of plugins_'s
  // InstanceHealth, read by GET /v1/alerts.
  std::unique_ptr<alerts::AlertRouting> alert_routing_;
  std::unique_ptr<alerts::AlertStore> alert_store_;
  std::unique_ptr<alerts::SharedAlerts> shared_alerts_;
  // Sends the alerts to the facilities' webhooks and Alertmanagers.
  std::unique_ptr<alerts::AlertDelivery> alert_delivery_;
  // certificate_alerts() over the certificates the hub presents, hourly.
  std::unique_ptr<jobs::PeriodicRunner> certificate_runner_;
  // When each sender was last heard from (webhook_context_.contacts), for
  // the rule ehr.silent.
  std::unique_ptr<webhooks::WebhookContacts> webhook_contacts_;
  // The rules on the hub's own tables, every minute by one hub.
  std::unique_ptr<alerts::AlertRules> alert_rules_;
  std::unique_ptr<jobs::PeriodicRunner> rules_runner_;
  api::JwksPublisher jwks_;  // api_context_.jwks
  std::unique_ptr<workflow::DefinitionStore> definitions_;
  workflow::HubActions actions_;
  std::unique_ptr<workflow::Engine> engine_;
  std::unique_ptr<workflow::Scheduler> scheduler_;
  // Runs of the workflows a hub event starts (claim_poll_deps).
  std::unique_ptr<workflow::EventTriggers> event_triggers_;
  std::unique_ptr<jobs::PeriodicRunner> schedule_runner_;  // scheduler_->run_due()
  std::shared_ptr<workflow::CapabilityInvoker> invoker_;   // the engine's
  // Work owed to the outside world after a commit (EHR bookings, evictions).
  std::unique_ptr<jobs::TaskRunner> tasks_;
  std::unique_ptr<claims::ClaimPollJob> claim_poll_;
  std::unique_ptr<jobs::PeriodicRunner> claim_poll_runner_;  // claim_poll_->tick()
  std::unique_ptr<jobs::PeriodicRunner> probe_runner_;       // plugins_->probe()
  std::unique_ptr<notifications::NotificationSender> notification_sender_;
  std::unique_ptr<jobs::PeriodicRunner> notification_runner_;  // notification_sender_->tick()

  // Where recordings' objects live (archive.root today); lent to the
  // archive, retention, key rotation and the API.
  std::unique_ptr<object_store::ObjectStores> object_stores_;
  std::unique_ptr<archive::RecordingArchive> archive_;
  archive::ArchiveServices archive_services_;
  std::unique_ptr<archive::RetentionJob> retention_;
  // sweep_stale_uploads() over the S3 stores, every archive.retention_interval.
  std::unique_ptr<jobs::PeriodicRunner> stale_upload_runner_;
  std::unique_ptr<archive::SessionReconciler> reconciler_;
  // patient.arrival "absent" for consultations past their no_show_after.
  std::unique_ptr<consultations::NoShowSweep> no_show_sweep_;
  // Working data past each facility's retention (facilities.<id>.retention).
  std::unique_ptr<retention::WorkingDataRetention> working_data_;

  std::unique_ptr<access::ApiKeyStore> api_keys_;
  std::unique_ptr<access::AuthFailureLimiter> auth_limiter_;
  std::unique_ptr<access::AuthFailureLimiter> webhook_rejections_;
  std::unique_ptr<access::Authenticator> authenticator_;
  // authenticator_->flush_failures(): the auth.failed events of ended minutes.
  std::unique_ptr<jobs::PeriodicRunner> auth_audit_runner_;

  std::unique_ptr<records::InboxStore> inbox_;
  std::unique_ptr<webhooks::StaticHospitalSecrets> hospital_secrets_;
  std::unique_ptr<webhooks::ConfiguredWebhookSources> webhook_sources_;
  std::unique_ptr<webhooks::InboxWriter> inbox_writer_;
  std::unique_ptr<webhooks::WebhookDispatcher> dispatcher_;
  webhooks::WebhookContext webhook_context_;
  // One per instance with an mllp block: the intake built with the
  // webhooks, its listener started with the server and stopped before it.
  std::vector<std::unique_ptr<webhooks::FeedIntake>> feed_intakes_;
  std::vector<std::unique_ptr<mllp::MllpListener>> mllp_listeners_;
  api::ApiContext api_context_;
  api::ReadAuditWindow read_audits_;  // api_context_.read_audits
  // Scans shared documents at documents.clamd (api_context_.document_scanner).
  std::optional<clinical::ClamdScanner> document_scanner_;
  // The console's sign-in through identity providers and its sessions
  // (build_signin()). Sessions and people are built whether or not the
  // config has a signin section: API-key sign-in needs only the facility's
  // console.api_key_sign_in.
  std::unique_ptr<signin::ProviderSet> signin_providers_;
  std::unique_ptr<signin::AttemptStore> signin_attempts_;
  std::unique_ptr<signin::PeopleStore> signin_people_;
  std::unique_ptr<signin::SessionStore> signin_sessions_;
  std::unique_ptr<signin::SigninFlow> signin_flow_;
  // Deletes stale sign-in attempts and remembered logout tokens.
  std::unique_ptr<jobs::PeriodicRunner> signin_purge_runner_;

  http::Router router_;
  std::unique_ptr<http::Server> server_;

  std::mutex rotation_mutex_;
  std::jthread rotation_;  // the re-encryption job, when one runs
  bool stopped_ = false;
};

}  // namespace wasl::app
