#include "wasl/sdk/aws/s3_client.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include <pugixml.hpp>

#include "wasl/sdk/backoff.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/http_status_error.hpp"
#include "wasl/sdk/media_relay.hpp"
#include "wasl/sdk/timestamp.hpp"
#include "wasl/sdk/url_origin.hpp"

namespace wasl::sdk::aws {
namespace {

constexpr std::string_view kXmlns = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr std::size_t kMaxKeyBytes = 1024;
constexpr std::size_t kMaxAwsMessage = 300;

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// "bytes 10-99/1000" -> 1000.
std::optional<std::uint64_t> total_from_content_range(std::string_view value) {
  auto slash = value.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return parse_uint(value.substr(slash + 1));
}

// "bytes 10-99/1000" -> 10.
std::optional<std::uint64_t> start_from_content_range(std::string_view value) {
  constexpr std::string_view kUnit = "bytes ";
  if (value.substr(0, kUnit.size()) != kUnit) return std::nullopt;
  value.remove_prefix(kUnit.size());
  return parse_uint(value.substr(0, value.find('-')));
}

// The raw digest of `data` with `md` (EVP_sha256(), EVP_md5()).
Result<std::string> digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out, &size, md, nullptr) != 1) {
    return Error(ErrorCode::kInternal, "OpenSSL could not compute a digest", false);
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

// Whether `name` can be a bucket: S3's rules (3 to 63 of a-z 0-9 . -),
// loosened to upper case and '_' as older stores allowed, never '/'.
bool is_bucket_name(std::string_view name, bool dns_label) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name) {
    const bool lower_or_digit = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (lower_or_digit || c == '.' || c == '-') continue;
    if (!dns_label && ((c >= 'A' && c <= 'Z') || c == '_')) continue;
    return false;
  }
  return true;
}

struct ErrorDocument {
  std::string code;
  std::string message;
  std::string request_id;
};

// Reads <Error><Code/><Message/><RequestId/></Error>; empty fields when the
// body is not one.
ErrorDocument parse_error_document(std::string_view body) {
  ErrorDocument out;
  pugi::xml_document doc;
  if (body.empty() || !doc.load_buffer(body.data(), body.size())) return out;
  pugi::xml_node error = doc.child("Error");
  if (!error) return out;
  out.code = error.child_value("Code");
  out.message = error.child_value("Message");
  out.request_id = error.child_value("RequestId");
  return out;
}

std::string redact(std::string text, const std::vector<std::string_view>& secrets) {
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "[redacted]");
      at += 10;
    }
  }
  return text;
}

// Whether S3's code says the same request may succeed later.
bool transient_code(std::string_view code) {
  return code == "InternalError" || code == "ServiceUnavailable" || code == "SlowDown" ||
         code == "RequestTimeout";
}

// The Object Lock headers of a PutObject or CreateMultipartUpload.
void add_lock_headers(std::vector<HeaderField>& headers, const std::optional<S3ObjectLock>& lock) {
  if (!lock) return;
  headers.push_back({"x-amz-object-lock-mode",
                     lock->mode == S3LockMode::kCompliance ? "COMPLIANCE" : "GOVERNANCE"});
  headers.push_back({"x-amz-object-lock-retain-until-date",
                     format_iso8601(lock->retain_until_ms, 0, FractionDigits::kNone)});
  if (lock->legal_hold) headers.push_back({"x-amz-object-lock-legal-hold", "ON"});
}

// An XML request body with the Content-MD5 S3 demands of its Object Lock
// calls (PutObjectLegalHold).
Result<std::string> content_md5(std::string_view body) {
  WASL_ASSIGN_OR_RETURN(std::string md5, digest(EVP_md5(), body));
  return base64_encode(md5);
}

}  // namespace

struct S3Client::Target {
  std::string host;  // host[:port] as the Host header carries it
  std::string path;  // encoded once, as sent and signed
};

struct S3Client::Call {
  std::string operation;  // "GetObject", …
  std::string bucket;
  std::string key;  // empty for the bucket's operations
  std::string method = "GET";
  std::vector<QueryParameter> query;
  std::vector<HeaderField> headers;
  std::string_view body;        // borrowed for the call
  std::string payload_hash;     // hex SHA-256 of `body` when already computed
  bool carries_object = false;  // transfer_timeout instead of request_timeout

  std::string subject() const { return key.empty() ? "bucket " + bucket : bucket + "/" + key; }
};

// A listing answered in pages: what a request names, and the markers that
// carry it to the next page (sent as `query`, read from the page's `next`).
struct S3Client::Listing {
  struct Marker {
    const char* query;
    const char* next;
  };
  const char* operation;
  QueryParameter subresource;  // e.g. {"versions", ""}
  const char* result_element;
  std::vector<Marker> markers;  // the first must be non-empty on every truncated page
};

template <typename Take>
Status S3Client::list_pages(const std::string& bucket, const std::string& prefix,
                            const Listing& listing, Take take) {
  std::vector<std::string> markers(listing.markers.size());
  for (int page = 0; page < kMaxListPages; ++page) {
    Call call;
    call.operation = listing.operation;
    call.bucket = bucket;
    call.query.push_back(listing.subresource);
    call.query.push_back({"prefix", prefix});
    for (std::size_t i = 0; i < markers.size(); ++i) {
      if (!markers[i].empty()) call.query.push_back({listing.markers[i].query, markers[i]});
    }
    WASL_ASSIGN_OR_RETURN(HttpResponse response, exchange(call));
    WASL_ASSIGN_OR_RETURN(std::string body, document_of(call, response));
    pugi::xml_document doc;
    pugi::xml_node result;
    if (doc.load_buffer(body.data(), body.size())) result = doc.child(listing.result_element);
    if (!result) {
      return Error(ErrorCode::kInternal,
                   "S3 " + call.operation + " of " + call.subject() + " answered no " +
                       listing.result_element,
                   false);
    }
    WASL_RETURN_IF_ERROR(take(call, result));
    if (std::string_view(result.child_value("IsTruncated")) != "true") return {};
    std::vector<std::string> next;
    for (const Listing::Marker& marker : listing.markers) {
      next.emplace_back(result.child_value(marker.next));
    }
    if (next.front().empty() || next == markers) {
      return Error(ErrorCode::kInternal,
                   "S3 " + call.operation + " of " + call.subject() +
                       " said there was more but gave no new marker",
                   false);
    }
    markers = std::move(next);
  }
  return Error(ErrorCode::kInternal,
               "S3 " + std::string(listing.operation) + " of bucket " + bucket +
                   " kept answering more pages",
               false);
}

S3Client::S3Client(S3Transport& transport, S3Endpoint endpoint, S3ClientOptions options)
    : transport_(transport),
      endpoint_(std::move(endpoint)),
      options_(options),
      endpoint_status_(validate(endpoint_)) {
  if (!endpoint_status_.ok()) return;
  const std::string& url = endpoint_.base_url;
  const auto scheme_end = url.find("://");
  scheme_ = url.substr(0, scheme_end);
  std::transform(scheme_.begin(), scheme_.end(), scheme_.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string rest = url.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  authority_ = rest.substr(0, slash);
  if (slash != std::string::npos) base_path_ = rest.substr(slash);
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
}

Status S3Client::validate(const S3Endpoint& endpoint) {
  const std::string& url = endpoint.base_url;
  auto origin = url_origin(url);
  if (!origin) {
    return Error(ErrorCode::kInvalidArgument,
                 "the S3 endpoint is not an absolute http(s) URL with a host", false);
  }
  const auto scheme_end = url.find("://");
  std::string_view rest = std::string_view(url).substr(scheme_end + 3);
  if (rest.substr(0, rest.find('/')).find('@') != std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument,
                 "the S3 endpoint must not carry user information; give the keys as credentials",
                 false);
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument,
                 "the S3 endpoint must not carry a query or a fragment", false);
  }
  if (endpoint.region.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the S3 endpoint has no region", false);
  }
  if (!endpoint.credentials_provider && (endpoint.credentials.access_key_id.empty() ||
                                         endpoint.credentials.secret_access_key.empty())) {
    return Error(ErrorCode::kInvalidArgument,
                 "the S3 endpoint has no access key id or no secret access key", false);
  }
  return {};
}

Result<S3Client::Target> S3Client::target(const std::string& bucket, const std::string& key) const {
  WASL_RETURN_IF_ERROR(endpoint_status_);
  if (!is_bucket_name(bucket, !endpoint_.path_style)) {
    return Error(ErrorCode::kInvalidArgument,
                 "\"" + bucket.substr(0, 64) + "\" is not an S3 bucket name" +
                     (endpoint_.path_style ? "" : " usable in a virtual-hosted address"),
                 false);
  }
  if (key.size() > kMaxKeyBytes) {
    return Error(ErrorCode::kInvalidArgument,
                 "an S3 key is at most " + std::to_string(kMaxKeyBytes) + " bytes", false);
  }
  Target out;
  if (endpoint_.path_style) {
    out.host = authority_;
    out.path = base_path_ + "/" + uri_encode(bucket, true);
    if (!key.empty()) out.path += "/" + uri_encode(key, false);
  } else {
    out.host = bucket + "." + authority_;
    out.path = base_path_ + "/" + uri_encode(key, false);
  }
  return out;
}

Result<HttpRequest> S3Client::build(const Call& call, AwsCredentials* used) const {
  WASL_ASSIGN_OR_RETURN(Target where, target(call.bucket, call.key));
  AwsCredentials credentials;
  if (endpoint_.credentials_provider) {
    auto provided = endpoint_.credentials_provider->credentials(transport_.now());
    if (!provided.ok()) {
      Error error = std::move(provided).error();
      error.message = "S3 " + call.operation + " of " + call.subject() + ": " + error.message;
      return redacted(call, std::move(error));
    }
    credentials = std::move(provided).value();
  } else {
    credentials = endpoint_.credentials;
  }
  SigningRequest signing;
  signing.method = call.method;
  signing.host = where.host;
  signing.path = where.path;
  signing.query = call.query;
  signing.headers.push_back({"Host", where.host});
  for (const auto& header : call.headers) signing.headers.push_back(header);
  if (!call.payload_hash.empty()) {
    signing.payload_hash = call.payload_hash;
  } else {
    signing.payload = call.body;
  }
  const SigningScope scope{endpoint_.region, "s3", transport_.now()};
  auto signed_request = sign_request(signing, credentials, scope);
  if (!signed_request.ok()) {
    return redacted(call, Error(signed_request.error().code,
                                "signing S3 " + call.operation + " of " + call.subject() +
                                    " failed: " + signed_request.error().message,
                                false));
  }
  HttpRequest request;
  request.method = call.method;
  request.url = scheme_ + "://" + where.host + where.path;
  if (!call.query.empty()) request.url += "?" + canonical_query(call.query);
  for (const auto& header : signing.headers)
    request.headers.emplace_back(header.name, header.value);
  for (const auto& header : signed_request->headers_to_add) {
    request.headers.emplace_back(header.name, header.value);
  }
  // The body is handed to the transport beside the request (send_body), not
  // copied into it: a part is megabytes.
  request.timeout = call.carries_object ? options_.transfer_timeout : options_.request_timeout;
  if (used != nullptr) *used = std::move(credentials);
  return request;
}

bool S3Client::renew_refused(const HttpResponse& response, const AwsCredentials& used) const {
  if (!endpoint_.credentials_provider || response.status != 403) return false;
  const std::string code = parse_error_document(response.body.size() <= options_.max_document_bytes
                                                    ? std::string_view(response.body)
                                                    : std::string_view())
                               .code;
  // Ceph's gateway with STS on answers AccessDenied, not InvalidAccessKeyId,
  // for keys it does not know, so AccessDenied renews the provider's keys
  // too (once per call: a real refusal costs one more fetch, no more).
  if (code != "InvalidAccessKeyId" && code != "ExpiredToken" && code != "InvalidToken" &&
      code != "AccessDenied") {
    return false;
  }
  return endpoint_.credentials_provider->refused(used);
}

Error S3Client::redacted(const Call& call, Error error) const {
  std::vector<std::string_view> secrets{endpoint_.credentials.secret_access_key};
  if (endpoint_.credentials.session_token) secrets.push_back(*endpoint_.credentials.session_token);
  error.message = redact(std::move(error.message), secrets);
  if (endpoint_.credentials_provider) {
    error.message = endpoint_.credentials_provider->redact(std::move(error.message));
  }
  return error;
}

Error S3Client::error_for(const Call& call, const HttpResponse& response) const {
  ErrorDocument document;
  if (response.body.size() <= options_.max_document_bytes) {
    document = parse_error_document(response.body);
  }
  if (document.request_id.empty()) document.request_id = response.header("x-amz-request-id");
  Error error = error_from_http_status(response, std::string(), transport_.now());
  if (response.status == 400 && transient_code(document.code)) {
    error.code = ErrorCode::kUnavailable;
    error.retryable = true;
  } else if (response.status >= 200 && response.status < 300) {
    // An <Error> in a 2xx answer (CompleteMultipartUpload).
    error.code = transient_code(document.code) ? ErrorCode::kUnavailable : ErrorCode::kInternal;
    error.retryable = transient_code(document.code);
  } else if (document.code == "NoSuchKey" || document.code == "NoSuchUpload" ||
             document.code == "NoSuchBucket" || document.code == "NoSuchVersion") {
    error.code = ErrorCode::kNotFound;
    error.retryable = false;
  } else if (document.code == "BucketAlreadyExists" || document.code == "BucketAlreadyOwnedByYou") {
    error.code = ErrorCode::kAlreadyExists;
    error.retryable = false;
  }
  std::string aws_message = document.message;
  if (aws_message.size() > kMaxAwsMessage)
    aws_message = aws_message.substr(0, kMaxAwsMessage) + "…";
  std::string message = "S3 " + call.operation + " of " + call.subject() + " failed with HTTP " +
                        std::to_string(response.status);
  if (!document.code.empty()) message += " " + document.code.substr(0, 64);
  if (!aws_message.empty()) message += ": " + aws_message;
  if (!document.request_id.empty()) {
    message += " (RequestId " + document.request_id.substr(0, 128) + ")";
  }
  error.message = std::move(message);
  return redacted(call, std::move(error));
}

bool S3Client::wait_before(int attempt, const Error& error) {
  const Backoff backoff{options_.initial_backoff, 2.0, options_.max_delay};
  const std::chrono::milliseconds wait =
      error.retry_after.value_or(backoff_delay(backoff, attempt - 2));
  if (wait > options_.max_delay) return false;
  transport_.warn(error.message + "; trying again (attempt " + std::to_string(attempt) + " of " +
                  std::to_string(std::max(1, options_.max_attempts)) + ")");
  if (wait.count() > 0) transport_.sleep(wait);
  return true;
}

Result<HttpResponse> S3Client::exchange(const Call& call) {
  const int attempts = std::max(1, options_.max_attempts);
  Error error;
  // Keys the store refused are renewed once per call, at once, without
  // counting as an attempt.
  bool renewed = false;
  bool again_at_once = false;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1 && !again_at_once && !wait_before(attempt, error)) return error;
    again_at_once = false;
    AwsCredentials used;
    WASL_ASSIGN_OR_RETURN(HttpRequest request, build(call, &used));
    auto response =
        call.body.empty() ? transport_.send(request) : transport_.send_body(request, call.body);
    if (response.ok() && !renewed && renew_refused(*response, used)) {
      renewed = true;
      again_at_once = true;
      --attempt;
      error = error_for(call, *response);
      continue;
    }
    if (!response.ok()) {
      error = std::move(response).error();
      error.message = "S3 " + call.operation + " of " + call.subject() + ": " + error.message;
      error = redacted(call, std::move(error));
    } else if (response->status >= 200 && response->status < 300) {
      return std::move(response).value();
    } else {
      error = error_for(call, *response);
    }
    if (!error.retryable) return error;
  }
  return error;
}

Result<std::string> S3Client::document_of(const Call& call, const HttpResponse& response) const {
  if (response.body.size() > options_.max_document_bytes) {
    return Error(ErrorCode::kInternal,
                 "S3 " + call.operation + " of " + call.subject() + " answered a document of " +
                     std::to_string(response.body.size()) + " bytes, more than the " +
                     std::to_string(options_.max_document_bytes) + " read",
                 false);
  }
  return response.body;
}

Result<S3ObjectRead> S3Client::get_object(const std::string& bucket, const std::string& key,
                                          std::uint64_t offset, std::optional<std::uint64_t> length,
                                          const ChunkSink& sink) {
  S3ObjectRead read;
  if (key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "S3 GetObject needs a key", false);
  }
  if (length && *length == 0) return read;
  if (length && *length > UINT64_MAX - offset) {
    return Error(ErrorCode::kInvalidArgument, "S3 GetObject: the range overflows", false);
  }
  const int attempts = std::max(1, options_.max_attempts);
  Call call;
  call.operation = "GetObject";
  call.bucket = bucket;
  call.key = key;
  call.carries_object = true;
  Error last_error(ErrorCode::kUnavailable,
                   "S3 GetObject of " + call.subject() + " was not attempted");
  bool renewed = false;
  bool again_at_once = false;

  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1 && !again_at_once) {
      Error resumed = last_error;
      resumed.message += "; resuming at byte " +
                         std::to_string(offset + static_cast<std::uint64_t>(read.delivered));
      if (!wait_before(attempt, resumed)) return last_error;
    }
    const std::uint64_t delivered = static_cast<std::uint64_t>(read.delivered);
    const std::uint64_t start = offset + delivered;
    const std::optional<std::uint64_t> remaining =
        length ? std::optional<std::uint64_t>(*length - delivered) : std::nullopt;
    call.headers.clear();
    const bool ranged = start > 0 || remaining.has_value();
    if (ranged) {
      std::string range = "bytes=" + std::to_string(start) + "-";
      if (remaining) range += std::to_string(start + *remaining - 1);
      call.headers.push_back({"Range", range});
    }
    if (!read.etag.empty()) call.headers.push_back({"If-Match", read.etag});
    again_at_once = false;
    AwsCredentials used;
    WASL_ASSIGN_OR_RETURN(HttpRequest request, build(call, &used));

    // Never more than the range asked for reaches the caller's sink, even
    // from a store that ignored the range's end.
    std::uint64_t taken = 0;
    std::optional<Error> overrun;
    const ChunkSink bounded = [&](std::string_view chunk) -> Status {
      if (remaining && chunk.size() > *remaining - taken) {
        overrun = Error(
            ErrorCode::kInternal,
            "S3 GetObject of " + call.subject() + " answered more bytes than the range asked for",
            false);
        return *overrun;
      }
      taken += chunk.size();
      return sink(chunk);
    };
    MediaRelay relay(bounded, kHoldBack);
    auto response = transport_.send_streaming(request, relay.chunk_sink());
    if (overrun) return *overrun;
    if (relay.sink_error()) return *relay.sink_error();
    if (!response.ok()) {
      read.delivered += relay.forwarded();
      last_error = std::move(response).error();
      last_error.message = "S3 GetObject of " + call.subject() + ": " + last_error.message;
      last_error = redacted(call, std::move(last_error));
      if (!last_error.retryable) return last_error;
      continue;
    }
    const HttpResponse& answer = *response;
    const bool success = answer.status == 200 || answer.status == 206;
    if (!success) {
      if (relay.forwarded() > 0) {
        return Error(ErrorCode::kInternal,
                     "S3 GetObject of " + call.subject() + " answered HTTP " +
                         std::to_string(answer.status) +
                         " with a body larger than an error document; the stream is not usable",
                     false);
      }
      HttpResponse failed = answer;
      failed.body = relay.take_held();
      last_error = error_for(call, failed);
      if (!renewed && renew_refused(failed, used)) {
        renewed = true;
        again_at_once = true;
        --attempt;
        continue;
      }
      if (answer.status == 412) {
        return Error(
            ErrorCode::kFailedPrecondition,
            "the S3 object " + call.subject() + " changed while it was being read; fetch it again",
            true);
      }
      if (!last_error.retryable) return last_error;
      continue;
    }
    if (ranged && (answer.status != 206 ||
                   start_from_content_range(answer.header("Content-Range")) != start)) {
      return Error(ErrorCode::kInternal,
                   "S3 GetObject of " + call.subject() +
                       " did not answer the range it was asked for; fetch it again",
                   true);
    }
    WASL_RETURN_IF_ERROR(relay.finish());
    const auto forwarded = static_cast<std::uint64_t>(relay.forwarded());
    read.delivered += relay.forwarded();
    if (read.etag.empty()) read.etag = answer.header("ETag");
    if (read.content_type.empty()) read.content_type = answer.header("Content-Type");
    auto answer_length = parse_uint(answer.header("Content-Length"));
    if (answer.status == 206) {
      if (auto total = total_from_content_range(answer.header("Content-Range"))) {
        read.object_size = static_cast<std::int64_t>(*total);
      }
    } else if (answer_length) {
      read.object_size = static_cast<std::int64_t>(*answer_length);
    }
    if (answer_length && forwarded < *answer_length) {
      last_error =
          Error(ErrorCode::kUnavailable,
                "S3 GetObject of " + call.subject() + " ended after " + std::to_string(forwarded) +
                    " of " + std::to_string(*answer_length) + " bytes",
                true);
      continue;
    }
    return read;
  }
  return last_error;
}

Result<S3ObjectHead> S3Client::head_object(const std::string& bucket, const std::string& key) {
  Call call;
  call.operation = "HeadObject";
  call.bucket = bucket;
  call.key = key;
  call.method = "HEAD";
  if (key.empty()) return Error(ErrorCode::kInvalidArgument, "S3 HeadObject needs a key", false);
  WASL_ASSIGN_OR_RETURN(HttpResponse response, exchange(call));
  S3ObjectHead head;
  auto size = parse_uint(response.header("Content-Length"));
  if (!size) {
    return Error(ErrorCode::kInternal,
                 "S3 HeadObject of " + call.subject() + " answered no usable Content-Length",
                 false);
  }
  head.size = *size;
  head.etag = response.header("ETag");
  head.content_type = response.header("Content-Type");
  head.lock_mode = response.header("x-amz-object-lock-mode").substr(0, 32);
  head.lock_retain_until = response.header("x-amz-object-lock-retain-until-date").substr(0, 64);
  head.legal_hold = response.header("x-amz-object-lock-legal-hold").substr(0, 8);
  return head;
}

namespace {

// The headers that let the store check `bytes`, and the payload hash the
// request is signed with.
struct BodyChecks {
  std::string payload_hash;
  std::string sha256_base64;
  std::vector<HeaderField> headers;
};

Result<BodyChecks> body_checks(std::string_view bytes, S3Checksum checksum) {
  BodyChecks out;
  if (checksum == S3Checksum::kSha256) {
    WASL_ASSIGN_OR_RETURN(std::string sha256, digest(EVP_sha256(), bytes));
    out.payload_hash = to_hex(sha256);
    out.sha256_base64 = base64_encode(sha256);
    out.headers.push_back({"x-amz-sdk-checksum-algorithm", "SHA256"});
    out.headers.push_back({"x-amz-checksum-sha256", out.sha256_base64});
  } else {
    // Content-MD5 (a signed header) is the body's check; hashing the body a
    // second time for the signature would only make both ends do the work
    // twice (Ceph's gateway spends more on verifying a signed SHA-256 than
    // on receiving the bytes).
    WASL_ASSIGN_OR_RETURN(std::string md5, digest(EVP_md5(), bytes));
    out.payload_hash = std::string(kUnsignedPayload);
    out.headers.push_back({"Content-MD5", base64_encode(md5)});
  }
  return out;
}

}  // namespace

Result<std::string> S3Client::put_object(const std::string& bucket, const std::string& key,
                                         std::string_view body, std::string_view content_type,
                                         const std::optional<S3ObjectLock>& lock) {
  Call call;
  call.operation = "PutObject";
  call.bucket = bucket;
  call.key = key;
  call.method = "PUT";
  call.carries_object = true;
  if (key.empty()) return Error(ErrorCode::kInvalidArgument, "S3 PutObject needs a key", false);
  WASL_ASSIGN_OR_RETURN(BodyChecks checks, body_checks(body, options_.checksum));
  call.headers = std::move(checks.headers);
  call.headers.push_back({"Content-Type", std::string(content_type)});
  add_lock_headers(call.headers, lock);
  call.body = body;
  call.payload_hash = checks.payload_hash;
  WASL_ASSIGN_OR_RETURN(HttpResponse response, exchange(call));
  return response.header("ETag");
}

Status S3Client::delete_object(const std::string& bucket, const std::string& key) {
  Call call;
  call.operation = "DeleteObject";
  call.bucket = bucket;
  call.key = key;
  call.method = "DELETE";
  if (key.empty()) return Error(ErrorCode::kInvalidArgument, "S3 DeleteObject needs a key", false);
  auto response = exchange(call);
  if (!response.ok() && response.error().code != ErrorCode::kNotFound) {
    return std::move(response).error();
  }
  // Some stores answer 404 NoSuchKey where S3 answers 204: gone either way,
  // unless the bucket itself is missing.
  if (!response.ok() && response.error().message.find("NoSuchBucket") != std::string::npos) {
    return std::move(response).error();
  }
  return {};
}

Status S3Client::delete_object_version(const std::string& bucket, const std::string& key,
                                       const std::string& version_id) {
  Call call;
  call.operation = "DeleteObject";
  call.bucket = bucket;
  call.key = key;
  call.method = "DELETE";
  if (key.empty() || version_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "S3 DeleteObject of a version needs a key and a version id", false);
  }
  call.query.push_back({"versionId", version_id});
  auto response = exchange(call);
  if (!response.ok() && (response.error().code != ErrorCode::kNotFound ||
                         response.error().message.find("NoSuchBucket") != std::string::npos)) {
    return std::move(response).error();
  }
  return {};
}

Result<std::vector<S3ObjectVersion>> S3Client::list_object_versions(const std::string& bucket,
                                                                    const std::string& prefix) {
  static const Listing kVersions{
      "ListObjectVersions",
      {"versions", ""},
      "ListVersionsResult",
      {{"key-marker", "NextKeyMarker"}, {"version-id-marker", "NextVersionIdMarker"}}};
  std::vector<S3ObjectVersion> out;
  WASL_RETURN_IF_ERROR(list_pages(
      bucket, prefix, kVersions, [&out](const Call& call, pugi::xml_node result) -> Status {
        // Versions and delete markers come interleaved, in the store's order.
        for (pugi::xml_node item = result.first_child(); item; item = item.next_sibling()) {
          const std::string_view name = item.name();
          if (name != "Version" && name != "DeleteMarker") continue;
          S3ObjectVersion version;
          version.key = item.child_value("Key");
          version.version_id = item.child_value("VersionId");
          version.is_latest = std::string_view(item.child_value("IsLatest")) == "true";
          version.delete_marker = name == "DeleteMarker";
          version.size = parse_uint(item.child_value("Size")).value_or(0);
          if (version.key.empty() || version.key.size() > kMaxKeyBytes ||
              version.version_id.empty() || version.version_id.size() > 1024) {
            return Error(ErrorCode::kInternal,
                         "S3 ListObjectVersions of " + call.subject() +
                             " answered a version without a key or a version id",
                         false);
          }
          out.push_back(std::move(version));
        }
        return {};
      }));
  return out;
}

Status S3Client::put_object_legal_hold(const std::string& bucket, const std::string& key, bool on,
                                       const std::string& version_id) {
  Call call;
  call.operation = "PutObjectLegalHold";
  call.bucket = bucket;
  call.key = key;
  call.method = "PUT";
  if (key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "S3 PutObjectLegalHold needs a key", false);
  }
  call.query.push_back({"legal-hold", ""});
  if (!version_id.empty()) call.query.push_back({"versionId", version_id});
  const std::string body = std::string("<LegalHold xmlns=\"") + std::string(kXmlns) +
                           "\"><Status>" + (on ? "ON" : "OFF") + "</Status></LegalHold>";
  WASL_ASSIGN_OR_RETURN(std::string md5, content_md5(body));
  call.headers.push_back({"Content-MD5", md5});
  call.headers.push_back({"Content-Type", "application/xml"});
  call.body = body;
  WASL_ASSIGN_OR_RETURN(HttpResponse response, exchange(call));
  (void)response;
  return {};
}

Status S3Client::put_object_retention(const std::string& bucket, const std::string& key,
                                      const S3ObjectLock& lock) {
  Call call;
  call.operation = "PutObjectRetention";
  call.bucket = bucket;
  call.key = key;
  call.method = "PUT";
  if (key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "S3 PutObjectRetention needs a key", false);
  }
  call.query.push_back({"retention", ""});
  const std::string body = std::string("<Retention xmlns=\"") + std::string(kXmlns) + "\"><Mode>" +
                           (lock.mode == S3LockMode::kCompliance ? "COMPLIANCE" : "GOVERNANCE") +
                           "</Mode><RetainUntilDate>" +
                           format_iso8601(lock.retain_until_ms, 0, FractionDigits::kNone) +
                           "</RetainUntilDate></Retention>";
  WASL_ASSIGN_OR_RETURN(std::string md5, content_md5(body));
  call.headers.push_back({"Content-MD5", md5});
  call.headers.push_back({"Content-Type", "application/xml"});
  call.body = body;
  WASL_ASSIGN_OR_RETURN(HttpResponse response, exchange(call));
  (void)response;
  return {};
}

Result<bool> S3Client::get_object_legal_hold(const std::string& bucket, const std::string& key,
                                             const std::string& version_id) {
  Call call;
  call.operation = "GetObjectLegalHold";
  call.bucket = bucket;
  call.key = key;
  if (key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "S3 GetObjectLegalHold needs a key", false);
  }
  call.query.push_back({"legal-hold", ""});
  if (!version_id.empty()) call.query.push_back({"versionId", version_id});
  auto response = exchange(call);
  if (!response.ok()) {
    // A version that was never held has no legal hold to answer: S3 says
    // NoSuchObjectLockConfiguration, Ceph 16 ObjectLockConfigurationNotFoundError.
    const std::string& message = response.error().message;
    if (message.find("NoSuchObjectLockConfiguration") != std::string::npos ||
        message.find("ObjectLockConfigurationNotFoundError") != std::string::npos) {
      return false;
    }
    return std::move(response).error();
  }
  WASL_ASSIGN_OR_RETURN(std::string body, document_of(call, *response));
  pugi::xml_document doc;
  pugi::xml_node hold;
  if (doc.load_buffer(body.data(), body.size())) hold = doc.child("LegalHold");
  if (!hold) {
    return Error(ErrorCode::kInternal,
                 "S3 GetObjectLegalHold of " + call.subject() + " answered no LegalHold", false);
  }
  return std::string_view(hold.child_value("Status")) == "ON";
}

Result<bool> S3Client::object_lock_enabled(const std::string& bucket) {
  Call call;
  call.operation = "GetObjectLockConfiguration";
  call.bucket = bucket;
  call.query.push_back({"object-lock", ""});
  auto response = exchange(call);
  if (!response.ok()) {
    if (response.error().message.find("ObjectLockConfigurationNotFound") != std::string::npos) {
      return false;
    }
    return std::move(response).error();
  }
  WASL_ASSIGN_OR_RETURN(std::string body, document_of(call, *response));
  pugi::xml_document doc;
  pugi::xml_node config;
  if (doc.load_buffer(body.data(), body.size())) config = doc.child("ObjectLockConfiguration");
  if (!config) {
    return Error(ErrorCode::kInternal,
                 "S3 GetObjectLockConfiguration of " + call.subject() +
                     " answered no ObjectLockConfiguration",
                 false);
  }
  return std::string_view(config.child_value("ObjectLockEnabled")) == "Enabled";
}

Status S3Client::create_bucket(const std::string& bucket, bool object_lock) {
  Call call;
  call.operation = "CreateBucket";
  call.bucket = bucket;
  call.method = "PUT";
  if (object_lock) call.headers.push_back({"x-amz-bucket-object-lock-enabled", "true"});
  std::string body;
  if (endpoint_.region != "us-east-1") {
    body = std::string("<CreateBucketConfiguration xmlns=\"") + std::string(kXmlns) +
           "\"><LocationConstraint>" + endpoint_.region +
           "</LocationConstraint></CreateBucketConfiguration>";
    call.headers.push_back({"Content-Type", "application/xml"});
  }
  call.body = body;
  WASL_ASSIGN_OR_RETURN(HttpResponse response, exchange(call));
  (void)response;
  return {};
}

Result<std::vector<S3ObjectSummary>> S3Client::list_objects(const std::string& bucket,
                                                            const std::string& prefix) {
  static const Listing kObjects{"ListObjectsV2",
                                {"list-type", "2"},
                                "ListBucketResult",
                                {{"continuation-token", "NextContinuationToken"}}};
  std::vector<S3ObjectSummary> out;
  WASL_RETURN_IF_ERROR(
      list_pages(bucket, prefix, kObjects, [&out](const Call&, pugi::xml_node result) -> Status {
        for (pugi::xml_node item = result.child("Contents"); item;
             item = item.next_sibling("Contents")) {
          S3ObjectSummary summary;
          summary.key = item.child_value("Key");
          summary.size = parse_uint(item.child_value("Size")).value_or(0);
          summary.etag = item.child_value("ETag");
          out.push_back(std::move(summary));
        }
        return {};
      }));
  return out;
}

Result<std::string> S3Client::create_multipart_upload(const std::string& bucket,
                                                      const std::string& key,
                                                      std::string_view content_type,
                                                      const std::optional<S3ObjectLock>& lock) {
  Call call;
  call.operation = "CreateMultipartUpload";
  call.bucket = bucket;
  call.key = key;
  call.method = "POST";
  call.query.push_back({"uploads", ""});
  call.headers.push_back({"Content-Type", std::string(content_type)});
  if (options_.checksum == S3Checksum::kSha256) {
    call.headers.push_back({"x-amz-checksum-algorithm", "SHA256"});
  }
  add_lock_headers(call.headers, lock);
  if (key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "S3 CreateMultipartUpload needs a key", false);
  }
  WASL_ASSIGN_OR_RETURN(HttpResponse response, exchange(call));
  WASL_ASSIGN_OR_RETURN(std::string body, document_of(call, response));
  pugi::xml_document doc;
  std::string upload_id;
  if (doc.load_buffer(body.data(), body.size())) {
    upload_id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
  }
  if (upload_id.empty() || upload_id.size() > 1024) {
    return Error(ErrorCode::kInternal,
                 "S3 CreateMultipartUpload of " + call.subject() + " answered no upload id", false);
  }
  return upload_id;
}

Result<S3UploadedPart> S3Client::upload_part(const std::string& bucket, const std::string& key,
                                             const std::string& upload_id, int part_number,
                                             std::string_view bytes) {
  Call call;
  call.operation = "UploadPart";
  call.bucket = bucket;
  call.key = key;
  call.method = "PUT";
  call.carries_object = true;
  if (key.empty() || upload_id.empty() || part_number < 1 || part_number > 10000) {
    return Error(ErrorCode::kInvalidArgument,
                 "S3 UploadPart needs a key, an upload id and a part number from 1 to 10000",
                 false);
  }
  call.query.push_back({"partNumber", std::to_string(part_number)});
  call.query.push_back({"uploadId", upload_id});
  WASL_ASSIGN_OR_RETURN(BodyChecks checks, body_checks(bytes, options_.checksum));
  call.headers = std::move(checks.headers);
  call.body = bytes;
  call.payload_hash = checks.payload_hash;
  WASL_ASSIGN_OR_RETURN(HttpResponse response, exchange(call));
  S3UploadedPart part;
  part.number = part_number;
  part.etag = response.header("ETag");
  part.checksum_sha256 = checks.sha256_base64;
  if (part.etag.empty()) {
    return Error(ErrorCode::kInternal,
                 "S3 UploadPart " + std::to_string(part_number) + " of " + call.subject() +
                     " answered no ETag",
                 false);
  }
  return part;
}

Result<std::string> S3Client::complete_multipart_upload(const std::string& bucket,
                                                        const std::string& key,
                                                        const std::string& upload_id,
                                                        const std::vector<S3UploadedPart>& parts) {
  Call call;
  call.operation = "CompleteMultipartUpload";
  call.bucket = bucket;
  call.key = key;
  call.method = "POST";
  if (key.empty() || upload_id.empty() || parts.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "S3 CompleteMultipartUpload needs a key, an upload id and parts", false);
  }
  call.query.push_back({"uploadId", upload_id});
  pugi::xml_document request_doc;
  pugi::xml_node root = request_doc.append_child("CompleteMultipartUpload");
  root.append_attribute("xmlns").set_value(std::string(kXmlns).c_str());
  for (const auto& part : parts) {
    pugi::xml_node node = root.append_child("Part");
    node.append_child("PartNumber").text().set(part.number);
    node.append_child("ETag").text().set(part.etag.c_str());
    if (!part.checksum_sha256.empty()) {
      node.append_child("ChecksumSHA256").text().set(part.checksum_sha256.c_str());
    }
  }
  std::ostringstream xml;
  request_doc.save(xml, "", pugi::format_raw | pugi::format_no_declaration);
  const std::string body = xml.str();
  call.body = body;
  call.headers.push_back({"Content-Type", "application/xml"});

  const int attempts = std::max(1, options_.max_attempts);
  Error error;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1 && !wait_before(attempt, error)) return error;
    WASL_ASSIGN_OR_RETURN(HttpResponse response, exchange(call));
    WASL_ASSIGN_OR_RETURN(std::string answer, document_of(call, response));
    pugi::xml_document doc;
    if (!doc.load_buffer(answer.data(), answer.size())) {
      return Error(
          ErrorCode::kInternal,
          "S3 CompleteMultipartUpload of " + call.subject() + " answered a body that is not XML",
          false);
    }
    if (doc.child("Error")) {
      HttpResponse failed = response;
      failed.body = std::move(answer);
      error = error_for(call, failed);
      if (!error.retryable) return error;
      continue;
    }
    pugi::xml_node result = doc.child("CompleteMultipartUploadResult");
    if (!result) {
      return Error(ErrorCode::kInternal,
                   "S3 CompleteMultipartUpload of " + call.subject() +
                       " answered no CompleteMultipartUploadResult",
                   false);
    }
    std::string etag = result.child_value("ETag");
    if (etag.empty()) {
      // Ceph 16's gateway answers an empty ETag; the object's HEAD has it.
      WASL_ASSIGN_OR_RETURN(S3ObjectHead head, head_object(bucket, key));
      etag = head.etag;
    }
    return etag;
  }
  return error;
}

Status S3Client::abort_multipart_upload(const std::string& bucket, const std::string& key,
                                        const std::string& upload_id) {
  Call call;
  call.operation = "AbortMultipartUpload";
  call.bucket = bucket;
  call.key = key;
  call.method = "DELETE";
  if (key.empty() || upload_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "S3 AbortMultipartUpload needs a key and an upload id", false);
  }
  call.query.push_back({"uploadId", upload_id});
  WASL_ASSIGN_OR_RETURN(HttpResponse response, exchange(call));
  (void)response;
  return {};
}

Result<std::vector<S3MultipartUpload>> S3Client::list_multipart_uploads(const std::string& bucket,
                                                                        const std::string& prefix) {
  static const Listing kUploads{
      "ListMultipartUploads",
      {"uploads", ""},
      "ListMultipartUploadsResult",
      {{"key-marker", "NextKeyMarker"}, {"upload-id-marker", "NextUploadIdMarker"}}};
  std::vector<S3MultipartUpload> out;
  WASL_RETURN_IF_ERROR(list_pages(
      bucket, prefix, kUploads, [&out](const Call& call, pugi::xml_node result) -> Status {
        for (pugi::xml_node item = result.child("Upload"); item;
             item = item.next_sibling("Upload")) {
          S3MultipartUpload upload;
          upload.key = item.child_value("Key");
          upload.upload_id = item.child_value("UploadId");
          upload.initiated = item.child_value("Initiated");
          if (upload.key.empty() || upload.key.size() > kMaxKeyBytes || upload.upload_id.empty() ||
              upload.upload_id.size() > 1024) {
            return Error(ErrorCode::kInternal,
                         "S3 ListMultipartUploads of " + call.subject() +
                             " answered an upload without a key or an upload id",
                         false);
          }
          out.push_back(std::move(upload));
        }
        return {};
      }));
  return out;
}

}  // namespace wasl::sdk::aws
