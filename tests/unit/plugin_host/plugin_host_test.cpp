#include "hub/plugin_host/plugin_host.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "hub/plugin_host/in_memory_state_store.hpp"
#include "tests/unit/support/test_pki.hpp"

namespace wasl::plugin_host {
namespace {

using nlohmann::json;

std::string plugin_path(const std::string& name) {
  return (std::filesystem::path(WASL_PLUGIN_ABI_DIR) / ("libwasl_" + name + ".so")).string();
}

class StaticSecrets final : public SecretSource {
 public:
  sdk::Result<std::optional<std::string>> lookup(std::string_view instance,
                                                 std::string_view name) override {
    if (instance == "video.echo-main" && name == "signing_key") {
      return std::optional<std::string>("s3cr3t-key");
    }
    return std::optional<std::string>();
  }
};

class PluginHostTest : public ::testing::Test {
 protected:
  PluginHostTest() {
    config_.plugins.directories = {WASL_PLUGIN_ABI_DIR};
    config_.plugins.files.push_back({"echo", "libwasl_echo.so", "", 3});
    config_.plugins.files.push_back({"c_report", plugin_path("c_report"), "", 4});
  }

  void add(const std::string& name, const std::string& plugin, json settings,
           bool optional = false) {
    config::InstanceConfig instance;
    instance.name = name;
    instance.plugin = plugin;
    instance.settings = std::move(settings);
    instance.optional = optional;
    config_.instances[name] = instance;
  }

  sdk::Result<std::unique_ptr<PluginHost>> load() {
    PluginHostOptions options;
    options.state = &state_;
    options.secrets = &secrets_;
    options.clock = [] {
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
    };
    return PluginHost::load(config_, metrics_, options);
  }

  config::Config config_;
  observability::Metrics metrics_;
  InMemoryStateStore state_;
  StaticSecrets secrets_;
};

TEST_F(PluginHostTest, CreatesAnInstanceAndCallsItThroughTheAbi) {
  add("video.echo-main", "echo", {{"region", "me"}});
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto video = (*host)->video("video.echo-main");
  ASSERT_TRUE(video.ok()) << video.error().message;

  sdk::CreateRoomRequest request;
  request.idempotency_key = "run-1/step-2";
  request.name = "consultation";
  request.participant_limit = 0;  // the plugin falls back to its settings' default
  auto room = (*video)->create_room(request);
  ASSERT_TRUE(room.ok()) << room.error().message;
  EXPECT_EQ(room->provider_room_id, "RM-run-1/step-2");
  EXPECT_EQ(room->participant_limit, 4);          // schema default filled before the plugin saw it
  EXPECT_EQ(room->created_at_ms, 1700000000123);  // the host's clock
  EXPECT_EQ(room->raw, json({{"region", "me"}}));

  // The plugin kept the room in the host's state store under its instance.
  auto stored = state_.get("video.echo-main", "room:run-1/step-2");
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ(json::parse(**stored).at("provider_room_id"), "RM-run-1/step-2");
}

TEST_F(PluginHostTest, AMethodThatThrowsBecomesAnErrorNamingPluginAndMethod) {
  add("video.echo-main", "echo", {{"region", "me"}});
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto video = (*host)->video("video.echo-main");
  ASSERT_TRUE(video.ok());
  auto recording = (*video)->start_recording({"key", "RM-1"});
  ASSERT_FALSE(recording.ok());
  EXPECT_EQ(recording.error().code, sdk::ErrorCode::kInternal);
  EXPECT_FALSE(recording.error().retryable);
  EXPECT_EQ(recording.error().message,
            "plugin 'echo' method 'video.start_recording' threw an exception: boom");
  // The instance keeps working after it.
  EXPECT_TRUE((*video)->stop_recording({"key", "RM-1"}).ok());
}

TEST_F(PluginHostTest, ErrorsCrossTheBoundaryWithCodeRetryableAndRetryAfter) {
  add("video.echo-main", "echo", {{"region", "me"}});
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto video = (*host)->video("video.echo-main");
  auto listed = (*video)->list_participants({"", "RM-1"});
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, sdk::ErrorCode::kUnavailable);
  EXPECT_TRUE(listed.error().retryable);
  ASSERT_TRUE(listed.error().retry_after.has_value());
  EXPECT_EQ(listed.error().retry_after->count(), 1500);
  auto ended = (*video)->end_room({"k", "RM-9"});
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().code, sdk::ErrorCode::kNotFound);
  EXPECT_EQ(ended.error().message, "no room RM-9");
}

TEST_F(PluginHostTest, SecretsReachThePluginButNeverItsLogLines) {
  add("video.echo-main", "echo", {{"region", "me"}});
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto video = (*host)->video("video.echo-main");
  sdk::JoinTokenRequest request;
  request.idempotency_key = "k";
  request.room_id = "RM-1";
  request.participant.identity = "p1";
  auto token = (*video)->issue_join_token(request);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(token->token, "p1:s3cr3t-key");
  auto instance = (*host)->instance("video.echo-main");
  ASSERT_TRUE(instance.ok());
}

TEST_F(PluginHostTest, StreamsMediaInChunks) {
  add("video.echo-main", "echo", {{"region", "me"}, {"media", "0123456789"}, {"chunk_size", 4}});
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto video = (*host)->video("video.echo-main");
  std::vector<std::string> chunks;
  auto info = (*video)->fetch_media({"RT-1"}, [&](std::string_view chunk) -> sdk::Status {
    chunks.emplace_back(chunk);
    return {};
  });
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size_bytes, 10);
  EXPECT_EQ(chunks, (std::vector<std::string>{"0123", "4567", "89"}));

  // A sink that stops the stream: its error is what the call returns.
  int calls = 0;
  auto stopped = (*video)->fetch_media({"RT-1"}, [&](std::string_view) -> sdk::Status {
    ++calls;
    return sdk::Error(sdk::ErrorCode::kResourceExhausted, "disk full");
  });
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code, sdk::ErrorCode::kResourceExhausted);
  EXPECT_EQ(stopped.error().message, "disk full");
  EXPECT_EQ(calls, 1);
}

TEST_F(PluginHostTest, VerifiesWebhooksThroughThePlugin) {
  add("video.echo-main", "echo", {{"region", "me"}});
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto verifier = (*host)->webhook("video.echo-main");
  ASSERT_TRUE(verifier.ok()) << verifier.error().message;
  sdk::WebhookRequest request{"POST",
                              "https://hub.example/v1/webhooks/video.echo-main",
                              {{"X-Echo-Signature", "ok"}},
                              R"({"room":"RM-1"})"};
  auto events = (*verifier)->verify(request);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "room.ended");
  EXPECT_EQ((*events)[0].payload, json({{"room", "RM-1"}}));
  request.headers = {{"X-Echo-Signature", "forged"}};
  auto refused = (*verifier)->verify(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnauthenticated);
}

TEST_F(PluginHostTest, APluginInPlainCAnswers) {
  add("reporting.moh", "c_report", json::object());
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto sink = (*host)->reporting("reporting.moh");
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  sdk::Report report;
  report.idempotency_key = "consultation-7";
  report.kind = "consultation";
  auto receipt = (*sink)->submit_report(report);
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(receipt->receipt_id, "c-consultation-7");
  EXPECT_EQ(receipt->status, "accepted");
  EXPECT_EQ(receipt->received_at_ms, 1700000000123);
  EXPECT_EQ(receipt->raw, json({{"label", "from-c"}}));  // settings with the schema's default

  sdk::Report unkeyed;
  auto refused = (*sink)->submit_report(unkeyed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message, "a report needs an idempotency key");
}

TEST_F(PluginHostTest, APluginBuiltForAbi10StillLoadsAndIsServed) {
  config_.plugins.files.push_back({"abi_1_0", "libwasl_abi_1_0.so", "", 4});
  add("reporting.old", "abi_1_0", json::object());
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto sink = (*host)->reporting("reporting.old");
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  sdk::Report report;
  report.idempotency_key = "r-1";
  auto receipt = (*sink)->submit_report(report);
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(receipt->receipt_id, "v10-1700000000123");
  // It sees the 1.1 table through its own, shorter declaration.
  EXPECT_EQ(receipt->message, std::to_string(sizeof(wasl_host_api)));
}

// ehr.public_keys came with SDK 1.7: the host does not ask a 1.6 plugin (this
// one would answer a key if asked) and the plugin serves as before.
TEST_F(PluginHostTest, AnEhrPluginBuiltForAbi16PublishesNoKeyAndIsNotAsked) {
  config_.plugins.files.push_back({"abi_1_6_ehr", "libwasl_abi_1_6_ehr.so", "", 5});
  add("ehr.old", "abi_1_6_ehr", json::object());
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto instance = (*host)->instance("ehr.old");
  ASSERT_TRUE(instance.ok());
  EXPECT_EQ((*instance)->library().abi_version(), (1u << 16) | 6u);
  auto ehr = (*host)->ehr("ehr.old");
  ASSERT_TRUE(ehr.ok()) << ehr.error().message;
  auto keys = (*ehr)->public_keys();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_TRUE(keys->keys.empty());
  // What the plugin answers when it is called: the proxy's check is what
  // keeps the key out.
  auto asked = (*instance)->call(sdk::EhrConnector::kPublicKeys, json::object());
  ASSERT_TRUE(asked.ok());
  EXPECT_EQ((*asked)["keys"][0]["kid"], "asked-a-1.6-plugin");
  auto patient = (*ehr)->read_patient({"p-7"});
  ASSERT_TRUE(patient.ok()) << patient.error().message;
  EXPECT_EQ(patient->id, "p-7");
}

TEST_F(PluginHostTest, TheTlsSettingsStayWithTheHost) {
  const auto& pki = wasl::testing::TestPki::get();
  add("video.echo-main", "echo",
      {{"region", "me"},
       {"tls",
        {{"client_certificate", pki.read("client.crt")},
         {"client_key", pki.read("client.key")},
         {"ca_bundle", pki.read("ca.crt")}}}});
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto video = (*host)->video("video.echo-main");
  ASSERT_TRUE(video.ok());
  sdk::CreateRoomRequest request;
  request.idempotency_key = "run-1/step-9";
  auto room = (*video)->create_room(request);
  ASSERT_TRUE(room.ok()) << room.error().message;
  EXPECT_FALSE(room->raw.contains("settings_have_tls"));  // the echo schema would refuse it, too
  EXPECT_EQ(room->raw["client_certificate"], "CN=N-F-00001,O=Saudi General Hospital");
}

TEST_F(PluginHostTest, BrokenTlsSettingsNameTheInstanceAndKey) {
  const auto& pki = wasl::testing::TestPki::get();
  add("video.echo-main", "echo",
      {{"region", "me"},
       {"tls",
        {{"client_certificate", pki.read("client.crt")},
         {"client_key", pki.read("other-client.key")}}}});
  auto host = load();
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.error().message,
            "instance 'video.echo-main': settings.tls.client_certificate: the private key does "
            "not belong to the client certificate");
}

TEST_F(PluginHostTest, SettingsThatBreakTheSchemaNameTheInstanceAndPath) {
  add("video.echo-main", "echo", {{"region", "mars"}, {"participant_limit", 99}});
  auto host = load();
  ASSERT_FALSE(host.ok());
  const std::string& message = host.error().message;
  EXPECT_EQ(
      message.rfind("instance 'video.echo-main': settings break libwasl_echo.schema.json: ", 0), 0u)
      << message;
  EXPECT_NE(message.find("/participant_limit: "), std::string::npos) << message;
  EXPECT_NE(message.find("/region: "), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;  // one line per problem
}

TEST_F(PluginHostTest, AMissingCapabilityIsRefused) {
  add("ehr.hospital-a", "echo", {{"region", "me"}});
  auto host = load();
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.error().message, "instance 'ehr.hospital-a': plugin 'echo' (" +
                                      plugin_path("echo") +
                                      ") does not provide the 'ehr' capability its name asks for");
}

TEST_F(PluginHostTest, OptionalInstancesMayFailAndReadinessSaysSo) {
  add("video.echo-main", "echo", {{"region", "me"}});
  add("video.echo-spare", "echo", {{"region", "nowhere"}}, /*optional=*/true);
  add("reporting.moh", "c_report", json::object());
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  EXPECT_TRUE((*host)->ready());
  EXPECT_TRUE((*host)->instance("video.echo-main").ok());
  auto missing = (*host)->instance("video.echo-spare");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, sdk::ErrorCode::kNotFound);

  json readiness = (*host)->readiness();
  EXPECT_EQ(readiness["ready"], true);
  ASSERT_EQ(readiness["failed"].size(), 1u);
  EXPECT_EQ(readiness["failed"][0]["name"], "video.echo-spare");
  EXPECT_EQ(readiness["failed"][0]["optional"], true);
  ASSERT_EQ((*host)->problems().size(), 1u);
  EXPECT_NE((*host)->problems()[0].find("(optional: the hub starts without it)"),
            std::string::npos);

  json list = (*host)->list();
  ASSERT_EQ(list["plugins"].size(), 2u);
  json echo = list["plugins"][1];  // by name: c_report, echo
  EXPECT_EQ(echo["name"], "echo");
  EXPECT_EQ(echo["version"], "0.3.0");
  EXPECT_EQ(echo["sdk_version"], "1.10");
  EXPECT_EQ(echo["capabilities"], json({"video", "webhook"}));
  ASSERT_EQ(echo["instances"].size(), 2u);
  EXPECT_EQ(echo["instances"][0]["name"], "video.echo-main");
  EXPECT_EQ(echo["instances"][0]["health"], "ok");
  EXPECT_EQ(echo["instances"][1]["health"], "failed");
}

TEST_F(PluginHostTest, OneFileBacksSeveralInstancesWithTheirOwnSettings) {
  add("video.echo-eu", "echo", {{"region", "eu"}});
  add("video.echo-me", "echo", {{"region", "me"}});
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  sdk::CreateRoomRequest request;
  request.idempotency_key = "same-key";
  auto eu = (*(*host)->video("video.echo-eu"))->create_room(request);
  auto me = (*(*host)->video("video.echo-me"))->create_room(request);
  ASSERT_TRUE(eu.ok() && me.ok());
  EXPECT_EQ(eu->raw["region"], "eu");
  EXPECT_EQ(me->raw["region"], "me");
}

TEST_F(PluginHostTest, ABadPinRefusesEveryInstanceOfThatFile) {
  config_.plugins.files[0].sha256 = std::string(64, 'a');
  add("video.echo-main", "echo", {{"region", "me"}});
  auto host = load();
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.error().message.find("refused: its SHA-256 is "), std::string::npos);
  EXPECT_NE(host.error().message.find("instance 'video.echo-main': its plugin 'echo' did not load"),
            std::string::npos)
      << host.error().message;
}

TEST_F(PluginHostTest, CallsAreCountedAndTimedInMetrics) {
  add("video.echo-main", "echo", {{"region", "me"}});
  auto host = load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto video = (*host)->video("video.echo-main");
  ASSERT_TRUE((*video)->stop_recording({"k", "RM-1"}).ok());
  ASSERT_FALSE((*video)->end_room({"k", "RM-1"}).ok());
  std::string text = metrics_.render();
  EXPECT_NE(text.find("wasl_plugin_calls_total{instance=\"video.echo-main\",method=\"video.stop_"
                      "recording\",outcome=\"ok\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wasl_plugin_calls_total{instance=\"video.echo-main\",method=\"video.end_"
                      "room\",outcome=\"not_found\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wasl_plugin_call_duration_seconds_count{instance=\"video.echo-main\","
                      "method=\"video.stop_recording\"} 1"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace wasl::plugin_host
