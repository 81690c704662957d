// The credentials providers over a scripted transport: what IMDSv2 and STS
// are sent, when keys are fetched again (Expiration less 5 minutes, a
// refusal), how answers that are junk, huge or errors are reported, and that
// no message carries a secret. Against real peers (the IMDS peer, the
// gateway's STS): tests/integration/s3/s3_credentials_ceph_test.cpp.
#include "wasl/sdk/aws/credentials.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "wasl/sdk/aws/s3_client.hpp"

namespace wasl::sdk::aws {
namespace {

using Clock = std::chrono::system_clock;
using namespace std::chrono_literals;

class ScriptedCredentialTransport final : public S3Transport {
 public:
  void queue(int status, std::string body = {}) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    answers_.push_back(std::move(response));
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    requests.push_back(request);
    if (answers_.empty()) return Error(ErrorCode::kUnavailable, "connection refused", true);
    HttpResponse response = std::move(answers_.front());
    answers_.pop_front();
    if (response.status == 0) return Error(ErrorCode::kUnavailable, "connection refused", true);
    return response;
  }
  Result<HttpResponse> send_streaming(const HttpRequest& request, const ChunkSink& sink) override {
    auto response = send(request);
    if (!response.ok()) return response;
    WASL_RETURN_IF_ERROR(sink(response->body));
    response->body.clear();
    return response;
  }
  Clock::time_point now() override { return clock; }
  void sleep(std::chrono::nanoseconds /*duration*/) override {}

  std::vector<HttpRequest> requests;
  Clock::time_point clock = std::chrono::sys_days(std::chrono::year(2026) / 11 / 27) + 9h;

 private:
  std::deque<HttpResponse> answers_;
};

std::string header_of(const HttpRequest& request, std::string_view name) {
  HttpResponse as_response;
  as_response.headers = request.headers;
  return as_response.header(name);
}

std::string iso(Clock::time_point at) {
  return format_amz_date(at).substr(0, 4) + "-" + format_amz_date(at).substr(4, 2) + "-" +
         format_amz_date(at).substr(6, 2) + "T" + format_amz_date(at).substr(9, 2) + ":" +
         format_amz_date(at).substr(11, 2) + ":" + format_amz_date(at).substr(13, 2) + "Z";
}

std::string role_document(const std::string& key, Clock::time_point expiration,
                          const std::string& code = "Success") {
  return R"({"Code":")" + code + R"(","LastUpdated":"2026-11-27T08:00:00Z","Type":"AWS-HMAC",)" +
         R"("AccessKeyId":")" + key + R"(","SecretAccessKey":"secret-of-)" + key +
         R"(","Token":"token-of-)" + key + R"(","Expiration":")" + iso(expiration) + R"("})";
}

// One IMDSv2 round: token, role, keys.
void queue_instance_round(ScriptedCredentialTransport& transport, const std::string& key,
                          Clock::time_point expiration) {
  transport.queue(200, "imds-session-token");
  transport.queue(200, "wasl-archive\n");
  transport.queue(200, role_document(key, expiration));
}

TEST(InstanceCredentials, FollowsImdsV2AndKeepsTheKeysUntilFiveMinutesBeforeTheyExpire) {
  ScriptedCredentialTransport transport;
  InstanceCredentialsProvider provider(transport, {"http://127.0.0.1:9/", 1000ms, 64 * 1024});
  queue_instance_round(transport, "AKIA1", transport.clock + 10min);
  auto first = provider.credentials(transport.clock);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->access_key_id, "AKIA1");
  EXPECT_EQ(first->secret_access_key, "secret-of-AKIA1");
  EXPECT_EQ(first->session_token, "token-of-AKIA1");
  ASSERT_EQ(transport.requests.size(), 3u);
  EXPECT_EQ(transport.requests[0].method, "PUT");
  EXPECT_EQ(transport.requests[0].url, "http://127.0.0.1:9/latest/api/token");
  EXPECT_EQ(header_of(transport.requests[0], "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(transport.requests[1].method, "GET");
  EXPECT_EQ(transport.requests[1].url,
            "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(header_of(transport.requests[1], "X-aws-ec2-metadata-token"), "imds-session-token");
  EXPECT_EQ(transport.requests[2].url,
            "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/wasl-archive");
  EXPECT_EQ(header_of(transport.requests[2], "X-aws-ec2-metadata-token"), "imds-session-token");

  // More than five minutes left: the cached keys.
  ASSERT_TRUE(provider.credentials(transport.clock + 4min + 59s).ok());
  EXPECT_EQ(transport.requests.size(), 3u);
  // Less: new keys.
  queue_instance_round(transport, "AKIA2", transport.clock + 1h);
  auto second = provider.credentials(transport.clock + 5min + 1s);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->access_key_id, "AKIA2");
  EXPECT_EQ(transport.requests.size(), 6u);
  EXPECT_EQ(provider.fetches(), 2);
}

TEST(InstanceCredentials, JunkHugeAndRefusedAnswersAreClearErrorsWithoutSecrets) {
  const Clock::time_point now = ScriptedCredentialTransport().clock;
  {
    ScriptedCredentialTransport transport;
    InstanceCredentialsProvider provider(transport, {"http://127.0.0.1:9", 1000ms, 1024});
    transport.queue(200, "tok");
    transport.queue(200, "wasl-archive");
    transport.queue(200, "<html>junk</html>");
    auto result = provider.credentials(now);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find(
                  "could not get credentials from the instance metadata service at "
                  "http://127.0.0.1:9: the answer to GET "
                  "/latest/meta-data/iam/security-credentials/wasl-archive is not JSON"),
              std::string::npos)
        << result.error().message;
  }
  {
    ScriptedCredentialTransport transport;
    InstanceCredentialsProvider provider(transport, {"http://127.0.0.1:9", 1000ms, 1024});
    transport.queue(200, "tok");
    transport.queue(200, "wasl-archive");
    transport.queue(200, std::string(1025, 'x'));
    auto result = provider.credentials(now);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("a document of 1025 bytes, more than the 1024 read"),
              std::string::npos)
        << result.error().message;
  }
  {
    ScriptedCredentialTransport transport;
    InstanceCredentialsProvider provider(transport, {"http://127.0.0.1:9", 1000ms, 1024});
    transport.queue(200, "tok");
    transport.queue(404, "");
    auto result = provider.credentials(now);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
    EXPECT_NE(result.error().message.find("the instance has no IAM role"), std::string::npos);
  }
  {
    // A document that is not "Success" quotes its code, never its keys.
    ScriptedCredentialTransport transport;
    InstanceCredentialsProvider provider(transport, {"http://127.0.0.1:9", 1000ms, 1024});
    transport.queue(200, "tok");
    transport.queue(200, "wasl-archive");
    transport.queue(200, role_document("AKIA9", now + 1h, "secret-of-AKIA9"));
    auto result = provider.credentials(now);
    ASSERT_FALSE(result.ok());
    EXPECT_TRUE(result.error().retryable);
    EXPECT_EQ(result.error().message.find("secret-of-AKIA9"), std::string::npos)
        << result.error().message;
    EXPECT_NE(result.error().message.find("[redacted]"), std::string::npos);
  }
  {
    ScriptedCredentialTransport transport;
    InstanceCredentialsProvider provider(transport, {"http://127.0.0.1:9", 1000ms, 1024});
    auto result = provider.credentials(now);  // nothing answers
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(result.error().message.find("PUT /latest/api/token failed: connection refused"),
              std::string::npos);
  }
}

TEST(InstanceCredentials, KeysStillValidServeWhileTheServiceIsDown) {
  ScriptedCredentialTransport transport;
  InstanceCredentialsProvider provider(transport, {"http://127.0.0.1:9", 1000ms, 64 * 1024});
  queue_instance_round(transport, "AKIA1", transport.clock + 10min);
  ASSERT_TRUE(provider.credentials(transport.clock).ok());
  // Inside the margin, the service does not answer: the old keys, still valid.
  auto kept = provider.credentials(transport.clock + 6min);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->access_key_id, "AKIA1");
  // Past their expiration: the error.
  EXPECT_FALSE(provider.credentials(transport.clock + 11min).ok());
}

// S3Client asks the provider before each request and, after a 403
// InvalidAccessKeyId, once more with new keys.
TEST(InstanceCredentials, TheS3ClientRenewsRefusedKeysOnce) {
  ScriptedCredentialTransport transport;
  auto provider = std::make_shared<InstanceCredentialsProvider>(
      transport, InstanceMetadataOptions{"http://127.0.0.1:9", 1000ms, 64 * 1024});
  S3Endpoint endpoint{"http://127.0.0.1:7480", "us-east-1", true, {}, provider};
  ASSERT_TRUE(S3Client::validate(endpoint).ok());
  S3Client client(transport, endpoint);
  const std::string refused =
      "<Error><Code>InvalidAccessKeyId</Code><Message>no such key</Message></Error>";
  queue_instance_round(transport, "AKIA1", transport.clock + 1h);
  transport.queue(403, refused);
  queue_instance_round(transport, "AKIA2", transport.clock + 1h);
  transport.queue(204);
  ASSERT_TRUE(client.delete_object("wasl-recordings", "f1/a.wse").ok());
  ASSERT_EQ(transport.requests.size(), 8u);
  EXPECT_NE(header_of(transport.requests[3], "Authorization").find("Credential=AKIA1/"),
            std::string::npos);
  EXPECT_EQ(header_of(transport.requests[3], "X-Amz-Security-Token"), "token-of-AKIA1");
  EXPECT_NE(header_of(transport.requests[7], "Authorization").find("Credential=AKIA2/"),
            std::string::npos);
  EXPECT_EQ(header_of(transport.requests[7], "X-Amz-Security-Token"), "token-of-AKIA2");

  // Refused again after the renewal: the error, no third set of keys.
  transport.queue(403, refused);
  queue_instance_round(transport, "AKIA3", transport.clock + 1h);
  transport.queue(403, refused);
  auto failed = client.delete_object("wasl-recordings", "f1/a.wse");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(provider->fetches(), 3);
  EXPECT_EQ(failed.error().message.find("secret-of-"), std::string::npos);

  // AccessDenied (Ceph's answer to keys it does not know): renewed too.
  transport.queue(403, "<Error><Code>AccessDenied</Code></Error>");
  queue_instance_round(transport, "AKIA4", transport.clock + 1h);
  transport.queue(204);
  ASSERT_TRUE(client.delete_object("wasl-recordings", "f1/a.wse").ok());
  EXPECT_EQ(provider->fetches(), 4);
}

class WebIdentityCredentials : public ::testing::Test {
 protected:
  void SetUp() override {
    token_file_ = std::filesystem::temp_directory_path() /
                  ("wasl-web-identity-" + std::to_string(::getpid()) + ".jwt");
    write_token("eyJhbGciOiJSUzI1NiJ9.first.sig");
  }
  void TearDown() override { std::filesystem::remove(token_file_); }
  void write_token(const std::string& token) { std::ofstream(token_file_) << token << "\n"; }
  WebIdentityOptions options() const {
    WebIdentityOptions o;
    o.sts_endpoint = "http://127.0.0.1:9/sts";
    o.role_arn = "arn:aws:iam::123456789012:role/wasl-archive";
    o.token_file = token_file_.string();
    o.role_session_name = "wasl-hub";
    o.duration_seconds = 900;
    o.max_document_bytes = 4096;
    return o;
  }
  static std::string answer(const std::string& key, Clock::time_point expiration) {
    return "<AssumeRoleWithWebIdentityResponse "
           "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleWithWebIdentityResult>"
           "<Credentials><AccessKeyId>" +
           key + "</AccessKeyId><SecretAccessKey>secret-of-" + key +
           "</SecretAccessKey><SessionToken>token-of-" + key + "</SessionToken><Expiration>" +
           iso(expiration) +
           "</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
           "</AssumeRoleWithWebIdentityResponse>";
  }
  std::filesystem::path token_file_;
  ScriptedCredentialTransport transport_;
};

TEST_F(WebIdentityCredentials, PostsTheTokenReadAgainEachTimeAndReadsTheKeys) {
  WebIdentityCredentialsProvider provider(transport_, options());
  transport_.queue(200, answer("ASIA1", transport_.clock + 15min));
  auto first = provider.credentials(transport_.clock);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->access_key_id, "ASIA1");
  EXPECT_EQ(first->session_token, "token-of-ASIA1");
  ASSERT_EQ(transport_.requests.size(), 1u);
  const HttpRequest& sent = transport_.requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://127.0.0.1:9/sts");
  EXPECT_EQ(header_of(sent, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(header_of(sent, "Authorization"), "");
  EXPECT_EQ(sent.body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%"
            "3A123456789012%3Arole%2Fwasl-archive&RoleSessionName=wasl-hub&DurationSeconds=900&"
            "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.first.sig");

  write_token("eyJhbGciOiJSUzI1NiJ9.rotated.sig");
  transport_.queue(200, answer("ASIA2", transport_.clock + 1h));
  auto second = provider.credentials(transport_.clock + 10min + 1s);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->access_key_id, "ASIA2");
  EXPECT_NE(transport_.requests[1].body.find("WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.rotated.sig"),
            std::string::npos);
}

TEST_F(WebIdentityCredentials, StsErrorsJunkAndHugeAnswersAreClearWithoutTheToken) {
  WebIdentityCredentialsProvider provider(transport_, options());
  transport_.queue(403,
                   "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
                   "<Message>token eyJhbGciOiJSUzI1NiJ9.first.sig is not valid</Message></Error>"
                   "</ErrorResponse>");
  auto refused = provider.credentials(transport_.clock);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.error().message.find(
                "could not get credentials from STS AssumeRoleWithWebIdentity at "
                "http://127.0.0.1:9/sts for arn:aws:iam::123456789012:role/wasl-archive: HTTP 403 "
                "InvalidIdentityToken: token [redacted] is not valid"),
            std::string::npos)
      << refused.error().message;

  transport_.queue(200, "{\"not\": \"xml\"}");
  auto junk = provider.credentials(transport_.clock);
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.error().message.find("the answer is not XML"), std::string::npos);

  transport_.queue(200, "<AssumeRoleWithWebIdentityResponse/>");
  auto empty = provider.credentials(transport_.clock);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("has no AssumeRoleWithWebIdentityResult/Credentials"),
            std::string::npos);

  transport_.queue(200, std::string(4097, '<'));
  auto huge = provider.credentials(transport_.clock);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("a document of 4097 bytes, more than the 4096 read"),
            std::string::npos);

  transport_.queue(503, "");
  auto busy = provider.credentials(transport_.clock);
  ASSERT_FALSE(busy.ok());
  EXPECT_TRUE(busy.error().retryable);

  std::filesystem::remove(token_file_);
  auto missing = provider.credentials(transport_.clock);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot be read"), std::string::npos);
}

TEST_F(WebIdentityCredentials, OptionsAreChecked) {
  EXPECT_TRUE(WebIdentityCredentialsProvider::validate(options()).ok());
  auto o = options();
  o.role_arn.clear();
  EXPECT_FALSE(WebIdentityCredentialsProvider::validate(o).ok());
  o = options();
  o.role_session_name = "a b";
  EXPECT_FALSE(WebIdentityCredentialsProvider::validate(o).ok());
  o = options();
  o.duration_seconds = 60;
  EXPECT_FALSE(WebIdentityCredentialsProvider::validate(o).ok());
  o = options();
  o.sts_endpoint = "sts.amazonaws.com";
  EXPECT_FALSE(WebIdentityCredentialsProvider::validate(o).ok());
}

TEST(Expiration, IsoDateTimesAreRead) {
  auto at = parse_expiration("2026-11-27T13:00:00Z");
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(format_amz_date(*at), "20261127T130000Z");
  EXPECT_TRUE(parse_expiration("2026-11-27T13:00:00.123Z").has_value());
  EXPECT_FALSE(parse_expiration("tomorrow").has_value());
  EXPECT_FALSE(parse_expiration("").has_value());
}

}  // namespace
}  // namespace wasl::sdk::aws
