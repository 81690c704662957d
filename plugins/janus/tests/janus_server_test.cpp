// The Janus plugin against a real Janus 1.1.2 (scripts/test-janus, ctest
// fixture janus): rooms, tokens, the waiting room, kick and token expiry as
// Janus itself enforces them, and the events its sampleevh handler posts.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/janus/admin_client.hpp"
#include "plugins/janus/event_verifier.hpp"
#include "plugins/janus/janus_video_provider.hpp"
#include "plugins/janus/settings.hpp"
#include "plugins/janus/tests/event_receiver.hpp"
#include "plugins/janus/tests/janus_server.hpp"
#include "plugins/janus/tests/participant_session.hpp"
#include "tests/peers/support/loopback_host.hpp"
#include "wasl/sdk/random.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::janus {
namespace {

using nlohmann::json;
using testing::EventReceiver;
using testing::JanusServer;
using testing::ParticipantSession;

const std::string kSchema = WASL_SOURCE_DIR "/plugins/janus/schema.json";

// Polls `condition` every 50 ms until it holds or `deadline` passes;
// whether it held.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(15)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

class JanusServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = JanusServer::from_fixture(WASL_BINARY_DIR);
    json settings = sdk::testing::settings_from_schema(
        kSchema,
        {{"api_url", server_.api_url},
         {"admin_url", server_.admin_url},
         {"admin_secret", server_.admin_secret},
         {"room_admin_key", server_.room_admin_key},
         {"recording_root", server_.recordings},
         {"events", {{"user", server_.events_user}, {"password", server_.events_password}}},
         {"ice_servers", json::array({{{"urls", {"stun:127.0.0.1:3478"}}}})}});
    host_ = std::make_unique<wasl::testing::LoopbackHost>(settings, "video.janus-test");
    auto parsed = parse_settings(host_->settings(), *host_, SettingsUse::kVideo);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    settings_ = *parsed;
    provider_ = std::make_unique<JanusVideoProvider>(*host_, settings_);
    auto webhook = parse_settings(host_->settings(), *host_, SettingsUse::kWebhook);
    ASSERT_TRUE(webhook.ok()) << webhook.error().message;
    verifier_ = std::make_unique<JanusEventVerifier>(*webhook);
  }

  // A fresh idempotency key, so tests never share a room.
  static std::string fresh_key() { return "consultation:" + *sdk::random_hex(8); }

  sdk::Room create(const std::string& key, int limit = 4) {
    sdk::CreateRoomRequest request;
    request.idempotency_key = key;
    request.name = "test room";
    request.participant_limit = limit;
    request.recording = true;
    auto room = provider_->create_room(request);
    EXPECT_TRUE(room.ok()) << room.error().message;
    return room.ok() ? *room : sdk::Room{};
  }

  sdk::JoinToken token_for(const sdk::Room& room, const std::string& identity,
                           const std::string& status, int ttl_seconds = 600) {
    sdk::JoinTokenRequest request;
    request.idempotency_key = "participant:" + identity;
    request.room_id = room.provider_room_id;
    request.participant.identity = identity;
    request.participant.display_name = identity;
    request.participant.role = identity;
    request.participant.status = status;
    request.ttl_seconds = ttl_seconds;
    auto token = provider_->issue_join_token(request);
    EXPECT_TRUE(token.ok()) << token.error().message;
    return token.ok() ? *token : sdk::JoinToken{};
  }

  // Janus's own answer to the VideoRoom `exists` request.
  bool janus_has_room(const std::string& room_id) {
    AdminClient admin(*host_, settings_);
    AdminAnswer answer = admin.videoroom({{"request", "exists"}, {"room", std::stoull(room_id)}});
    EXPECT_TRUE(answer.ok) << answer.failure.error.message;
    return answer.ok && answer.document.value("exists", false);
  }

  // How many rooms Janus lists under `room_id`.
  int janus_rooms_named(const std::string& room_id) {
    AdminClient admin(*host_, settings_);
    AdminAnswer answer =
        admin.videoroom({{"request", "list"}, {"admin_key", settings_.room_admin_key}});
    EXPECT_TRUE(answer.ok) << answer.failure.error.message;
    int count = 0;
    for (const auto& room : answer.document.value("list", json::array())) {
      if (std::to_string(room.value("room", std::uint64_t{0})) == room_id) ++count;
    }
    return count;
  }

  JanusServer server_;
  JanusSettings settings_;
  std::unique_ptr<wasl::testing::LoopbackHost> host_;
  std::unique_ptr<JanusVideoProvider> provider_;
  std::unique_ptr<JanusEventVerifier> verifier_;
};

TEST_F(JanusServerTest, CreatingTwiceWithOneKeyMakesOneRoom) {
  const std::string key = fresh_key();
  sdk::Room first = create(key);
  sdk::Room again = create(key);
  ASSERT_FALSE(first.provider_room_id.empty());
  EXPECT_EQ(again.provider_room_id, first.provider_room_id);
  EXPECT_EQ(first.status, "in_progress");
  EXPECT_EQ(first.raw["room"].get<std::uint64_t>(), room_id_for_key(key));
  EXPECT_TRUE(janus_has_room(first.provider_room_id));
  EXPECT_EQ(janus_rooms_named(first.provider_room_id), 1);

  // Another provider over the same state (a hub restart) finds it too.
  JanusVideoProvider restarted(*host_, settings_);
  sdk::CreateRoomRequest request;
  request.idempotency_key = key;
  request.participant_limit = 4;
  auto third = restarted.create_room(request);
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_EQ(third->provider_room_id, first.provider_room_id);
  EXPECT_EQ(janus_rooms_named(first.provider_room_id), 1);
  EXPECT_NE(create(fresh_key()).provider_room_id, first.provider_room_id);
}

TEST_F(JanusServerTest, EndingTwiceSucceedsAndTheRoomIsGone) {
  sdk::Room room = create(fresh_key());
  auto ended = provider_->end_room({"end-1", room.provider_room_id});
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(ended->status, "completed");
  EXPECT_GT(ended->ended_at_ms, 0);
  EXPECT_FALSE(janus_has_room(room.provider_room_id));
  auto again = provider_->end_room({"end-2", room.provider_room_id});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->status, "completed");

  // A provider whose state says the room is open, though Janus lost it (a
  // restarted Janus): ending it still succeeds.
  sdk::Room lost = create(fresh_key());
  AdminClient admin(*host_, settings_);
  auto state = host_->state_get("room:" + lost.provider_room_id);
  ASSERT_TRUE(state.ok() && state->has_value());
  ASSERT_TRUE(admin
                  .videoroom({{"request", "destroy"},
                              {"room", std::stoull(lost.provider_room_id)},
                              {"secret", (**state)["secret"]}})
                  .ok);
  auto read = provider_->get_room({"", lost.provider_room_id});
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->status, "completed");
  EXPECT_TRUE(provider_->end_room({"end-3", lost.provider_room_id}).ok());

  auto unknown = provider_->end_room({"end-4", "12345"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, sdk::ErrorCode::kNotFound);
}

TEST_F(JanusServerTest, AnAdmittedTokenJoinsAndAWaitingOneIsRefusedByJanus) {
  sdk::Room room = create(fresh_key());
  const std::uint64_t room_number = std::stoull(room.provider_room_id);
  sdk::JoinToken clinician = token_for(room, "clinician-1", "connected");
  sdk::JoinToken patient = token_for(room, "patient-1", "waiting");
  ASSERT_FALSE(clinician.token.empty());
  ASSERT_FALSE(patient.token.empty());
  EXPECT_NE(clinician.token, patient.token);
  EXPECT_TRUE(clinician.raw["admitted"].get<bool>());
  EXPECT_FALSE(patient.raw["admitted"].get<bool>());
  EXPECT_EQ(clinician.raw["ice_servers"][0]["urls"][0], "stun:127.0.0.1:3478");

  ParticipantSession clinician_session(*host_, server_.api_url, clinician.token);
  auto joined = clinician_session.join(room_number, std::stoull(clinician.provider_participant_id));
  EXPECT_EQ(joined.core_error, 0);
  EXPECT_EQ(joined.videoroom, "joined");
  EXPECT_EQ(std::to_string(joined.feed_id), clinician.provider_participant_id);

  // The patient's token opens a Janus session, but the room refuses it.
  ParticipantSession waiting(*host_, server_.api_url, patient.token);
  auto refused = waiting.join(room_number, std::stoull(patient.provider_participant_id));
  EXPECT_EQ(refused.core_error, 0);
  EXPECT_EQ(refused.videoroom, "event");
  EXPECT_EQ(refused.videoroom_error, kRoomUnauthorized);

  // A token of another room does not open this one either.
  sdk::Room other = create(fresh_key());
  sdk::JoinToken elsewhere = token_for(other, "clinician-2", "connected");
  ParticipantSession stranger(*host_, server_.api_url, elsewhere.token);
  EXPECT_EQ(stranger.join(room_number, 77).videoroom_error, kRoomUnauthorized);

  // Admission: the same participant asked for again, no longer waiting.
  sdk::JoinToken admitted = token_for(room, "patient-1", "connected");
  EXPECT_EQ(admitted.token, patient.token);
  EXPECT_TRUE(admitted.raw["admitted"].get<bool>());
  ParticipantSession patient_session(*host_, server_.api_url, admitted.token);
  auto now_joined =
      patient_session.join(room_number, std::stoull(admitted.provider_participant_id));
  EXPECT_EQ(now_joined.videoroom, "joined");

  auto listed = provider_->list_participants({"", room.provider_room_id});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  std::vector<std::string> identities;
  for (const auto& p : *listed) identities.push_back(p.identity);
  EXPECT_THAT(identities, ::testing::UnorderedElementsAre("clinician-1", "patient-1"));

  // A token Janus never saw is refused at the session already.
  ParticipantSession forged(*host_, server_.api_url, "not-a-token");
  EXPECT_EQ(forged.join(room_number, 99).core_error, 403);
  EXPECT_TRUE(provider_->end_room({"end", room.provider_room_id}).ok());
  EXPECT_TRUE(provider_->end_room({"end", other.provider_room_id}).ok());
}

// A recorded room a participant joined without publishing: once it has
// ended, Janus has written no .mjr file, and the composition is `failed`
// with raw.no_media (the hub then archives nothing); fetching it is a
// clear, final error; releasing it succeeds.
TEST_F(JanusServerTest, ARoomNobodyPublishedInComposesAsNoMedia) {
  sdk::Room room = create(fresh_key());
  sdk::JoinToken clinician = token_for(room, "clinician-1", "connected");
  ParticipantSession session(*host_, server_.api_url, clinician.token);
  auto joined = session.join(std::stoull(room.provider_room_id),
                             std::stoull(clinician.provider_participant_id));
  EXPECT_EQ(joined.videoroom, "joined");
  ASSERT_TRUE(provider_->end_room({"end", room.provider_room_id}).ok());

  sdk::CompositionRequest compose;
  compose.room_id = room.provider_room_id;
  auto composition = provider_->request_composition(compose);
  ASSERT_TRUE(composition.ok()) << composition.error().message;
  EXPECT_EQ(composition->status, "failed");
  EXPECT_EQ(composition->raw.value("no_media", false), true) << composition->raw.dump();
  EXPECT_THAT(composition->raw.value("error", ""), ::testing::HasSubstr("nobody published"));
  // Asked again (a retry of the step): the same answer.
  auto again = provider_->request_composition(compose);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->status, "failed");
  auto listed = provider_->list_recordings({"", room.provider_room_id});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].raw.value("no_media", false), true);

  auto fetched = provider_->fetch_media({composition->provider_id},
                                        [](std::string_view) { return sdk::Status(); });
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(fetched.error().retryable);
  EXPECT_TRUE(provider_->release_media({composition->provider_id}).ok());
}

TEST_F(JanusServerTest, AKickedParticipantsTokenCannotRejoin) {
  sdk::Room room = create(fresh_key());
  const std::uint64_t room_number = std::stoull(room.provider_room_id);
  sdk::JoinToken patient = token_for(room, "patient-2", "connected");
  auto session = std::make_unique<ParticipantSession>(*host_, server_.api_url, patient.token);
  ASSERT_EQ(session->join(room_number, std::stoull(patient.provider_participant_id)).videoroom,
            "joined");

  auto removed = provider_->remove_participant(
      {"remove-1", room.provider_room_id, patient.provider_participant_id});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_TRUE(eventually([&] {
    auto listed = provider_->list_participants({"", room.provider_room_id});
    return listed.ok() && listed->empty();
  }));
  // Removing again is success.
  EXPECT_TRUE(
      provider_
          ->remove_participant({"remove-2", room.provider_room_id, patient.provider_participant_id})
          .ok());

  // The old token is gone from Janus: no session, so no rejoin.
  ParticipantSession rejoin(*host_, server_.api_url, patient.token);
  EXPECT_EQ(rejoin.join(room_number, std::stoull(patient.provider_participant_id)).core_error, 403);

  // Admitted again, the participant gets a new token and a new feed.
  sdk::JoinToken fresh = token_for(room, "patient-2", "connected");
  EXPECT_NE(fresh.token, patient.token);
  EXPECT_NE(fresh.provider_participant_id, patient.provider_participant_id);
  ParticipantSession back(*host_, server_.api_url, fresh.token);
  EXPECT_EQ(back.join(room_number, std::stoull(fresh.provider_participant_id)).videoroom, "joined");
  EXPECT_TRUE(provider_->end_room({"end", room.provider_room_id}).ok());
  // The room's end removes its tokens as well.
  ParticipantSession after_end(*host_, server_.api_url, fresh.token);
  EXPECT_EQ(after_end.join(room_number, 1).core_error, 403);
}

TEST_F(JanusServerTest, AnExpiredTokenIsRemovedFromJanus) {
  sdk::Room room = create(fresh_key());
  const std::uint64_t room_number = std::stoull(room.provider_room_id);
  sdk::JoinToken brief = token_for(room, "patient-3", "connected", /*ttl_seconds=*/1);
  EXPECT_LE(brief.expires_at_ms - host_->now().time_since_epoch() / std::chrono::milliseconds(1),
            1000);
  sdk::JoinToken lasting = token_for(room, "clinician-3", "connected");

  // Until it expires, the token works.
  {
    ParticipantSession session(*host_, server_.api_url, brief.token);
    auto joined = session.join(room_number, std::stoull(brief.provider_participant_id));
    if (joined.core_error == 0) EXPECT_EQ(joined.videoroom, "joined");
  }
  // Once past its lifetime, the next call's sweep removes it from Janus.
  EXPECT_TRUE(eventually([&] {
    if (!provider_->sweep_expired().ok()) return false;
    ParticipantSession probe(*host_, server_.api_url, brief.token);
    return probe.join(room_number, 5).core_error == 403;
  }));
  ParticipantSession still(*host_, server_.api_url, lasting.token);
  EXPECT_EQ(still.join(room_number, std::stoull(lasting.provider_participant_id)).videoroom,
            "joined");
  EXPECT_TRUE(provider_->end_room({"end", room.provider_room_id}).ok());
}

TEST_F(JanusServerTest, JanusEventsReachTheWebhookAndAreMapped) {
  // The handler is pointed at a listener on a port bound just now (the
  // fixture's events port, picked when Janus started, may since have been
  // taken by another process). Its credential stays the configured one.
  EventReceiver receiver;
  {
    AdminClient admin(*host_, settings_);
    const std::string backend = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/events";
    AdminAnswer tweaked = admin.core("query_eventhandler",
                                     {{"handler", "janus.eventhandler.sampleevh"},
                                      {"request", {{"request", "tweak"}, {"backend", backend}}}});
    ASSERT_TRUE(tweaked.ok) << tweaked.failure.error.message;
  }
  sdk::Room room = create(fresh_key());
  const std::uint64_t room_number = std::stoull(room.provider_room_id);
  sdk::JoinToken clinician = token_for(room, "clinician-4", "connected");

  // Every event verified so far, from every request the handler posted.
  auto verified = [&] {
    std::vector<sdk::Event> events;
    for (const auto& request : receiver.received()) {
      auto mapped = verifier_->verify(request);
      EXPECT_TRUE(mapped.ok()) << mapped.error().message;
      if (mapped.ok()) events.insert(events.end(), mapped->begin(), mapped->end());
    }
    return events;
  };
  auto seen = [&](const std::string& type, const std::string& participant) {
    for (const auto& event : verified()) {
      if (event.type == type && event.room_id == room.provider_room_id &&
          event.participant_id == participant) {
        return true;
      }
    }
    return false;
  };

  {
    ParticipantSession session(*host_, server_.api_url, clinician.token);
    ASSERT_EQ(session.join(room_number, std::stoull(clinician.provider_participant_id)).videoroom,
              "joined");
    EXPECT_TRUE(eventually(
        [&] { return seen("participant.connected", clinician.provider_participant_id); }));
  }
  EXPECT_TRUE(eventually(
      [&] { return seen("participant.disconnected", clinician.provider_participant_id); }));
  ASSERT_TRUE(provider_->end_room({"end", room.provider_room_id}).ok());
  EXPECT_TRUE(eventually([&] { return seen("room.ended", ""); }));

  // The handler's requests carry its credential; without it, or with
  // another, they are refused and map to nothing.
  auto requests = receiver.received();
  ASSERT_FALSE(requests.empty());
  sdk::WebhookRequest forged = requests.back();
  for (auto& [name, value] : forged.headers) {
    if (name == "Authorization") value = "Basic " + std::string("amFudXM6Zm9yZ2Vk");
  }
  auto refused = verifier_->verify(forged);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnauthenticated);
  sdk::WebhookRequest unsigned_request = requests.back();
  std::erase_if(unsigned_request.headers,
                [](const auto& header) { return header.first == "Authorization"; });
  auto unsigned_refused = verifier_->verify(unsigned_request);
  ASSERT_FALSE(unsigned_refused.ok());
  EXPECT_EQ(unsigned_refused.error().code, sdk::ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace wasl::plugins::janus
