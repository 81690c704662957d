#include "plugins/twilio/twilio_video_provider.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <set>
#include <sstream>

#include "plugins/twilio/room_unique_name.hpp"
#include "plugins/twilio/tests/scripted_host.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::twilio {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using sdk::HttpResponse;
using sdk::testing::FakeHost;
using testing::ScriptedHost;
using namespace std::chrono_literals;

constexpr char kBase[] = "https://video.test";
constexpr char kAccount[] = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kKeySid[] = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
constexpr char kKeySecret[] = "key-secret-value";
constexpr char kAuthToken[] = "auth-token-value";
constexpr char kRoom[] = "RM11111111111111111111111111111111";
constexpr char kComposition[] = "CJ22222222222222222222222222222222";
constexpr char kCallback[] = "https://wasl.example.org/v1/webhooks/video.twilio-main";

// As the hub hands them over: checked against schema.json, defaults filled in.
json with_schema(const json& settings) {
  return sdk::testing::settings_from_schema(WASL_SOURCE_DIR "/plugins/twilio/schema.json",
                                            settings);
}

json base_settings() {
  return with_schema({{"account_sid", kAccount},
                      {"api_key_sid", kKeySid},
                      {"api_key_secret", kKeySecret},
                      {"auth_token", kAuthToken},
                      {"base_url", kBase},
                      {"status_callback_url", kCallback},
                      {"empty_room_timeout_minutes", 7},
                      {"unused_room_timeout_minutes", 3},
                      {"composition", {{"poll_interval_ms", 5000}}}});
}

HttpResponse answer(int status, const json& body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return HttpResponse{status, std::move(headers), body.is_null() ? "" : body.dump()};
}

json room_json(const std::string& unique_name, const std::string& status = "in-progress") {
  return {{"sid", kRoom},
          {"unique_name", unique_name},
          {"status", status},
          {"type", "group"},
          {"max_participants", 4},
          {"record_participants_on_connect", false},
          {"date_created", "2025-10-27T18:16:01Z"},
          {"end_time", status == "completed" ? json("2025-10-27T18:46:01Z") : json(nullptr)}};
}

json page(const char* key, json items, json next = nullptr) {
  return {{key, std::move(items)},
          {"meta", {{"page", 0}, {"page_size", 50}, {"next_page_url", next}}}};
}

std::string list_rooms_url(const std::string& unique_name, const std::string& status) {
  return std::string(kBase) + "/v1/Rooms?UniqueName=" + unique_name + "&Status=" + status;
}

std::string expected_basic() {
  return "Basic " + sdk::base64_encode(std::string(kKeySid) + ":" + kKeySecret);
}

std::string header_of(const sdk::HttpRequest& request, const std::string& name) {
  for (const auto& [k, v] : request.headers) {
    if (k == name) return v;
  }
  return {};
}

sdk::CreateRoomRequest create_request(const std::string& key) {
  sdk::CreateRoomRequest request;
  request.idempotency_key = key;
  request.name = "consultation";
  request.participant_limit = 4;
  request.max_duration_seconds = 3600;
  return request;
}

class TwilioVideoProviderTest : public ::testing::Test {
 protected:
  TwilioVideoProviderTest() : fake_(base_settings(), "video.twilio-test"), host_(fake_) {}

  TwilioVideoProvider& provider() {
    if (!provider_) {
      auto settings = parse_settings(fake_.settings(), host_, SettingsUse::kVideo);
      EXPECT_TRUE(settings.ok()) << settings.error().message;
      provider_ = std::make_unique<TwilioVideoProvider>(host_, std::move(settings).value());
    }
    return *provider_;
  }

  std::string unique_name(const std::string& key) { return *room_unique_name(key); }

  FakeHost fake_;
  ScriptedHost host_;
  std::unique_ptr<TwilioVideoProvider> provider_;
};

// ---- create_room ---------------------------------------------------------------

TEST_F(TwilioVideoProviderTest, CreateRoomLooksFirstThenPostsTheExactForm) {
  const std::string name = unique_name("run-1/create_room");
  fake_.respond("GET", list_rooms_url(name, "in-progress"),
                answer(200, page("rooms", json::array())));
  fake_.respond("GET", list_rooms_url(name, "completed"),
                answer(200, page("rooms", json::array())));
  fake_.respond("POST", std::string(kBase) + "/v1/Rooms", answer(201, room_json(name)));

  auto room = provider().create_room(create_request("run-1/create_room"));
  ASSERT_TRUE(room.ok()) << room.error().message;
  EXPECT_EQ(room->provider_room_id, kRoom);
  EXPECT_EQ(room->name, name);
  EXPECT_EQ(room->status, "in_progress");
  EXPECT_EQ(room->participant_limit, 4);
  EXPECT_GT(room->created_at_ms, 0);

  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].url, list_rooms_url(name, "in-progress"));
  EXPECT_EQ(requests[1].url, list_rooms_url(name, "completed"));
  const auto& post = requests[2];
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.body,
            "Type=group&UniqueName=" + name +
                "&StatusCallback=https%3A%2F%2Fwasl.example.org%2Fv1%2Fwebhooks%2Fvideo.twilio-main"
                "&StatusCallbackMethod=POST&MaxParticipants=4&EmptyRoomTimeout=7"
                "&UnusedRoomTimeout=3&MaxParticipantDuration=3600"
                "&RecordParticipantsOnConnect=false");
  for (const auto& r : requests) {
    EXPECT_EQ(header_of(r, "Authorization"), expected_basic());
    EXPECT_EQ(header_of(r, "Accept"), "application/json");
  }
  EXPECT_EQ(header_of(post, "Content-Type"), "application/x-www-form-urlencoded");
  // The key's room is remembered.
  EXPECT_EQ(fake_.state().at("room:" + name), json({{"sid", kRoom}}));
}

TEST_F(TwilioVideoProviderTest, RetryAfterALostAnswerFindsTheRoomAndPostsNothing) {
  const std::string name = unique_name("run-2/create_room");
  fake_.respond("GET", list_rooms_url(name, "in-progress"),
                answer(200, page("rooms", json::array())));
  fake_.respond("GET", list_rooms_url(name, "completed"),
                answer(200, page("rooms", json::array())));
  fake_.respond(
      "POST", std::string(kBase) + "/v1/Rooms",
      answer(500, {{"code", 20500}, {"message", "Internal Server Error"}, {"status", 500}}));

  auto first = provider().create_room(create_request("run-2/create_room"));
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(first.error().retryable);
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);

  // The room was made nevertheless; the retry finds it by UniqueName.
  fake_.respond("GET", list_rooms_url(name, "in-progress"),
                answer(200, page("rooms", json::array({room_json(name)}))));
  auto second = provider().create_room(create_request("run-2/create_room"));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->provider_room_id, kRoom);

  int posts = 0;
  std::set<std::string> names;
  for (const auto& r : fake_.requests()) {
    if (r.method == "POST") {
      ++posts;
      auto at = r.body.find("UniqueName=");
      names.insert(r.body.substr(at + 11, name.size()));
    }
  }
  EXPECT_EQ(posts, 1);
  EXPECT_EQ(names, std::set<std::string>{name});
}

TEST_F(TwilioVideoProviderTest, RoomExistsConflictReFetchesTheRoom) {
  const std::string name = unique_name("run-3/create_room");
  fake_.respond("GET", list_rooms_url(name, "in-progress"),
                answer(200, page("rooms", json::array())));
  fake_.respond("GET", list_rooms_url(name, "completed"),
                answer(200, page("rooms", json::array())));
  fake_.respond("POST", std::string(kBase) + "/v1/Rooms",
                answer(400, {{"code", 53113}, {"message", "Room exists"}, {"status", 400}}));
  bool posted = false;
  host_.before_request = [&](const sdk::HttpRequest& r) {
    if (r.method == "POST") posted = true;
    if (posted && r.method == "GET") {
      fake_.respond("GET", list_rooms_url(name, "in-progress"),
                    answer(200, page("rooms", json::array({room_json(name)}))));
    }
  };
  auto room = provider().create_room(create_request("run-3/create_room"));
  ASSERT_TRUE(room.ok()) << room.error().message;
  EXPECT_EQ(room->provider_room_id, kRoom);
  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[3].url, list_rooms_url(name, "in-progress"));
}

TEST_F(TwilioVideoProviderTest, ConflictWithoutAVisibleRoomIsRetryable) {
  const std::string name = unique_name("run-4/create_room");
  fake_.respond("GET", list_rooms_url(name, "in-progress"),
                answer(200, page("rooms", json::array())));
  fake_.respond("GET", list_rooms_url(name, "completed"),
                answer(200, page("rooms", json::array())));
  fake_.respond("POST", std::string(kBase) + "/v1/Rooms",
                answer(400, {{"code", 53113}, {"message", "Room exists"}, {"status", 400}}));
  auto room = provider().create_room(create_request("run-4/create_room"));
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(room.error().retryable);
}

TEST_F(TwilioVideoProviderTest, RememberedRoomIsFetchedBySidEvenWhenCompleted) {
  const std::string name = unique_name("run-5/create_room");
  ASSERT_TRUE(fake_.state_put("room:" + name, {{"sid", kRoom}}).ok());
  fake_.respond("GET", std::string(kBase) + "/v1/Rooms/" + kRoom,
                answer(200, room_json(name, "completed")));
  auto room = provider().create_room(create_request("run-5/create_room"));
  ASSERT_TRUE(room.ok()) << room.error().message;
  EXPECT_EQ(room->status, "completed");
  EXPECT_GT(room->ended_at_ms, room->created_at_ms);
  EXPECT_EQ(fake_.requests().size(), 1u);
}

TEST_F(TwilioVideoProviderTest, ParticipantLimitOutsideGroupRoomRangeIsPermanent) {
  const std::string name = unique_name("run-6/create_room");
  fake_.respond("GET", list_rooms_url(name, "in-progress"),
                answer(200, page("rooms", json::array())));
  fake_.respond("GET", list_rooms_url(name, "completed"),
                answer(200, page("rooms", json::array())));
  auto request = create_request("run-6/create_room");
  request.participant_limit = 51;
  auto room = provider().create_room(request);
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(room.error().retryable);
  request.participant_limit = 4;
  request.max_duration_seconds = 300;  // Twilio's minimum is 600
  EXPECT_EQ(provider().create_room(request).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(fake_.requests().empty());  // refused before any request
}

TEST_F(TwilioVideoProviderTest, RateLimitIsRetryableWithRetryAfterAndNamesNoSecret) {
  const std::string name = unique_name("run-7/create_room");
  fake_.respond("GET", list_rooms_url(name, "in-progress"),
                answer(429,
                       {{"code", 20429},
                        {"message", "Too many requests " + std::string(kKeySecret)},
                        {"status", 429}},
                       {{"Retry-After", "7"}}));
  auto room = provider().create_room(create_request("run-7/create_room"));
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(room.error().retryable);
  ASSERT_TRUE(room.error().retry_after.has_value());
  EXPECT_EQ(*room.error().retry_after, 7000ms);
  EXPECT_EQ(room.error().message.find(kKeySecret), std::string::npos);
}

TEST_F(TwilioVideoProviderTest, BadCredentialsArePermanent) {
  const std::string name = unique_name("run-8/create_room");
  fake_.respond("GET", list_rooms_url(name, "in-progress"),
                answer(401, {{"code", 20003}, {"message", "Authenticate"}, {"status", 401}}));
  auto room = provider().create_room(create_request("run-8/create_room"));
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(room.error().retryable);
}

TEST_F(TwilioVideoProviderTest, TransportFailureStaysRetryable) {
  // No canned answer: FakeHost answers kUnavailable, as a refused connection would.
  auto room = provider().create_room(create_request("run-9/create_room"));
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(room.error().retryable);
  EXPECT_NE(room.error().message.find("Twilio list rooms"), std::string::npos);
}

// ---- end_room, participants, recording rules -------------------------------------

TEST_F(TwilioVideoProviderTest, EndRoomPostsCompletedAndAcceptsAnEndedRoom) {
  const std::string url = std::string(kBase) + "/v1/Rooms/" + kRoom;
  fake_.respond("POST", url, answer(200, room_json("n", "completed")));
  auto ended = provider().end_room({"k", kRoom});
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(ended->status, "completed");
  EXPECT_EQ(fake_.requests().back().body, "Status=completed");

  fake_.respond("POST", url,
                answer(400, {{"code", 53118}, {"message", "Room is already completed"}}));
  fake_.respond("GET", url, answer(200, room_json("n", "completed")));
  auto again = provider().end_room({"k", kRoom});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->status, "completed");

  fake_.respond("POST", url, answer(404, {{"code", 20404}, {"message", "Not found"}}));
  auto unknown = provider().end_room({"k", kRoom});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(TwilioVideoProviderTest, GetRoomReadsTheRoomsStatus) {
  const std::string url = std::string(kBase) + "/v1/Rooms/" + kRoom;
  fake_.respond("GET", url, answer(200, room_json("n")));
  auto open = provider().get_room({"", kRoom});
  ASSERT_TRUE(open.ok()) << open.error().message;
  EXPECT_EQ(open->status, "in_progress");
  EXPECT_EQ(open->provider_room_id, kRoom);
  EXPECT_EQ(open->ended_at_ms, 0);
  EXPECT_EQ(fake_.requests().back().method, "GET");
  EXPECT_EQ(header_of(fake_.requests().back(), "Authorization"), expected_basic());

  fake_.respond("GET", url, answer(200, room_json("n", "completed")));
  auto completed = provider().get_room({"", kRoom});
  ASSERT_TRUE(completed.ok()) << completed.error().message;
  EXPECT_EQ(completed->status, "completed");
  EXPECT_GT(completed->ended_at_ms, 0);

  fake_.respond("GET", url, answer(404, {{"code", 20404}, {"message", "Not found"}}));
  auto unknown = provider().get_room({"", kRoom});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);

  auto nameless = provider().get_room({"", ""});
  ASSERT_FALSE(nameless.ok());
  EXPECT_EQ(nameless.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(TwilioVideoProviderTest, ListParticipantsFollowsPagesOnTheBaseUrl) {
  const std::string first = std::string(kBase) + "/v1/Rooms/" + kRoom + "/Participants";
  const std::string second_path =
      std::string("/v1/Rooms/") + kRoom + "/Participants?PageSize=1&Page=1&PageToken=PT1";
  fake_.respond("GET", first,
                answer(200, page("participants",
                                 json::array({{{"sid", "PA1"},
                                               {"identity", "clinician-1"},
                                               {"status", "connected"},
                                               {"start_time", "2025-10-27T18:16:05Z"}}}),
                                 "https://video.twilio.com" + second_path)));
  fake_.respond("GET", kBase + second_path,
                answer(200, page("participants", json::array({{{"sid", "PA2"},
                                                               {"identity", "patient-1"},
                                                               {"status", "disconnected"}}}))));
  auto participants = provider().list_participants({"", kRoom});
  ASSERT_TRUE(participants.ok()) << participants.error().message;
  ASSERT_EQ(participants->size(), 2u);
  EXPECT_EQ((*participants)[0].identity, "clinician-1");
  EXPECT_EQ((*participants)[0].provider_id, "PA1");
  EXPECT_EQ((*participants)[0].status, "connected");
  EXPECT_GT((*participants)[0].joined_at_ms, 0);
  EXPECT_EQ((*participants)[1].status, "disconnected");
}

TEST_F(TwilioVideoProviderTest, RemoveParticipantDisconnectsAndTreatsGoneAsDone) {
  const std::string url = std::string(kBase) + "/v1/Rooms/" + kRoom + "/Participants/PA1";
  fake_.respond("POST", url, answer(202, {{"sid", "PA1"}, {"status", "disconnected"}}));
  ASSERT_TRUE(provider().remove_participant({"k", kRoom, "PA1"}).ok());
  EXPECT_EQ(fake_.requests().back().body, "Status=disconnected");

  fake_.respond("POST", url, answer(404, {{"code", 20404}, {"message", "Not found"}}));
  EXPECT_TRUE(provider().remove_participant({"k", kRoom, "PA1"}).ok());

  fake_.respond("POST", url, answer(400, {{"code", 53205}, {"message", "already disconnected"}}));
  fake_.respond("GET", url, answer(200, {{"sid", "PA1"}, {"status", "disconnected"}}));
  EXPECT_TRUE(provider().remove_participant({"k", kRoom, "PA1"}).ok());

  fake_.respond("POST", url, answer(503, {{"code", 20503}, {"message", "Unavailable"}}));
  auto status = provider().remove_participant({"k", kRoom, "PA1"});
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(status.error().retryable);
}

TEST_F(TwilioVideoProviderTest, RecordingRulesStartAndStop) {
  const std::string url = std::string(kBase) + "/v1/Rooms/" + kRoom + "/RecordingRules";
  fake_.respond("POST", url,
                answer(200, {{"room_sid", kRoom},
                             {"rules", json::array({{{"type", "include"}, {"all", true}}})}}));
  auto started = provider().start_recording({"k", kRoom});
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(started->room_id, kRoom);
  EXPECT_EQ(started->status, "processing");
  EXPECT_EQ(fake_.requests().back().body,
            "Rules=%5B%7B%22all%22%3Atrue%2C%22type%22%3A%22include%22%7D%5D");
  ASSERT_TRUE(provider().stop_recording({"k", kRoom}).ok());
  EXPECT_EQ(fake_.requests().back().body,
            "Rules=%5B%7B%22all%22%3Atrue%2C%22type%22%3A%22exclude%22%7D%5D");
}

TEST_F(TwilioVideoProviderTest, ListRecordingsIncludesTracksAndCompositions) {
  fake_.respond(
      "GET", std::string(kBase) + "/v1/Rooms/" + kRoom + "/Recordings",
      answer(200, page("recordings", json::array({{{"sid", "RT1"},
                                                   {"type", "audio"},
                                                   {"status", "completed"},
                                                   {"container_format", "mka"},
                                                   {"size", 1000},
                                                   {"duration", 30},
                                                   {"grouping_sids", {{"room_sid", kRoom}}}}}))));
  fake_.respond("GET", std::string(kBase) + "/v1/Compositions?RoomSid=" + kRoom,
                answer(200, page("compositions", json::array({{{"sid", kComposition},
                                                               {"room_sid", kRoom},
                                                               {"status", "enqueued"},
                                                               {"format", "mp4"}}}))));
  auto recordings = provider().list_recordings({"", kRoom});
  ASSERT_TRUE(recordings.ok()) << recordings.error().message;
  ASSERT_EQ(recordings->size(), 2u);
  EXPECT_EQ((*recordings)[0].provider_id, "RT1");
  EXPECT_EQ((*recordings)[0].room_id, kRoom);
  EXPECT_EQ((*recordings)[0].content_type, "audio/x-matroska");
  EXPECT_EQ((*recordings)[0].size_bytes, 1000);
  EXPECT_EQ((*recordings)[1].kind, "composition");
  EXPECT_EQ((*recordings)[1].status, "processing");
  EXPECT_EQ((*recordings)[1].content_type, "video/mp4");
}

// ---- compositions -------------------------------------------------------------

TEST_F(TwilioVideoProviderTest, CompositionIsRequestedOnceWithGridLayout) {
  const std::string list = std::string(kBase) + "/v1/Compositions?RoomSid=" + kRoom;
  fake_.respond("GET", list, answer(200, page("compositions", json::array())));
  json created = {
      {"sid", kComposition}, {"room_sid", kRoom}, {"status", "enqueued"}, {"format", "mp4"}};
  fake_.respond("POST", std::string(kBase) + "/v1/Compositions", answer(201, created));
  sdk::CompositionRequest request;
  request.idempotency_key = "run-1/compose";
  request.room_id = kRoom;
  auto composition = provider().request_composition(request);
  ASSERT_TRUE(composition.ok()) << composition.error().message;
  EXPECT_EQ(composition->provider_id, kComposition);
  EXPECT_EQ(composition->status, "processing");
  EXPECT_EQ(fake_.requests().back().body,
            std::string("RoomSid=") + kRoom +
                "&VideoLayout=%7B%22grid%22%3A%7B%22video_sources%22%3A%5B%22%2A%22%5D%7D%7D"
                "&AudioSources=%2A&Format=mp4&Resolution=1280x720&Trim=true"
                "&StatusCallback=https%3A%2F%2Fwasl.example.org%2Fv1%2Fwebhooks%2Fvideo.twilio-main"
                "&StatusCallbackMethod=POST");

  // A retry finds it and posts nothing.
  fake_.respond("GET", list, answer(200, page("compositions", json::array({created}))));
  auto again = provider().request_composition(request);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->provider_id, kComposition);
  int posts = 0;
  for (const auto& r : fake_.requests()) posts += r.method == "POST";
  EXPECT_EQ(posts, 1);
}

TEST_F(TwilioVideoProviderTest, FailedCompositionIsReplacedAndRoomNotCompletedIsRetryable) {
  const std::string list = std::string(kBase) + "/v1/Compositions?RoomSid=" + kRoom;
  fake_.respond(
      "GET", list,
      answer(200, page("compositions",
                       json::array(
                           {{{"sid", kComposition}, {"room_sid", kRoom}, {"status", "failed"}}}))));
  fake_.respond("POST", std::string(kBase) + "/v1/Compositions",
                answer(400, {{"code", 53150}, {"message", "Room is not completed"}}));
  sdk::CompositionRequest request;
  request.room_id = kRoom;
  auto composition = provider().request_composition(request);
  ASSERT_FALSE(composition.ok());
  EXPECT_EQ(composition.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(composition.error().retryable);
  EXPECT_EQ(composition.error().retry_after, std::optional<std::chrono::milliseconds>(5000ms));
}

// ---- media ---------------------------------------------------------------------

class MediaTest : public TwilioVideoProviderTest {
 protected:
  void SetUp() override {
    fake_.respond("GET", std::string(kBase) + "/v1/Compositions/" + kComposition,
                  answer(200, {{"sid", kComposition},
                               {"room_sid", kRoom},
                               {"status", "completed"},
                               {"format", "mp4"},
                               {"size", 200000}}));
    media_.resize(200000);
    for (std::size_t i = 0; i < media_.size(); ++i) media_[i] = static_cast<char>(i * 7 + 3);
  }
  void redirect_to(const std::string& location) {
    fake_.respond(
        "GET", std::string(kBase) + "/v1/Compositions/" + kComposition + "/Media",
        HttpResponse{302, {{"Location", location}}, "{\"redirect_to\":\"" + location + "\"}"});
  }
  std::string media_;
};

TEST_F(MediaTest, FollowsTheRedirectWithoutCredentialsAndStreamsInChunks) {
  const std::string location = "https://bucket.s3.amazonaws.com/c/CJ2?X-Amz-Signature=abc";
  redirect_to(location);
  fake_.respond("GET", location,
                HttpResponse{200,
                             {{"Content-Type", "video/mp4"},
                              {"Content-Length", std::to_string(media_.size())}},
                             media_});
  fake_.stream_chunk_size = 8192;
  std::string received;
  int chunks = 0;
  auto info = provider().fetch_media({kComposition}, [&](std::string_view chunk) -> sdk::Status {
    received.append(chunk);
    ++chunks;
    return {};
  });
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(received, media_);
  EXPECT_EQ(info->size_bytes, static_cast<std::int64_t>(media_.size()));
  EXPECT_EQ(info->content_type, "video/mp4");
  EXPECT_GT(chunks, 1);
  auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].url, location);
  EXPECT_TRUE(header_of(requests[2], "Authorization").empty());
  EXPECT_EQ(header_of(requests[1], "Authorization"), expected_basic());
}

TEST_F(MediaTest, ARelativeRedirectStaysOnTheBaseOrigin) {
  redirect_to("/_media/compositions/CJ2?Expires=1&Signature=x");
  const std::string location =
      std::string(kBase) + "/_media/compositions/CJ2?Expires=1&Signature=x";
  fake_.respond("GET", location, HttpResponse{200, {{"Content-Type", "video/mp4"}}, media_});
  std::string received;
  auto info = provider().fetch_media({kComposition}, [&](std::string_view chunk) -> sdk::Status {
    received.append(chunk);
    return {};
  });
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(received.size(), media_.size());
}

TEST_F(MediaTest, RedirectToAnUnlistedHostIsRefused) {
  redirect_to("https://attacker.example.com/steal");
  auto info =
      provider().fetch_media({kComposition}, [](std::string_view) { return sdk::Status(); });
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(fake_.requests().size(), 2u);  // nothing was sent there
  // http:// to a listed suffix is refused too (credential-free, but unencrypted PHI).
  redirect_to("http://bucket.s3.amazonaws.com/c");
  EXPECT_FALSE(
      provider().fetch_media({kComposition}, [](std::string_view) { return sdk::Status(); }).ok());
}

TEST_F(MediaTest, AnErrorPageNeverReachesTheSink) {
  const std::string location = "https://bucket.s3.amazonaws.com/c/expired";
  redirect_to(location);
  fake_.respond(
      "GET", location,
      HttpResponse{403, {{"Content-Type", "application/xml"}}, "<Error>AccessDenied</Error>"});
  std::string received;
  auto info = provider().fetch_media({kComposition}, [&](std::string_view chunk) -> sdk::Status {
    received.append(chunk);
    return {};
  });
  ASSERT_FALSE(info.ok());
  EXPECT_TRUE(info.error().retryable);  // a fresh redirect gives a fresh link
  EXPECT_TRUE(received.empty());
}

TEST_F(MediaTest, ShortBodyIsRetryableAndSinkErrorsAbort) {
  const std::string location = "https://bucket.s3.amazonaws.com/c/short";
  redirect_to(location);
  fake_.respond(
      "GET", location,
      HttpResponse{200, {{"Content-Length", std::to_string(media_.size() + 10)}}, media_});
  auto info =
      provider().fetch_media({kComposition}, [](std::string_view) { return sdk::Status(); });
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(info.error().retryable);

  fake_.respond("GET", location, HttpResponse{200, {}, media_});
  auto aborted = provider().fetch_media({kComposition}, [](std::string_view) -> sdk::Status {
    return sdk::Error(ErrorCode::kCancelled, "archive full", false);
  });
  ASSERT_FALSE(aborted.ok());
  EXPECT_EQ(aborted.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(aborted.error().message, "archive full");
}

TEST_F(MediaTest, EnqueuedCompositionAsksTheEngineToPollLater) {
  fake_.respond("GET", std::string(kBase) + "/v1/Compositions/" + kComposition,
                answer(200, {{"sid", kComposition}, {"status", "enqueued"}}));
  auto info =
      provider().fetch_media({kComposition}, [](std::string_view) { return sdk::Status(); });
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(info.error().retryable);
  EXPECT_EQ(info.error().retry_after, std::optional<std::chrono::milliseconds>(5000ms));
  EXPECT_EQ(fake_.requests().size(), 1u);  // no Media request while it is enqueued

  fake_.respond("GET", std::string(kBase) + "/v1/Compositions/" + kComposition,
                answer(200, {{"sid", kComposition}, {"status", "failed"}}));
  auto failed =
      provider().fetch_media({kComposition}, [](std::string_view) { return sdk::Status(); });
  ASSERT_FALSE(failed.ok());
  EXPECT_FALSE(failed.error().retryable);

  auto bad = provider().fetch_media({"not-a-sid"}, [](std::string_view) { return sdk::Status(); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

// ---- deletion after archive ------------------------------------------------------

TEST_F(TwilioVideoProviderTest, ReleaseMediaDeletesCompositionAndRecordings) {
  fake_.respond("GET", std::string(kBase) + "/v1/Compositions/" + kComposition,
                answer(200, {{"sid", kComposition}, {"room_sid", kRoom}, {"status", "completed"}}));
  fake_.respond(
      "GET", std::string(kBase) + "/v1/Rooms/" + kRoom + "/Recordings",
      answer(200, page("recordings", json::array({{{"sid", "RT1"}, {"status", "completed"}},
                                                  {{"sid", "RT2"}, {"status", "deleted"}},
                                                  {{"sid", "RT3"}, {"status", "completed"}}}))));
  fake_.respond("DELETE", std::string(kBase) + "/v1/Recordings/RT1", HttpResponse{204, {}, ""});
  fake_.respond("DELETE", std::string(kBase) + "/v1/Recordings/RT3",
                answer(404, {{"code", 20404}, {"message", "gone"}}));
  fake_.respond("DELETE", std::string(kBase) + "/v1/Compositions/" + kComposition,
                HttpResponse{204, {}, ""});
  ASSERT_TRUE(provider().release_media({kComposition}).ok());
  std::vector<std::string> deleted;
  for (const auto& r : fake_.requests()) {
    if (r.method == "DELETE") deleted.push_back(r.url.substr(std::string(kBase).size()));
  }
  EXPECT_EQ(deleted, (std::vector<std::string>{"/v1/Recordings/RT1", "/v1/Recordings/RT3",
                                               std::string("/v1/Compositions/") + kComposition}));
}

TEST_F(TwilioVideoProviderTest, ReleaseMediaDoesNothingWhenDeletionIsOff) {
  json settings = base_settings();
  settings["delete_after_archive"] = false;
  FakeHost fake(settings);
  auto parsed = parse_settings(settings, fake, SettingsUse::kVideo);
  ASSERT_TRUE(parsed.ok());
  TwilioVideoProvider provider(fake, *parsed);
  ASSERT_TRUE(provider.release_media({kComposition}).ok());
  EXPECT_TRUE(fake.requests().empty());
}

// ---- join tokens ---------------------------------------------------------------

json jwt_part(const std::string& token, int index) {
  std::vector<std::string> parts;
  std::stringstream in(token);
  for (std::string part; std::getline(in, part, '.');) parts.push_back(part);
  auto decoded = sdk::base64url_decode(parts.at(index));
  EXPECT_TRUE(decoded.has_value()) << parts.at(index);
  return json::parse(decoded.value_or("null"));
}

TEST_F(TwilioVideoProviderTest, JoinTokenCarriesIdentityRoomAndTtl) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1761588961));
  fake_.set_now(now);
  sdk::JoinTokenRequest request;
  request.idempotency_key = "run-1/join/clinician-1";
  request.room_id = kRoom;
  request.participant.identity = "clinician-1";
  request.ttl_seconds = 900;
  auto token = provider().issue_join_token(request);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(token->provider_participant_id, "clinician-1");
  EXPECT_EQ(token->expires_at_ms, (1761588961LL + 900) * 1000);
  json header = jwt_part(token->token, 0);
  json claims = jwt_part(token->token, 1);
  EXPECT_EQ(header["cty"], "twilio-fpa;v=1");
  EXPECT_EQ(claims["iss"], kKeySid);
  EXPECT_EQ(claims["sub"], kAccount);
  EXPECT_EQ(claims["jti"], std::string(kKeySid) + "-1761588961");
  EXPECT_EQ(claims["exp"], 1761588961 + 900);
  EXPECT_EQ(claims["grants"]["identity"], "clinician-1");
  EXPECT_EQ(claims["grants"]["video"]["room"], kRoom);
  EXPECT_TRUE(fake_.requests().empty());  // no REST call

  request.ttl_seconds = 0;  // the setting's default
  auto defaulted = provider().issue_join_token(request);
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(jwt_part(defaulted->token, 1)["exp"], 1761588961 + 3600);

  request.ttl_seconds = 86401;
  auto too_long = provider().issue_join_token(request);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace wasl::plugins::twilio
