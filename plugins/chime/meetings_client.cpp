#include "plugins/chime/meetings_client.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::plugins::chime {

using nlohmann::json;
using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Result;

namespace {

json attendee_item(const AttendeeRequest& attendee) {
  json item = {{"ExternalUserId", attendee.external_user_id}};
  if (attendee.capabilities) item["Capabilities"] = attendee.capabilities->to_json();
  return item;
}

}  // namespace

Result<Meeting> meeting_from_json(const json& meeting) {
  if (!meeting.is_object() || sdk::string_member(meeting, "MeetingId").empty()) {
    return Error(ErrorCode::kInternal, "Chime answered a Meeting without a MeetingId", false);
  }
  Meeting out;
  out.meeting_id = sdk::string_member(meeting, "MeetingId");
  out.external_meeting_id = sdk::string_member(meeting, "ExternalMeetingId");
  out.media_region = sdk::string_member(meeting, "MediaRegion");
  out.meeting_arn = sdk::string_member(meeting, "MeetingArn");
  out.raw = meeting;
  return out;
}

Result<Attendee> attendee_from_json(const json& attendee) {
  if (!attendee.is_object() || sdk::string_member(attendee, "AttendeeId").empty()) {
    return Error(ErrorCode::kInternal, "Chime answered an Attendee without an AttendeeId", false);
  }
  Attendee out;
  out.attendee_id = sdk::string_member(attendee, "AttendeeId");
  out.external_user_id = sdk::string_member(attendee, "ExternalUserId");
  out.join_token = sdk::string_member(attendee, "JoinToken");
  out.raw = attendee;
  return out;
}

AwsCall MeetingsClient::make_call(std::string operation, std::string method,
                                  std::string path) const {
  AwsCall call;
  call.operation = std::move(operation);
  call.service = "chime";
  call.endpoint = &endpoint_;
  call.method = std::move(method);
  call.path = std::move(path);
  return call;
}

json MeetingsClient::create_meeting_body(const CreateMeetingInput& input) {
  json body = {{"ClientRequestToken", input.client_request_token},
               {"ExternalMeetingId", input.external_meeting_id},
               {"MediaRegion", input.media_region}};
  if (input.max_attendees > 0) {
    body["MeetingFeatures"] = {{"Attendee", {{"MaxCount", input.max_attendees}}}};
  }
  json notifications = json::object();
  if (!input.sns_topic_arn.empty()) notifications["SnsTopicArn"] = input.sns_topic_arn;
  if (!input.sqs_queue_arn.empty()) notifications["SqsQueueArn"] = input.sqs_queue_arn;
  if (!input.lambda_function_arn.empty())
    notifications["LambdaFunctionArn"] = input.lambda_function_arn;
  if (!notifications.empty()) body["NotificationsConfiguration"] = notifications;
  return body;
}

Result<Meeting> MeetingsClient::create_meeting(const CreateMeetingInput& input) {
  AwsCall call = make_call("CreateMeeting", "POST", "/meetings");
  call.body = create_meeting_body(input);
  WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
  WASL_ASSIGN_OR_RETURN(json body, json_body(call.operation, response));
  return meeting_from_json(sdk::member(body, "Meeting"));
}

Result<Meeting> MeetingsClient::get_meeting(const std::string& meeting_id) {
  AwsCall call =
      make_call("GetMeeting", "GET", "/meetings/" + wasl::sdk::aws::uri_encode(meeting_id, true));
  WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
  WASL_ASSIGN_OR_RETURN(json body, json_body(call.operation, response));
  return meeting_from_json(sdk::member(body, "Meeting"));
}

wasl::sdk::Status MeetingsClient::delete_meeting(const std::string& meeting_id) {
  AwsCall call = make_call("DeleteMeeting", "DELETE",
                           "/meetings/" + wasl::sdk::aws::uri_encode(meeting_id, true));
  WASL_RETURN_IF_ERROR(transport_.call(call));
  return {};
}

Result<Attendee> MeetingsClient::create_attendee(const std::string& meeting_id,
                                                 const AttendeeRequest& attendee) {
  AwsCall call =
      make_call("CreateAttendee", "POST",
                "/meetings/" + wasl::sdk::aws::uri_encode(meeting_id, true) + "/attendees");
  call.body = attendee_item(attendee);
  WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
  WASL_ASSIGN_OR_RETURN(json body, json_body(call.operation, response));
  return attendee_from_json(sdk::member(body, "Attendee"));
}

Result<BatchAttendees> MeetingsClient::batch_create_attendee(
    const std::string& meeting_id, const std::vector<AttendeeRequest>& attendees) {
  BatchAttendees out;
  for (std::size_t start = 0; start < attendees.size(); start += kBatchLimit) {
    std::size_t end = std::min(attendees.size(), start + kBatchLimit);
    AwsCall call =
        make_call("BatchCreateAttendee", "POST",
                  "/meetings/" + wasl::sdk::aws::uri_encode(meeting_id, true) + "/attendees");
    call.query.push_back({"operation", "batch-create"});
    json items = json::array();
    for (std::size_t i = start; i < end; ++i) items.push_back(attendee_item(attendees[i]));
    call.body = json{{"Attendees", items}};
    WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
    WASL_ASSIGN_OR_RETURN(json body, json_body(call.operation, response));
    for (const auto& a : sdk::array_member(body, "Attendees")) {
      WASL_ASSIGN_OR_RETURN(Attendee attendee, attendee_from_json(a));
      out.attendees.push_back(std::move(attendee));
    }
    for (const auto& e : sdk::array_member(body, "Errors")) {
      if (!e.is_object()) continue;
      out.errors.push_back({sdk::string_member(e, "ExternalUserId"),
                            sdk::string_member(e, "ErrorCode"),
                            sdk::string_member(e, "ErrorMessage")});
    }
  }
  return out;
}

wasl::sdk::Status MeetingsClient::delete_attendee(const std::string& meeting_id,
                                                  const std::string& attendee_id) {
  AwsCall call = make_call("DeleteAttendee", "DELETE",
                           "/meetings/" + wasl::sdk::aws::uri_encode(meeting_id, true) +
                               "/attendees/" + wasl::sdk::aws::uri_encode(attendee_id, true));
  WASL_RETURN_IF_ERROR(transport_.call(call));
  return {};
}

Result<std::vector<Attendee>> MeetingsClient::list_attendees(const std::string& meeting_id) {
  std::vector<Attendee> out;
  std::string next_token;
  for (int page = 0; page < kMaxListPages; ++page) {
    AwsCall call =
        make_call("ListAttendees", "GET",
                  "/meetings/" + wasl::sdk::aws::uri_encode(meeting_id, true) + "/attendees");
    call.query.push_back({"max-results", std::to_string(kListPageSize)});
    if (!next_token.empty()) call.query.push_back({"next-token", next_token});
    WASL_ASSIGN_OR_RETURN(auto response, transport_.call(call));
    WASL_ASSIGN_OR_RETURN(json body, json_body(call.operation, response));
    for (const auto& a : sdk::array_member(body, "Attendees")) {
      WASL_ASSIGN_OR_RETURN(Attendee attendee, attendee_from_json(a));
      out.push_back(std::move(attendee));
    }
    next_token = sdk::string_member(body, "NextToken");
    if (next_token.empty()) return out;
  }
  return Error(ErrorCode::kInternal,
               "Chime ListAttendees kept answering a NextToken after " +
                   std::to_string(kMaxListPages) + " pages",
               false);
}

}  // namespace wasl::plugins::chime
