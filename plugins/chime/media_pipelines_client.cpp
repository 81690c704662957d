#include "plugins/chime/media_pipelines_client.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::plugins::chime {

using nlohmann::json;
using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Result;

namespace {}  // namespace

Result<MediaPipeline> pipeline_from_json(const json& holder) {
  MediaPipeline out;
  const json* p = nullptr;
  if (holder.is_object() && holder.contains("MediaCapturePipeline")) {
    out.kind = MediaPipeline::Kind::kCapture;
    p = &holder["MediaCapturePipeline"];
  } else if (holder.is_object() && holder.contains("MediaConcatenationPipeline")) {
    out.kind = MediaPipeline::Kind::kConcatenation;
    p = &holder["MediaConcatenationPipeline"];
  }
  if (p == nullptr || !p->is_object() || sdk::string_member(*p, "MediaPipelineId").empty()) {
    return Error(ErrorCode::kInternal,
                 "Chime answered a media pipeline that is neither a capture nor a concatenation",
                 false);
  }
  out.id = sdk::string_member(*p, "MediaPipelineId");
  out.arn = sdk::string_member(*p, "MediaPipelineArn");
  out.status = sdk::string_member(*p, "Status");
  out.created_at = sdk::string_member(*p, "CreatedTimestamp");
  if (out.kind == MediaPipeline::Kind::kCapture) {
    out.source_arn = sdk::string_member(*p, "SourceArn");
    out.sink_arn = sdk::string_member(*p, "SinkArn");
  } else {
    const json& sinks = p->contains("Sinks") ? (*p)["Sinks"] : json();
    if (sinks.is_array() && !sinks.empty() && sinks[0].is_object()) {
      const json& config = sdk::object_member(sinks[0], "S3BucketSinkConfiguration");
      if (config.is_object()) out.sink_arn = sdk::string_member(config, "Destination");
    }
    const json& sources = p->contains("Sources") ? (*p)["Sources"] : json();
    if (sources.is_array() && !sources.empty() && sources[0].is_object()) {
      const json& config =
          sdk::object_member(sources[0], "MediaCapturePipelineSourceConfiguration");
      if (config.is_object()) out.source_arn = sdk::string_member(config, "MediaPipelineArn");
    }
  }
  out.raw = *p;
  return out;
}

AwsCall MediaPipelinesClient::make_call(std::string operation, std::string method,
                                        std::string path) const {
  AwsCall call;
  call.operation = std::move(operation);
  call.service = "chime";
  call.endpoint = &endpoint_;
  call.method = std::move(method);
  call.path = std::move(path);
  return call;
}

json MediaPipelinesClient::capture_body(const std::string& client_request_token,
                                        const std::string& meeting_arn,
                                        const std::string& sink_arn) {
  return {
      {"SourceType", "ChimeSdkMeeting"},
      {"SourceArn", meeting_arn},
      {"SinkType", "S3Bucket"},
      {"SinkArn", sink_arn},
      {"ClientRequestToken", client_request_token},
      {"ChimeSdkMeetingConfiguration",
       {{"ArtifactsConfiguration",
         {{"Audio", {{"MuxType", "AudioWithCompositedVideo"}}},
          {"Video", {{"State", "Disabled"}}},
          {"Content", {{"State", "Disabled"}}},
          {"CompositedVideo",
           {{"Layout", "GridView"},
            {"Resolution", "FHD"},
            {"GridViewConfiguration", {{"ContentShareLayout", "PresenterOnly"}}}}}}}}},
  };
}

json MediaPipelinesClient::concatenation_body(const std::string& client_request_token,
                                              const std::string& capture_pipeline_arn,
                                              const std::string& sink_arn) {
  json enabled = {{"State", "Enabled"}};
  json disabled = {{"State", "Disabled"}};
  return {
      {"Sources", json::array({{{"Type", "MediaCapturePipeline"},
                                {"MediaCapturePipelineSourceConfiguration",
                                 {{"MediaPipelineArn", capture_pipeline_arn},
                                  {"ChimeSdkMeetingConfiguration",
                                   {{"ArtifactsConfiguration",
                                     {{"Audio", enabled},
                                      {"Video", disabled},
                                      {"Content", disabled},
                                      {"DataChannel", disabled},
                                      {"TranscriptionMessages", disabled},
                                      {"MeetingEvents", disabled},
                                      {"CompositedVideo", enabled}}}}}}}}})},
      {"Sinks", json::array({{{"Type", "S3Bucket"},
                              {"S3BucketSinkConfiguration", {{"Destination", sink_arn}}}}})},
      {"ClientRequestToken", client_request_token},
  };
}

Result<MediaPipeline> MediaPipelinesClient::create_capture(const std::string& client_request_token,
                                                           const std::string& meeting_arn,
                                                           const std::string& sink_arn) {
  AwsCall call = make_call("CreateMediaCapturePipeline", "POST", "/sdk-media-capture-pipelines");
  call.body = capture_body(client_request_token, meeting_arn, sink_arn);
  WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
  WASL_ASSIGN_OR_RETURN(json body, json_body(call.operation, response));
  return pipeline_from_json(body);
}

Result<MediaPipeline> MediaPipelinesClient::get_capture(const std::string& pipeline_id) {
  AwsCall call =
      make_call("GetMediaCapturePipeline", "GET",
                "/sdk-media-capture-pipelines/" + wasl::sdk::aws::uri_encode(pipeline_id, true));
  WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
  WASL_ASSIGN_OR_RETURN(json body, json_body(call.operation, response));
  return pipeline_from_json(body);
}

wasl::sdk::Status MediaPipelinesClient::delete_capture(const std::string& pipeline_id) {
  AwsCall call =
      make_call("DeleteMediaCapturePipeline", "DELETE",
                "/sdk-media-capture-pipelines/" + wasl::sdk::aws::uri_encode(pipeline_id, true));
  WASL_RETURN_IF_ERROR(transport_.call(call));
  return {};
}

Result<std::vector<std::string>> MediaPipelinesClient::list_captures() {
  std::vector<std::string> out;
  std::string next_token;
  for (int page = 0; page < kMaxListPages; ++page) {
    AwsCall call = make_call("ListMediaCapturePipelines", "GET", "/sdk-media-capture-pipelines");
    call.query.push_back({"max-results", "99"});
    if (!next_token.empty()) call.query.push_back({"next-token", next_token});
    WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
    WASL_ASSIGN_OR_RETURN(json body, json_body(call.operation, response));
    for (const auto& p : sdk::array_member(body, "MediaCapturePipelines")) {
      if (p.is_object() && !sdk::string_member(p, "MediaPipelineId").empty()) {
        out.push_back(sdk::string_member(p, "MediaPipelineId"));
      }
    }
    next_token = sdk::string_member(body, "NextToken");
    if (next_token.empty()) return out;
  }
  return Error(ErrorCode::kInternal, "Chime ListMediaCapturePipelines kept answering a NextToken",
               false);
}

Result<MediaPipeline> MediaPipelinesClient::create_concatenation(
    const std::string& client_request_token, const std::string& capture_pipeline_arn,
    const std::string& sink_arn) {
  AwsCall call =
      make_call("CreateMediaConcatenationPipeline", "POST", "/sdk-media-concatenation-pipelines");
  call.body = concatenation_body(client_request_token, capture_pipeline_arn, sink_arn);
  WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
  WASL_ASSIGN_OR_RETURN(json body, json_body(call.operation, response));
  return pipeline_from_json(body);
}

Result<MediaPipeline> MediaPipelinesClient::get_pipeline(const std::string& pipeline_id) {
  AwsCall call = make_call("GetMediaPipeline", "GET",
                           "/sdk-media-pipelines/" + wasl::sdk::aws::uri_encode(pipeline_id, true));
  WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
  WASL_ASSIGN_OR_RETURN(json body, json_body(call.operation, response));
  return pipeline_from_json(sdk::object_member(body, "MediaPipeline"));
}

}  // namespace wasl::plugins::chime
