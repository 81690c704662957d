// Where an S3Client's keys come from. S3Client asks its provider before it
// signs each request, so temporary keys are replaced before they expire
// without the store's caller noticing:
//
//   StaticCredentialsProvider         keys given in the configuration
//   InstanceCredentialsProvider       the EC2 instance role, through the
//                                     instance metadata service (IMDSv2)
//   WebIdentityCredentialsProvider    STS AssumeRoleWithWebIdentity with a
//                                     token file the platform rotates (EKS
//                                     service accounts, other OIDC issuers)
//
// The refreshing providers keep the keys they fetched and fetch new ones
// when fewer than kRefreshMargin remain before the keys' Expiration, or once
// after the store refused them (403 InvalidAccessKeyId, ExpiredToken,
// InvalidToken, AccessDenied). Every answer is outside input: bodies larger
// than the options' bound are refused, JSON is read with the SDK's bounded parser and XML with
// pugixml, and no message ever carries a secret key, a session token or a web identity token.
//
// Thread-safe: one fetch at a time; threads that need keys meanwhile wait
// for it.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wasl/sdk/aws/s3_transport.hpp"
#include "wasl/sdk/aws/sigv4.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::sdk::aws {

// Keys with the instant they stop working (none: they do not expire).
struct ExpiringCredentials {
  AwsCredentials credentials;
  std::optional<std::chrono::system_clock::time_point> expiration;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;

  // "static", "instance" or "web_identity": for messages and `wasl check`.
  virtual std::string_view kind() const = 0;

  // The keys to sign a request made at `now` with. Errors name where the
  // keys were sought and why they could not be had (retryable when the
  // source may answer later).
  virtual Result<AwsCredentials> credentials(std::chrono::system_clock::time_point now) = 0;

  // The store refused `used` as unknown or expired. True when the next
  // credentials() fetches new keys (so one more attempt may succeed); false
  // when nothing would change (static keys).
  virtual bool refused(const AwsCredentials& used) = 0;

  // `text` with every secret this provider handed out (or read) replaced by
  // "[redacted]".
  virtual std::string redact(std::string text) const = 0;
};

class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(AwsCredentials credentials)
      : credentials_(std::move(credentials)) {}
  std::string_view kind() const override { return "static"; }
  Result<AwsCredentials> credentials(std::chrono::system_clock::time_point /*now*/) override {
    return credentials_;
  }
  bool refused(const AwsCredentials& /*used*/) override { return false; }
  std::string redact(std::string text) const override;

 private:
  const AwsCredentials credentials_;
};

// The cache and refresh rules of the providers that fetch temporary keys.
class RefreshingCredentialsProvider : public CredentialsProvider {
 public:
  // Keys with less than this left are replaced before use.
  static constexpr std::chrono::minutes kRefreshMargin{5};

  Result<AwsCredentials> credentials(std::chrono::system_clock::time_point now) final;
  bool refused(const AwsCredentials& used) final;
  std::string redact(std::string text) const final;

  // How many fetches succeeded (for tests and metrics).
  int fetches() const;

 protected:
  // Fetches new keys. Called with the provider's lock held.
  virtual Result<ExpiringCredentials> fetch(std::chrono::system_clock::time_point now) = 0;
  // Adds a secret met while fetching (a web identity token) to what redact() hides.
  void remember_secret(std::string secret);

 private:
  mutable std::mutex mutex_;
  std::optional<ExpiringCredentials> current_;
  bool stale_ = false;
  int fetches_ = 0;
  // The secrets handed out lately (the current keys and those before), so a
  // message about a request signed with older keys is still redacted.
  std::vector<std::string> secrets_;
};

struct InstanceMetadataOptions {
  // The instance metadata service; http://[fd00:ec2::254] on IPv6-only instances.
  std::string endpoint = "http://169.254.169.254";
  // Each exchange with the service (it answers on the host, in milliseconds).
  std::chrono::milliseconds timeout{5000};
  // The largest answer read (a role name, the keys' JSON document).
  std::size_t max_document_bytes = 64 * 1024;
};

// IMDSv2: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds),
// then with that token GET /latest/meta-data/iam/security-credentials/ (the
// role's name) and GET …/security-credentials/<role> (a JSON document with
// Code "Success", AccessKeyId, SecretAccessKey, Token, Expiration).
class InstanceCredentialsProvider final : public RefreshingCredentialsProvider {
 public:
  // `transport` is borrowed and outlives the provider.
  InstanceCredentialsProvider(S3Transport& transport, InstanceMetadataOptions options = {});
  std::string_view kind() const override { return "instance"; }

  static constexpr int kTokenTtlSeconds = 21600;

 protected:
  Result<ExpiringCredentials> fetch(std::chrono::system_clock::time_point now) override;

 private:
  Error failure(ErrorCode code, const std::string& reason, bool retryable) const;
  Result<std::string> get(const std::string& path, const std::string& token, std::string_view what);

  S3Transport& transport_;
  const InstanceMetadataOptions options_;
  std::string base_;  // the endpoint without a trailing '/'
};

struct WebIdentityOptions {
  // The STS endpoint the unsigned AssumeRoleWithWebIdentity is POSTed to:
  // https://sts.<region>.amazonaws.com, or a gateway's own STS (Ceph's RGW).
  std::string sts_endpoint = "https://sts.amazonaws.com";
  std::string role_arn;
  // Read again at each fetch: the platform rotates the token in place.
  std::string token_file;
  std::string role_session_name = "wasl";
  int duration_seconds = 3600;  // 900 .. 43200, as STS allows
  std::chrono::milliseconds timeout{10000};
  std::size_t max_document_bytes = 64 * 1024;
  std::size_t max_token_bytes = 16 * 1024;
};

// STS AssumeRoleWithWebIdentity (Version 2011-06-15): a form POST with
// Action, Version, RoleArn, RoleSessionName, WebIdentityToken and
// DurationSeconds; the XML answer's
// AssumeRoleWithWebIdentityResult/Credentials are the keys.
class WebIdentityCredentialsProvider final : public RefreshingCredentialsProvider {
 public:
  // `transport` is borrowed and outlives the provider.
  WebIdentityCredentialsProvider(S3Transport& transport, WebIdentityOptions options);
  std::string_view kind() const override { return "web_identity"; }

  // Whether the options can work (an http(s) endpoint, a role, a token
  // file, a session name STS accepts, a duration in range):
  // kInvalidArgument naming the problem.
  static Status validate(const WebIdentityOptions& options);

 protected:
  Result<ExpiringCredentials> fetch(std::chrono::system_clock::time_point now) override;

 private:
  Error failure(ErrorCode code, const std::string& reason, bool retryable) const;

  S3Transport& transport_;
  const WebIdentityOptions options_;
};

// "2026-11-27T13:00:00Z" (with or without a fraction, or an offset) as an
// instant; nullopt when it is not an ISO 8601 date-time.
std::optional<std::chrono::system_clock::time_point> parse_expiration(std::string_view text);

}  // namespace wasl::sdk::aws
