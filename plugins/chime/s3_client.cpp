#include "plugins/chime/s3_client.hpp"

#include <algorithm>

#include <pugixml.hpp>

#include "wasl/sdk/backoff.hpp"
#include "wasl/sdk/media_relay.hpp"

namespace wasl::plugins::chime {

using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::HttpResponse;
using wasl::sdk::Result;

namespace {

std::optional<std::int64_t> parse_int(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// "bytes 10-99/1000" -> 1000.
std::optional<std::int64_t> total_from_content_range(std::string_view value) {
  auto slash = value.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return parse_int(value.substr(slash + 1));
}

}  // namespace

std::string S3Client::object_path(const std::string& bucket, const std::string& key) {
  return "/" + uri_encode(bucket, true) + "/" + uri_encode(key, false);
}

Result<S3ObjectRead> S3Client::get_object(const std::string& bucket, const std::string& key,
                                          const wasl::sdk::ChunkSink& sink, std::int64_t offset) {
  S3ObjectRead read;
  const int attempts = std::max(1, transport_.retry_settings().max_attempts);
  const wasl::sdk::Backoff backoff{transport_.retry_settings().initial_backoff, 2.0,
                                   transport_.retry_settings().max_delay};
  Error last_error(ErrorCode::kUnavailable, "S3 GetObject was not attempted");

  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      std::chrono::milliseconds wait =
          last_error.retry_after.value_or(wasl::sdk::backoff_delay(backoff, attempt - 2));
      if (wait > transport_.retry_settings().max_delay) return last_error;
      transport_.host().log(
          wasl::sdk::LogLevel::kWarn,
          last_error.message + "; resuming at byte " + std::to_string(offset + read.delivered));
      if (wait.count() > 0) transport_.sleep(wait);
    }
    const std::int64_t start = offset + read.delivered;
    AwsCall call;
    call.operation = "GetObject";
    call.service = "s3";
    call.endpoint = &endpoint_;
    call.method = "GET";
    call.path = object_path(bucket, key);
    if (start > 0) call.headers.push_back({"Range", "bytes=" + std::to_string(start) + "-"});
    if (!read.etag.empty()) call.headers.push_back({"If-Match", read.etag});
    call.timeout = timeout_;

    wasl::sdk::MediaRelay relay(sink, kHoldBack);
    auto response = transport_.call_streaming(call, relay.chunk_sink());
    if (relay.sink_error()) return *relay.sink_error();
    if (!response.ok()) {
      read.delivered += relay.forwarded();
      last_error = std::move(response).error();
      last_error.message = "S3 GetObject: " + last_error.message;
      if (!last_error.retryable) return last_error;
      continue;
    }
    const HttpResponse& answer = *response;
    const bool success = answer.status == 200 || answer.status == 206;
    if (!success) {
      if (relay.forwarded() > 0) {
        return Error(ErrorCode::kInternal,
                     "S3 GetObject answered HTTP " + std::to_string(answer.status) +
                         " with a body larger than an error document; the stream is not usable",
                     false);
      }
      HttpResponse failed = answer;
      failed.body = relay.take_held();
      last_error = transport_.error_for(call, failed);
      if (answer.status == 412) {
        return Error(ErrorCode::kFailedPrecondition,
                     "the S3 object changed while it was being read; fetch it again", true);
      }
      if (!last_error.retryable) return last_error;
      continue;
    }
    if (start > 0 && answer.status != 206) {
      return Error(ErrorCode::kInternal,
                   "S3 GetObject ignored the Range of a resumed transfer; fetch it again", true);
    }
    WASL_RETURN_IF_ERROR(relay.finish());
    const std::int64_t forwarded = relay.forwarded();
    read.delivered += forwarded;
    if (read.etag.empty()) read.etag = answer.header("ETag");
    if (read.content_type.empty()) read.content_type = answer.header("Content-Type");
    auto length = parse_int(answer.header("Content-Length"));
    if (answer.status == 206) {
      if (auto total = total_from_content_range(answer.header("Content-Range"))) {
        read.object_size = *total;
      }
    } else if (length) {
      read.object_size = *length;
    }
    if (length && forwarded < *length) {
      last_error = Error(ErrorCode::kUnavailable,
                         "S3 GetObject ended after " + std::to_string(forwarded) + " of " +
                             std::to_string(*length) + " bytes",
                         true);
      continue;
    }
    return read;
  }
  return last_error;
}

Result<std::vector<S3ObjectSummary>> S3Client::list_objects(const std::string& bucket,
                                                            const std::string& prefix) {
  std::vector<S3ObjectSummary> out;
  std::string continuation;
  for (int page = 0; page < kMaxListPages; ++page) {
    AwsCall call;
    call.operation = "ListObjectsV2";
    call.service = "s3";
    call.endpoint = &endpoint_;
    call.method = "GET";
    call.path = "/" + uri_encode(bucket, true);
    call.query.push_back({"list-type", "2"});
    call.query.push_back({"prefix", prefix});
    if (!continuation.empty()) call.query.push_back({"continuation-token", continuation});
    WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
    pugi::xml_document doc;
    if (!doc.load_buffer(response.body.data(), response.body.size())) {
      return Error(ErrorCode::kInternal, "S3 ListObjectsV2 answered a body that is not XML", false);
    }
    pugi::xml_node result = doc.child("ListBucketResult");
    for (pugi::xml_node item = result.child("Contents"); item;
         item = item.next_sibling("Contents")) {
      S3ObjectSummary summary;
      summary.key = item.child_value("Key");
      summary.size = parse_int(item.child_value("Size")).value_or(0);
      out.push_back(std::move(summary));
    }
    std::string truncated = result.child_value("IsTruncated");
    continuation = result.child_value("NextContinuationToken");
    if (truncated != "true" || continuation.empty()) return out;
  }
  return Error(ErrorCode::kInternal, "S3 ListObjectsV2 kept answering more pages", false);
}

}  // namespace wasl::plugins::chime
