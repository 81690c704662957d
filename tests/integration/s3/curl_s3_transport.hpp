// CurlS3Transport: an S3Transport over libcurl for tests that talk to a real
// S3 store (the Ceph gateway). One easy handle per request; thread-safe.
// Test code only: the hub adapts its own HTTP client, a plugin its Host.
#pragma once

#include "wasl/sdk/aws/s3_transport.hpp"

namespace wasl::testing {

class CurlS3Transport : public wasl::sdk::aws::S3Transport {
 public:
  wasl::sdk::Result<wasl::sdk::HttpResponse> send(const wasl::sdk::HttpRequest& request) override;
  wasl::sdk::Result<wasl::sdk::HttpResponse> send_streaming(
      const wasl::sdk::HttpRequest& request, const wasl::sdk::ChunkSink& sink) override;

 private:
  wasl::sdk::Result<wasl::sdk::HttpResponse> perform(const wasl::sdk::HttpRequest& request,
                                                     const wasl::sdk::ChunkSink* sink);
};

}  // namespace wasl::testing
