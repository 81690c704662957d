#include "tests/integration/consultation/consultation_hub.hpp"

#include <openssl/evp.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>


namespace wasl::testing {
namespace {

using std::chrono::milliseconds;

// YAML double-quoted scalar (JSON string syntax is valid YAML).
std::string yaml_quoted(const std::string& text) { return nlohmann::json(text).dump(); }

// A JSON value as YAML flow (JSON is YAML).
std::string flow(const nlohmann::json& value) { return value.dump(); }

}  // namespace

ConsultationHub::ConsultationHub(VideoBinding video, ConsultationHubOptions options)
    : video_(std::move(video)), options_(std::move(options)) {
  config_path_ = dir_.file("wasl.yaml");
  sandbox_state_ = dir_.file("sandbox.db");
  auto moh = PeerProcess::start("moh");
  if (moh.ok()) {
    moh_ = std::move(*moh);
  } else {
    ADD_FAILURE() << "the MOH peer did not start: " << moh.error().message;
  }
  write_config();
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

ConsultationHub::~ConsultationHub() {
  if (process_) stop();
}

void ConsultationHub::write_config() {
  std::string keys = dir_.file("keys.json");
  CommandResult key_ring = run_wasl({"keys", "generate", "--file", keys});
  EXPECT_EQ(key_ring.exit_code, 0) << key_ring.err;

  std::filesystem::create_directories(dir_.file("workflows"));
  std::filesystem::copy_file(std::string(WASL_SOURCE_DIR) + "/workflows/consultation.yaml",
                             dir_.file("workflows/consultation.yaml"),
                             std::filesystem::copy_options::overwrite_existing);

  std::string storage;
  if (options_.postgres_url) {
    storage = "storage:\n  backend: postgres\n  migrate_on_start: true\n  postgres:\n    url: " +
              yaml_quoted(fresh_postgres_schema(*options_.postgres_url)) + "\n    pool_size: 6\n";
  } else {
    storage = "storage:\n  backend: sqlite\n  migrate_on_start: true\n  sqlite:\n    path: " +
              yaml_quoted(dir_.file("wasl.db")) + "\n";
  }
  nlohmann::json sandbox = options_.sandbox;
  sandbox["state_file"] = sandbox_state_;
  const std::string sandbox_file = WASL_SANDBOX_PLUGIN_FILE;
  const nlohmann::json moh = {
      {"base_url", (moh_ ? moh_->url() : std::string("http://127.0.0.1:1")) + "/fhir"},
      {"bearer_token", "moh-sandbox-token"}};

  std::string server =
      "server:\n  host: 127.0.0.1\n  port: " + std::to_string(options_.port) + "\n";
  if (options_.port != 0) {
    server += "  public_url: " + yaml_quoted("http://127.0.0.1:" + std::to_string(options_.port)) + "\n";
  }
  std::string config =
      server + storage +
      "security:\n  key_file: " + yaml_quoted(keys) + "\n"
      "workflow:\n  workers: 4\n  lease: " + options_.lease +
      "\n  poll_interval: " + options_.poll_interval + "\n"
      "archive:\n  root: " + yaml_quoted(dir_.file("recordings")) +
      "\n  reconcile_interval: " + options_.reconcile_interval + "\n"
      "plugins:\n  files:\n"
      "    - name: sandbox\n      file: " + yaml_quoted(sandbox_file) + "\n"
      "    - name: moh\n      file: " + yaml_quoted(WASL_MOH_PLUGIN_FILE) + "\n"
      "    - name: " + video_.plugin + "\n      file: " + yaml_quoted(video_.file) + "\n";
  for (const VideoBinding& other : options_.other_videos) {
    if (other.plugin == video_.plugin) continue;
    config += "    - name: " + other.plugin + "\n      file: " + yaml_quoted(other.file) + "\n";
  }
  config += "instances:\n";
  config += "  reporting.moh:\n    plugin: moh\n    settings: " + flow(moh) + "\n";
  for (const char* role : {"ehr", "billing"}) {
    config += std::string("  ") + role + ".sandbox:\n    plugin: sandbox\n    settings: " +
              flow(sandbox) + "\n";
  }
  for (const VideoBinding& other : options_.other_videos) {
    config += "  " + other.instance + ":\n    plugin: " + other.plugin +
              "\n    settings: " + flow(other.settings) + "\n";
  }
  config += "  " + video_.instance + ":\n    plugin: " + video_.plugin +
            "\n    settings: " + flow(video_.settings) + "\n"
            "facilities:\n  " + std::string(kFacility) + ":\n    name: Hospital A\n"
            "    bindings:\n      video: " + video_.instance +
            "\n      ehr: ehr.sandbox\n      billing: billing.sandbox\n"
            "      reporting: reporting.moh\n"
            "    reporting:\n      licence: \"10000000000001\"\n      hijri_dates: true\n"
            "    billing: {provider_license: PR-FHIR, service_code: \"83600-00-10\", "
            "price: 150, diagnosis_code: Z71.9}\n"
            "workflows_dir: " + yaml_quoted(dir_.file("workflows")) + "\n";
  dir_.write("wasl.yaml", config);
}

bool ConsultationHub::start() {
  process_ = std::make_unique<HubProcess>(config_path_);
  auto port = process_->wait_until_listening(milliseconds(60000));
  if (!port) {
    ADD_FAILURE() << "the hub did not start listening:\n" << process_->log();
    return false;
  }
  port_ = *port;
  return true;
}

void ConsultationHub::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  EXPECT_TRUE(process_->wait_for_exit(milliseconds(10000)).has_value());
  process_.reset();
}

void ConsultationHub::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  process_->wait_for_exit(milliseconds(30000));
  process_.reset();
}

std::string ConsultationHub::webhook_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1/webhooks/" + video_.instance;
}

std::string ConsultationHub::log() const { return process_ ? process_->log() : std::string(); }

HubApiClient ConsultationHub::client(const std::string& role) {
  auto it = keys_.find(role);
  if (it == keys_.end()) {
    CommandResult made = run_wasl({"apikeys", "create", "--facility", kFacility, "--role", role,
                                   "--label", "e2e " + role, "--config", config_path_});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    std::string key = made.out.substr(0, made.out.find('\n'));
    it = keys_.emplace(role, key).first;
  }
  return HubApiClient(port_, it->second);
}

std::string ConsultationHub::book(const HubApiClient& api, const std::string& appointment_id) {
  nlohmann::json body = {{"type", "doctor_patient"},
                         {"appointment_id", appointment_id},
                         {"patient", {{"id", "sandbox-patient-1"}}},
                         {"practitioner", {{"id", "sandbox-practitioner-1"}}}};
  // Within the API's past tolerance; the workflow reads the start from the EHR.
  auto now = std::chrono::system_clock::now() + std::chrono::minutes(5);
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  body["scheduled_at"] = when;
  ApiAnswer booked = api.post("/v1/consultations", body, "booking-" + appointment_id);
  EXPECT_EQ(booked.status, 201) << booked.body;
  if (booked.status != 201 || !booked.json.is_object()) return {};
  return booked.json.value("id", std::string());
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

void ConsultationHub::query_sandbox(const char* sql, const std::string& param,
                                    const std::function<void(sqlite3_stmt*)>& row) const {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(sandbox_state_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open the sandbox state " << sandbox_state_;
    sqlite3_close(db);
    return;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "the sandbox state cannot answer " << sql << ": " << sqlite3_errmsg(db);
  } else {
    if (!param.empty()) sqlite3_bind_text(stmt, 1, param.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(stmt) == SQLITE_ROW) row(stmt);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

std::vector<SandboxEffect> ConsultationHub::effects() const {
  std::vector<SandboxEffect> out;
  query_sandbox("SELECT method, idempotency_key, calls FROM effects ORDER BY method", {},
                [&out](sqlite3_stmt* stmt) {
                  SandboxEffect e;
                  e.method = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
                  e.idempotency_key = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
                  e.calls = sqlite3_column_int64(stmt, 2);
                  out.push_back(std::move(e));
                });
  return out;
}

std::optional<std::int64_t> ConsultationHub::appointment_first_read_ms(
    const std::string& appointment_id) const {
  std::optional<std::int64_t> out;
  if (!std::filesystem::exists(sandbox_state_)) return out;
  query_sandbox("SELECT first_seen_ms FROM appointments WHERE id = ?1", appointment_id,
                [&out](sqlite3_stmt* stmt) { out = sqlite3_column_int64(stmt, 0); });
  return out;
}

std::map<std::string, int> ConsultationHub::effect_keys_per_method() const {
  std::map<std::string, int> out;
  for (const SandboxEffect& e : effects()) ++out[e.method];
  return out;
}

int free_loopback_port() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  int port = socket.address().port();
  socket.close();
  return port;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace wasl::testing
