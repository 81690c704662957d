// MediaPipelinesClient: the Amazon Chime SDK Media Pipelines API (2021-07-15,
// signing name "chime") operations recording needs: media capture to an S3
// sink, and concatenation of a capture into one file.
//
// Thread-safe (stateless over a thread-safe transport).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/chime/aws_transport.hpp"
#include "plugins/chime/settings.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::chime {

struct MediaPipeline {
  enum class Kind { kCapture, kConcatenation, kOther };
  Kind kind = Kind::kOther;
  std::string id;
  std::string arn;
  std::string status;  // Initializing, InProgress, Failed, Stopping, Stopped, Paused, NotStarted
  std::string source_arn;  // capture: the meeting ARN
  std::string sink_arn;    // capture: SinkArn; concatenation: the S3 sink Destination
  std::string created_at;  // ISO 8601 as Chime answers it
  nlohmann::json raw;      // the model's MediaCapturePipeline / MediaConcatenationPipeline

  bool active() const { return status == "Initializing" || status == "InProgress"; }
};

class MediaPipelinesClient {
 public:
  // Both borrowed; they outlive the client.
  MediaPipelinesClient(AwsTransport& transport, const Endpoint& endpoint)
      : transport_(transport), endpoint_(endpoint) {}

  // The bodies the creates send (tests assert them).
  static nlohmann::json capture_body(const std::string& client_request_token,
                                     const std::string& meeting_arn, const std::string& sink_arn);
  static nlohmann::json concatenation_body(const std::string& client_request_token,
                                           const std::string& capture_pipeline_arn,
                                           const std::string& sink_arn);

  // POST /sdk-media-capture-pipelines: audio with the composited video of the
  // meeting. kAlreadyExists (409) when another capture is active for it.
  wasl::sdk::Result<MediaPipeline> create_capture(const std::string& client_request_token,
                                                  const std::string& meeting_arn,
                                                  const std::string& sink_arn);
  // GET /sdk-media-capture-pipelines/{id}.
  wasl::sdk::Result<MediaPipeline> get_capture(const std::string& pipeline_id);
  // DELETE /sdk-media-capture-pipelines/{id}: stops the capture.
  wasl::sdk::Status delete_capture(const std::string& pipeline_id);
  // GET /sdk-media-capture-pipelines, every page: the pipeline ids.
  wasl::sdk::Result<std::vector<std::string>> list_captures();
  // POST /sdk-media-concatenation-pipelines: the capture's composited video
  // and audio concatenated into one file in `sink_arn`.
  wasl::sdk::Result<MediaPipeline> create_concatenation(const std::string& client_request_token,
                                                        const std::string& capture_pipeline_arn,
                                                        const std::string& sink_arn);
  // GET /sdk-media-pipelines/{id}: a pipeline of any kind.
  wasl::sdk::Result<MediaPipeline> get_pipeline(const std::string& pipeline_id);

  static constexpr int kMaxListPages = 1000;

 private:
  AwsCall make_call(std::string operation, std::string method, std::string path) const;

  AwsTransport& transport_;
  const Endpoint& endpoint_;
};

// Parses {"MediaCapturePipeline": …} / {"MediaConcatenationPipeline": …}
// (the body of a create or get, or GetMediaPipeline's MediaPipeline).
wasl::sdk::Result<MediaPipeline> pipeline_from_json(const nlohmann::json& holder);

}  // namespace wasl::plugins::chime
