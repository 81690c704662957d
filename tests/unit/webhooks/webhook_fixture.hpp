// WebhookFixture: a migrated database on one backend (RecordsDatabaseTest:
// facilities fac-a and fac-b, a key ring, a CellCipher), the inbox store, an
// audit writer, the configured webhook sources (hospital.fac-a and
// hospital.fac-b with their own Standard Webhooks secrets) plus test-double
// instances, an InboxWriter, and the real HTTP server on 127.0.0.1 port 0
// with the webhook routes. A Poco client talks to it over loopback.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "hub/http/router.hpp"
#include "hub/http/server.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/webhooks/configured_webhook_sources.hpp"
#include "hub/webhooks/hospital_secret_source.hpp"
#include "hub/webhooks/inbox_writer.hpp"
#include "hub/webhooks/standard_webhook_signature.hpp"
#include "hub/webhooks/webhook_dispatcher.hpp"
#include "hub/webhooks/webhook_routes.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "tests/unit/records/records_database.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::webhooks::testing {

inline constexpr const char* kSecretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
inline constexpr const char* kSecretB = "whsec_c2Vjb25kLWZhY2lsaXR5LXNlY3JldC0xMjM0";
inline constexpr const char* kPublicUrl = "https://hub.example/base/";

// A WebhookVerifier test double: accepts a request only when it was made
// for `expected_url` and carries "X-Test-Signature: good"; the body is
// {"events": [{type, room_id, resource_id, dedupe_key}, …]}.
class UrlCheckingVerifierDouble final : public sdk::WebhookVerifier {
 public:
  explicit UrlCheckingVerifierDouble(std::string expected_url)
      : expected_url_(std::move(expected_url)) {}
  sdk::Result<std::vector<sdk::Event>> verify(const sdk::WebhookRequest& request) override {
    bool signed_ok = false;
    for (const auto& [k, v] : request.headers) {
      if (k == "X-Test-Signature" && v == "good") signed_ok = true;
    }
    if (!signed_ok || request.url != expected_url_ || request.method != "POST") {
      return sdk::Error(sdk::ErrorCode::kUnauthenticated, "the test signature does not match");
    }
    auto doc = nlohmann::json::parse(request.body, nullptr, false);
    if (doc.is_discarded()) return sdk::Error(sdk::ErrorCode::kInvalidArgument, "not JSON");
    std::vector<sdk::Event> events;
    for (const auto& e : doc.value("events", nlohmann::json::array())) {
      sdk::Event ev;
      ev.type = e.value("type", "room.ended");
      ev.room_id = e.value("room_id", "");
      ev.resource_id = e.value("resource_id", "");
      ev.dedupe_key = e.value("dedupe_key", "");
      events.push_back(ev);
    }
    return events;
  }

 private:
  std::string expected_url_;
};

// WebhookSources test double: named instances first, then the configured ones.
class SourcesDouble final : public WebhookSources {
 public:
  explicit SourcesDouble(const WebhookSources& fallback) : fallback_(fallback) {}
  void add(WebhookSource source) { extra_[source.instance] = std::move(source); }
  sdk::Result<WebhookSource> find(std::string_view instance) const override {
    auto it = extra_.find(std::string(instance));
    if (it != extra_.end()) return it->second;
    return fallback_.find(instance);
  }
  std::vector<std::string> instances_serving(std::string_view facility_id) const override {
    std::vector<std::string> out = fallback_.instances_serving(facility_id);
    for (const auto& [name, source] : extra_) {
      const auto& f = source.facilities;
      if (std::find(f.begin(), f.end(), facility_id) != f.end()) {
        out.push_back(name);
      }
    }
    return out;
  }

 private:
  const WebhookSources& fallback_;
  std::map<std::string, WebhookSource> extra_;
};

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class WebhookFixture : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    inbox_ = std::make_unique<records::InboxStore>(*cipher_);
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), keyring_->audit_key().view());
    for (const char* id : {records::testing::kFacilityA, records::testing::kFacilityB}) {
      config::FacilityConfig f;
      f.id = id;
      f.name = id;
      config_.facilities[id] = f;
    }
    config_.facilities[records::testing::kFacilityA].bindings["video"] = "video.shared";
    config_.facilities[records::testing::kFacilityB].bindings["video"] = "video.shared";
    secrets_ =
        std::make_unique<StaticHospitalSecrets>(std::map<std::string, config::Secret, std::less<>>{
            {records::testing::kFacilityA, config::Secret(kSecretA)},
            {records::testing::kFacilityB, config::Secret(kSecretB)}});
    auto sources = ConfiguredWebhookSources::create(config_, nullptr, *secrets_);
    ASSERT_TRUE(sources.ok()) << sources.error().message;
    configured_ = std::move(sources).value();
    sources_ = std::make_unique<SourcesDouble>(*configured_);
    sources_->add({"video.url-check",
                   std::make_shared<UrlCheckingVerifierDouble>(
                       "https://hub.example/base/v1/webhooks/video.url-check?attempt=1"),
                   {records::testing::kFacilityA}});
    sources_->add({"video.shared",
                   std::make_shared<UrlCheckingVerifierDouble>(
                       "https://hub.example/base/v1/webhooks/video.shared"),
                   {records::testing::kFacilityA, records::testing::kFacilityB}});
    server_config_.public_url = kPublicUrl;
    server_config_.webhook_body_limit = 4096;
    server_settings_.host = "127.0.0.1";
    server_settings_.port = 0;
    server_settings_.max_threads = 64;
    server_settings_.shutdown_grace = std::chrono::milliseconds(2000);
  }

  // Builds the writer, the routes and the server; tests adjust the options first.
  void start_server(InboxWriterOptions writer_options = {}) {
    writer_ = std::make_unique<InboxWriter>(*store_, *cipher_, writer_options, &metrics_);
    context_.server = &server_config_;
    context_.sources = sources_.get();
    context_.store = store_.get();
    context_.inbox = inbox_.get();
    context_.writer = writer_.get();
    context_.audit = audit_.get();
    context_.metrics = &metrics_;
    context_.dispatcher = dispatcher_.get();
    context_.authenticate = [](const http::Request& r) -> sdk::Result<access::Principal> {
      // Test double of the API-key authenticator: "Bearer <facility>:<role>".
      auto auth = r.header("Authorization");
      if (!auth || auth->rfind("Bearer ", 0) != 0) {
        return sdk::Error(sdk::ErrorCode::kUnauthenticated, "no key");
      }
      std::string token = auth->substr(7);
      auto colon = token.find(':');
      auto role = access::parse_role(token.substr(colon + 1));
      if (colon == std::string::npos || !role) {
        return sdk::Error(sdk::ErrorCode::kUnauthenticated, "unknown key");
      }
      return access::Principal{"key-" + token, token.substr(0, colon), *role};
    };
    add_webhook_routes(router_, context_);
    server_ = std::make_unique<http::Server>(server_settings_, router_, metrics_);
    auto started = server_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  // A real workflow engine with one deployed workflow, "waiter": it waits
  // for appointment.updated correlated on ${trigger.appointment}, then ends.
  void start_engine(int workers = 1) {
    definitions_ = std::make_unique<workflow::DefinitionStore>(*store_);
    ASSERT_TRUE(workflow::add_builtin_hub_actions(actions_).ok());
    invoker_ = std::make_shared<workflow::testing::ScriptedInvoker>();
    auto deployed =
        definitions_->deploy_source(workflow::testing::kWaiterWorkflow, "waiter.yaml", "test");
    ASSERT_TRUE(deployed.ok()) << deployed.error().message;
    workflow::EngineOptions options;
    options.workers = workers;
    options.poll_interval = std::chrono::milliseconds(10);
    engine_ = std::make_unique<workflow::Engine>(*store_, *definitions_, invoker_, actions_,
                                                 metrics_, options);
    ASSERT_TRUE(engine_->start().ok());
  }

  std::string start_waiting_run(const std::string& facility, const std::string& appointment) {
    workflow::StartRunRequest r;
    r.workflow = "waiter";
    r.facility_id = facility;
    r.trigger = {{"appointment", appointment}};
    auto id = engine_->start_run(r);
    EXPECT_TRUE(id.ok()) << id.error().message;
    if (!id.ok()) return "";
    EXPECT_EQ(run_status(*id, {"waiting"}), "waiting");
    return *id;
  }

  // Polls the run until its status is in `wanted` or 20 s pass; the last status seen.
  std::string run_status(const std::string& run, std::set<std::string> wanted) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string last;
    while (std::chrono::steady_clock::now() < until) {
      auto t = engine_->timeline(run);
      if (t.ok()) {
        last = t->status;
        if (wanted.count(last)) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return last;
  }

  // Polls the inbox row of `dedupe_key` until its state is `state` or 20 s pass.
  std::string inbox_state(const std::string& dedupe_key, const std::string& state) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string last;
    while (std::chrono::steady_clock::now() < until) {
      auto rows = query_raw("SELECT state FROM inbox WHERE dedupe_key = $1", {dedupe_key});
      if (!rows.empty()) {
        last = rows[0].get_text(0).value_or("");
        if (last == state) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return last;
  }

  void TearDown() override {
    if (server_) server_->stop();
    if (dispatcher_) dispatcher_->stop();
    if (writer_) writer_->stop();
    if (engine_) engine_->stop();
    server_.reset();
    dispatcher_.reset();
    writer_.reset();
    engine_.reset();
    RecordsDatabaseTest::TearDown();
  }

  Reply send(const std::string& method, const std::string& target,
             const std::vector<std::pair<std::string, std::string>>& headers,
             const std::string& body, Poco::Net::HTTPClientSession* reuse = nullptr) {
    std::unique_ptr<Poco::Net::HTTPClientSession> own;
    if (reuse == nullptr) {
      own = std::make_unique<Poco::Net::HTTPClientSession>(
          "127.0.0.1", static_cast<Poco::UInt16>(server_->port()));
      reuse = own.get();
    }
    reuse->setTimeout(Poco::Timespan(20, 0));
    Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers) req.add(k, v);
    if (!body.empty() || method == "POST")
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    std::ostream& out = reuse->sendRequest(req);
    out << body;
    Poco::Net::HTTPResponse res;
    std::istream& in = reuse->receiveResponse(res);
    Reply reply;
    reply.status = res.getStatus();
    reply.content_type = res.getContentType();
    std::ostringstream text;
    Poco::StreamCopier::copyStream(in, text);
    reply.body = text.str();
    return reply;
  }

  static std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // Standard Webhooks headers for `body`, signed now with `secret`.
  static std::vector<std::pair<std::string, std::string>> hospital_headers(
      const char* secret, const std::string& id, const std::string& body,
      std::int64_t timestamp = now_seconds()) {
    auto s = StandardWebhookSignature::from_secret(secret);
    EXPECT_TRUE(s.ok());
    auto sig = s->sign(id, timestamp, body);
    EXPECT_TRUE(sig.ok());
    return {{"Content-Type", "application/json"},
            {"webhook-id", id},
            {"webhook-timestamp", std::to_string(timestamp)},
            {"webhook-signature", *sig}};
  }

  static std::string appointment_body(const std::string& correlation,
                                      const std::string& note = "تم تغيير الموعد") {
    return nlohmann::json{{"type", "appointment.updated"},
                          {"correlation", correlation},
                          {"payload", {{"status", "booked"}, {"note", note}}}}
        .dump();
  }

  Reply post_hospital(const std::string& facility, const std::string& id, const std::string& body,
                      const char* secret = kSecretA,
                      Poco::Net::HTTPClientSession* session = nullptr) {
    return send("POST", "/v1/webhooks/hospital." + facility, hospital_headers(secret, id, body),
                body, session);
  }

  std::int64_t inbox_rows(const std::string& where = "1 = 1", const storage::Params& p = {}) {
    return scalar("SELECT COUNT(*) FROM inbox WHERE " + where, p);
  }

  observability::Metrics metrics_;
  config::Config config_;
  config::ServerConfig server_config_;  // public_url and webhook_body_limit
  http::ServerSettings server_settings_;
  std::unique_ptr<records::InboxStore> inbox_;
  std::unique_ptr<audit::AuditWriter> audit_;
  std::unique_ptr<StaticHospitalSecrets> secrets_;
  std::unique_ptr<ConfiguredWebhookSources> configured_;
  std::unique_ptr<SourcesDouble> sources_;
  std::unique_ptr<InboxWriter> writer_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;
  std::unique_ptr<workflow::DefinitionStore> definitions_;
  workflow::HubActions actions_;
  std::shared_ptr<workflow::testing::ScriptedInvoker> invoker_;
  std::unique_ptr<workflow::Engine> engine_;
  WebhookContext context_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace wasl::webhooks::testing
