#include "hub/config/describe.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wasl::config {
namespace {

using ::testing::HasSubstr;

TEST(Describe, DocumentsEveryKeyWithItsFormAndDefault) {
  const std::string text = describe();
  EXPECT_THAT(text, HasSubstr("server.port\n  TCP port to listen on; 0 picks a free port.\n"
                              "  Form: an integer between 0 and 65535. Default: 8080.\n"));
  EXPECT_THAT(text, HasSubstr("server.body_limit\n"));
  EXPECT_THAT(text, HasSubstr("Default: 1MiB."));
  EXPECT_THAT(text, HasSubstr("Default: 256KiB."));
  EXPECT_THAT(text, HasSubstr("Default: 30s."));
  EXPECT_THAT(text, HasSubstr("server.tls\n"));
  EXPECT_THAT(text, HasSubstr("server.tls.certificate_file\n"));
  EXPECT_THAT(text, HasSubstr("storage.migrate_on_start\n"));
  EXPECT_THAT(text, HasSubstr("Default: true for sqlite, false for postgres."));
  EXPECT_THAT(text, HasSubstr("storage.postgres.url\n"));
  EXPECT_THAT(text, HasSubstr("Default: required when storage.backend is postgres."));
  EXPECT_THAT(text, HasSubstr("plugins.files[].sha256\n"));
  EXPECT_THAT(text, HasSubstr("instances.<capability>.<label>.plugin\n"));
  EXPECT_THAT(text, HasSubstr("instances.<capability>.<label>.settings\n"));
  EXPECT_THAT(text, HasSubstr("facilities.<id>.bindings\n"));
  EXPECT_THAT(text, HasSubstr("facilities.<id>.billing.provider_license\n"));
  EXPECT_THAT(text, HasSubstr("workflows_dir\n"));
}

TEST(Render, ShowsEffectiveValuesOneKeyPerLine) {
  Config c;
  c.server.port = 9443;
  c.instances["video.a"].plugin = "p";
  c.instances["video.a"].settings = {{"k", 1}};
  const std::string text = render(c);
  EXPECT_THAT(text, HasSubstr("server.port: 9443\n"));
  EXPECT_THAT(text, HasSubstr("server.tls: absent\n"));
  EXPECT_THAT(text, HasSubstr("storage.migrate_on_start: unset\n"));
  EXPECT_THAT(text, HasSubstr("storage.postgres.url: \"\"\n"));
  EXPECT_THAT(text, HasSubstr("instances.video.a.plugin: p\n"));
  EXPECT_THAT(text, HasSubstr("instances.video.a.settings: {\"k\":1}\n"));
  EXPECT_THAT(text, HasSubstr("facilities: none\n"));
}

TEST(Render, RedactsSecretsEverywhere) {
  Config c;
  c.storage.postgres.url = Secret("postgresql://u:pw-xyz@h/db");
  c.log.file = "/logs/pw-xyz";
  c.secret_values = {"pw-xyz"};
  const std::string text = render(c);
  EXPECT_THAT(text, ::testing::Not(HasSubstr("pw-xyz")));
  EXPECT_THAT(text, HasSubstr("storage.postgres.url: [redacted]\n"));
  EXPECT_THAT(text, HasSubstr("log.file: /logs/[redacted]\n"));
}

}  // namespace
}  // namespace wasl::config
