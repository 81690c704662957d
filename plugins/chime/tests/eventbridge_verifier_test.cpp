#include "plugins/chime/eventbridge_verifier.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "plugins/chime/chime_video_provider.hpp"
#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::chime {
namespace {

using nlohmann::json;

json examples(const std::string& file) {
  std::ifstream in(std::string(WASL_SHARED_DATA_DIR) + "/video/chime/events/" + file);
  EXPECT_TRUE(in.good()) << file;
  return json::parse(in);
}

// As the hub hands them over: checked against schema.json, defaults filled in.
json with_schema(const json& settings) {
  return sdk::testing::settings_from_schema(WASL_SOURCE_DIR "/plugins/chime/schema.json", settings);
}

class EventBridgeVerifierTest : public ::testing::Test {
 protected:
  EventBridgeVerifierTest() {
    auto settings = parse_settings(
        with_schema(json{
            {"eventbridge", {{"header_name", "X-Wasl-Secret"}, {"header_value", "s3cret-value"}}}}),
        host_, SettingsUse::kWebhook);
    EXPECT_TRUE(settings.ok());
    verifier_ = std::make_unique<EventBridgeVerifier>(host_, *settings);
  }

  sdk::WebhookRequest request(const json& body, std::string secret = "s3cret-value") {
    sdk::WebhookRequest r;
    r.method = "POST";
    r.url = "https://hub.example/v1/webhooks/video.chime-main";
    r.headers = {{"content-type", "application/json"}, {"x-wasl-secret", std::move(secret)}};
    r.body = body.dump();
    return r;
  }

  sdk::testing::FakeHost host_;
  std::unique_ptr<EventBridgeVerifier> verifier_;
};

TEST_F(EventBridgeVerifierTest, NormalizesTheDocumentedMeetingEvents) {
  std::map<std::string, std::string> expected = {
      {"chime:MeetingStarted", "room.started"},
      {"chime:MeetingEnded", "room.ended"},
      {"chime:AttendeeJoined", "participant.connected"},
      {"chime:AttendeeLeft", "participant.disconnected"},
      {"chime:AttendeeDropped", "participant.disconnected"},
  };
  int normalized = 0;
  for (const auto& example : examples("chime_meeting_state_change_examples.json")) {
    const json& event = example["event"];
    std::string type = event["detail"]["eventType"];
    auto events = verifier_->verify(request(event));
    ASSERT_TRUE(events.ok()) << type << ": " << events.error().message;
    auto it = expected.find(type);
    if (it == expected.end()) {
      EXPECT_TRUE(events->empty()) << type;
      continue;
    }
    ++normalized;
    ASSERT_EQ(events->size(), 1u) << type;
    const sdk::Event& e = (*events)[0];
    EXPECT_EQ(e.type, it->second);
    EXPECT_EQ(e.room_id, "87654321-4321-4321-1234-111122223333");
    if (type.find("Attendee") != std::string::npos) {
      EXPECT_EQ(e.participant_id, "87654321-4321-4321-1234-111122223333");
    }
    // The documentation's "time" is a placeholder: detail.timestamp is used.
    EXPECT_EQ(e.occurred_at_ms, 12344566754);
    EXPECT_EQ(e.dedupe_key.rfind("chime:sha256:", 0), 0u);  // the examples carry no id
    EXPECT_EQ(e.payload, event);
  }
  EXPECT_EQ(normalized, 5);
}

TEST_F(EventBridgeVerifierTest, NormalizesPipelineEventsAndTellsCompositionsApart) {
  ASSERT_TRUE(host_.state_put(pipeline_state_key("concat-1"), {{"kind", "concatenation"}}).ok());
  ASSERT_TRUE(host_
                  .state_put(pipeline_state_key("e40ee45e-2ed1-408e-9156-f52b8208a491"),
                             {{"kind", "capture"}})
                  .ok());
  int seen = 0;
  for (const auto& example : examples("chime_media_pipeline_state_change_examples.json")) {
    json event = example["event"];
    std::string type = event["detail"]["eventType"];
    auto events = verifier_->verify(request(event));
    ASSERT_TRUE(events.ok()) << type << ": " << events.error().message;
    if (type == "chime:MediaPipelineInProgress") {
      ASSERT_EQ(events->size(), 1u);
      EXPECT_EQ((*events)[0].type, "recording.started");
      EXPECT_EQ((*events)[0].dedupe_key, "chime:" + event["id"].get<std::string>());
      EXPECT_EQ((*events)[0].recording_id, event["detail"]["mediaPipelineId"]);
      ++seen;
    } else if (type == "chime:MediaPipelineDeleted") {
      ASSERT_EQ(events->size(), 1u);
      EXPECT_EQ((*events)[0].type, "recording.completed");
      event["detail"]["mediaPipelineId"] = "concat-1";
      auto composed = verifier_->verify(request(event));
      ASSERT_TRUE(composed.ok());
      EXPECT_EQ((*composed)[0].type, "composition.completed");
      // A pipeline the plugin has not recorded (its create answer was lost)
      // counts as the composition, so the run's wait is not left hanging.
      event["detail"]["mediaPipelineId"] = "unrecorded-1";
      event["id"] = "unrecorded-event-1";
      auto unknown = verifier_->verify(request(event));
      ASSERT_TRUE(unknown.ok());
      EXPECT_EQ((*unknown)[0].type, "composition.completed");
      ++seen;
    } else if (type == "chime:MediaPipelinePermanentFailure") {
      ASSERT_EQ(events->size(), 1u);
      EXPECT_EQ((*events)[0].type, "recording.failed");
      ++seen;
    } else {
      EXPECT_TRUE(events->empty()) << type;
    }
  }
  EXPECT_EQ(seen, 3);
}

TEST_F(EventBridgeVerifierTest, UsesTheEnvelopeIdAndTheMillisecondTimestamp) {
  json event = {
      {"version", "0"},
      {"id", "6f1c2c7e-0000-4000-8000-000000000001"},
      {"source", "aws.chime"},
      {"detail-type", "Chime Meeting State Change"},
      {"time", "2023-11-14T22:13:20Z"},
      {"detail",
       {{"eventType", "chime:MeetingEnded"}, {"meetingId", "m-1"}, {"timestamp", 1700000000456}}}};
  auto first = verifier_->verify(request(event));
  auto redelivered = verifier_->verify(request(event));
  ASSERT_TRUE(first.ok() && redelivered.ok());
  EXPECT_EQ((*first)[0].dedupe_key, "chime:6f1c2c7e-0000-4000-8000-000000000001");
  EXPECT_EQ((*first)[0].dedupe_key, (*redelivered)[0].dedupe_key);
  // detail.timestamp keeps the milliseconds the envelope's time drops.
  EXPECT_EQ((*first)[0].occurred_at_ms, 1700000000456);
}

TEST_F(EventBridgeVerifierTest, UsesTheEnvelopeTimeWhenTheDetailHasNoTimestamp) {
  json event = {{"version", "0"},
                {"id", "6f1c2c7e-0000-4000-8000-000000000002"},
                {"source", "aws.chime"},
                {"detail-type", "Chime Meeting State Change"},
                {"time", "2023-11-14T22:13:20Z"},
                {"detail", {{"eventType", "chime:MeetingEnded"}, {"meetingId", "m-2"}}}};
  auto events = verifier_->verify(request(event));
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].occurred_at_ms, 1700000000000);
}

TEST_F(EventBridgeVerifierTest, RefusesAMissingOrWrongSecret) {
  json event = examples("chime_meeting_state_change_examples.json")[1]["event"];
  auto wrong = verifier_->verify(request(event, "s3cret-valuf"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, sdk::ErrorCode::kUnauthenticated);
  EXPECT_FALSE(wrong.error().retryable);
  EXPECT_EQ(wrong.error().message.find("s3cret"), std::string::npos);
  auto longer = verifier_->verify(request(event, "s3cret-value-and-more"));
  EXPECT_FALSE(longer.ok());
  auto r = request(event);
  r.headers.pop_back();
  auto missing = verifier_->verify(r);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, sdk::ErrorCode::kUnauthenticated);
}

TEST_F(EventBridgeVerifierTest, NoConfiguredSecretRefusesEverything) {
  sdk::testing::FakeHost host;
  auto settings = parse_settings(with_schema(json::object()), host, SettingsUse::kWebhook);
  ASSERT_TRUE(settings.ok());
  EventBridgeVerifier open_door(host, *settings);
  sdk::WebhookRequest r;
  r.body = "{}";
  r.headers = {{"x-wasl-eventbridge-secret", ""}};
  auto result = open_door.verify(r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, sdk::ErrorCode::kUnauthenticated);
}

TEST_F(EventBridgeVerifierTest, RefusesWhatIsNotAChimeEvent) {
  auto not_json = request(json::object());
  not_json.body = "not json";
  EXPECT_EQ(verifier_->verify(not_json).error().code, sdk::ErrorCode::kInvalidArgument);
  auto other = verifier_->verify(request({{"source", "aws.s3"}, {"detail", json::object()}}));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, sdk::ErrorCode::kInvalidArgument);
}

json meeting_event(const std::string& type, const std::string& meeting_id, const std::string& id) {
  return {{"id", id},
          {"source", "aws.chime"},
          {"detail-type", "Chime Meeting State Change"},
          {"detail", {{"eventType", type}, {"meetingId", meeting_id}, {"attendeeId", "at-1"}}}};
}

// An array of more events than one request may carry is refused whole,
// before any is normalized; at the cap it is read.
TEST_F(EventBridgeVerifierTest, AnArrayOfMoreEventsThanTheCapIsResourceExhausted) {
  json events = json::array();
  for (std::size_t i = 0; i <= sdk::kMaxWebhookEvents; ++i) {
    events.push_back(meeting_event("chime:AttendeeJoined", "m-9", "e" + std::to_string(i)));
  }
  auto refused = verifier_->verify(request(events));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kResourceExhausted);
  EXPECT_FALSE(refused.error().retryable);
  events.erase(events.size() - 1);
  auto at_cap = verifier_->verify(request(events));
  ASSERT_TRUE(at_cap.ok()) << at_cap.error().message;
  EXPECT_EQ(at_cap->size(), sdk::kMaxWebhookEvents);
}

// A first meeting of this instance that expired before anyone connected is
// recreated on the next join, so its end is not the room's; once someone has
// connected, its end is. Events of a recreated meeting name the first one.
TEST_F(EventBridgeVerifierTest, ExpiredUnusedFirstMeetingsDoNotEndTheRoomAndMovesKeepTheRoomId) {
  ASSERT_TRUE(host_.state_put(meeting_state_key("m-1"), json{{"generation", 1}}).ok());
  auto unused = verifier_->verify(request(meeting_event("chime:MeetingEnded", "m-1", "e1")));
  ASSERT_TRUE(unused.ok()) << unused.error().message;
  EXPECT_TRUE(unused->empty());

  ASSERT_TRUE(
      host_.state_put(meeting_state_key("m-1"), json{{"generation", 1}, {"moved_to", "m-2"}}).ok());
  ASSERT_TRUE(
      host_.state_put(meeting_state_key("m-2"), json{{"generation", 2}, {"moved_from", "m-1"}})
          .ok());
  auto joined = verifier_->verify(request(meeting_event("chime:AttendeeJoined", "m-2", "e2")));
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  ASSERT_EQ(joined->size(), 1u);
  EXPECT_EQ((*joined)[0].room_id, "m-1");
  auto ended = verifier_->verify(request(meeting_event("chime:MeetingEnded", "m-2", "e3")));
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  ASSERT_EQ(ended->size(), 1u);
  EXPECT_EQ((*ended)[0].type, "room.ended");
  EXPECT_EQ((*ended)[0].room_id, "m-1");

  // A first meeting someone connected to ends the room.
  ASSERT_TRUE(host_.state_put(meeting_state_key("m-3"), json{{"generation", 1}}).ok());
  ASSERT_TRUE(verifier_->verify(request(meeting_event("chime:AttendeeJoined", "m-3", "e4"))).ok());
  auto used = verifier_->verify(request(meeting_event("chime:MeetingEnded", "m-3", "e5")));
  ASSERT_TRUE(used.ok());
  ASSERT_EQ(used->size(), 1u);
  EXPECT_EQ((*used)[0].room_id, "m-3");
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "abcd"));
  EXPECT_TRUE(constant_time_equals("", ""));
}

}  // namespace
}  // namespace wasl::plugins::chime
