#include "plugins/chime/s3_host_transport.hpp"

#include <string>

namespace wasl::plugins::chime {

wasl::sdk::Result<wasl::sdk::HttpResponse> S3HostTransport::send(
    const wasl::sdk::HttpRequest& request) {
  WASL_RETURN_IF_ERROR(transport_.pace());
  return transport_.host().http(request);
}

wasl::sdk::Result<wasl::sdk::HttpResponse> S3HostTransport::send_streaming(
    const wasl::sdk::HttpRequest& request, const wasl::sdk::ChunkSink& sink) {
  WASL_RETURN_IF_ERROR(transport_.pace());
  return transport_.host().http_streaming(request, sink);
}

void S3HostTransport::warn(std::string_view message) {
  transport_.host().log(wasl::sdk::LogLevel::kWarn, std::string(message));
}

wasl::sdk::aws::S3Endpoint s3_endpoint(const ChimeSettings& settings) {
  wasl::sdk::aws::S3Endpoint endpoint;
  endpoint.base_url = settings.s3.origin() + settings.s3.base_path;
  endpoint.region = settings.region;
  endpoint.path_style = true;
  endpoint.credentials = settings.credentials;
  return endpoint;
}

wasl::sdk::aws::S3ClientOptions s3_options(const ChimeSettings& settings) {
  wasl::sdk::aws::S3ClientOptions options;
  options.max_attempts = settings.retry.max_attempts;
  options.initial_backoff = settings.retry.initial_backoff;
  options.max_delay = settings.retry.max_delay;
  options.request_timeout = settings.request_timeout;
  options.transfer_timeout = settings.media_timeout;
  return options;
}

}  // namespace wasl::plugins::chime
