// S3ObjectStore with keys that are not in the configuration, against the
// real Ceph RADOS Gateway of the ctest fixture "ceph": the instance role
// through the IMDSv2 peer (tests/peers/imds) and web identity through the
// STS peer (tests/peers/sts). The keys the peers hand out are temporary
// keys from the gateway's own STS (GetSessionToken with the fixture user's
// keys), so the gateway really checks the session token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include <pugixml.hpp>

#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "hub/object_store/s3_object_store.hpp"
#include "hub/plugin_host/http_client.hpp"
#include "tests/peers/ceph/ceph_gateway.hpp"
#include "tests/peers/support/peer_process.hpp"
#include "wasl/sdk/aws/credentials.hpp"
#include "wasl/sdk/aws/sigv4.hpp"

namespace wasl::object_store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::system_clock;

constexpr std::size_t kPart = std::size_t{5} << 20;

std::string random_name(std::string_view stem) {
  return std::string(stem) + crypto::to_hex(crypto::random_bytes(6).value());
}

std::string bytes_of(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(random());
  return out;
}

// One signed request to the gateway with the fixture user's keys: S3
// (service "s3") or its STS ("sts", a form POST to /).
sdk::Result<plugin_host::HttpResponse> gateway_request(const testing::CephGateway& gateway,
                                                       const std::string& method,
                                                       const std::string& path,
                                                       const std::string& service,
                                                       const std::string& body = {}) {
  const std::string host = gateway.endpoint.substr(gateway.endpoint.find("://") + 3);
  sdk::aws::SigningRequest request;
  request.method = method;
  request.host = host;
  request.path = path;
  request.payload = body;
  if (!body.empty()) {
    request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  }
  sdk::aws::AwsCredentials credentials{gateway.access_key, gateway.secret_key, std::nullopt};
  WASL_ASSIGN_OR_RETURN(
      auto signed_request,
      sdk::aws::sign_request(request, credentials, {gateway.region, service, Clock::now()}));
  plugin_host::HttpClient client({});
  plugin_host::HttpRequest sent;
  sent.method = method;
  sent.url = gateway.endpoint + path;
  sent.body = body;
  for (const auto& header : request.headers) sent.headers.emplace_back(header.name, header.value);
  for (const auto& header : signed_request.headers_to_add) {
    sent.headers.emplace_back(header.name, header.value);
  }
  return client.send(sent);
}

struct TemporaryKeys {
  std::string access_key;
  std::string secret_key;
  std::string session_token;
};

// GetSessionToken at the gateway's STS: keys valid for 15 minutes. The
// gateway grants it only to a user whose policy allows it: the fixture's
// user may set its own (user-policy=* caps), which is done first (again and
// again, the same policy: PutUserPolicy replaces).
TemporaryKeys session_keys(const testing::CephGateway& gateway) {
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetSessionToken"],)"
      R"("Resource":"*"}]})";
  auto allowed = gateway_request(gateway, "POST", "/", "iam",
                                 "Action=PutUserPolicy&Version=2010-05-08&UserName=wasl&"
                                 "PolicyName=wasl-session-tokens&PolicyDocument=" +
                                     sdk::aws::uri_encode(policy, true));
  EXPECT_TRUE(allowed.ok()) << allowed.error().message;
  if (!allowed.ok()) return {};
  EXPECT_EQ(allowed->status, 200) << allowed->body;
  auto answer = gateway_request(gateway, "POST", "/", "sts",
                                "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900");
  EXPECT_TRUE(answer.ok()) << answer.error().message;
  if (!answer.ok()) return {};
  EXPECT_EQ(answer->status, 200) << answer->body;
  pugi::xml_document doc;
  doc.load_buffer(answer->body.data(), answer->body.size());
  pugi::xml_node keys =
      doc.child("GetSessionTokenResponse").child("GetSessionTokenResult").child("Credentials");
  TemporaryKeys out{keys.child_value("AccessKeyId"), keys.child_value("SecretAccessKey"),
                    keys.child_value("SessionToken")};
  EXPECT_FALSE(out.access_key.empty() || out.secret_key.empty() || out.session_token.empty())
      << answer->body;
  return out;
}

nlohmann::json key_set(const TemporaryKeys& keys, int expires_in_seconds, bool once = false) {
  return {{"accessKeyId", keys.access_key},
          {"secretAccessKey", keys.secret_key},
          {"token", keys.session_token},
          {"expiresInSeconds", expires_in_seconds},
          {"once", once}};
}

class S3CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = testing::CephGateway::from_fixture(WASL_BINARY_DIR);
    bucket_ = random_name("wasl-creds-");
    auto made = gateway_request(gateway_, "PUT", "/" + bucket_, "s3");
    ASSERT_TRUE(made.ok()) << made.error().message;
    ASSERT_EQ(made->status, 200) << made->body;
  }

  S3StoreOptions options(const std::string& source) const {
    S3StoreOptions o;
    o.name = "ceph";
    o.endpoint.base_url = gateway_.endpoint;
    o.endpoint.region = gateway_.region;
    o.credentials.kind = source;
    o.bucket = bucket_;
    o.prefix = "recordings/";
    o.part_size = kPart;
    o.parts_in_flight = 2;
    o.max_attempts = 2;
    o.request_timeout = std::chrono::seconds(10);
    o.transfer_timeout = std::chrono::seconds(30);
    return o;
  }

  static sdk::Result<ObjectInfo> write(S3ObjectStore& store, std::string_view key,
                                       const std::string& bytes) {
    WASL_ASSIGN_OR_RETURN(auto writer, store.create(key));
    for (std::size_t at = 0; at < bytes.size(); at += 1 << 20) {
      WASL_RETURN_IF_ERROR(writer->write(std::string_view(bytes).substr(at, 1 << 20)));
    }
    return writer->commit();
  }

  static sdk::Result<std::string> read_all(S3ObjectStore& store, std::string_view key,
                                           std::uint64_t size) {
    std::string out;
    WASL_RETURN_IF_ERROR(store.read(key, 0, size, [&out](std::string_view chunk) {
      out.append(chunk);
      return sdk::Status();
    }));
    return out;
  }

  testing::CephGateway gateway_;
  std::string bucket_;
};

class InstanceRoleTest : public S3CredentialsTest {
 protected:
  void SetUp() override {
    S3CredentialsTest::SetUp();
    if (HasFatalFailure()) return;
    auto peer = testing::PeerProcess::start("imds");
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    imds_ = std::move(peer).value();
  }

  std::unique_ptr<S3ObjectStore> store() const {
    S3StoreOptions o = options("instance");
    o.credentials.instance.endpoint = imds_->url();
    auto made = S3ObjectStore::create(std::move(o));
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(made).value() : nullptr;
  }

  int effect(const std::string& name) const {
    auto effects = imds_->get("/_peer/effects");
    EXPECT_TRUE(effects.ok()) << effects.error().message;
    return effects.ok() ? effects->value(name, 0) : -1;
  }

  std::unique_ptr<testing::PeerProcess> imds_;
};

TEST_F(InstanceRoleTest, AnObjectIsArchivedAndReadBackWithTheRolesTemporaryKeys) {
  const TemporaryKeys keys = session_keys(gateway_);
  ASSERT_TRUE(imds_->post("/_peer/credentials", {{"sets", {key_set(keys, 3600)}}}).ok());
  auto s3 = store();
  ASSERT_NE(s3, nullptr);
  const std::string bytes = bytes_of(2 * kPart + 4321, 1);  // multipart, two threads
  auto written = write(*s3, "hospital-a/rec1.k1.wse", bytes);
  ASSERT_TRUE(written.ok()) << written.error().message;
  auto back = read_all(*s3, "hospital-a/rec1.k1.wse", bytes.size());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == bytes);
  // One IMDSv2 round for every request of the upload and the read.
  EXPECT_EQ(effect("tokens"), 1);
  EXPECT_EQ(effect("credentialAnswers"), 1);
  EXPECT_EQ(effect("unauthorized"), 0);
  EXPECT_TRUE(s3->monitor().state().last_error.empty()) << s3->monitor().state().last_error;

  // The gateway checks the session token: the same keys without it are refused.
  S3StoreOptions without = options("static");
  without.endpoint.credentials = {keys.access_key, keys.secret_key, std::nullopt};
  auto bare = S3ObjectStore::create(std::move(without));
  ASSERT_TRUE(bare.ok());
  auto refused = (*bare)->head("hospital-a/rec1.k1.wse");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kPermissionDenied);
}

TEST_F(InstanceRoleTest, KeysAreRenewedBeforeTheyExpireWithoutAFailedRequest) {
  const TemporaryKeys first = session_keys(gateway_);
  // Expiring in 5 minutes and 3 seconds: renewed 3 seconds from now.
  auto set = imds_->post("/_peer/credentials", {{"sets", {key_set(first, 303)}}});
  ASSERT_TRUE(set.ok()) << set.error().message;
  auto expiration =
      sdk::aws::parse_expiration(set->at("sets")[0].at("expiration").get<std::string>());
  ASSERT_TRUE(expiration.has_value());
  auto s3 = store();
  ASSERT_NE(s3, nullptr);
  const std::string one = bytes_of(4096, 2);
  ASSERT_TRUE(write(*s3, "hospital-a/one.k1.wse", one).ok());
  EXPECT_EQ(effect("credentialAnswers"), 1);

  const TemporaryKeys second = session_keys(gateway_);
  ASSERT_NE(second.access_key, first.access_key);
  ASSERT_TRUE(imds_->post("/_peer/credentials", {{"sets", {key_set(second, 3600)}}}).ok());
  // Until the renewal is due the first keys are used: no new answer.
  ASSERT_TRUE(read_all(*s3, "hospital-a/one.k1.wse", one.size()).ok());
  const auto due = *expiration - sdk::aws::RefreshingCredentialsProvider::kRefreshMargin;
  if (Clock::now() < due) EXPECT_EQ(effect("credentialAnswers"), 1);
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() <= due + std::chrono::seconds(1) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string two = bytes_of(kPart + 10, 3);
  auto written = write(*s3, "hospital-a/two.k1.wse", two);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(effect("credentialAnswers"), 2);
  auto back = read_all(*s3, "hospital-a/one.k1.wse", one.size());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == one);
  EXPECT_TRUE(s3->monitor().state().last_error.empty()) << s3->monitor().state().last_error;
}

TEST_F(InstanceRoleTest, KeysTheGatewayRefusesAreRenewedOnce) {
  const TemporaryKeys good = session_keys(gateway_);
  // Keys the gateway does not know (as after the role's keys were revoked):
  // Ceph answers AccessDenied.
  const TemporaryKeys unknown{"WASLUNKNOWNKEY0000", "not-a-secret-the-gateway-knows", ""};
  ASSERT_TRUE(imds_
                  ->post("/_peer/credentials",
                         {{"sets", {key_set(unknown, 3600, true), key_set(good, 3600)}}})
                  .ok());
  auto s3 = store();
  ASSERT_NE(s3, nullptr);
  const std::string bytes = bytes_of(1000, 4);
  auto written = write(*s3, "hospital-a/renewed.k1.wse", bytes);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(effect("credentialAnswers"), 2);
  auto back = read_all(*s3, "hospital-a/renewed.k1.wse", bytes.size());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == bytes);
}

TEST_F(InstanceRoleTest, JunkHugeAndAbsentServicesAreClearErrors) {
  auto s3 = store();
  ASSERT_NE(s3, nullptr);
  const std::string where =
      "could not get credentials from the instance metadata service at " + imds_->url() + ": ";
  ASSERT_TRUE(imds_->post("/_peer/answer", {{"mode", "junk"}}).ok());
  auto junk = s3->check_credentials();
  ASSERT_FALSE(junk.ok());
  EXPECT_THAT(junk.error().message,
              HasSubstr(where + "the answer to GET "
                                "/latest/meta-data/iam/security-credentials/wasl-archive is not "
                                "JSON"));
  auto write_failed = write(*s3, "hospital-a/never.k1.wse", "bytes");
  ASSERT_FALSE(write_failed.ok());
  EXPECT_THAT(write_failed.error().message, HasSubstr(where));

  ASSERT_TRUE(imds_->post("/_peer/answer", {{"mode", "huge"}}).ok());
  auto huge = s3->check_credentials();
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error().message, HasSubstr(where));
  EXPECT_THAT(huge.error().message, HasSubstr("65536"));

  ASSERT_TRUE(imds_->post("/_peer/answer", {{"mode", "pending"}}).ok());
  auto pending = s3->check_credentials();
  ASSERT_FALSE(pending.ok());
  EXPECT_THAT(pending.error().message, HasSubstr("are not ready (Code \"Pending\")"));

  S3StoreOptions o = options("instance");
  o.credentials.instance.endpoint = "http://127.0.0.1:1";
  auto absent = S3ObjectStore::create(std::move(o));
  ASSERT_TRUE(absent.ok());
  auto down = (*absent)->check_credentials();
  ASSERT_FALSE(down.ok());
  EXPECT_THAT(down.error().message,
              HasSubstr("could not get credentials from the instance metadata service at "
                        "http://127.0.0.1:1: PUT /latest/api/token failed"));
  EXPECT_TRUE(down.error().retryable);
}

class WebIdentityTest : public S3CredentialsTest {
 protected:
  void SetUp() override {
    S3CredentialsTest::SetUp();
    if (HasFatalFailure()) return;
    auto peer = testing::PeerProcess::start("sts");
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    sts_ = std::move(peer).value();
    token_file_ = std::filesystem::temp_directory_path() /
                  ("wasl-web-identity-" + std::to_string(::getpid()) + "-" + bucket_);
    write_token("system:serviceaccount:wasl:hub");
  }
  void TearDown() override {
    if (!token_file_.empty()) std::filesystem::remove(token_file_);
  }

  // Writes a new token for `subject` to the token file, as the platform does.
  void write_token(const std::string& subject) {
    auto minted = sts_->post("/_peer/tokens", {{"sub", subject}});
    ASSERT_TRUE(minted.ok()) << minted.error().message;
    std::ofstream(token_file_) << minted->at("token").get<std::string>();
  }

  std::unique_ptr<S3ObjectStore> store() const {
    S3StoreOptions o = options("web_identity");
    o.credentials.web_identity.sts_endpoint = sts_->url();
    o.credentials.web_identity.role_arn = "arn:aws:iam::123456789012:role/wasl-archive";
    o.credentials.web_identity.token_file = token_file_.string();
    o.credentials.web_identity.role_session_name = "wasl-hub";
    o.credentials.web_identity.duration_seconds = 900;
    auto made = S3ObjectStore::create(std::move(o));
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(made).value() : nullptr;
  }

  std::unique_ptr<testing::PeerProcess> sts_;
  std::filesystem::path token_file_;
};

TEST_F(WebIdentityTest, AnObjectIsArchivedAndReadBackAndTheRotatedTokenIsUsedAtRenewal) {
  const TemporaryKeys first = session_keys(gateway_);
  ASSERT_TRUE(sts_->post("/_peer/credentials", {{"sets", {key_set(first, 303)}}}).ok());
  const auto set_at = Clock::now();
  auto s3 = store();
  ASSERT_NE(s3, nullptr);
  const std::string bytes = bytes_of(kPart + 99, 5);
  auto written = write(*s3, "hospital-b/rec.k1.wse", bytes);
  ASSERT_TRUE(written.ok()) << written.error().message;

  // The platform rotates the token; new keys are due 3 seconds after the first.
  write_token("system:serviceaccount:wasl:hub-rotated");
  const TemporaryKeys second = session_keys(gateway_);
  ASSERT_TRUE(sts_->post("/_peer/credentials", {{"sets", {key_set(second, 3600)}}}).ok());
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < set_at + std::chrono::seconds(4) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto back = read_all(*s3, "hospital-b/rec.k1.wse", bytes.size());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == bytes);
  EXPECT_TRUE(s3->monitor().state().last_error.empty()) << s3->monitor().state().last_error;

  auto received = sts_->get("/_peer/received/assume");
  ASSERT_TRUE(received.ok()) << received.error().message;
  const auto& records = received->at("records");
  ASSERT_EQ(records.size(), 2u) << received->dump();
  EXPECT_EQ(records[0]["item"]["sub"], "system:serviceaccount:wasl:hub");
  EXPECT_EQ(records[1]["item"]["sub"], "system:serviceaccount:wasl:hub-rotated");
  EXPECT_EQ(records[1]["item"]["session"], "wasl-hub");
  EXPECT_EQ(records[1]["item"]["duration"], 900);
}

TEST_F(WebIdentityTest, StsRefusalsJunkAndHugeAnswersAreClearErrorsWithoutTheToken) {
  const std::string token = [&] {
    std::ifstream in(token_file_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  auto s3 = store();
  ASSERT_NE(s3, nullptr);
  const std::string where = "could not get credentials from STS AssumeRoleWithWebIdentity at " +
                            sts_->url() + " for arn:aws:iam::123456789012:role/wasl-archive: ";

  auto minted = sts_->post("/_peer/tokens", {{"sub", "hub"}, {"expiresInSeconds", -5}});
  ASSERT_TRUE(minted.ok());
  std::ofstream(token_file_) << minted->at("token").get<std::string>();
  auto expired = s3->check_credentials();
  ASSERT_FALSE(expired.ok());
  EXPECT_THAT(expired.error().message, HasSubstr(where + "HTTP 400 ExpiredTokenException"));
  EXPECT_THAT(expired.error().message, Not(HasSubstr(minted->at("token").get<std::string>())));

  std::ofstream(token_file_) << token;
  ASSERT_TRUE(sts_->post("/_peer/answer", {{"mode", "junk"}}).ok());
  auto junk = s3->check_credentials();
  ASSERT_FALSE(junk.ok());
  EXPECT_THAT(junk.error().message, HasSubstr(where + "the answer is not XML"));

  ASSERT_TRUE(sts_->post("/_peer/answer", {{"mode", "huge"}}).ok());
  auto huge = s3->check_credentials();
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error().message, HasSubstr(where));
  EXPECT_THAT(huge.error().message, HasSubstr("65536"));
  EXPECT_THAT(huge.error().message, Not(HasSubstr(token)));
}

}  // namespace
}  // namespace wasl::object_store
