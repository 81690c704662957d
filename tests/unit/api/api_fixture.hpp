// ApiFixture: the whole /v1 API in-process on one backend — a migrated
// database with two facilities, a key ring, the real record stores, audit
// writer, authenticator, definition store (workflows/*.yaml deployed) and
// engine — with test doubles for the outside: CountingCapabilityInvoker (the
// engine's plugins) and FakeVideoProvider (join tokens, removals). Requests
// go through the router to the handlers directly, no sockets.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/access/api_key_store.hpp"
#include "hub/access/auth_failure_limiter.hpp"
#include "hub/access/authenticator.hpp"
#include "hub/api/api_context.hpp"
#include "hub/audit/audit_verifier.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/audit/chain_status.hpp"
#include "hub/consultations/consultation_actions.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/http/router.hpp"
#include "hub/object_store/local_object_store.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/storage/migrator.hpp"
#include "hub/workflow/capability_invoker.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "tests/unit/crypto/scratch_dir.hpp"
#include "tests/unit/storage/test_database.hpp"

namespace wasl::api::testing {

inline constexpr const char* kFacilityA = "fac-a";
inline constexpr const char* kFacilityB = "fac-b";
inline const std::string kArabicName = "فاطمة عبدالله الزهراني";

// A CapabilityInvoker test double: counts calls per method and answers with
// well-formed JSON; a method can be made to fail permanently for a while.
class CountingCapabilityInvoker final : public workflow::CapabilityInvoker {
 public:
  sdk::Result<nlohmann::json> invoke(const std::string& facility, const std::string& method,
                                     const nlohmann::json& input, const std::string& key) override {
    std::lock_guard lock(mutex_);
    ++calls_[method];
    auto it = failing_.find(method);
    if (it != failing_.end()) {
      if (it->second) return sdk::Error(sdk::ErrorCode::kUnavailable, "scripted outage", true);
      return sdk::Error(sdk::ErrorCode::kInvalidArgument, "scripted failure", false);
    }
    if (auto scripted = answers_.find(method); scripted != answers_.end()) return scripted->second;
    std::string id = input.value("id", std::string("x"));
    if (method == "ehr.read_appointment") {
      return nlohmann::json{{"id", id},
                            {"patient_id", "pat-" + id},
                            {"practitioner_id", "doc-" + id},
                            {"start_ms", 1700000000000}};
    }
    if (method == "video.create_room") {
      return nlohmann::json{{"provider_room_id", "RM-" + input.value("name", std::string())},
                            {"created_at_ms", 1700000000000}};
    }
    return nlohmann::json{{"id", id}};
  }
  int calls(const std::string& method) const {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(method);
    return it == calls_.end() ? 0 : it->second;
  }
  // From now on `method` answers `output`.
  void answer(const std::string& method, nlohmann::json output) {
    std::lock_guard lock(mutex_);
    answers_[method] = std::move(output);
  }
  // `retryable`: the failure is transient (the engine retries the step).
  void fail(const std::string& method, bool on, bool retryable = false) {
    std::lock_guard lock(mutex_);
    if (on) {
      failing_[method] = retryable;
    } else {
      failing_.erase(method);
    }
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int> calls_;
  std::map<std::string, bool> failing_;  // method -> retryable
  std::map<std::string, nlohmann::json> answers_;
};

// A VideoProvider test double: issues recognisable tokens and counts calls.
class FakeVideoProvider final : public sdk::VideoProvider {
 public:
  sdk::Result<sdk::Room> create_room(const sdk::CreateRoomRequest&) override {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not used by the API");
  }
  sdk::Result<sdk::Room> end_room(const sdk::RoomRef&) override {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not used by the API");
  }
  sdk::Result<sdk::JoinToken> issue_join_token(const sdk::JoinTokenRequest& r) override {
    if (on_token) on_token();  // outside the lock: a test may hold a call here
    std::lock_guard lock(mutex_);
    ++tokens_issued;
    last_token_request = r;
    if (fail_tokens) return *fail_tokens;
    sdk::JoinToken t;
    t.token = "tok-" + r.participant.identity;
    t.provider_participant_id = "PA-" + r.participant.identity;
    t.expires_at_ms = 1'900'000'000'000;
    // As Janus does: a token asked for a waiting participant is not yet admitted.
    t.raw = raw ? *raw : nlohmann::json{{"room", r.room_id}};
    t.raw["admitted"] = r.participant.status != "waiting";
    return t;
  }
  sdk::Result<std::vector<sdk::Participant>> list_participants(const sdk::RoomRef&) override {
    return std::vector<sdk::Participant>{};
  }
  sdk::Status remove_participant(const sdk::ParticipantRef& p) override {
    std::lock_guard lock(mutex_);
    ++removals;
    removed.push_back(p.participant_id);
    return sdk::ok_status();
  }
  sdk::Result<sdk::Recording> start_recording(const sdk::RoomRef&) override {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not used by the API");
  }
  sdk::Status stop_recording(const sdk::RoomRef&) override { return sdk::ok_status(); }
  sdk::Result<std::vector<sdk::Recording>> list_recordings(const sdk::RoomRef&) override {
    return std::vector<sdk::Recording>{};
  }
  sdk::Result<sdk::Recording> request_composition(const sdk::CompositionRequest&) override {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not used by the API");
  }
  sdk::Result<sdk::MediaInfo> fetch_media(const sdk::MediaRef&, const sdk::ChunkSink&) override {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not used by the API");
  }

  std::mutex mutex_;
  int tokens_issued = 0;
  int removals = 0;
  std::vector<std::string> removed;
  sdk::JoinTokenRequest last_token_request;
  std::optional<sdk::Error> fail_tokens;
  // The provider data of every token issued; unset: {"room": <room id>}.
  std::optional<nlohmann::json> raw;
  // Called at the start of every issue_join_token; set before any request.
  std::function<void()> on_token;
};

struct Call {
  Call(std::string m, std::string t, std::string b = {},
       std::vector<std::pair<std::string, std::string>> h = {})
      : method(std::move(m)), target(std::move(t)), body(std::move(b)), headers(std::move(h)) {}

  std::string method;
  std::string target;  // path and query, e.g. "/v1/consultations?limit=2"
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class ApiFixture : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  // Fixed "now" of the API clock: 2026-01-01T00:00:00Z.
  static constexpr std::int64_t kNow = 1'767'225'600'000;

  void SetUp() override {
    auto db =
        storage::testing::TestDatabase::create(GetParam(), storage::testing::Contents::kMigrated);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    storage::testing::StoreSettings settings;
    settings.pool_size = 8;
    settings.timeout = std::chrono::milliseconds(20000);
    auto store = db_->open(settings);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    // Already migrated (create copied or migrated it): the hub's migrator must
    // find nothing to apply and succeed.
    auto migrated = storage::migrate(*store_, storage::embedded_migrations(GetParam()));
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    for (const char* f : {kFacilityA, kFacilityB}) {
      exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ($1, $1, 1, 1)",
           {std::string(f)});
    }
    auto generated = crypto::generate_key_file(scratch_.path() / "keys.json");
    ASSERT_TRUE(generated.ok()) << generated.error().message;
    auto ring = crypto::load_keyring(scratch_.path() / "keys.json");
    ASSERT_TRUE(ring.ok()) << ring.error().message;
    keyring_ = *ring;
    cipher_ = std::make_unique<records::CellCipher>(keyring_);
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), keyring_->audit_key().view());
    audit_verifier_ = std::make_unique<audit::AuditVerifier>(keyring_->audit_key().view());
    // Every status read walks the chain again, so a test sees its own tampering.
    audit_chain_ = std::make_unique<audit::ChainStatus>(
        *audit_verifier_, *store_, [] { return kNow; }, std::chrono::milliseconds(0));
    access::AuthFailureLimiter::Options limits;
    limits.max_failures = 5;
    limiter_ = std::make_unique<access::AuthFailureLimiter>(limits);
    authenticator_ = std::make_unique<access::Authenticator>(*store_, keys_, *limiter_, *audit_,
                                                             access::AuthFailureAudit::Options{},
                                                             [] { return kNow; });
    definitions_ = std::make_unique<workflow::DefinitionStore>(*store_);
    for (const char* file : {"consultation.yaml", "emergency.yaml"}) {
      std::ifstream in(std::string(WASL_SOURCE_DIR) + "/workflows/" + file);
      std::stringstream text;
      text << in.rdbuf();
      auto deployed = definitions_->deploy_source(text.str(), file, "test");
      ASSERT_TRUE(deployed.ok()) << deployed.error().message;
    }
    // The hub actions the repository's workflows call.
    ASSERT_TRUE(workflow::add_builtin_hub_actions(actions_).ok());
    ASSERT_TRUE(consultations::add_consultation_actions(actions_, config_, *cipher_).ok());
    invoker_ = std::make_shared<CountingCapabilityInvoker>();
    workflow::EngineOptions engine_options;
    engine_options.workers = 2;
    engine_options.poll_interval = std::chrono::milliseconds(10);
    engine_options.default_call_timeout = std::chrono::milliseconds(5000);
    // The engine encrypts payload cells with the API's cipher, as in the hub.
    engine_ = std::make_unique<workflow::Engine>(*store_, *definitions_, invoker_, actions_,
                                                 metrics_, engine_options, cipher_.get());

    config_.facilities[kFacilityA].id = kFacilityA;
    config_.facilities[kFacilityA].bindings["video"] = "video.fake";
    config_.facilities[kFacilityB].id = kFacilityB;
    config_.facilities[kFacilityB].bindings["video"] = "video.fake";
    video_ = std::make_shared<FakeVideoProvider>();

    context_.config = &config_;
    context_.store = store_.get();
    context_.cipher = cipher_.get();
    context_.audit = audit_.get();
    context_.authenticator = authenticator_.get();
    context_.engine = engine_.get();
    context_.definitions = definitions_.get();
    context_.metrics = &metrics_;
    context_.audit_chain = audit_chain_.get();
    // Recordings' objects: a local store over the scratch directory.
    object_stores_ = std::make_unique<object_store::ObjectStores>(
        std::make_unique<object_store::LocalObjectStore>(scratch_.path()));
    context_.object_stores = object_stores_.get();
    context_.video =
        [this](std::string_view instance) -> sdk::Result<std::shared_ptr<sdk::VideoProvider>> {
      if (instance != "video.fake") {
        return sdk::Error(sdk::ErrorCode::kNotFound, "no such instance");
      }
      return std::shared_ptr<sdk::VideoProvider>(video_);
    };
    context_.options.clock = [] { return kNow; };
    context_.options.participant_limits[domain::ConsultationType::kFamily] = 3;
    add_api_routes(router_, context_);

    for (access::Role role : access::kAllRoles) {
      std::optional<std::string> practitioner;
      if (role == access::Role::kClinician) practitioner = "Practitioner/3";
      keys_a_[role] = create_key(kFacilityA, role, practitioner);
      keys_b_[role] = create_key(kFacilityB, role, practitioner);
    }
  }

  void TearDown() override {
    if (engine_) engine_->stop();
    engine_.reset();
  }

  // A clinician key belongs to `practitioner`; the ones SetUp makes to
  // Practitioner/3, the practitioner of booking().
  std::string create_key(const std::string& facility, access::Role role,
                         std::optional<std::string> practitioner = std::nullopt) {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto created = keys_.create(**tx, facility, role, "test", practitioner);
    EXPECT_TRUE(created.ok()) << created.error().message;
    EXPECT_TRUE((*tx)->commit().ok());
    return created.ok() ? created->plaintext : "";
  }

  void exec(const std::string& sql, const storage::Params& params = {}) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    auto done = (*tx)->exec(sql, params);
    ASSERT_TRUE(done.ok()) << done.error().message;
    ASSERT_TRUE((*tx)->commit().ok());
  }

  std::int64_t scalar(const std::string& sql, const storage::Params& params = {}) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->query(sql, params);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    if (!rows.ok() || rows->empty()) return -1;
    return rows->front().get_int(0).value_or(-1);
  }

  std::int64_t audit_count(const std::string& action) {
    return scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1", {action});
  }

  // Runs one request through the router. `role` picks facility A's key of
  // that role (or facility B's with `facility_b`); no_auth sends none.
  http::Response send(const Call& call, std::optional<access::Role> role = access::Role::kAdmin,
                      bool facility_b = false) {
    http::Request request;
    request.method = call.method;
    request.raw_target = call.target;
    auto q = call.target.find('?');
    request.path = call.target.substr(0, q);
    if (q != std::string::npos) {
      std::string query = call.target.substr(q + 1);
      std::stringstream parts(query);
      std::string part;
      while (std::getline(parts, part, '&')) {
        auto eq = part.find('=');
        request.query[part.substr(0, eq)] = eq == std::string::npos ? "" : part.substr(eq + 1);
      }
    }
    request.body = call.body;
    request.request_id = "req-" + std::to_string(++request_counter_);
    request.remote_address = "127.0.0.1:40000";
    if (!call.body.empty()) request.headers.emplace("Content-Type", "application/json");
    if (role) {
      const auto& keys = facility_b ? keys_b_ : keys_a_;
      request.headers.emplace("Authorization", "Bearer " + keys.at(*role));
    }
    for (const auto& [name, value] : call.headers) {
      request.headers.erase(name);
      request.headers.emplace(name, value);
    }
    http::Match match = router_.match(request.method, request.path);
    if (match.route == nullptr) {
      ADD_FAILURE() << "no route for " << call.method << " " << call.target;
      return http::Response::empty(match.allowed_methods.empty() ? 404 : 405);
    }
    request.route = match.route->path_template;
    request.path_params = match.params;
    return match.route->handler(request);
  }

  static nlohmann::json body_of(const http::Response& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
  }

  static std::string iso(std::int64_t ms) { return domain::format_timestamp(ms); }

  // A valid booking for the standard workflow.
  static nlohmann::json booking(const std::string& appointment = "42") {
    return {{"type", "doctor_patient"},
            {"appointment_id", appointment},
            {"scheduled_at", iso(kNow + 3'600'000)},
            {"patient",
             {{"id", "7"},
              {"name", kArabicName},
              {"identifiers", {{{"kind", "national_id"}, {"value", "1098765432"}}}},
              {"phone", "0501234567"},
              {"gender_preference", "female"}}},
            {"practitioner", {{"id", "3"}, {"name", "د. أحمد"}}}};
  }

  http::Response create(const nlohmann::json& body, const std::string& key,
                        access::Role role = access::Role::kHospital, bool facility_b = false) {
    return send({"POST", "/v1/consultations", body.dump(), {{"Idempotency-Key", key}}}, role,
                facility_b);
  }

  // Creates a consultation in facility A (or B) and returns its id.
  std::string create_id(const std::string& key, bool facility_b = false,
                        nlohmann::json body = booking()) {
    http::Response r = create(body, key, access::Role::kHospital, facility_b);
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r).value("id", std::string());
  }

  // What the workflow's room step records once the provider opened the room.
  void open_room(const std::string& consultation_id, const std::string& facility = kFacilityA) {
    records::ConsultationStore consultations(*cipher_);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(
        consultations.set_room(**tx, facility, consultation_id, "video.fake", "RM-1", kNow).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  crypto::testing::ScratchDir scratch_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<const crypto::Keyring> keyring_;
  std::unique_ptr<records::CellCipher> cipher_;
  std::unique_ptr<audit::AuditWriter> audit_;
  std::unique_ptr<audit::AuditVerifier> audit_verifier_;
  std::unique_ptr<audit::ChainStatus> audit_chain_;
  access::ApiKeyStore keys_;
  std::unique_ptr<access::AuthFailureLimiter> limiter_;
  std::unique_ptr<access::Authenticator> authenticator_;
  observability::Metrics metrics_;
  std::unique_ptr<workflow::DefinitionStore> definitions_;
  workflow::HubActions actions_;
  std::shared_ptr<CountingCapabilityInvoker> invoker_;
  std::unique_ptr<workflow::Engine> engine_;
  config::Config config_;
  std::shared_ptr<FakeVideoProvider> video_;
  std::unique_ptr<object_store::ObjectStores> object_stores_;
  ApiContext context_;
  http::Router router_;
  std::map<access::Role, std::string> keys_a_;
  std::map<access::Role, std::string> keys_b_;
  int request_counter_ = 0;
};

inline std::string dialect_test_name(const ::testing::TestParamInfo<storage::Dialect>& info) {
  return std::string(storage::to_string(info.param));
}

}  // namespace wasl::api::testing
