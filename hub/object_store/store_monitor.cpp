#include "hub/object_store/store_monitor.hpp"

#include <utility>

namespace wasl::object_store {

namespace {

constexpr const char* kUpName = "wasl_object_store_up";
constexpr const char* kUpHelp =
    "1 when the object store answered its last request, 0 when it did not (no answer, 5xx, "
    "401 or 403).";
constexpr const char* kSecondsName = "wasl_object_store_request_seconds";
constexpr const char* kSecondsHelp = "Object store requests' latency, by store and operation.";
constexpr const char* kRequestsName = "wasl_object_store_requests_total";
constexpr const char* kRequestsHelp =
    "Object store requests, by store, operation and outcome (an HTTP status, or the "
    "transport's error code when there was no answer).";
constexpr const char* kBytesName = "wasl_object_store_bytes_written_total";
constexpr const char* kBytesHelp = "Bytes of objects and parts the object store accepted.";

// Seconds: 1 ms to 5 min, as a part of 8 MiB on a slow link may take minutes.
const std::vector<double>& request_buckets() {
  static const std::vector<double> buckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                              1,     2.5,   5,    10,    30,   60,  120,  300};
  return buckets;
}

bool has_query(std::string_view url, std::string_view name) {
  const auto q = url.find('?');
  if (q == std::string_view::npos) return false;
  std::string_view query = url.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    if (item.substr(0, item.find('=')) == name) return true;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

}  // namespace

std::string_view to_string(StoreState::Reachability reachability) {
  switch (reachability) {
    case StoreState::Reachability::kUp: return "up";
    case StoreState::Reachability::kDown: return "down";
    case StoreState::Reachability::kUnknown: break;
  }
  return "unknown";
}

std::string s3_operation(const sdk::HttpRequest& request) {
  const std::string_view url = request.url;
  const std::string& method = request.method;
  if (method == "PUT") return has_query(url, "partNumber") ? "upload_part" : "put_object";
  if (method == "HEAD") return "head_object";
  if (method == "POST") {
    return has_query(url, "uploads") ? "create_multipart_upload" : "complete_multipart_upload";
  }
  if (method == "DELETE") {
    return has_query(url, "uploadId") ? "abort_multipart_upload" : "delete_object";
  }
  if (method == "GET") {
    if (has_query(url, "uploads")) return "list_multipart_uploads";
    if (has_query(url, "list-type")) return "list_objects";
    return "get_object";
  }
  return "other";
}

StoreMonitor::StoreMonitor(std::string store, observability::Metrics* metrics)
    : store_(std::move(store)), metrics_(metrics) {}

void StoreMonitor::record(const sdk::HttpRequest& request, std::size_t body_bytes,
                          const sdk::Result<sdk::HttpResponse>& answer, double seconds,
                          std::int64_t now_ms) {
  const std::string operation = s3_operation(request);
  std::string outcome;
  bool up = true;
  std::optional<std::string> failure;
  if (answer.ok()) {
    const int status = answer->status;
    outcome = std::to_string(status);
    if (status >= 500 || status == 401 || status == 403) {
      up = false;
      failure = operation + ": the store answered HTTP " + outcome;
    }
  } else {
    outcome = std::string(sdk::to_string(answer.error().code));
    // A sink that stopped the transfer (the reader's own error) says
    // nothing about the store.
    if (answer.error().code != sdk::ErrorCode::kCancelled) {
      up = false;
      failure = operation + ": no answer (" + outcome + ")";
    }
  }
  if (metrics_ != nullptr) {
    metrics_->histogram_observe(kSecondsName, kSecondsHelp,
                                {{"store", store_}, {"operation", operation}}, seconds,
                                request_buckets());
    metrics_->counter_add(kRequestsName, kRequestsHelp,
                          {{"store", store_}, {"operation", operation}, {"outcome", outcome}});
    if (answer.ok() && answer->status / 100 == 2 && request.method == "PUT") {
      metrics_->counter_add(kBytesName, kBytesHelp, {{"store", store_}},
                            static_cast<double>(body_bytes));
    }
  }
  if (answer.ok() || failure) mark(up, std::move(failure), now_ms);
}

void StoreMonitor::mark(bool up, std::optional<std::string> failure, std::int64_t now_ms) {
  {
    std::lock_guard lock(mutex_);
    state_.reachability = up ? StoreState::Reachability::kUp : StoreState::Reachability::kDown;
    if (failure) {
      state_.last_error = std::move(*failure);
      state_.last_error_at_ms = now_ms;
    } else {
      state_.last_success_at_ms = now_ms;
    }
  }
  if (metrics_ != nullptr) metrics_->gauge_set(kUpName, kUpHelp, {{"store", store_}}, up ? 1 : 0);
}

StoreState StoreMonitor::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace wasl::object_store
