// HttpS3Transport: the SDK's S3 client (wasl/sdk/aws/s3_client.hpp) over the
// hub's own HTTP client (plugin_host::HttpClient, libcurl): bodies go from
// the caller's buffer to the socket with no base64 and no JSON around them,
// connections and TLS sessions are reused.
//
// Thread-safe (the HTTP client and the monitor are).
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "hub/object_store/store_monitor.hpp"
#include "hub/plugin_host/http_client.hpp"
#include "wasl/sdk/aws/s3_transport.hpp"

namespace wasl::object_store {

class HttpS3Transport final : public sdk::aws::S3Transport {
 public:
  // `store` names the store in warnings ("archive store 'ceph'"); every
  // request is recorded in `monitor` (may be null; must outlive this).
  HttpS3Transport(plugin_host::HttpClientOptions options, std::string store,
                  StoreMonitor* monitor = nullptr);

  sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request) override;
  // Sends `body` from the caller's buffer: a part is never copied.
  sdk::Result<sdk::HttpResponse> send_body(const sdk::HttpRequest& request,
                                           std::string_view body) override;
  sdk::Result<sdk::HttpResponse> send_streaming(const sdk::HttpRequest& request,
                                                const sdk::ChunkSink& sink) override;
  void warn(std::string_view message) override;

 private:
  plugin_host::HttpClient client_;
  std::string store_;
  StoreMonitor* monitor_;
};

}  // namespace wasl::object_store
