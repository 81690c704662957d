// S3Client: reads what the media pipelines wrote to the S3 sink, path-style,
// signed for service "s3": GetObject streamed chunk by chunk (with Range to
// resume after a broken transfer) and ListObjectsV2.
//
// Thread-safe (stateless over a thread-safe transport).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "plugins/chime/aws_transport.hpp"
#include "plugins/chime/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::chime {

struct S3ObjectSummary {
  std::string key;
  std::int64_t size = 0;
};

struct S3ObjectRead {
  std::string content_type;
  std::string etag;
  std::int64_t object_size = -1;  // the whole object's size; -1 when S3 did not say
  std::int64_t delivered = 0;     // bytes handed to the sink
};

class S3Client {
 public:
  // Both borrowed; they outlive the client. `timeout` bounds each GetObject
  // exchange (a large object needs more than an API call).
  S3Client(AwsTransport& transport, const Endpoint& endpoint, std::chrono::milliseconds timeout)
      : transport_(transport), endpoint_(endpoint), timeout_(timeout) {}

  // Streams object `key` of `bucket` from byte `offset` to its end into
  // `sink`, never holding more than one chunk plus kHoldBack bytes. A transfer
  // that breaks (no answer, a short body, a retryable status) is resumed with
  // Range from the first byte not yet delivered, pinned to the first answer's
  // ETag with If-Match, up to RetrySettings::max_attempts attempts.
  // Errors: the sink's error, as it returned it (no retry); those of
  // error_mapping.hpp (kNotFound for NoSuchKey); kFailedPrecondition when the
  // object changed between attempts.
  wasl::sdk::Result<S3ObjectRead> get_object(const std::string& bucket, const std::string& key,
                                             const wasl::sdk::ChunkSink& sink,
                                             std::int64_t offset = 0);

  // ListObjectsV2 of `bucket` under `prefix`, every page.
  wasl::sdk::Result<std::vector<S3ObjectSummary>> list_objects(const std::string& bucket,
                                                               const std::string& prefix);

  // The first bytes of an answer are held back until the status is known, so
  // an error document never reaches the sink; S3's error documents are smaller.
  static constexpr std::size_t kHoldBack = 8192;
  static constexpr int kMaxListPages = 1000;

  // "/bucket/key" with each part encoded for S3 ('/' kept in the key).
  static std::string object_path(const std::string& bucket, const std::string& key);

 private:
  AwsTransport& transport_;
  const Endpoint& endpoint_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace wasl::plugins::chime
