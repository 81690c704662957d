#include "plugins/chime/chime_video_provider.hpp"

#include <gtest/gtest.h>

#include "plugins/chime/client_request_token.hpp"
#include "plugins/chime/tests/queued_response_host.hpp"
#include "wasl/sdk/aws/sigv4.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::chime {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::aws_error;
using testing::json_response;
using testing::QueuedResponseHost;

constexpr char kMeetings[] = "https://meetings-chime.us-east-1.amazonaws.com";
constexpr char kPipelines[] = "https://media-pipelines-chime.us-east-1.amazonaws.com";
constexpr char kS3[] = "https://s3.us-east-1.amazonaws.com";
constexpr char kMeetingA[] = "11111111-1111-4111-8111-111111111111";
constexpr char kMeetingB[] = "22222222-2222-4222-8222-222222222222";
constexpr char kCapture[] = "33333333-3333-4333-8333-333333333333";
constexpr char kConcat[] = "44444444-4444-4444-8444-444444444444";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

json meeting(const std::string& id) {
  return {{"MeetingId", id},
          {"ExternalMeetingId", "consult-1"},
          {"MediaRegion", "us-east-1"},
          {"MeetingArn", "arn:aws:chime:us-east-1:111122223333:meeting/" + id},
          {"MediaPlacement",
           {{"AudioHostUrl", "abc.k.m3.ue1.app.chime.aws:3478"},
            {"SignalingUrl", "wss://signal.m3.ue1.app.chime.aws/control/" + id}}}};
}

json attendee(const std::string& external, const std::string& id, json caps = nullptr) {
  json a = {{"ExternalUserId", external}, {"AttendeeId", id}, {"JoinToken", "jt-" + id}};
  a["Capabilities"] =
      caps.is_null()
          ? json{{"Audio", "SendReceive"}, {"Video", "SendReceive"}, {"Content", "Receive"}}
          : caps;
  return a;
}

json pipeline(const char* kind, const std::string& id, const std::string& status,
              json extra = json::object()) {
  json p = {{"MediaPipelineId", id},
            {"MediaPipelineArn", "arn:aws:chime:us-east-1:111122223333:media-pipeline/" + id},
            {"Status", status},
            {"CreatedTimestamp", "2024-01-01T00:00:01.000Z"}};
  p.update(extra);
  return {{kind, p}};
}

std::string token_for(const std::string& key) { return *client_request_token(key); }

class ChimeVideoProviderTest : public ::testing::Test {
 protected:
  ChimeVideoProviderTest() {
    host_.fake.set_now(std::chrono::system_clock::time_point(std::chrono::seconds(1704067200)));
    json settings = {
        {"credentials", {{"access_key_id", "AKIDEXAMPLE"}, {"secret_access_key", kSecret}}},
        {"notifications", {{"sqs_queue_arn", "arn:aws:sqs:us-east-1:111122223333:chime"}}},
        {"capture", {{"bucket_arn", "arn:aws:s3:::wasl-recordings"}, {"prefix", "captures"}}},
        {"retry", {{"max_attempts", 3}, {"max_delay_ms", 5000}, {"initial_backoff_ms", 100}}}};
    auto parsed = parse_settings(
        sdk::testing::settings_from_schema(WASL_SOURCE_DIR "/plugins/chime/schema.json", settings),
        host_, SettingsUse::kVideo);
    EXPECT_TRUE(parsed.ok());
    provider_ = std::make_unique<ChimeVideoProvider>(
        host_, *parsed, [] { return std::chrono::steady_clock::time_point(); },
        [this](std::chrono::nanoseconds d) {
          sleeps_.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(d));
        });
  }

  std::vector<sdk::HttpRequest> requests() const { return host_.fake.requests(); }

  std::vector<sdk::HttpRequest> requests_to(const std::string& method, const std::string& url) {
    std::vector<sdk::HttpRequest> out;
    for (auto& r : requests()) {
      if (r.method == method && r.url == url) out.push_back(r);
    }
    return out;
  }

  static std::string header(const sdk::HttpRequest& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return {};
  }

  sdk::Room create_room(const std::string& key = "run-1/create_room", int limit = 3) {
    sdk::CreateRoomRequest request;
    request.idempotency_key = key;
    request.name = "consult-1";
    request.participant_limit = limit;
    auto room = provider_->create_room(request);
    EXPECT_TRUE(room.ok()) << room.error().message;
    return room.ok() ? *room : sdk::Room{};
  }

  QueuedResponseHost host_;
  std::vector<std::chrono::milliseconds> sleeps_;
  std::unique_ptr<ChimeVideoProvider> provider_;
};

TEST_F(ChimeVideoProviderTest, CreateRoomSendsASignedCreateMeetingUnderTheDerivedToken) {
  host_.fake.respond("POST", std::string(kMeetings) + "/meetings",
                     json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  sdk::Room room = create_room();
  EXPECT_EQ(room.provider_room_id, kMeetingA);
  EXPECT_EQ(room.status, "in_progress");
  EXPECT_EQ(room.raw["Meeting"]["MediaPlacement"]["AudioHostUrl"],
            "abc.k.m3.ue1.app.chime.aws:3478");
  EXPECT_EQ(room.raw["reconcile_interval_seconds"], 30);

  auto sent = requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(json::parse(sent[0].body),
            json({{"ClientRequestToken", token_for("run-1/create_room")},
                  {"ExternalMeetingId", "consult-1"},
                  {"MediaRegion", "us-east-1"},
                  {"MeetingFeatures", {{"Attendee", {{"MaxCount", 3}}}}},
                  {"NotificationsConfiguration",
                   {{"SqsQueueArn", "arn:aws:sqs:us-east-1:111122223333:chime"}}}}));
  EXPECT_EQ(header(sent[0], "Host"), "meetings-chime.us-east-1.amazonaws.com");
  EXPECT_EQ(header(sent[0], "Content-Type"), "application/json");
  EXPECT_EQ(header(sent[0], "X-Amz-Date"), "20240101T000000Z");

  // The Authorization header is the SigV4 signature of exactly what was sent.
  wasl::sdk::aws::SigningRequest signing;
  signing.method = "POST";
  signing.host = "meetings-chime.us-east-1.amazonaws.com";
  signing.path = "/meetings";
  signing.headers = {{"Host", signing.host}, {"Content-Type", "application/json"}};
  signing.payload = sent[0].body;
  auto expected = wasl::sdk::aws::sign_request(signing, {"AKIDEXAMPLE", kSecret, std::nullopt},
                                               {"us-east-1", "chime", host_.fake.now()});
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(header(sent[0], "Authorization"), expected->authorization);
  EXPECT_EQ(header(sent[0], "Authorization")
                .rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/chime/", 0),
            0u);
  for (const auto& [k, v] : sent[0].headers) EXPECT_EQ(v.find(kSecret), std::string::npos) << k;
}

TEST_F(ChimeVideoProviderTest, RetriesThrottlingAndFailuresWithTheSameTokenHonouringRetryAfter) {
  const std::string url = std::string(kMeetings) + "/meetings";
  host_.queue("POST", url, aws_error(503, "ServiceUnavailable", "Later.", "1"));
  host_.queue("POST", url, aws_error(500, "ServiceFailure", "Oops."));
  host_.fake.respond("POST", url, json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  sdk::Room room = create_room();
  EXPECT_EQ(room.provider_room_id, kMeetingA);
  auto sent = requests_to("POST", url);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].body, sent[1].body);
  EXPECT_EQ(sent[1].body, sent[2].body);
  EXPECT_EQ(json::parse(sent[2].body)["ClientRequestToken"], token_for("run-1/create_room"));
  EXPECT_FALSE(header(sent[0], "Authorization").empty());
  ASSERT_EQ(sleeps_.size(), 2u);
  EXPECT_EQ(sleeps_[0], 1000ms);  // Retry-After
  EXPECT_EQ(sleeps_[1], 200ms);   // backoff after the first retry

  // The hub's own retry of the step sends the same token again.
  create_room();
  EXPECT_EQ(requests_to("POST", url).back().body, sent[0].body);
}

TEST_F(ChimeVideoProviderTest, GivesTheHubARetryableErrorWhenAttemptsOrPatienceRunOut) {
  const std::string url = std::string(kMeetings) + "/meetings";
  host_.fake.respond("POST", url, aws_error(429, "Throttling", "Slow down.", "0"));
  sdk::CreateRoomRequest request;
  request.idempotency_key = "k";
  auto room = provider_->create_room(request);
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().code, sdk::ErrorCode::kResourceExhausted);
  EXPECT_TRUE(room.error().retryable);
  EXPECT_EQ(requests_to("POST", url).size(), 3u);

  // A Retry-After beyond max_delay is handed to the hub at once.
  host_.fake.respond("POST", url, aws_error(503, "ServiceUnavailable", "Later.", "60"));
  room = provider_->create_room(request);
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().retry_after, std::chrono::milliseconds(60000));
  EXPECT_EQ(requests_to("POST", url).size(), 4u);
  EXPECT_NE(room.error().message.find("RequestId rid-ServiceUnavailable"), std::string::npos);
}

TEST_F(ChimeVideoProviderTest, PermanentErrorsAreNotRetried) {
  const std::string url = std::string(kMeetings) + "/meetings";
  host_.fake.respond("POST", url, aws_error(400, "BadRequest", "MediaRegion is invalid."));
  sdk::CreateRoomRequest request;
  request.idempotency_key = "k";
  auto room = provider_->create_room(request);
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(room.error().retryable);
  EXPECT_EQ(requests().size(), 1u);
}

TEST_F(ChimeVideoProviderTest, AJoinTokenIsWhatAChimeClientJoinsWith) {
  host_.fake.respond("POST", std::string(kMeetings) + "/meetings",
                     json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  create_room();
  const std::string url = std::string(kMeetings) + "/meetings/" + kMeetingA + "/attendees";
  json receive = {{"Audio", "Receive"}, {"Video", "Receive"}, {"Content", "Receive"}};
  host_.fake.respond("POST", url,
                     json_response(200, {{"Attendee", attendee("observer-1", "a-1", receive)}}));
  sdk::JoinTokenRequest request;
  request.idempotency_key = "run-1/join-observer";
  request.room_id = kMeetingA;
  request.participant.identity = "observer-1";
  request.participant.role = "observer";
  auto token = provider_->issue_join_token(request);
  ASSERT_TRUE(token.ok()) << token.error().message;

  auto sent = requests_to("POST", url);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(json::parse(sent[0].body),
            json({{"ExternalUserId", "observer-1"}, {"Capabilities", receive}}));
  json join = json::parse(token->token);
  EXPECT_EQ(join["Meeting"]["MeetingId"], kMeetingA);
  EXPECT_TRUE(join["Meeting"]["MediaPlacement"].is_object());
  EXPECT_EQ(join["Attendee"]["JoinToken"], "jt-a-1");
  EXPECT_EQ(token->provider_participant_id, "a-1");
  EXPECT_FALSE(token->raw["Attendee"].contains("JoinToken"));
  EXPECT_EQ(token->raw["room_id"], kMeetingA);
  EXPECT_FALSE(token->raw.contains("moved_from"));
  EXPECT_EQ(token->expires_at_ms, 1704067200000 + 3600 * 1000);
}

TEST_F(ChimeVideoProviderTest, AnEndedMeetingIsRecreatedOnceAndTheMoveReported) {
  const std::string create = std::string(kMeetings) + "/meetings";
  host_.queue("POST", create, json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  host_.queue("POST", create, json_response(200, {{"Meeting", meeting(kMeetingB)}}));
  create_room("run-9/create_room");
  const std::string a_attendees = create + "/" + kMeetingA + "/attendees";
  const std::string b_attendees = create + "/" + kMeetingB + "/attendees";
  host_.fake.respond("POST", a_attendees, aws_error(404, "NotFound", "Meeting ended."));
  host_.fake.respond("POST", b_attendees,
                     json_response(200, {{"Attendee", attendee("patient-1", "a-2")}}));

  sdk::JoinTokenRequest request;
  request.idempotency_key = "run-9/join";
  request.room_id = kMeetingA;
  request.participant.identity = "patient-1";
  request.participant.role = "patient";
  auto token = provider_->issue_join_token(request);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(token->raw["room_id"], kMeetingB);
  EXPECT_EQ(token->raw["moved_from"], kMeetingA);
  EXPECT_EQ(json::parse(token->token)["Meeting"]["MeetingId"], kMeetingB);
  auto creates = requests_to("POST", create);
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(json::parse(creates[1].body)["ClientRequestToken"], token_for("run-9/create_room:2"));
  EXPECT_EQ(json::parse(creates[1].body)["ExternalMeetingId"], "consult-1");

  // Later calls for the old room go to the new meeting directly.
  ASSERT_TRUE(provider_->issue_join_token(request).ok());
  EXPECT_EQ(requests_to("POST", a_attendees).size(), 1u);

  // The new meeting ending too is not papered over a second time.
  host_.fake.respond("POST", b_attendees, aws_error(404, "NotFound", "Meeting ended."));
  auto again = provider_->issue_join_token(request);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(requests_to("POST", create).size(), 2u);
}

// Just in time: before scheduled start − join_lead_seconds (600 s by
// default) create_room defers with the time left and sends nothing; from
// then on it creates the meeting.
TEST_F(ChimeVideoProviderTest, CreateRoomDefersUntilTheJoinLeadBeforeTheScheduledStart) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1704067200));
  const std::int64_t now_ms = 1704067200000;
  sdk::CreateRoomRequest request;
  request.idempotency_key = "run-7/create_room";
  request.name = "consult-1";
  request.scheduled_start_ms = now_ms + 3600 * 1000;
  auto early = provider_->create_room(request);
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(early.error().deferred);
  EXPECT_TRUE(early.error().retryable);
  EXPECT_EQ(early.error().retry_after, std::chrono::milliseconds((3600 - 600) * 1000));
  EXPECT_TRUE(requests().empty());

  host_.fake.set_now(now + std::chrono::seconds(3600 - 600));
  const std::string create = std::string(kMeetings) + "/meetings";
  host_.queue("POST", create, json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  auto room = provider_->create_room(request);
  ASSERT_TRUE(room.ok()) << room.error().message;
  EXPECT_EQ(room->provider_room_id, kMeetingA);
  // Once created, a repeat answers the room even if the clock says early.
  host_.fake.set_now(now);
  host_.queue("POST", create, json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  auto again = provider_->create_room(request);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(requests_to("POST", create).size(), 2u);
}

// A first meeting that expired before anyone connected is still an open room
// (the next join recreates it); once recreated, the new meeting's end is the
// room's end.
TEST_F(ChimeVideoProviderTest, AnExpiredUnusedFirstMeetingIsStillAnOpenRoom) {
  const std::string create = std::string(kMeetings) + "/meetings";
  host_.queue("POST", create, json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  create_room("run-8/create_room");
  const std::string get = create + "/" + kMeetingA;
  host_.fake.respond("GET", get, aws_error(404, "NotFound", "Meeting ended."));
  auto open = provider_->list_participants({"", kMeetingA});
  ASSERT_TRUE(open.ok()) << open.error().message;
  EXPECT_TRUE(open->empty());

  ASSERT_TRUE(host_.state_put(joined_state_key(kMeetingA), true).ok());
  auto ended = provider_->list_participants({"", kMeetingA});
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().code, sdk::ErrorCode::kNotFound);
}

TEST_F(ChimeVideoProviderTest, BatchCreateAttendeeSplitsAtAHundredAndReportsEachRefusal) {
  const std::string url =
      std::string(kMeetings) + "/meetings/" + kMeetingA + "/attendees?operation=batch-create";
  std::vector<sdk::Participant> participants;
  json answered = json::array();
  for (int i = 0; i < 101; ++i) {
    sdk::Participant p;
    p.identity = "participant-" + std::to_string(i);
    p.role = i == 0 ? "clinician" : "patient";
    participants.push_back(p);
    if (i != 5) answered.push_back(attendee(p.identity, "a-" + std::to_string(i)));
  }
  json errors = json::array({{{"ExternalUserId", "participant-5"},
                              {"ErrorCode", "LimitExceeded"},
                              {"ErrorMessage", "The meeting is full."}}});
  host_.fake.respond("GET", std::string(kMeetings) + "/meetings/" + kMeetingA,
                     json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  host_.fake.respond("POST", url,
                     json_response(200, {{"Attendees", answered}, {"Errors", errors}}));

  auto results = provider_->issue_join_tokens(kMeetingA, participants, 600);
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_EQ(results->size(), 101u);
  for (int i = 0; i < 101; ++i) {
    if (i == 5) {
      ASSERT_FALSE((*results)[i].ok());
      EXPECT_EQ((*results)[i].error().code, sdk::ErrorCode::kResourceExhausted);
      EXPECT_NE((*results)[i].error().message.find("The meeting is full."), std::string::npos);
    } else {
      ASSERT_TRUE((*results)[i].ok()) << i;
      EXPECT_EQ((*results)[i]->provider_participant_id, "a-" + std::to_string(i));
    }
  }
  auto sent = requests_to("POST", url);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(json::parse(sent[0].body)["Attendees"].size(), 100u);
  EXPECT_EQ(json::parse(sent[1].body)["Attendees"].size(), 1u);
  EXPECT_EQ(json::parse(sent[0].body)["Attendees"][0]["Capabilities"]["Content"], "SendReceive");
}

TEST_F(ChimeVideoProviderTest, ListParticipantsPagesAndAnEndedMeetingIsNotFound) {
  const std::string get = std::string(kMeetings) + "/meetings/" + kMeetingA;
  host_.fake.respond("GET", get, json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  host_.fake.respond("GET", get + "/attendees?max-results=100",
                     json_response(200, {{"Attendees", {attendee("clinician-1", "a-1")}},
                                         {"NextToken", "page/2"}}));
  host_.fake.respond("GET", get + "/attendees?max-results=100&next-token=page%2F2",
                     json_response(200, {{"Attendees", {attendee("patient-1", "a-2")}}}));
  auto listed = provider_->list_participants({"", kMeetingA});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].identity, "clinician-1");
  EXPECT_EQ((*listed)[1].provider_id, "a-2");
  EXPECT_EQ((*listed)[1].role, "participant");

  host_.fake.respond("GET", get, aws_error(404, "NotFound", "The meeting has ended."));
  auto ended = provider_->list_participants({"", kMeetingA});
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().code, sdk::ErrorCode::kNotFound);
  EXPECT_NE(ended.error().message.find("has ended"), std::string::npos);
}

TEST_F(ChimeVideoProviderTest, RecordingCapturesToTheSinkStopsAndConcatenatesOnce) {
  host_.fake.respond("POST", std::string(kMeetings) + "/meetings",
                     json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  create_room();
  const std::string captures = std::string(kPipelines) + "/sdk-media-capture-pipelines";
  const std::string capture_arn =
      "arn:aws:chime:us-east-1:111122223333:media-pipeline/" + std::string(kCapture);
  host_.fake.respond("POST", captures,
                     json_response(201, pipeline("MediaCapturePipeline", kCapture, "InProgress")));
  auto recording = provider_->start_recording({"run-1/record", kMeetingA});
  ASSERT_TRUE(recording.ok()) << recording.error().message;
  EXPECT_EQ(recording->provider_id, kCapture);
  EXPECT_EQ(recording->status, "processing");
  json body = json::parse(requests_to("POST", captures)[0].body);
  EXPECT_EQ(body["ClientRequestToken"], token_for("run-1/record"));
  EXPECT_EQ(body["SourceType"], "ChimeSdkMeeting");
  EXPECT_EQ(body["SourceArn"], meeting(kMeetingA)["MeetingArn"]);
  EXPECT_EQ(body["SinkType"], "S3Bucket");
  EXPECT_EQ(body["SinkArn"], "arn:aws:s3:::wasl-recordings/captures");

  // One active capture per meeting: a 409 answers the running one.
  host_.fake.respond("POST", captures,
                     aws_error(409, "Conflict", "A media capture pipeline is already active."));
  host_.fake.respond("GET", captures + "/" + kCapture,
                     json_response(200, pipeline("MediaCapturePipeline", kCapture, "InProgress")));
  auto again = provider_->start_recording({"run-2/record", kMeetingA});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->provider_id, kCapture);

  host_.fake.respond("DELETE", captures + "/" + kCapture, json_response(204, nullptr));
  const std::string concatenations = std::string(kPipelines) + "/sdk-media-concatenation-pipelines";
  host_.fake.respond(
      "POST", concatenations,
      json_response(201, pipeline("MediaConcatenationPipeline", kConcat, "InProgress")));
  ASSERT_TRUE(provider_->stop_recording({"run-1/stop", kMeetingA}).ok());
  ASSERT_EQ(requests_to("DELETE", captures + "/" + kCapture).size(), 1u);
  auto concat_requests = requests_to("POST", concatenations);
  ASSERT_EQ(concat_requests.size(), 1u);
  json concat = json::parse(concat_requests[0].body);
  EXPECT_EQ(concat["ClientRequestToken"], token_for(std::string("concatenation/") + kCapture));
  EXPECT_EQ(concat["Sources"][0]["MediaCapturePipelineSourceConfiguration"]["MediaPipelineArn"],
            capture_arn);
  EXPECT_EQ(concat["Sinks"][0]["S3BucketSinkConfiguration"]["Destination"],
            "arn:aws:s3:::wasl-recordings/captures");

  // Asking for the composition asks for the same concatenation.
  sdk::CompositionRequest compose;
  compose.idempotency_key = "run-1/compose";
  compose.room_id = kMeetingA;
  auto composition = provider_->request_composition(compose);
  ASSERT_TRUE(composition.ok()) << composition.error().message;
  EXPECT_EQ(composition->provider_id, kConcat);
  EXPECT_EQ(composition->kind, "composition");
  EXPECT_EQ(requests_to("POST", concatenations).back().body, concat_requests[0].body);
}

TEST_F(ChimeVideoProviderTest, FetchMediaStreamsTheConcatenatedFileSignedForS3) {
  const std::string get_pipeline = std::string(kPipelines) + "/sdk-media-pipelines/" + kConcat;
  json sinks = json::array({{{"Type", "S3Bucket"},
                             {"S3BucketSinkConfiguration",
                              {{"Destination", "arn:aws:s3:::wasl-recordings/captures"}}}}});
  host_.fake.respond(
      "GET", get_pipeline,
      json_response(200, {{"MediaPipeline", pipeline("MediaConcatenationPipeline", kConcat,
                                                     "InProgress", {{"Sinks", sinks}})}}));
  auto processing =
      provider_->fetch_media({kConcat}, [](std::string_view) { return sdk::Status(); });
  ASSERT_FALSE(processing.ok());
  EXPECT_EQ(processing.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(processing.error().retryable);

  host_.fake.respond(
      "GET", get_pipeline,
      json_response(200, {{"MediaPipeline", pipeline("MediaConcatenationPipeline", kConcat,
                                                     "Stopped", {{"Sinks", sinks}})}}));
  const std::string key = std::string("captures/composited-video/") + kConcat + ".mp4";
  sdk::HttpResponse list;
  list.status = 200;
  list.body = "<?xml version=\"1.0\"?><ListBucketResult><Contents><Key>" + key +
              "</Key><Size>100000</Size></Contents><IsTruncated>false</IsTruncated>"
              "</ListBucketResult>";
  host_.fake.respond(
      "GET",
      std::string(kS3) + "/wasl-recordings?list-type=2&prefix=captures%2Fcomposited-video%2F",
      list);
  std::string media(100000, '\0');
  for (std::size_t i = 0; i < media.size(); ++i) media[i] = static_cast<char>((i * 31) % 251);
  sdk::HttpResponse object;
  object.status = 200;
  object.headers = {{"Content-Type", "video/mp4"},
                    {"Content-Length", std::to_string(media.size())},
                    {"ETag", "\"e1\""}};
  object.body = media;
  const std::string object_url = std::string(kS3) + "/wasl-recordings/" + key;
  host_.fake.respond("GET", object_url, object);

  std::string received;
  std::size_t chunks = 0;
  auto info = provider_->fetch_media({kConcat}, [&](std::string_view chunk) {
    received.append(chunk);
    ++chunks;
    return sdk::Status();
  });
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size_bytes, 100000);
  EXPECT_EQ(info->content_type, "video/mp4");
  EXPECT_EQ(received, media);
  EXPECT_GT(chunks, 10u);  // streamed, not delivered in one piece
  auto gets = requests_to("GET", object_url);
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(header(gets[0], "x-amz-content-sha256"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_NE(header(gets[0], "Authorization").find("/us-east-1/s3/aws4_request"), std::string::npos);
}

TEST_F(ChimeVideoProviderTest, EndRoomDeletesAndAnEndedMeetingOfOursIsSuccess) {
  host_.fake.respond("POST", std::string(kMeetings) + "/meetings",
                     json_response(200, {{"Meeting", meeting(kMeetingA)}}));
  create_room();
  const std::string url = std::string(kMeetings) + "/meetings/" + kMeetingA;
  host_.fake.respond("DELETE", url, json_response(204, nullptr));
  auto ended = provider_->end_room({"run-1/end", kMeetingA});
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(ended->status, "completed");
  host_.fake.respond("DELETE", url, aws_error(404, "NotFound", "The meeting has ended."));
  EXPECT_TRUE(provider_->end_room({"run-1/end", kMeetingA}).ok());
  // A meeting this instance never saw is kNotFound.
  host_.fake.respond("DELETE", std::string(kMeetings) + "/meetings/" + kMeetingB,
                     aws_error(404, "NotFound", "No such meeting."));
  auto unknown = provider_->end_room({"k", kMeetingB});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, sdk::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace wasl::plugins::chime
