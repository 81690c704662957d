// The archive section's object stores (archive.store, archive.stores): every
// value read, and every bad value named with its file and line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "hub/config/loader.hpp"

namespace wasl::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> archive_problems(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& p : load_text(yaml, "t.yaml", ".").problems) out.push_back(p.to_string());
  return out;
}

// Lines: 1 archive, 2 store, 3 stores, 4 the store ceph, 5 endpoint, 6 bucket,
// then `extra` (six spaces of indent) from line 7 on.
std::string archive_document(const std::string& store, const std::string& extra = "",
                             const std::string& endpoint = "http://127.0.0.1:7480") {
  return "archive:\n"
         "  store: " +
         store +
         "\n"
         "  stores:\n"
         "    ceph:\n"
         "      endpoint: " +
         endpoint +
         "\n"
         "      bucket: wasl-recordings\n" +
         extra;
}

const std::string kKeys =
    "      access_key_id: AKIDEXAMPLE\n"
    "      secret_access_key: wJalrXUtnFEMI\n";

TEST(LoadArchive, TheLocalDirectoryIsTheDefault) {
  const auto result = load_text("archive:\n  root: /srv/recordings\n", "t.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config.archive.store, "local");
  EXPECT_TRUE(result.config.archive.stores.empty());
  EXPECT_EQ(result.config.archive.root, "/srv/recordings");
}

TEST(LoadArchive, AnS3StoreIsReadWithItsDefaults) {
  const auto result = load_text(archive_document("ceph", kKeys), "t.yaml");
  ASSERT_TRUE(result.ok()) << result.problems.front().to_string();
  const ArchiveConfig& a = result.config.archive;
  EXPECT_EQ(a.store, "ceph");
  const ObjectStoreConfig& s = a.stores.at("ceph");
  EXPECT_EQ(s.name, "ceph");
  EXPECT_EQ(s.line, 4);
  EXPECT_EQ(s.kind, "s3");
  EXPECT_EQ(s.endpoint, "http://127.0.0.1:7480");
  EXPECT_EQ(s.region, "us-east-1");
  EXPECT_EQ(s.bucket, "wasl-recordings");
  EXPECT_EQ(s.prefix, "");
  EXPECT_EQ(s.addressing, "path");
  EXPECT_EQ(s.access_key_id.reveal(), "AKIDEXAMPLE");
  EXPECT_EQ(s.secret_access_key.reveal(), "wJalrXUtnFEMI");
  EXPECT_TRUE(s.session_token.empty());
  EXPECT_EQ(s.part_size, 8 << 20);
  EXPECT_EQ(s.parts_in_flight, 4);
  EXPECT_EQ(s.checksum, "sha256");
  EXPECT_EQ(s.retention_mode, "none");
}

TEST(LoadArchive, EveryValueIsRead) {
  const auto result = load_text(archive_document("ceph",
                                                 kKeys + "      session_token: FwoGZXIvYXdz\n"
                                                         "      region: me-central-1\n"
                                                         "      prefix: wasl/recordings/\n"
                                                         "      addressing: virtual\n"
                                                         "      part_size: 16MiB\n"
                                                         "      parts_in_flight: 8\n"
                                                         "      checksum: md5\n"
                                                         "      retention_mode: compliance\n",
                                                 "https://s3.me-central-1.amazonaws.com"),
                                "t.yaml");
  ASSERT_TRUE(result.ok()) << result.problems.front().to_string();
  const ObjectStoreConfig& s = result.config.archive.stores.at("ceph");
  EXPECT_EQ(s.endpoint, "https://s3.me-central-1.amazonaws.com");
  EXPECT_EQ(s.session_token.reveal(), "FwoGZXIvYXdz");
  EXPECT_EQ(s.region, "me-central-1");
  EXPECT_EQ(s.prefix, "wasl/recordings/");
  EXPECT_EQ(s.addressing, "virtual");
  EXPECT_EQ(s.part_size, 16 << 20);
  EXPECT_EQ(s.parts_in_flight, 8);
  EXPECT_EQ(s.checksum, "md5");
  EXPECT_EQ(s.retention_mode, "compliance");
}

TEST(LoadArchive, ARetentionModeS3DoesNotHaveIsRefusedWithItsLine) {
  EXPECT_THAT(archive_problems(archive_document("ceph", kKeys + "      retention_mode: legal\n")),
              Contains(AllOf(HasSubstr("t.yaml:9:"), HasSubstr("retention_mode"),
                             HasSubstr("governance"))));
  EXPECT_THAT(
      archive_problems(archive_document("ceph", kKeys + "      retention_mode: governance\n")),
      IsEmpty());
}

TEST(LoadArchive, AStoreNamingNoEntryIsRefusedWithItsLine) {
  EXPECT_THAT(archive_problems(archive_document("cepf", kKeys)),
              Contains(AllOf(HasSubstr("t.yaml:2:"), HasSubstr("archive.store"),
                             HasSubstr("did you mean \"ceph\"?"))));
}

TEST(LoadArchive, KeysAreRequiredWithKeyCredentials) {
  const auto found = archive_problems(archive_document("ceph"));
  EXPECT_THAT(found,
              Contains(AllOf(HasSubstr("t.yaml:4:"), HasSubstr("archive.stores.ceph.access_key_id"),
                             HasSubstr("required: the store's S3 access key"))));
  EXPECT_THAT(found, Contains(HasSubstr("archive.stores.ceph.secret_access_key")));
}

TEST(LoadArchive, TheInstanceRoleNeedsNoKeysAndRefusesThem) {
  const auto result = load_text(archive_document("ceph",
                                                 "      credentials: instance\n"
                                                 "      imds_endpoint: http://127.0.0.1:8111\n"),
                                "t.yaml");
  ASSERT_TRUE(result.ok()) << result.problems.front().to_string();
  const ObjectStoreConfig& s = result.config.archive.stores.at("ceph");
  EXPECT_EQ(s.credentials, "instance");
  EXPECT_EQ(s.imds_endpoint, "http://127.0.0.1:8111");
  EXPECT_TRUE(s.access_key_id.empty());

  EXPECT_THAT(archive_problems(archive_document("ceph", "      credentials: instance\n" + kKeys)),
              AllOf(Contains(HasSubstr("t.yaml:8: archive.stores.ceph.access_key_id: not used "
                                       "with credentials: instance (the keys come from the "
                                       "instance role); remove it")),
                    Contains(HasSubstr("t.yaml:9: archive.stores.ceph.secret_access_key: not "
                                       "used with credentials: instance"))));
  EXPECT_THAT(archive_problems(archive_document("ceph",
                                                "      credentials: instance\n"
                                                "      role_arn: arn:aws:iam::1:role/r\n")),
              Contains(HasSubstr("t.yaml:8: archive.stores.ceph.role_arn: only used with "
                                 "credentials: web_identity")));
  EXPECT_THAT(archive_problems(
                  archive_document("ceph", kKeys + "      imds_endpoint: http://127.0.0.1:1\n")),
              Contains(HasSubstr("t.yaml:9: archive.stores.ceph.imds_endpoint: only used with "
                                 "credentials: instance")));
  EXPECT_THAT(archive_problems(archive_document("ceph", "      credentials: role\n")),
              Contains(HasSubstr("t.yaml:7: archive.stores.ceph.credentials")));
}

TEST(LoadArchive, WebIdentityNeedsARoleAndATokenFile) {
  const auto result =
      load_text(archive_document("ceph",
                                 "      credentials: web_identity\n"
                                 "      role_arn: arn:aws:iam::123456789012:role/wasl-archive\n"
                                 "      web_identity_token_file: /var/run/secrets/token\n"
                                 "      sts_endpoint: http://127.0.0.1:7480\n"
                                 "      role_session_name: hub-1\n"),
                "t.yaml");
  ASSERT_TRUE(result.ok()) << result.problems.front().to_string();
  const ObjectStoreConfig& s = result.config.archive.stores.at("ceph");
  EXPECT_EQ(s.credentials, "web_identity");
  EXPECT_EQ(s.role_arn, "arn:aws:iam::123456789012:role/wasl-archive");
  EXPECT_EQ(s.web_identity_token_file, "/var/run/secrets/token");
  EXPECT_EQ(s.sts_endpoint, "http://127.0.0.1:7480");
  EXPECT_EQ(s.role_session_name, "hub-1");

  if (std::getenv("AWS_ROLE_ARN") == nullptr &&
      std::getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == nullptr) {
    EXPECT_THAT(archive_problems(archive_document("ceph", "      credentials: web_identity\n")),
                AllOf(Contains(HasSubstr("t.yaml:7: archive.stores.ceph.role_arn: required with "
                                         "credentials: web_identity (or the environment "
                                         "variable AWS_ROLE_ARN)")),
                      Contains(HasSubstr("t.yaml:7: archive.stores.ceph.web_identity_token_file: "
                                         "required with credentials: web_identity"))));
  }
  EXPECT_THAT(archive_problems(archive_document("ceph",
                                                "      credentials: web_identity\n"
                                                "      role_arn: wasl-archive\n"
                                                "      web_identity_token_file: /t\n")),
              Contains(HasSubstr("t.yaml:8: archive.stores.ceph.role_arn")));
  EXPECT_THAT(archive_problems(archive_document("ceph",
                                                "      credentials: web_identity\n"
                                                "      role_arn: arn:aws:iam::1:role/r\n"
                                                "      web_identity_token_file: /t\n"
                                                "      sts_endpoint: http://sts.example.com\n")),
              Contains(HasSubstr("t.yaml:10: archive.stores.ceph.sts_endpoint")));
  EXPECT_THAT(archive_problems(archive_document("ceph",
                                                "      credentials: web_identity\n"
                                                "      role_arn: arn:aws:iam::1:role/r\n"
                                                "      web_identity_token_file: /t\n"
                                                "      session_token: abc\n")),
              Contains(HasSubstr("t.yaml:10: archive.stores.ceph.session_token: not used with "
                                 "credentials: web_identity (the keys come from STS)")));
}

TEST(LoadArchive, PartsSmallerThanS3AllowsAreRefused) {
  EXPECT_THAT(
      archive_problems(archive_document("ceph", kKeys + "      part_size: 4MiB\n")),
      Contains(AllOf(HasSubstr("t.yaml:9:"), HasSubstr("part_size"), HasSubstr("at least 5MiB"))));
}

TEST(LoadArchive, PlainHttpOnlyToALoopbackHost) {
  EXPECT_THAT(archive_problems(archive_document("ceph", kKeys, "http://storage.hospital.example")),
              Contains(AllOf(HasSubstr("t.yaml:5:"), HasSubstr("endpoint"))));
  EXPECT_THAT(
      archive_problems(archive_document("ceph", kKeys, "https://storage.hospital.example/bucket")),
      Contains(AllOf(HasSubstr("t.yaml:5:"), HasSubstr("endpoint"))));
  EXPECT_THAT(archive_problems(archive_document("ceph", kKeys, "https://storage.hospital.example")),
              IsEmpty());
}

TEST(LoadArchive, BadBucketAndPrefixAreRefused) {
  const std::string yaml =
      "archive:\n"
      "  stores:\n"
      "    ceph:\n"
      "      endpoint: http://127.0.0.1:7480\n"
      "      bucket: Wasl_Recordings\n"
      "      prefix: ../other\n" +
      kKeys;
  const auto found = archive_problems(yaml);
  EXPECT_THAT(found, Contains(AllOf(HasSubstr("t.yaml:5:"), HasSubstr("bucket"))));
  EXPECT_THAT(found, Contains(AllOf(HasSubstr("t.yaml:6:"), HasSubstr("prefix"))));
}

TEST(LoadArchive, TheKeysAreRedactedWhenTheyComeFromTheEnvironment) {
  setenv("WASL_TEST_ARCHIVE_SECRET", "very-secret-value", 1);
  const auto result =
      load_text(archive_document("ceph",
                                 "      access_key_id: AKIDEXAMPLE\n"
                                 "      secret_access_key: ${env:WASL_TEST_ARCHIVE_SECRET}\n"),
                "t.yaml");
  ASSERT_TRUE(result.ok()) << result.problems.front().to_string();
  EXPECT_EQ(result.config.archive.stores.at("ceph").secret_access_key.reveal(),
            "very-secret-value");
  EXPECT_THAT(result.config.secret_values, Contains("very-secret-value"));
  unsetenv("WASL_TEST_ARCHIVE_SECRET");
}

TEST(LoadArchive, StaleUploadsAreAbortedAfterADayUnlessSaidOtherwise) {
  const auto defaults = load_text("archive:\n  root: /srv/recordings\n", "t.yaml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults.config.archive.stale_upload_age, std::chrono::hours(24));
  const auto set = load_text("archive:\n  stale_upload_age: 36h\n", "t.yaml");
  ASSERT_TRUE(set.ok()) << set.problems.front().to_string();
  EXPECT_EQ(set.config.archive.stale_upload_age, std::chrono::hours(36));
}

TEST(LoadArchive, AStaleUploadAgeUnderAnHourIsRefused) {
  // A younger upload may be another hub's live one.
  EXPECT_THAT(archive_problems("archive:\n  root: /srv/recordings\n  stale_upload_age: 30m\n"),
              Contains(AllOf(HasSubstr("t.yaml:3:"), HasSubstr("stale_upload_age"),
                             HasSubstr("at least 1h"))));
}

}  // namespace
}  // namespace wasl::config
