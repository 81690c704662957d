#include "tests/integration/consultation/consultation_hub.hpp"

#include <Poco/Crypto/ECKey.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "tests/integration/loopback_port.hpp"
#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::testing {
namespace {

using std::chrono::milliseconds;

// YAML double-quoted scalar (JSON string syntax is valid YAML).
std::string yaml_quoted(const std::string& text) { return nlohmann::json(text).dump(); }

// A JSON value as YAML flow (JSON is YAML).
std::string flow(const nlohmann::json& value) { return value.dump(); }

constexpr const char* kSubscriptionSecret = "e2e-subscription-secret";
// The notify peers' credentials, given to them and to the instances.
constexpr const char* kSmtpUser = "wasl-e2e";
constexpr const char* kSmtpPassword = "smtp-e2e-password";
constexpr const char* kSmsApiKey = "sms-e2e-key";
constexpr const char* kSmsReceiptSecret = "sms-e2e-receipt-secret";

std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// RFC 3339 UTC, whole seconds.
std::string fhir_time(std::int64_t epoch_ms) {
  return sdk::format_iso8601(epoch_ms, 0, sdk::FractionDigits::kNone);
}

// Rewrites the `initial_delay` of the `archive` step's retry in a copy of
// workflows/consultation.yaml; a failure when the step or its delay is not
// where this expects them (the shipped file changed).
void set_archive_retry_delay(const std::string& path, const std::string& delay) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  const std::size_t step = yaml.find("\n  - id: archive\n");
  const std::size_t next_step =
      step == std::string::npos ? step : yaml.find("\n  - id: ", step + 1);
  const std::string key = "initial_delay: ";
  const std::size_t at = step == std::string::npos ? step : yaml.find(key, step);
  if (at == std::string::npos || at > next_step) {
    ADD_FAILURE() << path << ": no initial_delay in the archive step's retry";
    return;
  }
  const std::size_t value = at + key.size();
  yaml.replace(value, yaml.find('\n', value) - value, delay);
  std::ofstream(path, std::ios::trunc) << yaml;
}

}  // namespace

ConsultationHub::ConsultationHub(VideoBinding video, ConsultationHubOptions options)
    : video_(std::move(video)), options_(std::move(options)) {
  config_path_ = dir_.file("wasl.yaml");
  // The peers start side by side: each is a Node process that takes a
  // second or two to listen, and one after another they were most of a
  // test's set-up. Their failures are reported here, on the test's thread.
  // The hub's SMART client key: the private half for the plugin, the public
  // one registered with the FHIR peer.
  Poco::Crypto::ECKey key("secp384r1");
  std::ostringstream public_pem, private_pem;
  key.save(&public_pem, &private_pem);
  dir_.write("fhir-client.pem", private_pem.str());
  dir_.write("fhir-client.pub.pem", public_pem.str());
  FhirPeerOptions fhir;
  fhir.auth = "smart";
  fhir.public_key_file = dir_.file("fhir-client.pub.pem");
  fhir.token_lifetime_seconds = options_.fhir_token_lifetime_seconds;
  auto fhir_started = std::async(std::launch::async, [fhir] { return FhirPeer::start(fhir); });
  auto moh_started = std::async(std::launch::async, [] { return PeerProcess::start("moh"); });
  // NPHIES: the exchange over mutual TLS with certificates made here.
  static int hubs = 0;
  using plugins::nphies::testing::NphiesPeerProcess;
  if (auto deps = NphiesPeerProcess::ensure_dependencies(std::chrono::seconds(300)); !deps.ok()) {
    ADD_FAILURE() << "the NPHIES peer cannot be installed: " << deps.error().message;
  } else if (auto pki = NphiesPeerProcess::make_pki("hub" + std::to_string(++hubs)); !pki.ok()) {
    ADD_FAILURE() << "no NPHIES test certificates: " << pki.error().message;
  } else {
    nphies_pki_ = *pki;
    if (options_.notify) start_notify_peers();
    auto nphies =
        NphiesPeerProcess::start(nphies_pki_, options_.nphies_args, std::chrono::seconds(120));
    if (nphies.ok()) {
      nphies_ = std::move(nphies).value();
    } else {
      ADD_FAILURE() << "the NPHIES peer did not start: " << nphies.error().message;
    }
  }
  auto moh = moh_started.get();
  if (moh.ok()) {
    moh_ = std::move(*moh);
  } else {
    ADD_FAILURE() << "the MOH peer did not start: " << moh.error().message;
  }
  auto started = fhir_started.get();
  if (started.ok()) {
    fhir_ = std::move(*started);
  } else {
    ADD_FAILURE() << "the FHIR peer did not start: " << started.error().message;
  }
  if (options_.notify) finish_notify_peers();
  write_config();
}

// Starts the SMTP and SMS peers (the SMTP peer's certificate is the NPHIES
// test PKI's: not started without it, whose failure is reported);
// finish_notify_peers() waits for them.
void ConsultationHub::start_notify_peers() {
  if (std::string(WASL_SMTP_PLUGIN_FILE).empty() || std::string(WASL_SMS_PLUGIN_FILE).empty()) {
    ADD_FAILURE() << "the SMTP or SMS plugin is not built";
    return;
  }
  PeerOptions smtp;
  smtp.args = {"--pki-dir", nphies_pki_.string(), "--username",
               kSmtpUser,   "--password",         kSmtpPassword};
  smtp_started_ =
      std::async(std::launch::async, [smtp] { return PeerProcess::start("smtp", smtp); });
  // Receipts go nowhere until the hub listens (send_receipts_to_hub).
  PeerOptions sms;
  sms.args = {"--api-key",
              kSmsApiKey,
              "--senders",
              "Wasl",
              "--recipient-prefixes",
              "966",
              "--receipt-secret",
              kSmsReceiptSecret,
              "--receipt-delay-ms",
              "200"};
  sms_started_ = std::async(std::launch::async, [sms] { return PeerProcess::start("sms", sms); });
}

void ConsultationHub::finish_notify_peers() {
  if (smtp_started_.valid()) {
    auto started_smtp = smtp_started_.get();
    if (started_smtp.ok()) {
      smtp_ = std::move(*started_smtp);
    } else {
      ADD_FAILURE() << "the SMTP peer did not start: " << started_smtp.error().message;
    }
  }
  if (sms_started_.valid()) {
    auto started_sms = sms_started_.get();
    if (started_sms.ok()) {
      sms_ = std::move(*started_sms);
    } else {
      ADD_FAILURE() << "the SMS peer did not start: " << started_sms.error().message;
    }
  }
}

void ConsultationHub::send_receipts_to_hub() {
  if (!sms_) return;
  auto set =
      sms_->post("/_peer/config", {{"receiptUrl", "http://127.0.0.1:" + std::to_string(port_) +
                                                      "/v1/webhooks/" + kSmsInstance}});
  EXPECT_TRUE(set.ok()) << "the SMS peer's receipt URL: " << set.error().message;
}

nlohmann::json ConsultationHub::smtp_messages() const {
  if (!smtp_) return nlohmann::json::array();
  auto messages = smtp_->get("/_peer/messages");
  if (!messages.ok()) {
    ADD_FAILURE() << "the SMTP peer's messages: " << messages.error().message;
    return nlohmann::json::array();
  }
  return (*messages)["messages"];
}

nlohmann::json ConsultationHub::sms_messages() const {
  if (!sms_) return nlohmann::json::array();
  auto messages = sms_->get("/_peer/messages");
  if (!messages.ok()) {
    ADD_FAILURE() << "the SMS peer's messages: " << messages.error().message;
    return nlohmann::json::array();
  }
  return (*messages)["messages"];
}

std::string ConsultationHub::smtp_message_id(const std::string& notification_id) {
  // plugins/smtp: "<" + the key's SHA-256, 32 hex digits + "@" + the From domain + ">".
  return "<" + sha256_hex("wasl-notification-" + notification_id).substr(0, 32) +
         "@hospital-a.example>";
}

std::string ConsultationHub::sms_client_reference(const std::string& notification_id) {
  // plugins/sms: the key itself when it fits the gateway's 64 characters.
  return "wasl-notification-" + notification_id;
}

int ConsultationHub::moh_consultation_reports() const {
  if (!moh_) return -1;
  auto effects = moh_->get("/_peer/effects");
  if (!effects.ok()) {
    ADD_FAILURE() << "the MOH peer's effects: " << effects.error().message;
    return -1;
  }
  return effects->value("messages", -1);
}

nlohmann::json ConsultationHub::moh_reports() const {
  if (!moh_) return nullptr;
  auto reports = moh_->get("/_peer/reports");
  if (!reports.ok()) {
    ADD_FAILURE() << "the MOH peer's reports: " << reports.error().message;
    return nullptr;
  }
  return *reports;
}

ConsultationHub::~ConsultationHub() {
  if (process_) stop();
  if (second_) {
    second_->signal(SIGTERM);
    second_->wait_for_exit(milliseconds(30000));
  }
}

void ConsultationHub::write_config() {
  std::string keys = dir_.file("keys.json");
  if (!std::filesystem::exists(keys)) {  // made once: a rewrite keeps the data readable
    CommandResult key_ring = run_wasl({"keys", "generate", "--file", keys});
    EXPECT_EQ(key_ring.exit_code, 0) << key_ring.err;
  }

  std::filesystem::create_directories(dir_.file("workflows"));
  std::filesystem::copy_file(std::string(WASL_SOURCE_DIR) + "/workflows/consultation.yaml",
                             dir_.file("workflows/consultation.yaml"),
                             std::filesystem::copy_options::overwrite_existing);
  if (!options_.archive_retry_delay.empty()) {
    set_archive_retry_delay(dir_.file("workflows/consultation.yaml"), options_.archive_retry_delay);
  }
  if (options_.emergency_workflow) {
    std::filesystem::copy_file(std::string(WASL_SOURCE_DIR) + "/workflows/emergency.yaml",
                               dir_.file("workflows/emergency.yaml"),
                               std::filesystem::copy_options::overwrite_existing);
  }
  if (options_.daily_report) {
    std::filesystem::copy_file(std::string(WASL_SOURCE_DIR) + "/workflows/moh_daily_report.yaml",
                               dir_.file("workflows/moh_daily_report.yaml"),
                               std::filesystem::copy_options::overwrite_existing);
  }

  std::string storage;
  if (options_.postgres_url) {
    // One schema for the harness's life: a rewrite of the configuration
    // keeps the data, as it keeps the key ring.
    if (postgres_schema_url_.empty()) {
      postgres_schema_url_ = fresh_postgres_schema(*options_.postgres_url);
    }
    storage = "storage:\n  backend: postgres\n  migrate_on_start: true\n  postgres:\n    url: " +
              yaml_quoted(postgres_schema_url_) + "\n    pool_size: 6\n";
  } else {
    storage = "storage:\n  backend: sqlite\n  migrate_on_start: true\n  sqlite:\n    path: " +
              yaml_quoted(dir_.file("wasl.db")) + "\n";
  }
  // The identity and the CA bundle as the host's `tls` settings, read from
  // the test PKI's files (${file:…}); an empty name leaves the key out.
  nlohmann::json tls = nlohmann::json::object();
  auto pki_file = [this](const std::string& name) {
    return "${file:" + (nphies_pki_ / name).string() + "}";
  };
  if (!options_.nphies_client.empty()) {
    tls["client_certificate"] = pki_file(options_.nphies_client + ".crt");
    tls["client_key"] = pki_file(options_.nphies_client + ".key");
  }
  if (!options_.nphies_ca.empty()) tls["ca_bundle"] = pki_file(options_.nphies_ca);
  const nlohmann::json nphies = {
      {"base_url", nphies_ ? nphies_->base_url() : std::string("https://127.0.0.1:1")},
      {"provider_base_url", "http://hospital-a.test"},
      {"request_timeout_seconds", 10},
      {"tls", tls}};
  const nlohmann::json fhir = {
      {"base_url", fhir_ ? fhir_->base_url() : std::string("http://127.0.0.1:1/fhir/R4")},
      {"auth", "smart"},
      {"client_id", "wasl-hub"},
      {"private_key", "${file:" + dir_.file("fhir-client.pem") + "}"},
      {"subscription_secret", kSubscriptionSecret},
      {"service_provider", "wasl-clinic"}};
  nlohmann::json moh = {
      {"base_url", (moh_ ? moh_->url() : std::string("http://127.0.0.1:1")) + "/fhir"},
      {"bearer_token", "moh-sandbox-token"}};
  if (options_.moh_file_drop) moh["file_drop_directory"] = moh_file_drop_dir();

  std::string server =
      "server:\n  host: 127.0.0.1\n  port: " + std::to_string(options_.port) + "\n";
  if (options_.port != 0) {
    server +=
        "  public_url: " + yaml_quoted("http://127.0.0.1:" + std::to_string(options_.port)) + "\n";
  }
  const std::string settings = storage + "security:\n  key_file: " + yaml_quoted(keys) +
                               "\n"
                               "workflow:\n  workers: 4\n  lease: " +
                               options_.lease + "\n  poll_interval: " + options_.poll_interval +
                               "\n  no_show_interval: " + options_.no_show_interval +
                               "\n  attendance_settle: " + options_.attendance_settle + "\n";
  // archive: root, reconcile_interval and options.archive's members.
  auto archive = [this](const std::string& root) {
    nlohmann::json block =
        options_.archive.is_object() ? options_.archive : nlohmann::json::object();
    block["root"] = root;
    block["reconcile_interval"] = options_.reconcile_interval;
    return "archive: " + flow(block) + "\n";
  };
  std::string config =
      "plugins:\n  files:\n"
      "    - name: nphies\n      file: " +
      yaml_quoted(WASL_NPHIES_PLUGIN_FILE) +
      "\n"
      "    - name: fhir\n      file: " +
      yaml_quoted(WASL_FHIR_PLUGIN_FILE) +
      "\n"
      "    - name: moh\n      file: " +
      yaml_quoted(WASL_MOH_PLUGIN_FILE) +
      "\n"
      "    - name: " +
      video_.plugin + "\n      file: " + yaml_quoted(video_.file) + "\n";
  for (const VideoBinding& other : options_.other_videos) {
    if (other.plugin == video_.plugin) continue;
    config += "    - name: " + other.plugin + "\n      file: " + yaml_quoted(other.file) + "\n";
  }
  if (options_.notify) {
    config += "    - name: smtp\n      file: " + yaml_quoted(WASL_SMTP_PLUGIN_FILE) +
              "\n    - name: sms\n      file: " + yaml_quoted(WASL_SMS_PLUGIN_FILE) + "\n";
    const NotifyOptions& notify = *options_.notify;
    config +=
        "notification_delivery:\n  interval: " + notify.interval + "\n  lease: " + notify.lease +
        "\n  max_attempts: " + std::to_string(notify.max_attempts) +
        "\n  initial_delay: " + notify.initial_delay + "\n  max_delay: " + notify.max_delay + "\n";
  }
  config += "instances:\n";
  if (options_.notify) {
    const nlohmann::json smtp = {
        {"url", "smtp://127.0.0.1:" + std::to_string(smtp_ ? smtp_->port() : 1)},
        {"username", kSmtpUser},
        {"password", kSmtpPassword},
        {"from", "appointments@hospital-a.example"},
        {"from_name", "مستشفى أ - المواعيد"},
        {"connect_timeout_ms", options_.notify->send_timeout_ms},
        {"timeout_ms", options_.notify->send_timeout_ms},
        {"http", {{"ca_file", (nphies_pki_ / "ca.crt").string()}}}};
    const nlohmann::json sms = {
        {"base_url", sms_ ? sms_->url() : std::string("http://127.0.0.1:1")},
        {"api_key", kSmsApiKey},
        {"sender", "Wasl"},
        {"receipt_secret", kSmsReceiptSecret},
        {"request_timeout_ms", options_.notify->send_timeout_ms}};
    config += std::string("  ") + kSmtpInstance +
              ":\n    plugin: smtp\n    settings: " + flow(smtp) + "\n";
    config +=
        std::string("  ") + kSmsInstance + ":\n    plugin: sms\n    settings: " + flow(sms) + "\n";
  }
  config += "  reporting.moh:\n    plugin: moh\n    settings: " + flow(moh) + "\n";
  config += "  billing.nphies:\n    plugin: nphies\n    settings: " + flow(nphies) + "\n";
  config += "  ehr.fhir:\n    plugin: fhir\n    settings: " + flow(fhir) + "\n";
  for (const VideoBinding& other : options_.other_videos) {
    config += "  " + other.instance + ":\n    plugin: " + other.plugin +
              "\n    settings: " + flow(other.settings) + "\n";
  }
  config += "  " + video_.instance + ":\n    plugin: " + video_.plugin +
            "\n    settings: " + flow(video_.settings) + "\n";
  if (!video_.empty_room_timeout.empty()) {
    config += "    empty_room_timeout: " + video_.empty_room_timeout + "\n";
  }
  config += "facilities:\n";
  // Every facility binds the same instances; only kFacility books from the EHR.
  std::vector<std::string> facilities = {kFacility};
  facilities.insert(facilities.end(), options_.more_facilities.begin(),
                    options_.more_facilities.end());
  for (std::size_t i = 0; i < facilities.size(); ++i) {
    const std::string& facility = facilities[i];
    const std::string number = std::to_string(i + 1);
    config += "  " + facility +
              ":\n    name: " + yaml_quoted(std::string("Hospital ") + static_cast<char>('A' + i)) +
              "\n"
              "    bindings:\n      video: " +
              video_.instance +
              "\n      ehr: ehr.fhir\n      billing: billing.nphies\n"
              "      reporting: reporting.moh\n";
    if (i == 0) config += "    ehr_bookings: {workflow: consultation}\n";
    config += "    no_show_after: " + options_.no_show_after + "\n";
    if (options_.notify) {
      auto own = options_.notify->facilities.find(facility);
      const FacilityNotifications& n =
          own == options_.notify->facilities.end() ? options_.notify->facility : own->second;
      config += std::string("    notifications:\n      email: ") + kSmtpInstance +
                "\n      sms: " + kSmsInstance +
                "\n      default_language: ar\n      quiet_hours_start: " +
                yaml_quoted(n.quiet_hours_start) +
                "\n      quiet_hours_end: " + yaml_quoted(n.quiet_hours_end) +
                "\n      messages:\n        reminder_24h: {before: " + n.reminder_24h_before +
                "}\n        reminder_1h: {before: " + n.reminder_1h_before + "}\n";
      config += "    reporting:\n      time_zone: " + n.time_zone + "\n";
    } else {
      config += "    reporting:\n";
    }
    config += "      licence: \"1000000000000" + number +
              "\"\n      hijri_dates: true\n"
              "    billing: {provider_license: N-F-00001, payer_license: N-I-00001, "
              "service_code: \"83600-00-10\", price: 150, tax: 22.50, diagnosis_code: Z71.9, "
              "requires_prior_auth: " +
              (options_.requires_prior_auth ? "true" : "false") +
              ", submission: " + options_.billing_submission +
              ", poll_interval: " + options_.billing_poll_interval + "}\n";
  }
  config += "workflows_dir: " + yaml_quoted(dir_.file("workflows")) + "\n";
  dir_.write("wasl.yaml", server + settings + archive(dir_.file("recordings")) + config);
  // The second hub's own machine (start_second(true)): its own working
  // directory and archive root, a port of its own, the same database, key
  // ring and object stores.
  std::filesystem::create_directories(dir_.file("hub-b"));
  dir_.write("hub-b/wasl.yaml", "server:\n  host: 127.0.0.1\n  port: 0\n" + settings +
                                    archive(dir_.file("hub-b/recordings")) + config);
}

bool ConsultationHub::start() {
  process_ = std::make_unique<HubProcess>(config_path_);
  auto port = process_->wait_until_listening(milliseconds(60000));
  if (!port) {
    ADD_FAILURE() << "the hub did not start listening:\n" << process_->log();
    return false;
  }
  port_ = *port;
  send_receipts_to_hub();
  if (options_.ehr_bookings && fhir_) {
    auto subscribed = fhir_->subscribe(
        "wasl", "http://127.0.0.1:" + std::to_string(port_) + "/v1/webhooks/ehr.fhir",
        std::string("X-Wasl-Subscription-Secret: ") + kSubscriptionSecret);
    if (!subscribed.ok()) {
      ADD_FAILURE() << "the FHIR peer refused the Subscription: " << subscribed.error().message;
      return false;
    }
  }
  return true;
}

bool ConsultationHub::start_second(bool own_directory) {
  if (own_directory) {
    second_ = std::make_unique<HubProcess>(dir_.file("hub-b/wasl.yaml"), dir_.file("hub-b"));
  } else {
    EXPECT_EQ(options_.port, 0) << "a second hub needs a port of its own";
    second_ = std::make_unique<HubProcess>(config_path_);
  }
  auto port = second_->wait_until_listening(milliseconds(60000));
  if (!port) {
    ADD_FAILURE() << "the second hub did not start listening:\n" << second_->log();
    return false;
  }
  second_port_ = *port;
  return true;
}

void ConsultationHub::kill_second() {
  if (!second_) return;
  second_->signal(SIGKILL);
  EXPECT_TRUE(second_->wait_for_exit(milliseconds(10000)).has_value());
  second_.reset();
  second_port_ = 0;
}

HubApiClient ConsultationHub::second_client(const std::string& role) {
  return HubApiClient(second_port_, client(role).api_key());
}

void ConsultationHub::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  EXPECT_TRUE(process_->wait_for_exit(milliseconds(10000)).has_value());
  process_.reset();
}

int ConsultationHub::pid() const { return process_ ? process_->pid() : -1; }

void ConsultationHub::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  process_->wait_for_exit(milliseconds(30000));
  process_.reset();
}

void ConsultationHub::signal(int sig) {
  if (process_) process_->signal(sig);
}

CommandResult ConsultationHub::run_command(std::vector<std::string> args) const {
  args.insert(args.end(), {"--config", config_path_});
  return run_wasl(args);
}

std::string ConsultationHub::webhook_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1/webhooks/" + video_.instance;
}

std::string ConsultationHub::log() const {
  std::string log = process_ ? process_->log() : std::string();
  if (second_) log += "\n---- the second hub:\n" + second_->log();
  return log;
}

HubApiClient ConsultationHub::client(const std::string& role) { return client(role, kFacility); }

HubApiClient ConsultationHub::client(const std::string& role, const std::string& facility) {
  const std::string name = facility + "/" + role;
  auto it = keys_.find(name);
  if (it == keys_.end()) {
    std::vector<std::string> args = {"apikeys", "create", "--facility", facility,
                                     "--role",  role,     "--label",    "e2e " + role};
    // The clinician key is the booked practitioner's own.
    if (role == "clinician") {
      args.insert(args.end(), {"--practitioner", FhirPeer::kDemoPractitioner});
    }
    CommandResult made = run_command(args);
    EXPECT_EQ(made.exit_code, 0) << made.err;
    std::string key = made.out.substr(0, made.out.find('\n'));
    it = keys_.emplace(name, key).first;
  }
  return HubApiClient(port_, it->second);
}

bool ConsultationHub::store_appointment(const std::string& appointment_id,
                                        std::chrono::seconds start_in) {
  if (!fhir_) {
    ADD_FAILURE() << "no FHIR peer";
    return false;
  }
  const std::int64_t start = now_ms() + start_in.count() * 1000;
  nlohmann::json appointment = {
      {"resourceType", "Appointment"},
      {"id", appointment_id},
      {"status", "booked"},
      {"serviceType", {{{"text", "Telehealth consultation"}}}},
      {"start", fhir_time(start)},
      {"end", fhir_time(start + 30 * 60 * 1000)},
      {"participant",
       {{{"actor", {{"reference", FhirPeer::kDemoPatient}}}, {"status", "accepted"}},
        {{"actor", {{"reference", FhirPeer::kDemoPractitioner}}}, {"status", "accepted"}}}}};
  auto stored = fhir_->seed({}, nlohmann::json::array({appointment}));
  if (!stored.ok()) {
    ADD_FAILURE() << "the FHIR peer refused Appointment/" << appointment_id << ": "
                  << stored.error().message;
    return false;
  }
  appointment_starts_[appointment_id] = start / 1000 * 1000;
  return true;
}

std::string ConsultationHub::book(const HubApiClient& api, const std::string& appointment_id,
                                  std::chrono::seconds start_in,
                                  const nlohmann::json& patient_summary) {
  if (!store_appointment(appointment_id, start_in)) return {};
  nlohmann::json body = {{"type", "doctor_patient"},
                         {"appointment_id", appointment_id},
                         {"patient", {{"id", "fatimah-alzahrani"}}},
                         {"practitioner", {{"id", "khalid-alharbi"}}}};
  if (patient_summary.is_object()) {
    for (const auto& [field, value] : patient_summary.items()) body["patient"][field] = value;
  }
  // Within the API's past tolerance; the workflow reads the start from the EHR.
  body["scheduled_at"] = fhir_time(now_ms() + 5 * 60 * 1000);
  ApiAnswer booked = api.post("/v1/consultations", body, "booking-" + appointment_id);
  EXPECT_EQ(booked.status, 201) << booked.body;
  if (booked.status != 201 || !booked.json.is_object()) return {};
  return booked.json.value("id", std::string());
}

std::string ConsultationHub::book_in_ehr(const HubApiClient& api, const std::string& appointment_id,
                                         std::chrono::seconds start_in) {
  EXPECT_TRUE(options_.ehr_bookings) << "book_in_ehr needs options.ehr_bookings";
  if (!store_appointment(appointment_id, start_in)) return {};
  const std::string ref = "Appointment/" + appointment_id;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    ApiAnswer list = api.get("/v1/consultations?limit=200");
    if (list.status == 200 && list.json.is_object()) {
      for (const auto& c : list.json["items"]) {
        if (c.value("appointment_ref", std::string()) == ref) return c.value("id", std::string());
      }
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  ADD_FAILURE() << "the EHR's notification of " << ref << " booked no consultation:\n" << log();
  return {};
}

std::int64_t ConsultationHub::appointment_start_ms(const std::string& appointment_id) const {
  auto it = appointment_starts_.find(appointment_id);
  return it == appointment_starts_.end() ? 0 : it->second;
}

int ConsultationHub::ehr_resources(const std::string& type) const {
  if (!fhir_) return -1;
  auto resources = fhir_->resources(type);
  if (!resources.ok()) {
    ADD_FAILURE() << "the FHIR peer's " << type << ": " << resources.error().message;
    return -1;
  }
  return static_cast<int>(resources->size());
}

std::string ConsultationHub::ehr_appointment_status(const std::string& appointment_id) const {
  if (!fhir_) return {};
  auto read = fhir_->read("Appointment/" + appointment_id);
  return read.ok() ? read->value("status", std::string()) : std::string();
}

std::string ConsultationHub::wait_for_status(const HubApiClient& api, const std::string& id,
                                             const std::set<std::string>& statuses,
                                             std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  std::string status;
  while (std::chrono::steady_clock::now() < until) {
    ApiAnswer read = api.get("/v1/consultations/" + id);
    if (read.status == 200 && read.json.is_object()) {
      status = read.json.value("status", std::string());
      if (statuses.count(status) > 0) return status;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  return status;
}

std::string ConsultationHub::timeline(const HubApiClient& api, const std::string& id) const {
  return api.get("/v1/consultations/" + id + "/timeline").body;
}

nlohmann::json ConsultationHub::nphies_claims() const {
  if (!nphies_) return nlohmann::json::object();
  auto claims = nphies_->claims();
  if (!claims.ok()) {
    ADD_FAILURE() << "the NPHIES peer's claims: " << claims.error().message;
    return nlohmann::json::object();
  }
  return *claims;
}

int ConsultationHub::nphies_messages(const std::string& event) const {
  if (!nphies_) return -1;
  auto received = nphies_->received();
  if (!received.ok()) {
    ADD_FAILURE() << "the NPHIES peer's messages: " << received.error().message;
    return -1;
  }
  std::set<std::string> bundles;
  for (const auto& r : (*received)["items"]) {
    // Refusals at the handshake carry "event": null.
    if (r.contains("event") && r["event"] == event && r.contains("bundleId")) {
      bundles.insert(r["bundleId"].dump());
    }
  }
  return static_cast<int>(bundles.size());
}

std::string ConsultationHub::wait_for_claim_state(const HubApiClient& api, const std::string& id,
                                                  const std::string& state,
                                                  std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  std::string seen;
  while (std::chrono::steady_clock::now() < until) {
    ApiAnswer read = api.get("/v1/consultations/" + id + "/claims");
    if (read.status == 200 && read.json.is_object() && read.json["items"].size() == 1) {
      seen = read.json["items"][0].value("state", std::string());
      if (seen == state) return seen;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  return seen;
}

void ConsultationHub::expect_billed_once(const HubApiClient& api, const std::string& id,
                                         const std::string& state) {
  EXPECT_EQ(wait_for_claim_state(api, id, state, std::chrono::seconds(30)), state)
      << api.get("/v1/consultations/" + id + "/claims").body;
  EXPECT_EQ(nphies_messages("eligibility-request"), 1);
  EXPECT_EQ(nphies_messages("claim-request"), 1);
  // A queued claim's state moves at the exchange when the hub acknowledges
  // the answer, just after it recorded it.
  nlohmann::json claims;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    claims = nphies_claims();
    if (claims["items"].size() == 1 && claims["items"][0].value("state", std::string()) == state)
      break;
    std::this_thread::sleep_for(milliseconds(100));
  } while (std::chrono::steady_clock::now() < until);
  ASSERT_EQ(claims["items"].size(), 1u) << claims.dump();
  EXPECT_EQ(claims["items"][0].value("submissions", -1), 1) << claims.dump();
  EXPECT_EQ(claims["items"][0].value("state", std::string()), state) << claims.dump();
}

void ConsultationHub::present_nphies_client(const std::string& name, const std::string& ca) {
  options_.nphies_client = name;
  options_.nphies_ca = ca;
  write_config();
}

int free_loopback_port() { return unused_loopback_port(); }

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return wasl::sdk::to_hex(digest, size);
}

}  // namespace wasl::testing
