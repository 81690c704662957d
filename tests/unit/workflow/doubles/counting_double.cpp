// counting_double: a test double plugin (never shipped) that implements the
// video, ehr, billing and reporting methods the standard workflows call as
// no-ops answering well-formed results, and counts every call.
//
// Counting: with settings.effects_db set, every call is recorded in that
// SQLite file (WAL, synchronous=FULL, so counts survive a hub crash and can be
// read by another process):
//   effects(key PRIMARY KEY, method, calls)  one row per idempotency key
//   calls(seq, method, key, instance, at_ms)   one row per call
//   control(method PRIMARY KEY, mode, remaining)
// Failing: a control row (method or "*") with remaining > 0 makes the next
// calls fail by `mode` — "retryable" (unavailable, retryable), "permanent"
// (invalid_argument), "throw" (an exception inside the plugin, turned into an
// internal error at its C boundary), or "stall" (the call blocks until the
// row's mode is changed or the row deleted). The settings fail_method,
// fail_mode and fail_times seed the same behaviour without a control row.
//
// Written against abi.h directly, so it answers any method by name with JSON.
// settings.delay_ms makes every call take that long (simulated provider
// latency). Thread-safe: each call opens its own SQLite connection.
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "wasl/sdk/abi.h"

using nlohmann::json;

struct wasl_instance {
  const wasl_host_api* host = nullptr;
  std::string effects_db;
  std::string fail_method;
  std::string fail_mode;
  std::atomic<long long> fail_left{0};
  long long delay_ms = 0;
  std::string name;
};

namespace {

char* copy(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out != nullptr) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

void free_string(char* s) { std::free(s); }

std::string error_json(const std::string& code, const std::string& message, bool retryable) {
  return json{{"code", code}, {"message", message}, {"retryable", retryable}}.dump();
}

// One connection for one call; closed on destruction.
class Db {
 public:
  explicit Db(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open");
    sqlite3_busy_timeout(db_, 30000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
  }
  ~Db() { sqlite3_close(db_); }
  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "sqlite error";
      sqlite3_free(message);
      throw std::runtime_error(text);
    }
  }
  // Runs `sql` binding text parameters; returns the first column of the first row.
  std::string one(const char* sql, std::initializer_list<std::string> params) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db_));
    }
    int i = 1;
    for (const auto& p : params) sqlite3_bind_text(stmt, i++, p.c_str(), -1, SQLITE_TRANSIENT);
    std::string out;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

void create_tables(const std::string& path) {
  Db db(path);
  db.exec(
      "CREATE TABLE IF NOT EXISTS effects (key TEXT PRIMARY KEY, method TEXT NOT NULL, "
      "calls INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS calls (seq INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT, "
      "key TEXT, instance TEXT, at_ms INTEGER);"
      "CREATE TABLE IF NOT EXISTS control (method TEXT PRIMARY KEY, mode TEXT NOT NULL, "
      "remaining INTEGER NOT NULL);");
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Consumes one scripted failure for `method` from the control table; its mode or "".
std::string take_control(Db& db, const std::string& method) {
  db.exec("BEGIN IMMEDIATE");
  std::string mode;
  try {
    for (const std::string& m : {method, std::string("*")}) {
      mode = db.one("SELECT mode FROM control WHERE method = ?1 AND remaining > 0", {m});
      if (!mode.empty()) {
        if (mode != "stall") {
          db.one("UPDATE control SET remaining = remaining - 1 WHERE method = ?1", {m});
        }
        break;
      }
    }
    db.exec("COMMIT");
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
  return mode;
}

void stall_until_released(const std::string& path, const std::string& method) {
  for (;;) {
    {
      Db db(path);
      std::string mode = db.one(
          "SELECT mode FROM control WHERE method IN (?1, '*') AND mode = 'stall' "
          "AND remaining > 0",
          {method});
      if (mode.empty()) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void record(const std::string& path, const std::string& method, const std::string& key,
            const std::string& instance) {
  Db db(path);
  db.exec("BEGIN IMMEDIATE");
  try {
    db.one(
        "INSERT INTO effects (key, method, calls) VALUES (?1, ?2, 1) "
        "ON CONFLICT (key) DO UPDATE SET calls = calls + 1",
        {key, method});
    db.one("INSERT INTO calls (method, key, instance, at_ms) VALUES (?1, ?2, ?3, ?4)",
           {method, key, instance, std::to_string(now_ms())});
    db.exec("COMMIT");
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

// Up to n characters of the key after its "wasl-" prefix (or of the whole key).
std::string tail(const std::string& key, std::size_t n) {
  std::size_t from = key.rfind("wasl-", 0) == 0 ? 5 : 0;
  return key.substr(from, n);
}

// Well-formed answers in the SDK's JSON forms.
json answer(const std::string& method, const json& in, const std::string& key) {
  std::string id = in.value("id", std::string("dbl-") + tail(key, 12));
  long long t = now_ms();
  if (method == "ehr.read_appointment") {
    return {{"id", id},
            {"patient_id", "pat-" + id},
            {"practitioner_id", "doc-" + id},
            {"status", "booked"},
            {"start_ms", t},
            {"end_ms", t + 1800000}};
  }
  if (method == "ehr.read_patient" || method == "ehr.read_practitioner") return {{"id", id}};
  if (method == "ehr.read_coverage") {
    return {{"id", "cov-" + in.value("patient_id", std::string())},
            {"patient_id", in.value("patient_id", std::string())}};
  }
  if (method == "ehr.update_appointment_status") {
    return {{"id", in.value("appointment_id", std::string())},
            {"status", in.value("status", std::string())}};
  }
  if (method == "ehr.create_encounter" || method == "ehr.attach_document") {
    return {{"id", "res-" + tail(key, 12)}};
  }
  if (method == "billing.check_eligibility") {
    return {{"approved", true}, {"outcome", "complete"}, {"errors", json::array()}};
  }
  if (method == "billing.submit_claim") {
    return {{"claim_id", "clm-" + tail(key, 12)}, {"status", "accepted"}};
  }
  if (method == "video.create_room") {
    return {{"provider_room_id", "RM-" + tail(key, 16)},
            {"name", in.value("name", std::string())},
            {"status", "in-progress"},
            {"created_at_ms", t}};
  }
  if (method == "video.end_room") {
    return {{"provider_room_id", in.value("room_id", std::string())}, {"status", "completed"}};
  }
  if (method == "video.request_composition") {
    return {{"provider_id", "CJ-" + tail(key, 16)}, {"status", "processing"}};
  }
  if (method == "reporting.submit_report") {
    return {{"receipt_id", "rcpt-" + tail(key, 12)}, {"status", "accepted"}, {"received_at_ms", t}};
  }
  return json::object();
}

int create_instance(const wasl_host_api* host, wasl_instance** out, char** error) {
  *error = nullptr;
  try {
    auto settings = json::parse(host->settings_json);
    auto* instance = new wasl_instance;
    instance->host = host;
    instance->name = host->instance_name ? host->instance_name : "";
    instance->effects_db = settings.value("effects_db", std::string());
    instance->fail_method = settings.value("fail_method", std::string());
    instance->fail_mode = settings.value("fail_mode", std::string("retryable"));
    instance->fail_left = settings.value("fail_times", 0LL);
    instance->delay_ms = settings.value("delay_ms", 0LL);
    if (!instance->effects_db.empty()) create_tables(instance->effects_db);
    *out = instance;
    return WASL_OK;
  } catch (const std::exception& e) {
    *error = copy(error_json("invalid_argument",
                             std::string("counting_double could not start: ") + e.what(), false));
    return WASL_ERROR;
  }
}

void destroy_instance(wasl_instance* instance) { delete instance; }

int fail_by(const std::string& mode, const std::string& method, char** response) {
  if (mode == "throw") throw std::runtime_error("counting_double was told to throw");
  if (mode == "permanent") {
    *response =
        copy(error_json("invalid_argument", "counting_double was told to fail " + method, false));
  } else {
    *response = copy(
        error_json("unavailable", "counting_double was told to fail " + method + " for now", true));
  }
  return WASL_ERROR;
}

int call(wasl_instance* instance, const char* method_c, const char* request_json, char** response) {
  try {
    std::string method = method_c;
    json in = json::parse(request_json, nullptr, false);
    if (in.is_discarded()) in = json::object();
    std::string key = in.is_object() ? in.value("idempotency_key", std::string()) : "";
    if (key.empty()) key = "none-" + method;
    bool settings_match = instance->fail_method == "*" ||
                          (!instance->fail_method.empty() && instance->fail_method == method);
    if (settings_match && instance->fail_left.fetch_sub(1) > 0) {
      if (instance->fail_mode == "stall") {
        for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
      }
      return fail_by(instance->fail_mode, method, response);
    }
    if (instance->delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(instance->delay_ms));
    }
    if (!instance->effects_db.empty()) {
      std::string mode;
      {
        Db db(instance->effects_db);
        mode = take_control(db, method);
      }
      if (mode == "stall") {
        stall_until_released(instance->effects_db, method);
      } else if (!mode.empty()) {
        return fail_by(mode, method, response);
      }
      record(instance->effects_db, method, key, instance->name);
    }
    *response = copy(answer(method, in, key).dump());
    return WASL_OK;
  } catch (const std::exception& e) {
    *response = copy(error_json("internal", std::string("counting_double: ") + e.what(), false));
    return WASL_ERROR;
  }
}

int call_streaming(wasl_instance*, const char*, const char*, wasl_chunk_fn, void*,
                   char** response) {
  *response = copy(error_json("unimplemented", "counting_double streams nothing", false));
  return WASL_ERROR;
}

const char* kInfo =
    R"({"name":"counting_double","version":"1.0.0","sdk_version":"1.0",)"
    R"("capabilities":["video","ehr","billing","reporting"],)"
    R"("description":"Test double: answers every workflow method and counts calls by key."})";

}  // namespace

WASL_PLUGIN_EXPORT uint32_t wasl_plugin_abi_version(void) { return WASL_ABI_VERSION; }

WASL_PLUGIN_EXPORT int wasl_plugin_register(const wasl_host_api*, wasl_plugin_registration* out) {
  out->info_json = kInfo;
  out->create_instance = create_instance;
  out->destroy_instance = destroy_instance;
  out->call = call;
  out->call_streaming = call_streaming;
  out->free_string = free_string;
  return WASL_OK;
}
