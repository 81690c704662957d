#include "plugins/twilio/status_callback.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace wasl::plugins::twilio {
namespace {

using namespace std::chrono_literals;
using sdk::ErrorCode;

constexpr const char* kRoom = "RM82ef07b8b472c9054ea9588ce83ce7ae";
constexpr const char* kParticipant = "PA2ce0cd0dd9ff455c584940f1e81a66b9";

// As Twilio sends it (field order as observed on the wire).
const std::string kParticipantConnected =
    "RoomStatus=in-progress&RoomType=group&RoomSid=RM82ef07b8b472c9054ea9588ce83ce7ae"
    "&RoomName=wasl-run-42&ParticipantStatus=connected&ParticipantIdentity=clinician+7"
    "&SequenceNumber=1&StatusCallbackEvent=participant-connected"
    "&Timestamp=2025-10-27T18%3A16%3A01.876Z&ParticipantSid=PA2ce0cd0dd9ff455c584940f1e81a66b9"
    "&AccountSid=ACc3e9e7ecc6c54a4b387cb177780987d5";

std::chrono::system_clock::time_point at_ms(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

StatusCallbackEvent parse_ok(const FormFields& fields) {
  auto parsed = parse_status_callback(fields);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  if (!parsed.ok() || !parsed->has_value()) {
    ADD_FAILURE() << "no event";
    return {};
  }
  return **parsed;
}

FormFields room_event(std::string event, std::string timestamp, std::string status) {
  return {{"AccountSid", "ACc3e9e7ecc6c54a4b387cb177780987d5"},
          {"RoomSid", kRoom},
          {"RoomName", "wasl-run-42"},
          {"RoomStatus", std::move(status)},
          {"RoomType", "group"},
          {"StatusCallbackEvent", std::move(event)},
          {"Timestamp", std::move(timestamp)},
          {"SequenceNumber", "0"}};
}

TEST(StatusCallbackTest, ParsesParticipantConnectedFromTheWire) {
  auto parsed = parse_status_callback_body(kParticipantConnected);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_TRUE(parsed->has_value());
  const auto& e = **parsed;
  EXPECT_EQ(e.type, "participant.connected");
  EXPECT_EQ(e.provider_event, "participant-connected");
  EXPECT_EQ(e.room_sid, kRoom);
  EXPECT_EQ(e.room_name, "wasl-run-42");
  EXPECT_EQ(e.participant_sid, kParticipant);
  EXPECT_EQ(e.participant_identity, "clinician 7");
  EXPECT_EQ(e.account_sid, "ACc3e9e7ecc6c54a4b387cb177780987d5");
  EXPECT_EQ(e.occurred_at, at_ms(1761588961876));
  EXPECT_EQ(e.dedupe_key, std::string("twilio:participant-connected:") + kParticipant);
  EXPECT_EQ(e.payload.at("SequenceNumber"), "1");
  EXPECT_EQ(e.payload.at("Timestamp"), "2025-10-27T18:16:01.876Z");
  EXPECT_EQ(e.payload.size(), 11u);

  auto sdk_event = to_sdk_event(e);
  EXPECT_EQ(sdk_event.type, "participant.connected");
  EXPECT_EQ(sdk_event.room_id, kRoom);
  // The identity, as the hub knows the participant and as Twilio accepts it
  // in Participants/{Sid} to disconnect it.
  EXPECT_EQ(sdk_event.participant_id, "clinician 7");
  EXPECT_EQ(sdk_event.occurred_at_ms, 1761588961876);
  EXPECT_EQ(sdk_event.dedupe_key, e.dedupe_key);
  EXPECT_EQ(sdk_event.payload, e.payload);
}

TEST(StatusCallbackTest, MapsEveryEventWasActsOn) {
  struct Case {
    std::string provider_event;
    FormFields extra;
    std::string type;
    std::string dedupe_key;
  };
  const std::string ts = "2025-10-27T18:16:01Z";
  std::vector<Case> cases = {
      {"room-created", {}, "room.started", std::string("twilio:room-created:") + kRoom},
      {"room-ended",
       {{"RoomDuration", "42"}},
       "room.ended",
       std::string("twilio:room-ended:") + kRoom},
      {"participant-connected",
       {{"ParticipantSid", kParticipant}},
       "participant.connected",
       std::string("twilio:participant-connected:") + kParticipant},
      {"participant-disconnected",
       {{"ParticipantSid", kParticipant}, {"ParticipantDuration", "30"}},
       "participant.disconnected",
       std::string("twilio:participant-disconnected:") + kParticipant},
      {"recording-started",
       {{"RecordingSid", "RT1"}},
       "recording.started",
       "twilio:recording-started:RT1"},
      {"recording-completed",
       {{"RecordingSid", "RT1"}, {"Size", "100"}},
       "recording.completed",
       "twilio:recording-completed:RT1"},
      {"recording-failed",
       {{"RecordingSid", "RT2"}},
       "recording.failed",
       "twilio:recording-failed:RT2"},
      {"composition-enqueued",
       {{"CompositionSid", "CJ1"}},
       "composition.enqueued",
       "twilio:composition-enqueued:CJ1"},
      {"composition-progress",
       {{"CompositionSid", "CJ1"}, {"PercentageDone", "40"}},
       "composition.progress",
       "twilio:composition-progress:CJ1:40"},
      {"composition-available",
       {{"CompositionSid", "CJ1"}, {"MediaUri", "/v1/Compositions/CJ1/Media"}},
       "composition.completed",
       "twilio:composition-available:CJ1"},
      {"composition-failed",
       {{"CompositionSid", "CJ1"}},
       "composition.failed",
       "twilio:composition-failed:CJ1"},
  };
  for (const auto& c : cases) {
    auto fields = room_event(c.provider_event, ts, "in-progress");
    fields.insert(fields.end(), c.extra.begin(), c.extra.end());
    auto e = parse_ok(fields);
    EXPECT_EQ(e.type, c.type) << c.provider_event;
    EXPECT_EQ(e.dedupe_key, c.dedupe_key) << c.provider_event;
    EXPECT_EQ(e.occurred_at, at_ms(1761588961000)) << c.provider_event;
  }
  auto composition = parse_ok({{"CompositionSid", "CJ9"},
                               {"StatusCallbackEvent", "composition-available"},
                               {"Timestamp", ts}});
  EXPECT_EQ(composition.room_sid, "");
  EXPECT_EQ(to_sdk_event(composition).recording_id, "CJ9");
  auto recording_fields = room_event("recording-completed", ts, "in-progress");
  recording_fields.push_back({"RecordingSid", "RT7"});
  auto recording = parse_ok(recording_fields);
  EXPECT_EQ(to_sdk_event(recording).recording_id, "RT7");
}

TEST(StatusCallbackTest, IgnoresEventsWaslDoesNotActOn) {
  for (const char* event : {"track-added", "track-disabled", "composition-started", "unknown"}) {
    auto parsed = parse_status_callback(room_event(event, "2025-10-27T18:16:01Z", "in-progress"));
    ASSERT_TRUE(parsed.ok()) << event;
    EXPECT_FALSE(parsed->has_value()) << event;
  }
}

TEST(StatusCallbackTest, RefusesMissingOrBadFieldsNamingTheField) {
  auto expect_invalid = [](FormFields fields, std::string_view field) {
    auto parsed = parse_status_callback(fields);
    ASSERT_FALSE(parsed.ok()) << field;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find(field), std::string::npos) << parsed.error().message;
  };
  expect_invalid({{"RoomSid", kRoom}, {"Timestamp", "2025-10-27T18:16:01Z"}},
                 "StatusCallbackEvent");
  expect_invalid({{"RoomSid", kRoom}, {"StatusCallbackEvent", "room-ended"}}, "Timestamp");
  expect_invalid(room_event("room-ended", "yesterday", "completed"), "Timestamp");
  expect_invalid({{"StatusCallbackEvent", "room-ended"}, {"Timestamp", "2025-10-27T18:16:01Z"}},
                 "RoomSid");
  expect_invalid(room_event("participant-connected", "2025-10-27T18:16:01Z", "in-progress"),
                 "ParticipantSid");
  expect_invalid(room_event("recording-completed", "2025-10-27T18:16:01Z", "in-progress"),
                 "RecordingSid");
  expect_invalid(
      {{"StatusCallbackEvent", "composition-available"}, {"Timestamp", "2025-10-27T18:16:01Z"}},
      "CompositionSid");
  auto bad_form = parse_status_callback_body("StatusCallbackEvent=room-ended&RoomSid=%ZZ");
  ASSERT_FALSE(bad_form.ok());
  EXPECT_EQ(bad_form.error().code, ErrorCode::kInvalidArgument);
}

TEST(StatusCallbackTest, TimestampFormats) {
  EXPECT_EQ(parse_twilio_timestamp("2025-10-27T18:16:01.876Z"), at_ms(1761588961876));
  EXPECT_EQ(parse_twilio_timestamp("2025-10-27T18:16:01Z"), at_ms(1761588961000));
  EXPECT_EQ(parse_twilio_timestamp("2025-10-27T21:16:01.5+03:00"), at_ms(1761588961500));
  EXPECT_EQ(parse_twilio_timestamp("Mon, 27 Oct 2025 18:16:01 +0000"), at_ms(1761588961000));
  EXPECT_EQ(parse_twilio_timestamp("Mon, 27 Oct 2025 18:16:01 GMT"), at_ms(1761588961000));
  EXPECT_FALSE(parse_twilio_timestamp("").has_value());
  EXPECT_FALSE(parse_twilio_timestamp("1761588961").has_value());
  EXPECT_FALSE(parse_twilio_timestamp("not a date").has_value());
}

TEST(StatusCallbackTest, DedupeKeyIsStableAcrossRedeliveryAndDistinctAcrossEvents) {
  auto first = parse_status_callback_body(kParticipantConnected);
  // A redelivery: same fields, another order (and a retry may come with
  // another SequenceNumber); the key does not depend on either.
  std::string reordered =
      "AccountSid=ACc3e9e7ecc6c54a4b387cb177780987d5&ParticipantSid="
      "PA2ce0cd0dd9ff455c584940f1e81a66b9"
      "&Timestamp=2025-10-27T18%3A16%3A01.876Z&StatusCallbackEvent=participant-connected"
      "&SequenceNumber=9&ParticipantIdentity=clinician%207&ParticipantStatus=connected"
      "&RoomName=wasl-run-42&RoomSid=RM82ef07b8b472c9054ea9588ce83ce7ae&RoomType=group"
      "&RoomStatus=in-progress";
  auto again = parse_status_callback_body(reordered);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ((*first)->dedupe_key, (*again)->dedupe_key);

  FormFields left = room_event("participant-disconnected", "2025-10-27T18:20:00Z", "in-progress");
  left.push_back({"ParticipantSid", kParticipant});
  EXPECT_NE(parse_ok(left).dedupe_key, (*first)->dedupe_key);

  FormFields p40{{"CompositionSid", "CJ1"},
                 {"StatusCallbackEvent", "composition-progress"},
                 {"Timestamp", "2025-10-27T18:30:00Z"},
                 {"PercentageDone", "40"}};
  FormFields p80 = p40;
  p80[3].value = "80";
  EXPECT_NE(parse_ok(p40).dedupe_key, parse_ok(p80).dedupe_key);
}

TEST(StatusCallbackTest, RepeatedFieldsBecomeArraysInThePayload) {
  auto fields = room_event("room-ended", "2025-10-27T18:16:01Z", "completed");
  fields.push_back({"Tag", "a"});
  fields.push_back({"Tag", "b"});
  fields.push_back({"Tag", "c"});
  auto e = parse_ok(fields);
  EXPECT_EQ(e.payload.at("Tag"), nlohmann::json::array({"a", "b", "c"}));
}

TEST(StatusCallbackTest, OrdersByTimestampNeverBySequenceNumber) {
  // Arrival order is scrambled and SequenceNumber deliberately contradicts the
  // timestamps: the sorted order must follow Timestamp.
  auto created = room_event("room-created", "2025-10-27T18:00:00.000Z", "in-progress");
  created.back().value = "9";
  auto joined = room_event("participant-connected", "2025-10-27T18:00:01.000Z", "in-progress");
  joined.push_back({"ParticipantSid", kParticipant});
  joined[7].value = "8";
  auto left = room_event("participant-disconnected", "2025-10-27T18:10:00.000Z", "in-progress");
  left.push_back({"ParticipantSid", kParticipant});
  left[7].value = "1";
  auto ended = room_event("room-ended", "2025-10-27T18:15:00.000Z", "completed");
  ended[7].value = "0";
  auto composed = FormFields{{"CompositionSid", "CJ1"},
                             {"RoomSid", kRoom},
                             {"StatusCallbackEvent", "composition-available"},
                             {"Timestamp", "2025-10-27T18:20:00.000Z"}};

  std::vector<StatusCallbackEvent> expected;
  for (const auto& f : {created, joined, left, ended, composed}) expected.push_back(parse_ok(f));
  std::vector<StatusCallbackEvent> events = expected;
  std::mt19937 rng(7);  // seeded: the same shuffles every run
  for (int round = 0; round < 20; ++round) {
    std::shuffle(events.begin(), events.end(), rng);
    sort_by_occurrence(events);
    for (std::size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].dedupe_key, expected[i].dedupe_key) << "round " << round << " i " << i;
    }
  }
}

TEST(StatusCallbackTest, EqualTimestampsFallBackToLifecycleOrder) {
  const std::string ts = "2025-10-27T18:00:00.000Z";
  auto ended = parse_ok(room_event("room-ended", ts, "completed"));
  auto created = parse_ok(room_event("room-created", ts, "in-progress"));
  auto joined_fields = room_event("participant-connected", ts, "in-progress");
  joined_fields.push_back({"ParticipantSid", kParticipant});
  auto joined = parse_ok(joined_fields);
  std::vector<StatusCallbackEvent> events{ended, joined, created};
  sort_by_occurrence(events);
  EXPECT_EQ(events[0].type, "room.started");
  EXPECT_EQ(events[1].type, "participant.connected");
  EXPECT_EQ(events[2].type, "room.ended");
  EXPECT_FALSE(occurs_before(created, created));
}

}  // namespace
}  // namespace wasl::plugins::twilio
