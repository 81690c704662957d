#include "wasl/sdk/aws/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/percent_encoding.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::sdk::aws {
namespace {

using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Result;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kS3Service = "s3";

// RFC 7230 tchar.
bool is_token_char(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= 'a' && c <= 'z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_lower_hex_digest(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Headers the signer produces itself; a caller's copy is dropped.
bool is_generated_header(std::string_view lower_name, bool s3) {
  return lower_name == "authorization" || lower_name == "x-amz-date" ||
         lower_name == "x-amz-security-token" || (s3 && lower_name == "x-amz-content-sha256");
}

// Headers that are sent but never signed: intermediaries may add, drop or rewrite them.
bool is_unsignable_header(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "connection", "expect",     "keep-alive",      "te",          "trailer", "transfer-encoding",
      "upgrade",    "user-agent", "x-amzn-trace-id", "max-forwards"};
  if (lower_name.rfind("proxy-", 0) == 0) return true;
  return std::find(kNames.begin(), kNames.end(), lower_name) != kNames.end();
}

// Trims the value and collapses each run of spaces and tabs into one space.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

Result<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &out_size) == nullptr ||
      out_size != 32) {
    return Error(ErrorCode::kInternal, "OpenSSL failed to compute HMAC-SHA-256 for SigV4 signing");
  }
  return std::string(reinterpret_cast<const char*>(out), out_size);
}

}  // namespace

std::string uri_encode(std::string_view text, bool encode_slash) {
  return sdk::percent_encode(text, encode_slash ? "" : "/");
}

Result<std::vector<QueryParameter>> parse_query(std::string_view raw_query) {
  auto decode = [](std::string_view part) -> Result<std::string> {
    std::string out;
    out.reserve(part.size());
    for (std::size_t i = 0; i < part.size(); ++i) {
      if (part[i] != '%') {
        out.push_back(part[i]);
        continue;
      }
      if (i + 2 >= part.size()) {
        return Error(ErrorCode::kInvalidArgument,
                     "The query string has a '%' that is not followed by two hex digits.");
      }
      const int hi = sdk::hex_digit_value(part[i + 1]);
      const int lo = sdk::hex_digit_value(part[i + 2]);
      if (hi < 0 || lo < 0) {
        return Error(ErrorCode::kInvalidArgument,
                     "The query string has a '%' that is not followed by two hex digits.");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
    return out;
  };

  std::vector<QueryParameter> params;
  if (raw_query.empty()) return params;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    std::size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    const std::string_view pair = raw_query.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      WASL_ASSIGN_OR_RETURN(std::string name, decode(pair.substr(0, eq)));
      std::string value;
      if (eq != std::string_view::npos) {
        WASL_ASSIGN_OR_RETURN(value, decode(pair.substr(eq + 1)));
      }
      params.push_back({std::move(name), std::move(value)});
    }
    start = end + 1;
  }
  return params;
}

std::string canonical_path(std::string_view wire_path, std::string_view service) {
  if (wire_path.empty()) return "/";
  if (service == kS3Service) return std::string(wire_path);

  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= wire_path.size()) {
    std::size_t end = wire_path.find('/', start);
    if (end == std::string_view::npos) end = wire_path.size();
    const std::string_view segment = wire_path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string normalized = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) normalized.push_back('/');
    normalized.append(segments[i]);
  }
  if (!segments.empty() && wire_path.back() == '/') normalized.push_back('/');
  return uri_encode(normalized, false);
}

std::string canonical_query(const std::vector<QueryParameter>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& param : query) {
    encoded.emplace_back(uri_encode(param.name, true), uri_encode(param.value, true));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(name).append("=").append(value);
  }
  return out;
}

std::string format_amz_date(std::chrono::system_clock::time_point time) {
  return sdk::format_iso8601_basic(
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count());
}

Result<std::string> sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1 ||
      size != 32) {
    return Error(ErrorCode::kInternal, "OpenSSL failed to compute SHA-256 for SigV4 signing");
  }
  return sdk::to_hex(digest, size);
}

Result<std::string> derive_signing_key(std::string_view secret_access_key, std::string_view date,
                                       std::string_view region, std::string_view service) {
  std::string secret = "AWS4";
  secret.append(secret_access_key);
  WASL_ASSIGN_OR_RETURN(std::string k_date, hmac_sha256(secret, date));
  std::fill(secret.begin(), secret.end(), '\0');
  WASL_ASSIGN_OR_RETURN(std::string k_region, hmac_sha256(k_date, region));
  WASL_ASSIGN_OR_RETURN(std::string k_service, hmac_sha256(k_region, service));
  return hmac_sha256(k_service, kTerminator);
}

Result<SignedRequest> sign_request(const SigningRequest& request, const AwsCredentials& credentials,
                                   const SigningScope& scope) {
  if (request.method.empty()) {
    return Error(ErrorCode::kInvalidArgument, "SigV4: the request has no HTTP method.");
  }
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "SigV4: the access key id or the secret access key is empty; check the "
                 "plugin's credential settings.");
  }
  if (scope.region.empty() || scope.service.empty()) {
    return Error(ErrorCode::kInvalidArgument, "SigV4: the region or the signing service is empty.");
  }
  const bool s3 = scope.service == kS3Service;

  // Payload hash.
  std::string payload_hash;
  if (request.payload_hash) {
    payload_hash = *request.payload_hash;
    const bool unsigned_payload = payload_hash == kUnsignedPayload;
    if (!is_lower_hex_digest(payload_hash) && !(unsigned_payload && s3)) {
      return Error(ErrorCode::kInvalidArgument,
                   "SigV4: the payload hash must be 64 lowercase hex digits (or UNSIGNED-PAYLOAD "
                   "for S3).");
    }
  } else {
    WASL_ASSIGN_OR_RETURN(payload_hash, sha256_hex(request.payload));
  }

  const std::string amz_date = format_amz_date(scope.time);
  const std::string short_date = amz_date.substr(0, 8);

  // Canonical headers: lowercase names, values trimmed and collapsed, repeated
  // names joined with commas in the order given; std::map sorts the names.
  std::map<std::string, std::string> canonical_headers;
  for (const auto& header : request.headers) {
    if (header.name.empty() || !std::all_of(header.name.begin(), header.name.end(), [](char c) {
          return is_token_char(static_cast<unsigned char>(c));
        })) {
      return Error(ErrorCode::kInvalidArgument,
                   "SigV4: a header name is empty or is not an HTTP token.");
    }
    if (header.value.find_first_of("\r\n") != std::string::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "SigV4: the value of header '" + header.name + "' contains CR or LF.");
    }
    std::string name = to_lower(header.name);
    if (is_generated_header(name, s3) || is_unsignable_header(name)) continue;
    std::string value = canonical_header_value(header.value);
    auto [it, inserted] = canonical_headers.try_emplace(std::move(name), value);
    if (!inserted) it->second.append(",").append(value);
  }
  auto host = canonical_headers.find("host");
  if (host == canonical_headers.end()) {
    if (request.host.empty()) {
      return Error(ErrorCode::kInvalidArgument, "SigV4: the request has no host.");
    }
    canonical_headers.emplace("host", canonical_header_value(request.host));
  } else if (!request.host.empty() && host->second != canonical_header_value(request.host)) {
    return Error(ErrorCode::kInvalidArgument,
                 "SigV4: the Host header and the request's host differ.");
  }

  std::vector<HeaderField> headers_to_add;
  headers_to_add.push_back({"X-Amz-Date", amz_date});
  canonical_headers["x-amz-date"] = amz_date;
  if (credentials.session_token && !credentials.session_token->empty()) {
    if (credentials.session_token->find_first_of("\r\n") != std::string::npos) {
      return Error(ErrorCode::kInvalidArgument, "SigV4: the session token contains CR or LF.");
    }
    headers_to_add.push_back({"X-Amz-Security-Token", *credentials.session_token});
    canonical_headers["x-amz-security-token"] = canonical_header_value(*credentials.session_token);
  }
  if (s3) {
    headers_to_add.push_back({"x-amz-content-sha256", payload_hash});
    canonical_headers["x-amz-content-sha256"] = payload_hash;
  }

  SignedRequest out;
  std::string header_block;
  for (const auto& [name, value] : canonical_headers) {
    header_block.append(name).append(":").append(value).append("\n");
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers.append(name);
  }

  out.canonical_request.append(request.method).append("\n");
  out.canonical_request.append(canonical_path(request.path, scope.service)).append("\n");
  out.canonical_request.append(canonical_query(request.query)).append("\n");
  out.canonical_request.append(header_block).append("\n");
  out.canonical_request.append(out.signed_headers).append("\n");
  out.canonical_request.append(payload_hash);

  const std::string credential_scope =
      short_date + "/" + scope.region + "/" + scope.service + "/" + std::string(kTerminator);
  WASL_ASSIGN_OR_RETURN(std::string canonical_hash, sha256_hex(out.canonical_request));
  out.string_to_sign.append(kAlgorithm).append("\n");
  out.string_to_sign.append(amz_date).append("\n");
  out.string_to_sign.append(credential_scope).append("\n");
  out.string_to_sign.append(canonical_hash);

  WASL_ASSIGN_OR_RETURN(
      std::string signing_key,
      derive_signing_key(credentials.secret_access_key, short_date, scope.region, scope.service));
  WASL_ASSIGN_OR_RETURN(std::string raw_signature, hmac_sha256(signing_key, out.string_to_sign));
  std::fill(signing_key.begin(), signing_key.end(), '\0');
  out.signature = sdk::to_hex(raw_signature);

  out.authorization.append(kAlgorithm)
      .append(" Credential=")
      .append(credentials.access_key_id)
      .append("/")
      .append(credential_scope)
      .append(", SignedHeaders=")
      .append(out.signed_headers)
      .append(", Signature=")
      .append(out.signature);
  headers_to_add.push_back({"Authorization", out.authorization});
  out.headers_to_add = std::move(headers_to_add);
  return out;
}

}  // namespace wasl::sdk::aws
