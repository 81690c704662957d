#include "wasl/sdk/aws/credentials.hpp"

#include <algorithm>
#include <fstream>
#include <utility>

#include <pugixml.hpp>

#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/timestamp.hpp"
#include "wasl/sdk/url_origin.hpp"

namespace wasl::sdk::aws {
namespace {

using Clock = std::chrono::system_clock;

// How many sets of keys redact() keeps hiding after they were replaced.
constexpr std::size_t kRememberedSecrets = 8;
constexpr std::size_t kMaxQuoted = 200;

std::string replace_secrets(std::string text, const std::vector<std::string_view>& secrets) {
  constexpr std::string_view kRedacted = "[redacted]";
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), kRedacted);
      at += kRedacted.size();
    }
  }
  return text;
}

// At most kMaxQuoted bytes of outside text, control characters dropped.
std::string outside_text(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxQuoted)) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out.push_back(c);
  }
  if (text.size() > kMaxQuoted) out += "…";
  return out;
}

// A status that is worth asking again later: the service is busy or down.
bool transient_status(int status) { return status >= 500 || status == 429; }

std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::string without_trailing_slash(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

// Whether `name` is a role name IMDS may answer (IAM's characters).
bool is_role_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '=' || c == ',' || c == '.' || c == '@' || c == '_' || c == '-';
  });
}

}  // namespace

std::optional<Clock::time_point> parse_expiration(std::string_view text) {
  auto ms = parse_iso8601(text);
  if (!ms) return std::nullopt;
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(*ms)));
}

std::string StaticCredentialsProvider::redact(std::string text) const {
  std::vector<std::string_view> secrets{credentials_.secret_access_key};
  if (credentials_.session_token) secrets.emplace_back(*credentials_.session_token);
  return replace_secrets(std::move(text), secrets);
}

// --- RefreshingCredentialsProvider

Result<AwsCredentials> RefreshingCredentialsProvider::credentials(Clock::time_point now) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const bool fresh = current_ && !stale_ &&
                     (!current_->expiration || *current_->expiration - now > kRefreshMargin);
  if (fresh) return current_->credentials;
  auto fetched = fetch(now);
  if (!fetched.ok()) {
    Error error = std::move(fetched).error();
    // The old keys still work until they expire: a source that is down for a
    // moment costs nothing while they last.
    if (current_ && !stale_ && current_->expiration && *current_->expiration > now) {
      return current_->credentials;
    }
    std::vector<std::string_view> hidden(secrets_.begin(), secrets_.end());
    error.message = replace_secrets(std::move(error.message), hidden);
    return error;
  }
  current_ = std::move(fetched).value();
  stale_ = false;
  ++fetches_;
  secrets_.push_back(current_->credentials.secret_access_key);
  if (current_->credentials.session_token) secrets_.push_back(*current_->credentials.session_token);
  if (secrets_.size() > 2 * kRememberedSecrets) {
    secrets_.erase(
        secrets_.begin(),
        secrets_.begin() + static_cast<std::ptrdiff_t>(secrets_.size() - 2 * kRememberedSecrets));
  }
  return current_->credentials;
}

bool RefreshingCredentialsProvider::refused(const AwsCredentials& used) {
  const std::lock_guard<std::mutex> lock(mutex_);
  // Another thread may have replaced the keys already: then the next
  // request uses the new ones without another fetch.
  if (current_ && current_->credentials.access_key_id == used.access_key_id &&
      current_->credentials.session_token == used.session_token) {
    stale_ = true;
  }
  return true;
}

std::string RefreshingCredentialsProvider::redact(std::string text) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string_view> hidden(secrets_.begin(), secrets_.end());
  return replace_secrets(std::move(text), hidden);
}

int RefreshingCredentialsProvider::fetches() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return fetches_;
}

void RefreshingCredentialsProvider::remember_secret(std::string secret) {
  if (secret.empty()) return;
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  secrets_.push_back(std::move(secret));
}

// --- InstanceCredentialsProvider

InstanceCredentialsProvider::InstanceCredentialsProvider(S3Transport& transport,
                                                         InstanceMetadataOptions options)
    : transport_(transport),
      options_(std::move(options)),
      base_(without_trailing_slash(options_.endpoint)) {}

Error InstanceCredentialsProvider::failure(ErrorCode code, const std::string& reason,
                                           bool retryable) const {
  return Error(
      code,
      "could not get credentials from the instance metadata service at " + base_ + ": " + reason,
      retryable);
}

Result<std::string> InstanceCredentialsProvider::get(const std::string& path,
                                                     const std::string& token,
                                                     std::string_view what) {
  HttpRequest request;
  request.method = "GET";
  request.url = base_ + path;
  request.headers.emplace_back("X-aws-ec2-metadata-token", token);
  request.timeout = options_.timeout;
  auto response = transport_.send(request);
  if (!response.ok()) {
    return failure(response.error().retryable ? ErrorCode::kUnavailable : ErrorCode::kInternal,
                   "GET " + path + " failed: " + response.error().message,
                   response.error().retryable);
  }
  if (response->status == 404 && what == "the role's name") {
    return failure(ErrorCode::kPermissionDenied,
                   "the instance has no IAM role (GET " + path + " answered 404)", false);
  }
  if (response->status != 200) {
    return failure(
        transient_status(response->status) ? ErrorCode::kUnavailable : ErrorCode::kPermissionDenied,
        "GET " + path + " answered HTTP " + std::to_string(response->status),
        transient_status(response->status));
  }
  if (response->body.size() > options_.max_document_bytes) {
    return failure(ErrorCode::kInternal,
                   std::string(what) + " is a document of " +
                       std::to_string(response->body.size()) + " bytes, more than the " +
                       std::to_string(options_.max_document_bytes) + " read",
                   false);
  }
  return std::move(response)->body;
}

Result<ExpiringCredentials> InstanceCredentialsProvider::fetch(Clock::time_point /*now*/) {
  if (!url_origin(base_)) {
    return failure(ErrorCode::kInvalidArgument, "the endpoint is not an http(s) URL with a host",
                   false);
  }
  HttpRequest token_request;
  token_request.method = "PUT";
  token_request.url = base_ + "/latest/api/token";
  token_request.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds",
                                     std::to_string(kTokenTtlSeconds));
  token_request.timeout = options_.timeout;
  auto token_response = transport_.send(token_request);
  if (!token_response.ok()) {
    return failure(
        token_response.error().retryable ? ErrorCode::kUnavailable : ErrorCode::kInternal,
        "PUT /latest/api/token failed: " + token_response.error().message,
        token_response.error().retryable);
  }
  if (token_response->status != 200) {
    return failure(transient_status(token_response->status) ? ErrorCode::kUnavailable
                                                            : ErrorCode::kPermissionDenied,
                   "PUT /latest/api/token answered HTTP " + std::to_string(token_response->status),
                   transient_status(token_response->status));
  }
  const std::string token = trimmed(token_response->body);
  if (token.empty() || token.size() > 4096 || token.find_first_of(" \r\n\t") != std::string::npos) {
    return failure(ErrorCode::kInternal, "PUT /latest/api/token answered no usable token", false);
  }
  remember_secret(token);

  const std::string roles_path = "/latest/meta-data/iam/security-credentials/";
  WASL_ASSIGN_OR_RETURN(std::string roles, get(roles_path, token, "the role's name"));
  // One role per instance profile: the first line.
  const std::string role = trimmed(std::string_view(roles).substr(0, roles.find('\n')));
  if (!is_role_name(role)) {
    return failure(ErrorCode::kInternal,
                   "GET " + roles_path + " answered no role name (\"" + outside_text(role) + "\")",
                   false);
  }
  const std::string keys_path = roles_path + role;
  WASL_ASSIGN_OR_RETURN(std::string document, get(keys_path, token, "the role's credentials"));
  auto parsed = parse_json_bounded(document, "the answer to GET " + keys_path);
  if (!parsed.ok()) return failure(ErrorCode::kInternal, parsed.error().message, false);
  const nlohmann::json& json = *parsed;
  const auto field = [&json](const char* name) -> std::string {
    if (!json.is_object()) return {};
    auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ExpiringCredentials out;
  out.credentials.access_key_id = field("AccessKeyId");
  out.credentials.secret_access_key = field("SecretAccessKey");
  const std::string session_token = field("Token");
  // Remembered before any message could quote them.
  remember_secret(out.credentials.secret_access_key);
  remember_secret(session_token);
  const std::string code = field("Code");
  if (code != "Success") {
    return failure(
        ErrorCode::kUnavailable,
        "the role " + role + "'s credentials are not ready (Code \"" + outside_text(code) + "\")",
        true);
  }
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty()) {
    return failure(ErrorCode::kInternal,
                   "the answer to GET " + keys_path + " lacks AccessKeyId or SecretAccessKey",
                   false);
  }
  if (!session_token.empty()) out.credentials.session_token = session_token;
  const std::string expiration = field("Expiration");
  if (!expiration.empty()) {
    out.expiration = parse_expiration(expiration);
    if (!out.expiration) {
      return failure(ErrorCode::kInternal,
                     "the answer to GET " + keys_path +
                         " has an Expiration that is not a time (\"" + outside_text(expiration) +
                         "\")",
                     false);
    }
  }
  return out;
}

// --- WebIdentityCredentialsProvider

WebIdentityCredentialsProvider::WebIdentityCredentialsProvider(S3Transport& transport,
                                                               WebIdentityOptions options)
    : transport_(transport), options_(std::move(options)) {}

Status WebIdentityCredentialsProvider::validate(const WebIdentityOptions& options) {
  if (!url_origin(options.sts_endpoint)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the STS endpoint is not an absolute http(s) URL with a host", false);
  }
  if (options.role_arn.empty()) {
    return Error(ErrorCode::kInvalidArgument, "web identity needs a role ARN", false);
  }
  if (options.token_file.empty()) {
    return Error(ErrorCode::kInvalidArgument, "web identity needs a token file", false);
  }
  const std::string& name = options.role_session_name;
  const bool name_ok =
      name.size() >= 2 && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '_' || c == '-';
      });
  if (!name_ok) {
    return Error(ErrorCode::kInvalidArgument,
                 "the role session name must be 2 to 64 of A-Z a-z 0-9 +=,.@_-", false);
  }
  if (options.duration_seconds < 900 || options.duration_seconds > 43200) {
    return Error(ErrorCode::kInvalidArgument, "the session duration must be 900 to 43200 seconds",
                 false);
  }
  return {};
}

Error WebIdentityCredentialsProvider::failure(ErrorCode code, const std::string& reason,
                                              bool retryable) const {
  return Error(code,
               "could not get credentials from STS AssumeRoleWithWebIdentity at " +
                   options_.sts_endpoint + " for " + options_.role_arn + ": " + reason,
               retryable);
}

Result<ExpiringCredentials> WebIdentityCredentialsProvider::fetch(Clock::time_point /*now*/) {
  WASL_RETURN_IF_ERROR(validate(options_));
  std::string token;
  {
    std::ifstream in(options_.token_file, std::ios::binary);
    if (!in) {
      return failure(ErrorCode::kUnavailable,
                     "the token file " + options_.token_file + " cannot be read", true);
    }
    token.resize(options_.max_token_bytes + 1);
    in.read(token.data(), static_cast<std::streamsize>(token.size()));
    token.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (token.size() > options_.max_token_bytes) {
    return failure(ErrorCode::kInvalidArgument,
                   "the token file " + options_.token_file + " holds more than " +
                       std::to_string(options_.max_token_bytes) + " bytes",
                   false);
  }
  token = trimmed(token);
  if (token.empty()) {
    return failure(ErrorCode::kUnavailable, "the token file " + options_.token_file + " is empty",
                   true);
  }
  remember_secret(token);

  HttpRequest request;
  request.method = "POST";
  request.url = options_.sts_endpoint;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/xml");
  request.body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" +
                 form_encode(options_.role_arn) +
                 "&RoleSessionName=" + form_encode(options_.role_session_name) +
                 "&DurationSeconds=" + std::to_string(options_.duration_seconds) +
                 "&WebIdentityToken=" + form_encode(token);
  request.timeout = options_.timeout;
  auto response = transport_.send(request);
  if (!response.ok()) {
    return failure(response.error().retryable ? ErrorCode::kUnavailable : ErrorCode::kInternal,
                   "the request failed: " + response.error().message, response.error().retryable);
  }
  if (response->body.size() > options_.max_document_bytes) {
    return failure(ErrorCode::kInternal,
                   "the answer is a document of " + std::to_string(response->body.size()) +
                       " bytes, more than the " + std::to_string(options_.max_document_bytes) +
                       " read",
                   false);
  }
  pugi::xml_document doc;
  const bool xml = !response->body.empty() &&
                   static_cast<bool>(doc.load_buffer(response->body.data(), response->body.size()));
  if (response->status != 200) {
    std::string reason = "HTTP " + std::to_string(response->status);
    if (xml) {
      pugi::xml_node error = doc.child("ErrorResponse").child("Error");
      if (!error) error = doc.child("Error");
      const std::string code = error.child_value("Code");
      const std::string message = error.child_value("Message");
      if (!code.empty()) reason += " " + outside_text(code);
      if (!message.empty()) reason += ": " + outside_text(message);
    }
    const bool transient = transient_status(response->status);
    return failure(transient ? ErrorCode::kUnavailable : ErrorCode::kPermissionDenied, reason,
                   transient);
  }
  if (!xml) return failure(ErrorCode::kInternal, "the answer is not XML", false);
  pugi::xml_node credentials = doc.child("AssumeRoleWithWebIdentityResponse")
                                   .child("AssumeRoleWithWebIdentityResult")
                                   .child("Credentials");
  ExpiringCredentials out;
  out.credentials.access_key_id = trimmed(credentials.child_value("AccessKeyId"));
  out.credentials.secret_access_key = trimmed(credentials.child_value("SecretAccessKey"));
  const std::string session_token = trimmed(credentials.child_value("SessionToken"));
  remember_secret(out.credentials.secret_access_key);
  remember_secret(session_token);
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty() ||
      session_token.empty()) {
    return failure(ErrorCode::kInternal,
                   "the answer has no AssumeRoleWithWebIdentityResult/Credentials with "
                   "AccessKeyId, SecretAccessKey and SessionToken",
                   false);
  }
  out.credentials.session_token = session_token;
  const std::string expiration = trimmed(credentials.child_value("Expiration"));
  out.expiration = parse_expiration(expiration);
  if (!out.expiration) {
    return failure(ErrorCode::kInternal,
                   "the answer's Expiration is not a time (\"" + outside_text(expiration) + "\")",
                   false);
  }
  return out;
}

}  // namespace wasl::sdk::aws
