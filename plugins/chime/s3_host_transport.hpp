// S3HostTransport: the SDK's S3Client (wasl/sdk/aws/s3_client.hpp) over the
// Chime instance's AwsTransport: each request goes out through the Host's
// HTTP client after a token of the instance's rate limit, signed with the
// Host's clock; waits between attempts use the transport's sleeper and
// retries are logged through the Host.
//
// Thread-safe (AwsTransport is).
#pragma once

#include "plugins/chime/aws_transport.hpp"
#include "plugins/chime/settings.hpp"
#include "wasl/sdk/aws/s3_client.hpp"
#include "wasl/sdk/aws/s3_transport.hpp"

namespace wasl::plugins::chime {

class S3HostTransport final : public wasl::sdk::aws::S3Transport {
 public:
  // `transport` is borrowed and outlives this adapter.
  explicit S3HostTransport(AwsTransport& transport) : transport_(transport) {}

  wasl::sdk::Result<wasl::sdk::HttpResponse> send(const wasl::sdk::HttpRequest& request) override;
  wasl::sdk::Result<wasl::sdk::HttpResponse> send_streaming(
      const wasl::sdk::HttpRequest& request, const wasl::sdk::ChunkSink& sink) override;
  std::chrono::system_clock::time_point now() override { return transport_.host().now(); }
  void sleep(std::chrono::nanoseconds duration) override { transport_.sleep(duration); }
  void warn(std::string_view message) override;

 private:
  AwsTransport& transport_;
};

// The S3 endpoint and client options of a Chime instance: path-style
// addressing of settings.s3 with the instance's region, credentials and
// retry policy; GetObject exchanges bounded by media_timeout.
wasl::sdk::aws::S3Endpoint s3_endpoint(const ChimeSettings& settings);
wasl::sdk::aws::S3ClientOptions s3_options(const ChimeSettings& settings);

}  // namespace wasl::plugins::chime
