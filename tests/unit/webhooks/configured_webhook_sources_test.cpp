#include "hub/webhooks/configured_webhook_sources.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/webhooks/hospital_secret_source.hpp"

namespace wasl::webhooks {
namespace {

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class ConfiguredWebhookSourcesTest : public ::testing::Test {
 protected:
  ConfiguredWebhookSourcesTest() {
    for (const char* id : {"fac-a", "fac-b", "fac-c"}) {
      config::FacilityConfig f;
      f.id = id;
      config_.facilities[id] = f;
    }
    config_.facilities["fac-a"].bindings["video"] = "video.echo-main";
    config_.facilities["fac-b"].bindings["video"] = "video.echo-main";
    config_.plugins.directories = {WASL_PLUGIN_ABI_DIR};
    config_.plugins.files.push_back({"echo", "libwasl_echo.so", "", 1});
    config::InstanceConfig echo;
    echo.name = "video.echo-main";
    echo.plugin = "echo";
    echo.settings = {{"region", "me"}};
    config_.instances[echo.name] = echo;
  }

  config::Config config_;
  observability::Metrics metrics_;
  plugin_host::InMemoryStateStore state_;
};

TEST_F(ConfiguredWebhookSourcesTest, FindsHospitalsAndPluginInstances) {
  plugin_host::PluginHostOptions options;
  options.state = &state_;
  auto plugins = plugin_host::PluginHost::load(config_, metrics_, options);
  ASSERT_TRUE(plugins.ok()) << plugins.error().message;
  StaticHospitalSecrets secrets({{"fac-a", config::Secret(kSecret)}});
  auto sources = ConfiguredWebhookSources::create(config_, plugins->get(), secrets);
  ASSERT_TRUE(sources.ok()) << sources.error().message;

  auto hospital = (*sources)->find("hospital.fac-a");
  ASSERT_TRUE(hospital.ok());
  EXPECT_EQ(hospital->facilities, std::vector<std::string>{"fac-a"});
  // A facility without a secret takes no hospital webhooks; unknown names are not found.
  for (const char* missing :
       {"hospital.fac-b", "hospital.fac-z", "hospital.", "video.nowhere", "fac-a"}) {
    auto r = (*sources)->find(missing);
    ASSERT_FALSE(r.ok()) << missing;
    EXPECT_EQ(r.error().code, sdk::ErrorCode::kNotFound);
  }

  // The echo plugin's verifier, through the real plugin ABI.
  auto echo = (*sources)->find("video.echo-main");
  ASSERT_TRUE(echo.ok()) << echo.error().message;
  EXPECT_EQ(echo->facilities, (std::vector<std::string>{"fac-a", "fac-b"}));
  sdk::WebhookRequest request{"POST",
                              "https://hub.example/v1/webhooks/video.echo-main",
                              {{"X-Echo-Signature", "ok"}},
                              R"({"room":"RM-1"})"};
  auto events = echo->verifier->verify(request);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "room.ended");
  request.headers = {{"X-Echo-Signature", "forged"}};
  auto refused = echo->verifier->verify(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnauthenticated);
}

TEST_F(ConfiguredWebhookSourcesTest, WithoutPluginsOnlyHospitalsExist) {
  StaticHospitalSecrets secrets({{"fac-c", config::Secret(kSecret)}});
  auto sources = ConfiguredWebhookSources::create(config_, nullptr, secrets);
  ASSERT_TRUE(sources.ok());
  EXPECT_TRUE((*sources)->find("hospital.fac-c").ok());
  EXPECT_FALSE((*sources)->find("video.echo-main").ok());
}

TEST_F(ConfiguredWebhookSourcesTest, AMalformedSecretFailsNamingTheFacilityNotTheSecret) {
  StaticHospitalSecrets secrets({{"fac-b", config::Secret("whsec_tooshort")}});
  auto sources = ConfiguredWebhookSources::create(config_, nullptr, secrets);
  ASSERT_FALSE(sources.ok());
  EXPECT_EQ(sources.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(sources.error().message.find("facility 'fac-b'"), std::string::npos);
  EXPECT_EQ(sources.error().message.find("tooshort"), std::string::npos);
}

}  // namespace
}  // namespace wasl::webhooks
