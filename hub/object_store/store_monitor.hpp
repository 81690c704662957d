// StoreMonitor: what an S3 store's requests showed, for /metrics and
// /readyz. Every request the store sends (HttpS3Transport) is recorded:
//
//   wasl_object_store_up{store}                    1 when the last request
//                                                  was answered, 0 when not
//   wasl_object_store_request_seconds{store,operation}   latency histogram
//   wasl_object_store_requests_total{store,operation,outcome}
//   wasl_object_store_bytes_written_total{store}    bytes of objects and parts
//                                                  the store accepted
//
// "Down" is a request with no answer (connection refused, timeout) or one
// the store answered with 5xx, 401 or 403: the store cannot take recordings.
// A 404, 409 or 412 is an ordinary S3 answer (an absent key, a finished
// upload) and leaves the store up. The last failure is kept (what, when)
// for /readyz; its text names the operation and the HTTP status or the
// transport's error, never a key (keys name facilities and recordings, and
// /readyz is unauthenticated) or a credential.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "hub/observability/metrics.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::object_store {

struct StoreState {
  enum class Reachability { kUnknown, kUp, kDown };
  Reachability reachability = Reachability::kUnknown;  // unknown: no request yet
  std::string last_error;                              // empty: none since start
  std::int64_t last_error_at_ms = 0;
  std::int64_t last_success_at_ms = 0;
};

std::string_view to_string(StoreState::Reachability reachability);

// The S3 operation a request of the S3 client is ("upload_part", "head_object", …).
std::string s3_operation(const sdk::HttpRequest& request);

class StoreMonitor {
 public:
  // `metrics` may be null (nothing exported; the state is still kept); it
  // must outlive this object.
  StoreMonitor(std::string store, observability::Metrics* metrics);

  // One request, the size of the body it sent, and what came of it:
  // `answer` when the store answered (any status), else the transport's error.
  void record(const sdk::HttpRequest& request, std::size_t body_bytes,
              const sdk::Result<sdk::HttpResponse>& answer, double seconds, std::int64_t now_ms);

  StoreState state() const;
  const std::string& store() const { return store_; }

 private:
  void mark(bool up, std::optional<std::string> failure, std::int64_t now_ms);

  const std::string store_;
  observability::Metrics* const metrics_;
  mutable std::mutex mutex_;
  StoreState state_;
};

}  // namespace wasl::object_store
