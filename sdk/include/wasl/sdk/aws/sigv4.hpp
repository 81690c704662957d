// AWS Signature Version 4 (header form, algorithm AWS4-HMAC-SHA256) for AWS
// APIs and what speaks them: Chime SDK Meetings and Media Pipelines (signing
// name "chime"), S3 and S3-compatible stores such as Ceph's gateway ("s3").
// Built as the static library wasl_sdk_aws (CMake target WaslSDK::aws for a
// plugin built against the installed SDK), which links OpenSSL's libcrypto.
//
// Written against the SigV4 specification; SHA-256 and HMAC-SHA-256 come from
// OpenSSL. Every function is pure (no state, no clock, no I/O) and therefore
// safe to call from any thread. No function puts a secret into an error.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::sdk::aws {

// The payload-hash value that tells S3 the body is not covered by the signature.
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  // Temporary credentials (STS) carry a session token, sent as X-Amz-Security-Token.
  std::optional<std::string> session_token;
};

// One query parameter, decoded (no percent escapes). Repeated names are allowed.
struct QueryParameter {
  std::string name;
  std::string value;
};

// One HTTP header as the caller will send it; names are matched case-insensitively
// and a name may repeat (its values are then joined with commas, in order).
struct HeaderField {
  std::string name;
  std::string value;
};

// The request to sign. Borrowed views (`payload`) must stay valid for the call.
struct SigningRequest {
  std::string method;  // "GET", "POST", ... sent as is (case matters)
  // host[:port] exactly as the Host header will carry it. Used when `headers`
  // holds no Host header; if both are present they must agree.
  std::string host;
  // The path as it appears on the wire, already percent-encoded once (use
  // uri_encode(segment, false) to build it). Empty means "/".
  std::string path;
  std::vector<QueryParameter> query;
  // Headers to sign, in any order. Authorization, X-Amz-Date and
  // X-Amz-Security-Token given here are ignored (the signer produces them), as
  // is x-amz-content-sha256 for S3. Hop-by-hop headers (Connection, Keep-Alive,
  // Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade, Expect) and User-Agent
  // and X-Amzn-Trace-Id are sent but not signed, since intermediaries change them.
  std::vector<HeaderField> headers;
  // The body. Ignored when `payload_hash` is set.
  std::string_view payload;
  // The lowercase hex SHA-256 of the body, or kUnsignedPayload (S3 only), for
  // a body the caller streams and hashed itself.
  std::optional<std::string> payload_hash;
};

struct SigningScope {
  std::string region;                          // e.g. "us-east-1"
  std::string service;                         // signing name: "chime", "s3", ...
  std::chrono::system_clock::time_point time;  // the request time, UTC; second precision
};

struct SignedRequest {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // 64 lowercase hex digits
  std::string signed_headers;  // e.g. "content-type;host;x-amz-date"
  std::string authorization;   // the value of the Authorization header
  // Headers the caller must add to the request as sent, in this order:
  // X-Amz-Date, X-Amz-Security-Token (with a session token),
  // x-amz-content-sha256 (service "s3"), Authorization.
  std::vector<HeaderField> headers_to_add;
};

// Signs `request` for `scope` with `credentials`.
// Errors: kInvalidArgument when the request cannot be signed as given (empty
// method, no host, a header name that is not an HTTP token, a header value
// with CR or LF, a malformed payload hash, empty credentials, region or
// service); kInternal when OpenSSL fails.
// Service "s3" follows S3's rules: the path is signed as given (no
// normalisation, no second encoding) and x-amz-content-sha256 is signed.
// Every other service normalises the path ("." and ".." segments, empty
// segments) and encodes it a second time.
wasl::sdk::Result<SignedRequest> sign_request(const SigningRequest& request,
                                              const AwsCredentials& credentials,
                                              const SigningScope& scope);

// --- The building blocks, exposed for tests and for callers that build URLs.

// RFC 3986 percent-encoding as SigV4 defines it: every byte except A-Z a-z 0-9
// '-' '.' '_' '~' becomes %XY (upper-case hex); '/' is kept when !encode_slash.
std::string uri_encode(std::string_view text, bool encode_slash);

// Decodes a raw query string ("a=1&b=x%2Fy") into parameters. '+' is kept as
// a literal plus (AWS clients encode a space as %20). A parameter without '='
// has an empty value. Errors: kInvalidArgument on a malformed %-escape.
wasl::sdk::Result<std::vector<QueryParameter>> parse_query(std::string_view raw_query);

// The canonical URI for `service` (see sign_request for the S3 difference).
std::string canonical_path(std::string_view wire_path, std::string_view service);

// The canonical query string: names and values encoded with uri_encode(…, true),
// sorted by encoded name, then encoded value; empty values kept as "name=".
std::string canonical_query(const std::vector<QueryParameter>& query);

// "YYYYMMDDTHHMMSSZ" for `time` in UTC (sub-second part dropped).
std::string format_amz_date(std::chrono::system_clock::time_point time);

// Lowercase hex SHA-256 of `data`. Errors: kInternal when OpenSSL fails.
wasl::sdk::Result<std::string> sha256_hex(std::string_view data);

// The signing key: HMAC chain over "AWS4"+secret, date (YYYYMMDD), region,
// service and "aws4_request". Returns the 32 raw key bytes.
// Errors: kInternal when OpenSSL fails.
wasl::sdk::Result<std::string> derive_signing_key(std::string_view secret_access_key,
                                                  std::string_view date, std::string_view region,
                                                  std::string_view service);

}  // namespace wasl::sdk::aws
