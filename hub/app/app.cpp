#include "hub/app/app.hpp"
#include "hub/api/authorization.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hub/alerts/alert_rules.hpp"
#include "hub/alerts/certificate_expiry.hpp"
#include "hub/api/billing_messages.hpp"
#include "hub/app/facility_sync.hpp"
#include "hub/attendance/attendance.hpp"
#include "hub/claims/claim_actions.hpp"
#include "hub/claims/information_answers.hpp"
#include "hub/claims/polled_message_router.hpp"
#include "hub/clinical/clinical.hpp"
#include "hub/clinical/ehr_record_writes.hpp"
#include "hub/console/console_routes.hpp"
#include "hub/console/join_routes.hpp"
#include "hub/consultations/consultations.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/feedback/feedback_ehr_write.hpp"
#include "hub/jobs/period_lease.hpp"
#include "hub/key_rotation/key_rotation_job.hpp"
#include "hub/notifications/notifications.hpp"
#include "hub/object_store/configured_stores.hpp"
#include "hub/object_store/stale_upload_sweep.hpp"
#include "hub/object_store/store_health.hpp"
#include "hub/plugin_host/database_state_store.hpp"
#include "hub/reports/report_actions.hpp"
#include "hub/signin/logout_token_store.hpp"
#include "hub/summaries/summary_action.hpp"
#include "hub/webhooks/webhook_routes.hpp"
#include "hub/workflow/plugin_capability_invoker.hpp"

namespace wasl::app {
namespace {

// How often the certificates the hub presents are checked for expiry.
constexpr std::chrono::hours kCertificateCheckInterval{1};
// How often the alert rules (failed runs, dead letters, schedules, a silent
// EHR) are checked.
constexpr std::chrono::minutes kRuleCheckInterval{1};

}  // namespace

http::ServerSettings server_settings(const config::ServerConfig& config) {
  http::ServerSettings settings;
  settings.host = config.host;
  settings.port = config.port;
  settings.max_threads = config.max_threads;
  settings.max_queued = config.max_queued;
  settings.keep_alive_timeout = config.keep_alive_timeout;
  settings.max_keep_alive_requests = config.max_keep_alive_requests;
  settings.request_timeout = config.request_timeout;
  settings.header_timeout = config.header_timeout;
  settings.write_timeout = config.write_timeout;
  settings.min_send_rate = config.min_send_rate;
  settings.max_connections_per_peer = config.max_connections_per_peer;
  settings.trusted_proxies = config.trusted_proxies;
  settings.shutdown_grace = config.shutdown_grace;
  settings.body_limit = config.body_limit;
  if (config.tls) {
    settings.tls = http::TlsSettings{config.tls->certificate_file, config.tls->private_key_file,
                                     config.tls->ca_file};
  }
  return settings;
}

sdk::Result<std::unique_ptr<storage::Store>> open_store(const config::StorageConfig& config) {
  if (config.backend == "postgres") {
    storage::PostgresOptions options;
    options.url = config.postgres.url.reveal();
    options.pool_size = config.postgres.pool_size;
    options.acquire_timeout = config.postgres.acquire_timeout;
    options.connect_timeout = config.postgres.connect_timeout;
    options.statement_timeout = config.postgres.statement_timeout;
    return storage::open_postgres(options);
  }
  storage::SqliteOptions options;
  options.path = config.sqlite.path;
  options.busy_timeout = config.sqlite.busy_timeout;
  options.pool_size = config.sqlite.pool_size;
  return storage::open_sqlite(options);
}

sdk::Result<std::unique_ptr<storage::Store>> prepare_store(const config::Config& config,
                                                           storage::MigrationReport* report) {
  WASL_ASSIGN_OR_RETURN(auto store, open_store(config.storage));
  const auto& migrations = storage::embedded_migrations(store->dialect());
  if (config.storage.should_migrate_on_start()) {
    WASL_ASSIGN_OR_RETURN(storage::MigrationReport applied, storage::migrate(*store, migrations));
    if (report) *report = std::move(applied);
  } else {
    WASL_ASSIGN_OR_RETURN(auto pending, storage::pending_migrations(*store, migrations));
    if (!pending.empty()) {
      return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                        std::to_string(pending.size()) +
                            " migration(s) pending and storage.migrate_on_start is off; run "
                            "`wasl migrate --config " +
                            config.source_file + "` first");
    }
  }
  WASL_RETURN_IF_ERROR(sync_facilities(*store, config));
  return store;
}

sdk::Result<std::shared_ptr<const crypto::Keyring>> load_configured_keyring(
    const config::Config& config) {
  const std::string& path = config.security.key_file;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "no key file at " + path +
                          " (security.key_file); make one with `wasl keys "
                          "generate --config " +
                          config.source_file + "`");
  }
  return crypto::load_keyring(path);
}

std::vector<workflow::ScheduledFacility> scheduled_facilities(const config::Config& config) {
  std::vector<workflow::ScheduledFacility> out;
  for (const auto& [id, facility] : config.facilities) {
    workflow::ScheduledFacility f;
    f.id = id;
    f.time_zone = facility.reporting.time_zone;
    f.workflows = facility.workflows;
    for (const auto& [role, instance] : facility.bindings) f.bound_roles.insert(role);
    out.push_back(std::move(f));
  }
  return out;
}

sdk::Status deploy_workflow_files(workflow::DefinitionStore& definitions,
                                  const std::string& workflows_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(workflows_dir, ec)) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "workflows_dir " + workflows_dir + " is not a directory");
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(workflows_dir, ec)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      return sdk::Error(sdk::ErrorCode::kFailedPrecondition, "cannot read " + file.string());
    }
    WASL_ASSIGN_OR_RETURN(workflow::DeployedVersion deployed,
                          definitions.deploy_source(text.str(), file.string(), "workflows_dir"));
    if (deployed.created) {
      spdlog::info("deployed workflow {} version {} from {}", deployed.name, deployed.version,
                   file.string());
    }
  }
  return {};
}

App::App(const config::Config& config) : config_(config) {}

App::~App() { stop(); }

sdk::Result<std::unique_ptr<App>> App::build(const config::Config& config) {
  std::unique_ptr<App> app(new App(config));

  WASL_ASSIGN_OR_RETURN(app->keyring_, load_configured_keyring(config));
  app->cipher_ = std::make_unique<records::CellCipher>(app->keyring_);
  WASL_ASSIGN_OR_RETURN(app->store_, prepare_store(config, &app->migration_report_));
  for (const auto& m : app->migration_report_.applied) {
    spdlog::info("applied migration {:04d}_{}", m.version, m.name);
  }
  app->audit_ = std::make_unique<audit::AuditWriter>(
      app->store_->dialect(), app->keyring_->audit_key().view(),
      audit::AuditWriterOptions{config.security.audit_checkpoint_every});
  {
    // A head left unsigned by the migration to version 20 is signed now,
    // before anything appends (verification refuses an unsigned head).
    WASL_ASSIGN_OR_RETURN(auto tx, app->store_->begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(bool signed_now, app->audit_->sign_unsigned_head(*tx));
    WASL_RETURN_IF_ERROR(tx->commit());
    if (signed_now) spdlog::info("audit_head signed (first start since migration 0020)");
  }
  // The residency exceptions this start brings in force are audited once.
  WASL_RETURN_IF_ERROR(record_residency_exceptions(*app->store_, *app->audit_, config));

  storage::Store* store = app->store_.get();
  app->metrics_.gauge_callback("wasl_store_pool_connections", "Store connections by state.",
                               [store] {
                                 storage::PoolStats s = store->pool_stats();
                                 return std::vector<std::pair<observability::Labels, double>>{
                                     {{{"state", "open"}}, static_cast<double>(s.open)},
                                     {{{"state", "in_use"}}, static_cast<double>(s.in_use)},
                                     {{{"state", "capacity"}}, static_cast<double>(s.size)},
                                     {{{"state", "waiting"}}, static_cast<double>(s.waiting)}};
                               });
  app->metrics_.gauge_callback("wasl_store_connections_replaced",
                               "Broken store connections replaced since start.", [store] {
                                 return std::vector<std::pair<observability::Labels, double>>{
                                     {{}, static_cast<double>(store->pool_stats().replaced)}};
                               });

  // Plugin state follows the key ring a reload swaps into the cipher.
  records::CellCipher* cipher = app->cipher_.get();
  app->plugin_state_ = std::make_unique<plugin_host::DatabaseStateStore>(
      *app->store_,
      plugin_host::DatabaseStateStore::KeyringSource([cipher] { return cipher->keyring(); }));
  plugin_host::PluginHostOptions plugin_options;
  plugin_options.state = app->plugin_state_.get();
  WASL_ASSIGN_OR_RETURN(app->plugins_,
                        plugin_host::PluginHost::load(config, app->metrics_, plugin_options));
  for (const auto& problem : app->plugins_->problems()) {
    spdlog::warn("plugin: {}", problem);
  }
  // Alerts go to the database, where every hub on it reads the same ones.
  // Each alert is queued, in its own transaction, for the targets of the
  // facilities it concerns (facilities.<id>.alerts).
  app->alert_routing_ = std::make_unique<alerts::AlertRouting>(config);
  app->alert_store_ = std::make_unique<alerts::AlertStore>(
      *app->store_, [routing = app->alert_routing_.get()](const plugin_host::InstanceAlert& alert) {
        return routing->route(alert);
      });
  alerts::AlertDeliveryOptions delivery;
  delivery.metrics = &app->metrics_;
  // An alert's e-mail goes through the facility's own e-mail notify
  // instance, never one the alert names.
  delivery.send_email = alerts::facility_email_sender(app->config_, *app->plugins_);
  WASL_ASSIGN_OR_RETURN(app->alert_delivery_,
                        alerts::AlertDelivery::create(*app->alert_store_, config, delivery));
  alerts::SharedAlertsOptions shared_alerts;
  shared_alerts.metrics = &app->metrics_;
  shared_alerts.written = [sender = app->alert_delivery_.get()] { sender->wake(); };
  app->shared_alerts_ = std::make_unique<alerts::SharedAlerts>(*app->alert_store_, shared_alerts);
  app->plugins_->health().set_alert_sink(app->shared_alerts_->sink());

  app->definitions_ = std::make_unique<workflow::DefinitionStore>(*app->store_);
  WASL_RETURN_IF_ERROR(deploy_workflow_files(*app->definitions_, config.workflows_dir));
  // Each feature registers what it adds to workflow runs (hub_actions.hpp).
  WASL_RETURN_IF_ERROR(workflow::add_builtin_hub_actions(app->actions_));
  WASL_RETURN_IF_ERROR(
      claims::add_claim_actions(app->actions_, config, *app->cipher_, *app->audit_));
  WASL_RETURN_IF_ERROR(
      reports::add_report_actions(app->actions_, config, *app->cipher_, *app->audit_));
  // The object stores: the local directory (archive.root) and every S3 store
  // of archive.stores; archive.store names the one new recordings go to.
  // Their requests are counted in /metrics and their state shown by /readyz.
  WASL_ASSIGN_OR_RETURN(app->object_stores_,
                        object_store::configured_stores(config.archive, &app->metrics_));
  archive::RecordingArchiveOptions archive_options;
  archive_options.default_retention_days = config.archive.retention_days;
  for (const auto& [id, facility] : config.facilities) {
    if (facility.retention_days > 0)
      archive_options.facility_retention_days[id] = facility.retention_days;
  }
  App* self = app.get();
  app->archive_ = std::make_unique<archive::RecordingArchive>(
      *app->store_, *app->audit_, *app->object_stores_, [self] { return self->cipher_->keyring(); },
      archive_options);
  app->archive_services_ = archive::archive_services_from(config, *app->plugins_, *app->archive_);
  WASL_RETURN_IF_ERROR(archive::add_archive_actions(app->actions_, app->archive_services_));

  workflow::EngineOptions engine_options;
  engine_options.workers = config.workflow.workers;
  engine_options.calls_per_instance = config.workflow.calls_per_instance;
  engine_options.lease = config.workflow.lease;
  engine_options.poll_interval = config.workflow.poll_interval;
  engine_options.default_call_timeout = config.workflow.default_call_timeout;
  engine_options.claim_batch = config.workflow.claim_batch;
  engine_options.commit_group = config.workflow.commit_group;
  app->invoker_ = std::make_shared<workflow::PluginCapabilityInvoker>(*app->plugins_, config);
  app->engine_ = std::make_unique<workflow::Engine>(*app->store_, *app->definitions_, app->invoker_,
                                                    app->actions_, app->metrics_, engine_options,
                                                    app->cipher_.get(), app->audit_.get());
  jobs::TaskRunnerOptions task_options;
  task_options.threads = config.tasks.threads;
  task_options.calls_per_instance = config.tasks.calls_per_instance;
  task_options.owner = app->engine_->engine_id() + "/tasks";
  app->tasks_ = std::make_unique<jobs::TaskRunner>(*app->store_, task_options, &app->metrics_);
  consultations::ConsultationServices consultation_services;
  consultation_services.config = &app->config_;
  consultation_services.cipher = app->cipher_.get();
  consultation_services.engine = app->engine_.get();
  consultation_services.plugins = app->plugins_.get();
  consultation_services.audit = app->audit_.get();
  consultation_services.metrics = &app->metrics_;
  WASL_RETURN_IF_ERROR(
      consultations::add_consultations(app->actions_, *app->tasks_, consultation_services));
  attendance::AttendanceServices attendance_services;
  attendance_services.cipher = app->cipher_.get();
  attendance_services.engine = app->engine_.get();
  attendance_services.metrics = &app->metrics_;
  attendance_services.settle = app->config_.workflow.attendance_settle;
  // Rooms everyone has left are ended by the hub on the video instances
  // whose plugin does not end them itself (no video.ends_empty_rooms).
  attendance_services.store = app->store_.get();
  attendance_services.audit = app->audit_.get();
  attendance_services.video_of = [plugins = app->plugins_.get()](const std::string& instance) {
    return plugins->video(instance);
  };
  attendance_services.empty_room_timeout =
      [plugins = app->plugins_.get(), config = &app->config_](
          const std::string& instance) -> std::optional<std::chrono::milliseconds> {
    auto configured = config->instances.find(instance);
    auto loaded = plugins->instance(instance);
    if (configured == config->instances.end() || !loaded.ok()) return std::nullopt;
    if ((*loaded)->library().has_feature(sdk::VideoProvider::kEndsEmptyRooms)) {
      return std::nullopt;
    }
    return configured->second.empty_room_timeout;
  };
  WASL_RETURN_IF_ERROR(
      attendance::add_attendance(app->actions_, *app->tasks_, attendance_services));
  notifications::NotificationServices notification_services;
  notification_services.config = &app->config_;
  notification_services.cipher = app->cipher_.get();
  notification_services.audit = app->audit_.get();
  notification_services.metrics = &app->metrics_;
  notification_services.alert = app->notification_alert();
  WASL_RETURN_IF_ERROR(
      notifications::add_notifications(app->actions_, *app->tasks_, notification_services));
  // The consultation's notes, prescriptions and vital signs written to the
  // run's EHR instance after the session.
  clinical::ClinicalEhrServices clinical_services;
  clinical_services.cipher = app->cipher_.get();
  clinical_services.audit = app->audit_.get();
  clinical_services.ehr_of = [plugins = app->plugins_.get()](const std::string& instance) {
    return plugins->ehr(instance);
  };
  WASL_RETURN_IF_ERROR(
      clinical::add_clinical_ehr_writes(app->actions_, std::move(clinical_services)));
  // Shared documents: the task that attaches each to the patient's record.
  clinical::ClinicalServices document_services;
  document_services.store = app->store_.get();
  document_services.config = &app->config_;
  document_services.cipher = app->cipher_.get();
  document_services.audit = app->audit_.get();
  document_services.ehr_of = [plugins = app->plugins_.get()](const std::string& instance) {
    return plugins->ehr(instance);
  };
  WASL_RETURN_IF_ERROR(clinical::add_clinical(*app->tasks_, document_services));
  WASL_RETURN_IF_ERROR(summaries::add_summaries(
      app->actions_,
      summaries::SummaryServices{&app->config_, app->cipher_.get(), app->audit_.get()}));
  // A patient's feedback goes to the facility's EHR after its answer commits.
  WASL_RETURN_IF_ERROR(
      app->tasks_->handle(std::string(feedback::kFeedbackEhrTask),
                          std::make_shared<feedback::FeedbackEhrWrite>(
                              *app->store_, app->config_, *app->cipher_,
                              [plugins = app->plugins_.get()](const std::string& instance) {
                                return plugins->ehr(instance);
                              })));
  // Every hub action the workflow language declares is implemented.
  WASL_RETURN_IF_ERROR(app->actions_.complete());

  // billing.poll: queued claim answers, every billing facility's poll_interval.
  app->event_triggers_ = std::make_unique<workflow::EventTriggers>(
      *app->definitions_, *app->engine_, scheduled_facilities(config));
  app->claim_poll_ = std::make_unique<claims::ClaimPollJob>(app->claim_poll_deps());
  app->claim_poll_runner_ = std::make_unique<jobs::PeriodicRunner>(
      "billing.poll", app->claim_poll_->interval(), [self]() -> sdk::Status {
        self->claim_poll_->tick(self->api_context_.now_ms());
        return {};
      });

  // The facilities' notifications to patients, sent when due.
  notifications::NotificationSenderDeps sender;
  sender.store = app->store_.get();
  sender.config = &app->config_;
  sender.cipher = app->cipher_.get();
  sender.audit = app->audit_.get();
  sender.metrics = &app->metrics_;
  sender.notifier = [self](const std::string& instance) {
    return self->plugins_->notifier(instance);
  };
  sender.alert = app->notification_alert();
  sender.holder = app->engine_->engine_id() + "/notifications";
  // A join link works as long after the start as a patient's join token does.
  sender.join_link_lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(
      app->api_context_.options.join_token_ttl);
  // A visit summary's message carries a link to the summary.
  sender.summary_link = [self](storage::Transaction& tx, std::string_view facility_id,
                               std::string_view consultation_id, std::int64_t now_ms) {
    return summaries::mint_patient_link(tx, self->config_, *self->cipher_, facility_id,
                                        consultation_id, now_ms);
  };
  app->notification_sender_ = std::make_unique<notifications::NotificationSender>(sender);
  app->notification_runner_ = std::make_unique<jobs::PeriodicRunner>(
      "notifications", config.notification_delivery.interval, [self]() -> sdk::Status {
        self->notification_sender_->tick(self->api_context_.now_ms());
        return {};
      });

  // Each plugin instance's cheap probe, for its health and alerts.
  app->probe_runner_ = std::make_unique<jobs::PeriodicRunner>(
      "plugin probes", config.plugins.probe_interval, [self]() -> sdk::Status {
        self->plugins_->probe();
        return {};
      });

  app->scheduler_ = std::make_unique<workflow::Scheduler>(
      *app->store_, *app->definitions_, *app->engine_, scheduled_facilities(config));
  app->schedule_runner_ = std::make_unique<jobs::PeriodicRunner>(
      "workflow schedule", config.workflow.schedule_interval, [self]() -> sdk::Status {
        auto started = self->scheduler_->run_due();
        self->metrics_.counter_add("wasl_schedule_passes_total",
                                   "Passes of this process's workflow scheduler, finished.", {}, 1);
        if (!started.ok()) return std::move(started).error();
        if (!started->empty()) {
          self->metrics_.counter_add("wasl_schedule_runs_started_total",
                                     "Runs this process's scheduler started (one per workflow, "
                                     "facility and period across all processes).",
                                     {}, static_cast<double>(started->size()));
        }
        return {};
      });

  archive::RetentionOptions retention;
  retention.interval = config.archive.retention_interval;
  retention.metrics = &app->metrics_;
  app->retention_ = std::make_unique<archive::RetentionJob>(*app->store_, *app->audit_,
                                                            *app->object_stores_, retention);
  // Unfinished uploads a hub left in an S3 store (killed mid-upload, or an
  // abort that failed) are aborted once older than archive.stale_upload_age,
  // on the retention job's rhythm, by one hub a period (two sweeping at once
  // would be harmless: an upload already gone counts as aborted).
  WASL_ASSIGN_OR_RETURN(
      auto sweep, jobs::once_per_period(
                      *app->store_, "archive.stale_uploads", config.archive.retention_interval,
                      [self, age = std::chrono::duration_cast<std::chrono::seconds>(
                                 config.archive.stale_upload_age)]() -> sdk::Status {
                        object_store::sweep_stale_uploads(*self->object_stores_, age,
                                                          std::chrono::system_clock::now());
                        return {};
                      },
                      jobs::period_options(nullptr, &app->metrics_)));
  app->stale_upload_runner_ = std::make_unique<jobs::PeriodicRunner>(
      "stale upload sweep", config.archive.retention_interval, std::move(sweep));
  archive::SessionReconcilerOptions reconcile;
  reconcile.interval = config.archive.reconcile_interval;
  reconcile.metrics = &app->metrics_;
  app->reconciler_ = std::make_unique<archive::SessionReconciler>(
      archive::session_reconciler_services_from(config, *app->plugins_, *app->store_, *app->engine_,
                                                app->actions_),
      reconcile);

  consultations::NoShowSweepOptions no_show;
  no_show.interval = config.workflow.no_show_interval;
  app->no_show_sweep_ = std::make_unique<consultations::NoShowSweep>(
      *app->store_, app->config_, *app->engine_, &app->metrics_, no_show);

  // Certificates the hub presents, checked hourly by one hub a period (the
  // alerts' dedup keys raise each threshold once however many check).
  WASL_ASSIGN_OR_RETURN(auto certificates,
                        alerts::watched_certificates(config, app->plugins_->client_certificates()));
  WASL_ASSIGN_OR_RETURN(auto certificate_check,
                        jobs::once_per_period(
                            *app->store_, "alerts.certificates", kCertificateCheckInterval,
                            [self, certificates = std::move(certificates)]() -> sdk::Status {
                              for (auto& alert : alerts::certificate_alerts(
                                       certificates, self->api_context_.now_ms())) {
                                self->shared_alerts_->enqueue(std::move(alert));
                              }
                              return self->shared_alerts_->flush();
                            },
                            jobs::period_options(nullptr, &app->metrics_)));
  app->certificate_runner_ = std::make_unique<jobs::PeriodicRunner>(
      "certificate expiry", kCertificateCheckInterval, std::move(certificate_check));

  // The rules on the hub's own tables, by one hub a minute; a condition is
  // one alert per change whichever hub sees it.
  app->webhook_contacts_ = std::make_unique<webhooks::WebhookContacts>(*app->store_);
  alerts::AlertRuleServices rule_services;
  rule_services.store = app->store_.get();
  rule_services.overdue = [self](std::chrono::milliseconds grace) {
    return self->scheduler_->overdue(grace);
  };
  rule_services.last_heard = [self](const std::vector<std::string>& instances) {
    return self->webhook_contacts_->last_heard(instances);
  };
  rule_services.now_ms = [self] { return self->api_context_.now_ms(); };
  app->alert_rules_ = std::make_unique<alerts::AlertRules>(config, std::move(rule_services));
  WASL_ASSIGN_OR_RETURN(auto rule_check, jobs::once_per_period(
                                             *app->store_, "alerts.rules", kRuleCheckInterval,
                                             [self]() -> sdk::Status {
                                               WASL_ASSIGN_OR_RETURN(
                                                   auto raised, self->alert_rules_->evaluate());
                                               for (auto& alert : raised) {
                                                 self->shared_alerts_->enqueue(std::move(alert));
                                               }
                                               return self->shared_alerts_->flush();
                                             },
                                             jobs::period_options(nullptr, &app->metrics_)));
  app->rules_runner_ = std::make_unique<jobs::PeriodicRunner>("alert rules", kRuleCheckInterval,
                                                              std::move(rule_check));

  retention::WorkingDataOptions working_data;
  working_data.metrics = &app->metrics_;
  app->working_data_ = std::make_unique<retention::WorkingDataRetention>(
      *app->store_, *app->audit_, retention::retention_of(config), working_data);

  WASL_RETURN_IF_ERROR(app->build_access());
  WASL_RETURN_IF_ERROR(app->build_webhooks());
  WASL_RETURN_IF_ERROR(app->build_signin());
  app->publish_signing_keys();
  app->build_api();
  app->add_system_routes();
  app->server_ =
      std::make_unique<http::Server>(server_settings(config.server), app->router_, app->metrics_);
  return app;
}

sdk::Status App::build_access() {
  api_keys_ = std::make_unique<access::ApiKeyStore>();
  access::AuthFailureLimiter::Options limits;
  limits.max_failures = config_.security.auth_failures_per_minute;
  webhook_rejections_ = std::make_unique<access::AuthFailureLimiter>(limits);
  limits.global_max_failures = config_.security.auth_failures_per_minute_total;
  auth_limiter_ = std::make_unique<access::AuthFailureLimiter>(limits);
  authenticator_ =
      std::make_unique<access::Authenticator>(*store_, *api_keys_, *auth_limiter_, *audit_);
  // auth.failed events are written once their minute has ended.
  auth_audit_runner_ = std::make_unique<jobs::PeriodicRunner>(
      "auth failure audit", std::chrono::seconds(5), [this]() -> sdk::Status {
        auto flushed = authenticator_->flush_failures();
        if (!flushed.ok()) return std::move(flushed).error();
        return {};
      });
  return {};
}

sdk::Status App::build_webhooks() {
  std::map<std::string, config::Secret, std::less<>> secrets;
  for (const auto& [id, facility] : config_.facilities) {
    if (!facility.webhook_secret.empty()) secrets.emplace(id, facility.webhook_secret);
  }
  hospital_secrets_ = std::make_unique<webhooks::StaticHospitalSecrets>(std::move(secrets));
  WASL_ASSIGN_OR_RETURN(webhook_sources_, webhooks::ConfiguredWebhookSources::create(
                                              config_, plugins_.get(), *hospital_secrets_));
  inbox_ = std::make_unique<records::InboxStore>(*cipher_);
  inbox_writer_ = std::make_unique<webhooks::InboxWriter>(
      *store_, *cipher_, webhooks::InboxWriterOptions{}, &metrics_);
  // What the features react to (EHR bookings, the rejoin guard): recorded in
  // the dispatch transaction, done by the task runner after it commits.
  webhooks::EventSink sink = webhooks::to_engine(*engine_);
  sink.act = [actions = &actions_](storage::Transaction& tx, const std::string& instance,
                                   const workflow::IncomingEvent& event) {
    return actions->react_to(tx, instance, event);
  };
  sink.committed = [engine = engine_.get(), tasks = tasks_.get()] {
    engine->work_available();
    tasks->wake();
  };
  dispatcher_ = std::make_unique<webhooks::WebhookDispatcher>(
      *store_, *inbox_, *webhook_sources_, std::move(sink), webhooks::WebhookDispatcherOptions{},
      &metrics_, audit_.get());

  webhook_context_.server = &config_.server;
  webhook_context_.sources = webhook_sources_.get();
  webhook_context_.store = store_.get();
  webhook_context_.inbox = inbox_.get();
  webhook_context_.writer = inbox_writer_.get();
  webhook_context_.audit = audit_.get();
  webhook_context_.rejection_limiter = webhook_rejections_.get();
  webhook_context_.dispatcher = dispatcher_.get();
  webhook_context_.metrics = &metrics_;
  webhook_context_.contacts = webhook_contacts_.get();
  // The repair routes take a bearer key, or the console's session cookie
  // (with its CSRF token on a POST) as every /v1 route does.
  webhook_context_.authenticate = [this](const http::Request& request) {
    return api::bearer_or_session_principal(api_context_, request);
  };
  webhooks::add_webhook_routes(router_, webhook_context_);
  return build_feed_intakes();
}

sdk::Status App::build_feed_intakes() {
  for (const auto& [name, instance] : config_.instances) {
    if (!instance.mllp) continue;
    auto source = webhook_sources_->find(name);
    if (!source.ok() || source->feed == nullptr) {
      if (instance.optional && !plugins_->instance(name).ok()) continue;  // not loaded: no listener
      return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                        "instances." + name + ".mllp: plugin '" + instance.plugin +
                            "' has no feed capability, so nothing could read the messages; "
                            "remove the mllp block or use a plugin that declares feed",
                        false);
    }
    feed_intakes_.push_back(
        std::make_unique<webhooks::FeedIntake>(webhook_context_, std::move(source).value()));
  }
  return {};
}

sdk::Status App::start_mllp_listeners() {
  for (const auto& intake : feed_intakes_) {
    const config::InstanceMllpConfig& c = *config_.instances.at(intake->instance()).mllp;
    mllp::MllpListenerOptions options;
    options.host = c.host;
    options.port = static_cast<std::uint16_t>(c.port);
    options.name = intake->instance();
    options.limits.max_message_bytes = static_cast<std::size_t>(c.max_message_bytes);
    options.limits.read_timeout = c.read_timeout;
    options.limits.idle_timeout = c.idle_timeout;
    options.limits.max_connections = static_cast<std::size_t>(c.max_connections);
    options.limits.max_connections_per_peer = static_cast<std::size_t>(c.max_connections_per_peer);
    options.limits.workers = static_cast<std::size_t>(c.workers);
    if (c.tls) {
      options.tls =
          mllp::MllpTlsOptions{c.tls->certificate_file, c.tls->private_key_file, c.tls->ca_file};
    }
    auto listener = mllp::MllpListener::start(
        options,
        [feed = intake.get()](const mllp::MllpMessage& message) { return feed->handle(message); },
        &metrics_);
    if (!listener.ok()) {
      return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                        "instances." + intake->instance() + ".mllp: cannot listen on " + c.host +
                            ":" + std::to_string(c.port) + ": " + listener.error().message,
                        false);
    }
    // Not "listening on": that phrase names the HTTP port to whoever reads the log.
    spdlog::info("MLLP listener for {} on {}:{}", intake->instance(), c.host, (*listener)->port());
    mllp_listeners_.push_back(std::move(listener).value());
  }
  return {};
}

notifications::RaiseNotificationAlert App::notification_alert() {
  // A message that will not arrive is an alert about the notify instance it
  // went through, which GET /v1/alerts shows to the facility's operators.
  return [this](const notifications::NotificationAlert& alert) {
    if (!plugins_ || alert.instance.empty()) return;
    plugins_->health().raise(alert.instance, "notification.failed",
                             "notification " + alert.notification_id + " (" + alert.kind + " by " +
                                 alert.channel + ") of consultation " + alert.consultation_id +
                                 ": " + alert.error_code,
                             {alert.facility_id, {}});
  };
}

claims::ClaimPollDeps App::claim_poll_deps() {
  claims::ClaimPollDeps deps;
  deps.store = store_.get();
  // The facility's billing instance, through the typed door to plugins.
  deps.billing =
      [this](const std::string& facility_id) -> sdk::Result<std::shared_ptr<sdk::BillingGateway>> {
    std::string name;
    if (auto f = config_.facilities.find(facility_id); f != config_.facilities.end()) {
      if (auto b = f->second.bindings.find("billing"); b != f->second.bindings.end()) {
        name = b->second;
      }
    }
    auto gateway = plugins_->billing(name);
    if (!gateway.ok()) {
      return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                        "plugin instance '" + name + "' bound to role 'billing' of facility '" +
                            facility_id + "' is not loaded: " + gateway.error().message,
                        false);
    }
    return gateway;
  };
  deps.config = &config_;
  deps.cipher = cipher_.get();
  deps.audit = audit_.get();
  // An unanswered claim is an alert about the facility's billing instance,
  // so GET /v1/alerts shows it to that facility's operators.
  deps.alert = [this](const claims::ClaimAlert& alert) {
    std::string name;
    if (auto f = config_.facilities.find(alert.facility_id); f != config_.facilities.end()) {
      if (auto b = f->second.bindings.find("billing"); b != f->second.bindings.end()) {
        name = b->second;
      }
    }
    if (name.empty() || !plugins_) return;
    if (alert.kind == "billing.payment_notice") {
      plugins_->health().raise(
          name, alert.kind,
          "payment notice refused for billing message " + alert.billing_message_id,
          {alert.facility_id, {}});
      return;
    }
    if (alert.kind == "billing.error_notice") {
      plugins_->health().raise(
          name, alert.kind,
          "error notice " + alert.billing_message_id +
              (alert.claim_id.empty() ? std::string() : " about claim " + alert.claim_id),
          {alert.facility_id, {}});
      return;
    }
    plugins_->health().raise(name, alert.kind,
                             "claim " + alert.claim_id + " " + alert.state + " since " +
                                 domain::format_timestamp(alert.sent_at_ms),
                             {alert.facility_id, {}});
  };
  // The workflows a new information request starts (trigger kind event).
  deps.start_event_runs = [this](storage::Transaction& tx, const std::string& facility_id,
                                 std::string_view event,
                                 const nlohmann::json& trigger) -> sdk::Status {
    if (!event_triggers_) return {};
    auto started = event_triggers_->start_runs(tx, facility_id, event, trigger);
    if (!started.ok()) return started.error();
    for (const std::string& run : *started) {
      spdlog::info("event {} of facility {} started run {}", event, facility_id, run);
    }
    return {};
  };
  return deps;
}

sdk::Status App::build_signin() {
  // One relying party per configured identity provider; none without a
  // signin section. Nothing here touches the network: each provider reads
  // its discovery document at the first sign-in.
  WASL_ASSIGN_OR_RETURN(signin_providers_, signin::ProviderSet::from_config(config_));
  signin::SessionOptions sessions;
  if (config_.signin) {
    sessions.idle_timeout = config_.signin->session.idle_timeout;
    sessions.absolute_lifetime = config_.signin->session.absolute_lifetime;
    sessions.keep_ended = config_.signin->session.keep_ended;
  }
  signin_attempts_ = std::make_unique<signin::AttemptStore>(*cipher_);
  signin_people_ = std::make_unique<signin::PeopleStore>(*cipher_);
  signin_sessions_ = std::make_unique<signin::SessionStore>(*cipher_, *audit_, sessions);
  signin::SigninFlowServices services;
  services.store = store_.get();
  services.audit = audit_.get();
  services.providers = signin_providers_.get();
  services.attempts = signin_attempts_.get();
  services.people = signin_people_.get();
  services.sessions = signin_sessions_.get();
  services.now_ms = [this] { return api_context_.now_ms(); };
  signin_flow_ = std::make_unique<signin::SigninFlow>(std::move(services));
  api_context_.signin_flow = signin_flow_.get();
  api_context_.signin_providers = signin_providers_.get();
  // The console's session cookie on /v1 and POST /signin/logout, whose
  // answer names the identity provider's end-session URL for a person.
  api_context_.sessions = signin_sessions_.get();
  api_context_.people = signin_people_.get();
  api_context_.api_keys = api_keys_.get();
  // GET /v1/audit names the people its page's actors name.
  api_context_.person_names = [people = signin_people_.get()](storage::Transaction& tx,
                                                              const std::vector<std::string>& ids) {
    return people->display_names(tx, ids);
  };
  // Sign-in attempts live ten minutes and a logout token a few; what is
  // older only grows the tables. Ended sessions are kept
  // signin.session.keep_ended, then deleted in batches of 500, each its own
  // transaction, at most 100 batches a run. One hub of several purges a
  // period (deleting twice would be harmless).
  constexpr std::chrono::minutes kSigninPurgeInterval{10};
  WASL_ASSIGN_OR_RETURN(
      auto purge,
      jobs::once_per_period(
          *store_, "signin.purge", kSigninPurgeInterval,
          [this]() -> sdk::Status {
            const std::int64_t now = api_context_.now_ms();
            WASL_ASSIGN_OR_RETURN(auto tx, store_->begin(storage::TxMode::kReadWrite));
            WASL_ASSIGN_OR_RETURN(std::int64_t attempts,
                                  signin::AttemptStore::purge(*tx, now - 60LL * 60 * 1000));
            WASL_ASSIGN_OR_RETURN(std::int64_t tokens, signin::LogoutTokenStore::purge(
                                                           *tx, now - 24LL * 60 * 60 * 1000));
            WASL_RETURN_IF_ERROR(tx->commit());
            WASL_ASSIGN_OR_RETURN(std::int64_t sessions,
                                  signin_sessions_->purge_ended(*store_, now, 500, 100));
            if (attempts + tokens + sessions > 0) {
              spdlog::info("signin purge: {} attempt(s), {} logout token(s), {} ended session(s)",
                           attempts, tokens, sessions);
            }
            return {};
          },
          jobs::period_options(nullptr, &metrics_)));
  signin_purge_runner_ = std::make_unique<jobs::PeriodicRunner>(
      "signin purge", kSigninPurgeInterval, std::move(purge));
  api_context_.idp_logout_url = [flow = signin_flow_.get()](const signin::Session& session,
                                                            const std::string& id_token) {
    return flow->logout_url(session.provider, id_token);
  };
  return {};
}

void App::build_api() {
  api_context_.config = &config_;
  api_context_.store = store_.get();
  api_context_.cipher = cipher_.get();
  api_context_.audit = audit_.get();
  api_context_.authenticator = authenticator_.get();
  api_context_.engine = engine_.get();
  api_context_.definitions = definitions_.get();
  api_context_.plugins = plugins_.get();
  api_context_.alerts = shared_alerts_.get();
  api_context_.object_stores = object_stores_.get();
  api_context_.metrics = &metrics_;
  if (auto scanner =
          clinical::ClamdScanner::create(config_.documents.clamd, config_.documents.scan_timeout);
      scanner.ok()) {
    document_scanner_.emplace(std::move(scanner).value());
    api_context_.document_scanner = &*document_scanner_;
  } else {
    spdlog::error("shared documents are refused: {}", scanner.error().message);
  }
  api_context_.options.document_link_ttl = config_.documents.link_ttl;
  api_context_.tasks_requested = [this] {
    if (tasks_) tasks_->wake();
  };
  api_context_.jwks = &jwks_;
  api_context_.read_audits = &read_audits_;
  audit_verifier_ = std::make_unique<audit::AuditVerifier>(keyring_->audit_key().view());
  audit_chain_ = std::make_unique<audit::ChainStatus>(
      *audit_verifier_, *store_, [this] { return api_context_.now_ms(); }, std::chrono::minutes(1));
  api_context_.audit_chain = audit_chain_.get();
  api_context_.notifications_queued = [this] {
    if (notification_runner_) notification_runner_->wake();
  };
  api_context_.webhooks_requeued = [this] {
    if (dispatcher_) dispatcher_->wake();
  };
  api_context_.poll_claims = [this](const std::string& facility,
                                    const audit::AuditActor& actor) -> sdk::Result<nlohmann::json> {
    if (!claim_poll_) {
      return sdk::Error(sdk::ErrorCode::kUnavailable, "claim polling is not available", true);
    }
    WASL_ASSIGN_OR_RETURN(claims::ClaimPollResult polled,
                          claim_poll_->poll_now(facility, api_context_.now_ms(), actor));
    return nlohmann::json{{"fetched", polled.fetched},
                          {"matched", polled.matched},
                          {"unmatched", polled.unmatched},
                          {"acknowledged", polled.acknowledged}};
  };
  api_context_.answer_information_request =
      [this](const std::string& facility, const std::string& id, const claims::AnswerInput& input,
             const audit::AuditActor& actor) {
        return claims::answer_information_request(claim_poll_deps(), facility, id, input,
                                                  api_context_.now_ms(), actor);
      };
  api_context_.cancel_claim = [this](const std::string& facility, const std::string& id,
                                     claims::CancelKind kind, const std::string& reason,
                                     const audit::AuditActor& actor) {
    return claims::cancel_claim(claim_poll_deps(), facility, id, kind, reason,
                                api_context_.now_ms(), actor);
  };
  api_context_.resubmit_claim = [this](const std::string& facility, const std::string& id,
                                       const claims::ResubmissionInput& input,
                                       const audit::AuditActor& actor) {
    return claims::resubmit_claim(claim_poll_deps(), facility, id, input, api_context_.now_ms(),
                                  actor);
  };
  api_context_.replay_billing_message =
      [this](const std::string& facility, const std::string& id,
             const audit::AuditActor& actor) -> sdk::Result<nlohmann::json> {
    WASL_ASSIGN_OR_RETURN(claims::BillingMessage replayed,
                          claims::replay_billing_message(claim_poll_deps(), facility, id,
                                                         api_context_.now_ms(), actor));
    return api::billing_message_json(replayed);
  };
  api::add_api_routes(router_, api_context_);
  console::add_console_routes(router_);
  // The join page may call the HTTP API of each configured Janus instance
  // (the api_url its join tokens hand to clients) and nothing else.
  console::JoinPageOptions join_page;
  for (const auto& [name, instance] : config_.instances) {
    if (instance.plugin != "janus") continue;
    auto api_url = instance.settings.find("api_url");
    if (api_url == instance.settings.end() || !api_url->is_string()) continue;
    std::optional<std::string> origin = console::csp_origin(api_url->get<std::string>());
    if (!origin) {
      spdlog::warn("the join page cannot reach {}: its api_url is not an http(s) origin", name);
      continue;
    }
    if (std::find(join_page.janus_origins.begin(), join_page.janus_origins.end(), *origin) ==
        join_page.janus_origins.end()) {
      join_page.janus_origins.push_back(*origin);
    }
  }
  for (const std::string& problem : console::add_join_routes(router_, join_page)) {
    spdlog::warn("{}", problem);
  }
}

void App::publish_signing_keys() {
  std::vector<api::KeyProblem> key_problems;
  std::vector<api::KeySource> provider_keys = api::signin_key_sources(config_, key_problems);
  api::JwksBuild built = api::build_jwks(*plugins_, provider_keys);
  built.problems.insert(built.problems.begin(), key_problems.begin(), key_problems.end());
  for (const api::KeyProblem& problem : built.problems) {
    spdlog::error("config error: {}", api::located(config_, problem));
  }
  spdlog::info("/.well-known/jwks.json publishes {} key(s)", built.set.keys.size());
  jwks_.replace(built.set);
}

void App::add_system_routes() {
  router_.add("GET", "/healthz",
              [](http::Request&) { return http::Response::json(200, R"({"status":"ok"})"); },
              {.summary = "Liveness: the process answers."});

  readiness_ = std::make_unique<ReadinessCache>([this] { return store_->ping(); });
  router_.add(
      "GET", "/readyz",
      [this](http::Request&) {
        nlohmann::json checks = nlohmann::json::object();
        sdk::Status store_ok = readiness_->check();
        checks["store"] = store_ok.ok() ? "ok" : "unreachable";
        checks["plugins"] = plugins_->readiness();
        checks["archive_store"] = object_store::stores_health(*object_stores_);
        bool ready = store_ok.ok() && plugins_->ready();
        nlohmann::json body = {{"status", ready ? "ready" : "not_ready"}, {"checks", checks}};
        if (!store_ok.ok()) {
          spdlog::warn("readiness check failed: store: {}", store_ok.error().message);
        }
        return http::Response::json(ready ? 200 : 503, body.dump());
      },
      {.summary = "Readiness: the store answers and required plugins are loaded; also shows "
                  "the archive's active object store and its last error (not part of "
                  "readiness: a recording waits and retries while its store is down)."});

  router_.add("GET", "/metrics",
              [this](http::Request&) {
                return http::Response::text(200, metrics_.render(),
                                            "text/plain; version=0.0.4; charset=utf-8");
              },
              {.summary = "Prometheus metrics."});
}

void App::start_key_rotation() {
  std::lock_guard lock(rotation_mutex_);
  // The key ring this rotation works for: reload() swaps keyring_ under the
  // same mutex, so the thread below never reads the member itself.
  std::shared_ptr<const crypto::Keyring> keyring = keyring_;
  // Re-encryption is needed only while some data key is kept for decryption.
  bool older_keys = false;
  for (const auto& key : keyring->keys()) {
    older_keys |= key.state == crypto::KeyState::kDecryptOnly;
  }
  if (!older_keys) return;
  if (rotation_.joinable()) {
    rotation_.request_stop();
    rotation_.join();
  }
  rotation_ = std::jthread([this, keyring](const std::stop_token& stop) {
    key_rotation::KeyRotationJob job(*store_, *cipher_, *audit_, *object_stores_);
    spdlog::info("re-encrypting under key {}", keyring->active_key_id());
    auto progress = job.run_until_done(stop);
    if (!progress.ok()) {
      spdlog::error("re-encryption stopped: {}", progress.error().message);
      return;
    }
    spdlog::info("re-encryption: {}", key_rotation::to_json(*progress).dump());
  });
}

sdk::Status App::start() {
  WASL_RETURN_IF_ERROR(shared_alerts_->start());
  WASL_RETURN_IF_ERROR(alert_delivery_->start());
  WASL_RETURN_IF_ERROR(certificate_runner_->start());
  WASL_RETURN_IF_ERROR(rules_runner_->start());
  WASL_RETURN_IF_ERROR(engine_->start());
  WASL_RETURN_IF_ERROR(tasks_->start());
  WASL_RETURN_IF_ERROR(dispatcher_->start());
  WASL_RETURN_IF_ERROR(retention_->start());
  WASL_RETURN_IF_ERROR(stale_upload_runner_->start());
  WASL_RETURN_IF_ERROR(schedule_runner_->start());
  WASL_RETURN_IF_ERROR(claim_poll_runner_->start());
  WASL_RETURN_IF_ERROR(notification_runner_->start());
  WASL_RETURN_IF_ERROR(probe_runner_->start());
  WASL_RETURN_IF_ERROR(auth_audit_runner_->start());
  WASL_RETURN_IF_ERROR(signin_purge_runner_->start());
  WASL_RETURN_IF_ERROR(reconciler_->start());
  WASL_RETURN_IF_ERROR(no_show_sweep_->start());
  WASL_RETURN_IF_ERROR(working_data_->start());
  start_key_rotation();
  WASL_RETURN_IF_ERROR(start_mllp_listeners());
  return server_->start();
}

void App::reload() {
  sdk::Status deployed = deploy_workflow_files(*definitions_, config_.workflows_dir);
  if (!deployed.ok()) {
    spdlog::error("reload: workflows not deployed: {}", deployed.error().message);
  }
  publish_signing_keys();
  auto keyring = load_configured_keyring(config_);
  if (!keyring.ok()) {
    spdlog::error("reload: key ring not reloaded: {}", keyring.error().message);
    return;
  }
  {
    std::lock_guard lock(rotation_mutex_);
    if ((*keyring)->active_key_id() != keyring_->active_key_id()) {
      spdlog::info("reload: active key is now {}", (*keyring)->active_key_id());
    }
    keyring_ = *keyring;
    cipher_->replace_keyring(keyring_);
  }
  start_key_rotation();
}

int App::port() const { return server_->port(); }

bool App::ready() const { return store_ && store_->ping().ok() && plugins_ && plugins_->ready(); }

void App::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (server_) server_->stop();
  // Feed listeners with the server: no message is taken once intake stops.
  for (auto& listener : mllp_listeners_) listener->stop();
  {
    std::lock_guard lock(rotation_mutex_);
    if (rotation_.joinable()) {
      rotation_.request_stop();
      rotation_.join();
    }
  }
  if (certificate_runner_) certificate_runner_->stop();
  if (rules_runner_) rules_runner_->stop();
  if (reconciler_) reconciler_->stop();
  if (no_show_sweep_) no_show_sweep_->stop();
  if (working_data_) working_data_->stop();
  if (retention_) retention_->stop();
  if (stale_upload_runner_) stale_upload_runner_->stop();
  if (schedule_runner_) schedule_runner_->stop();
  if (claim_poll_runner_) claim_poll_runner_->stop();
  if (notification_runner_) notification_runner_->stop();
  if (probe_runner_) probe_runner_->stop();
  if (auth_audit_runner_) auth_audit_runner_->stop();
  if (signin_purge_runner_) signin_purge_runner_->stop();
  if (authenticator_ && store_) {
    // The failures of the current minute too: nothing counts them after this.
    if (auto flushed = authenticator_->flush_failures(/*everything=*/true); !flushed.ok()) {
      spdlog::error("auth.failed events not written at stop: {}", flushed.error().message);
    }
  }
  // Intake before the engine: nothing may hand the engine events once it stops.
  if (dispatcher_) dispatcher_->stop();
  if (inbox_writer_) inbox_writer_->stop();
  // Tasks before the engine: a task's settlement may start or cancel runs.
  if (tasks_) tasks_->stop();
  if (engine_) engine_->stop();
  reconciler_.reset();
  no_show_sweep_.reset();
  working_data_.reset();
  retention_.reset();
  schedule_runner_.reset();
  claim_poll_runner_.reset();
  notification_runner_.reset();
  notification_sender_.reset();
  probe_runner_.reset();
  auth_audit_runner_.reset();
  claim_poll_.reset();
  event_triggers_.reset();
  scheduler_.reset();
  dispatcher_.reset();
  inbox_writer_.reset();
  tasks_.reset();
  engine_.reset();
  // What the stopped parts raised is written while the store still is.
  if (plugins_) plugins_->health().set_alert_sink(nullptr);
  if (shared_alerts_) shared_alerts_->stop();
  if (alert_delivery_) alert_delivery_->stop();
  certificate_runner_.reset();
  rules_runner_.reset();
  alert_rules_.reset();
  shared_alerts_.reset();
  alert_delivery_.reset();
  alert_store_.reset();
  alert_routing_.reset();
  store_.reset();
  // Plugins go last: nothing calls them once the server and workers stopped.
  plugins_.reset();
}

}  // namespace wasl::app
