#include "wasl/sdk/setting_or_secret.hpp"

#include <gtest/gtest.h>

#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::sdk {
namespace {

using testing::FakeHost;

TEST(SettingOrSecret, TheSettingWinsOverTheSecret) {
  FakeHost host;
  host.set_secret("auth_token", "from-secret");
  auto value = setting_or_secret("from-settings", host, "auth_token");
  ASSERT_TRUE(value.ok()) << value.error().message;
  EXPECT_EQ(*value, "from-settings");
}

TEST(SettingOrSecret, AnEmptySettingReadsTheSecret) {
  FakeHost host;
  host.set_secret("auth_token", "from-secret");
  auto value = setting_or_secret("", host, "auth_token");
  ASSERT_TRUE(value.ok()) << value.error().message;
  EXPECT_EQ(*value, "from-secret");
}

TEST(SettingOrSecret, NeitherSetIsEmptyNotAnError) {
  FakeHost host;
  auto value = setting_or_secret("", host, "auth_token");
  ASSERT_TRUE(value.ok()) << value.error().message;
  EXPECT_EQ(*value, "");
}

TEST(SettingOrSecret, AStoreFailureIsAnErrorNamingTheSecretNotItsValue) {
  FakeHost host;
  host.fail_secret("api_key_secret",
                   Error(ErrorCode::kUnavailable, "vault sealed", true, std::chrono::seconds(3)));
  auto value = setting_or_secret("", host, "api_key_secret");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(value.error().retryable);
  EXPECT_EQ(value.error().retry_after, std::chrono::milliseconds(3000));
  EXPECT_EQ(value.error().message,
            "reading the instance secret 'api_key_secret' failed: vault sealed");
  // A setting does not consult the store at all.
  auto set = setting_or_secret("inline", host, "api_key_secret");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(*set, "inline");
}

}  // namespace
}  // namespace wasl::sdk
