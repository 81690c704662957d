// MeetingsClient: the Amazon Chime SDK Meetings API (2021-07-15, signing name
// "chime") operations the plugin uses, with the request and response shapes
// of the botocore model. Each method is one logical call (retries happen in
// the AwsTransport); errors are those of error_mapping.hpp.
//
// Thread-safe (stateless over a thread-safe transport).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/chime/aws_transport.hpp"
#include "plugins/chime/settings.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::chime {

// The model's MediaCapabilities values: "SendReceive", "Send", "Receive", "None".
struct AttendeeCapabilities {
  std::string audio = "SendReceive";
  std::string video = "SendReceive";
  std::string content = "SendReceive";

  nlohmann::json to_json() const {
    return {{"Audio", audio}, {"Video", video}, {"Content", content}};
  }
};

struct Meeting {
  std::string meeting_id;
  std::string external_meeting_id;
  std::string media_region;
  std::string meeting_arn;
  nlohmann::json raw;  // the model's Meeting, MediaPlacement included
};

struct Attendee {
  std::string attendee_id;
  std::string external_user_id;
  std::string join_token;  // a secret: never log it
  nlohmann::json raw;      // the model's Attendee
};

struct AttendeeRequest {
  std::string external_user_id;  // 2..64 characters; Chime's idempotency key for attendees
  std::optional<AttendeeCapabilities> capabilities;
};

// One item BatchCreateAttendee refused inside a 200.
struct AttendeeError {
  std::string external_user_id;
  std::string error_code;
  std::string error_message;
};

struct BatchAttendees {
  std::vector<Attendee> attendees;
  std::vector<AttendeeError> errors;
};

struct CreateMeetingInput {
  std::string client_request_token;
  std::string external_meeting_id;
  std::string media_region;
  int max_attendees = 0;  // MeetingFeatures.Attendee.MaxCount; 0 = left out
  std::string sns_topic_arn;
  std::string sqs_queue_arn;
  std::string lambda_function_arn;
};

class MeetingsClient {
 public:
  // Both borrowed; they outlive the client.
  MeetingsClient(AwsTransport& transport, const Endpoint& endpoint)
      : transport_(transport), endpoint_(endpoint) {}

  // The request body CreateMeeting sends for `input` (tests assert it).
  static nlohmann::json create_meeting_body(const CreateMeetingInput& input);

  // POST /meetings. The same ClientRequestToken returns the same meeting.
  wasl::sdk::Result<Meeting> create_meeting(const CreateMeetingInput& input);
  // GET /meetings/{id}. kNotFound once the meeting has ended.
  wasl::sdk::Result<Meeting> get_meeting(const std::string& meeting_id);
  // DELETE /meetings/{id}.
  wasl::sdk::Status delete_meeting(const std::string& meeting_id);
  // POST /meetings/{id}/attendees. kNotFound when the meeting ended.
  wasl::sdk::Result<Attendee> create_attendee(const std::string& meeting_id,
                                              const AttendeeRequest& attendee);
  // POST /meetings/{id}/attendees?operation=batch-create, in calls of at most
  // 100 attendees; refused items are returned in errors, not as an error.
  wasl::sdk::Result<BatchAttendees> batch_create_attendee(
      const std::string& meeting_id, const std::vector<AttendeeRequest>& attendees);
  // DELETE /meetings/{id}/attendees/{attendee}.
  wasl::sdk::Status delete_attendee(const std::string& meeting_id, const std::string& attendee_id);
  // GET /meetings/{id}/attendees, following NextToken until the last page.
  wasl::sdk::Result<std::vector<Attendee>> list_attendees(const std::string& meeting_id);

  static constexpr int kBatchLimit = 100;
  static constexpr int kListPageSize = 100;
  static constexpr int kMaxListPages = 1000;  // a bound against a looping NextToken

 private:
  AwsCall make_call(std::string operation, std::string method, std::string path) const;

  AwsTransport& transport_;
  const Endpoint& endpoint_;
};

// Parses the model's Meeting / Attendee objects. kInternal when a required
// field is missing (an answer that is not Chime's).
wasl::sdk::Result<Meeting> meeting_from_json(const nlohmann::json& meeting);
wasl::sdk::Result<Attendee> attendee_from_json(const nlohmann::json& attendee);

}  // namespace wasl::plugins::chime
