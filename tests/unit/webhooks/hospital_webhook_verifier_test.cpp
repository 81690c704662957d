#include "hub/webhooks/hospital_webhook_verifier.hpp"

#include <gtest/gtest.h>

#include "hub/webhooks/event_correlation.hpp"
#include "hub/webhooks/hospital_event_body.hpp"
#include "tests/unit/storage/status_matchers.hpp"

namespace wasl::webhooks {
namespace {

constexpr const char* kSecretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kSecretB = "whsec_c2Vjb25kLWZhY2lsaXR5LXNlY3JldC0xMjM0";
constexpr std::int64_t kNow = 1'760'000'000;

std::chrono::system_clock::time_point now_point() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(kNow));
}

HospitalWebhookVerifier verifier(const char* facility, const char* secret) {
  auto s = StandardWebhookSignature::from_secret(secret);
  EXPECT_TRUE(s.ok());
  return HospitalWebhookVerifier(facility, std::move(s).value(), [] { return now_point(); });
}

sdk::WebhookRequest signed_request(
    const char* secret, const std::string& id, const std::string& body, std::int64_t ts = kNow,
    const std::string& url = "https://hub.example/v1/webhooks/hospital.fac-a") {
  auto s = StandardWebhookSignature::from_secret(secret);
  EXPECT_TRUE(s.ok());
  auto sig = s->sign(id, ts, body);
  EXPECT_TRUE(sig.ok());
  sdk::WebhookRequest r;
  r.method = "POST";
  r.url = url;
  r.headers = {{"Webhook-Id", id},
               {"webhook-timestamp", std::to_string(ts)},
               {"WEBHOOK-SIGNATURE", *sig},
               {"Content-Type", "application/json"}};
  r.body = body;
  return r;
}

const std::string kBody =
    R"({"type":"appointment.updated","correlation":"Appointment/42",)"
    R"("occurred_at":"2025-10-09T08:53:20Z","payload":{"status":"cancelled","note":"موعد"}})";

TEST(HospitalWebhookVerifier, ReturnsTheEventWithWebhookIdAsDedupeKey) {
  auto v = verifier("fac-a", kSecretA);
  ASSERT_OK_AND_ASSIGN(auto events, v.verify(signed_request(kSecretA, "msg_1", kBody)));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "appointment.updated");
  EXPECT_EQ(events[0].dedupe_key, "msg_1");
  EXPECT_EQ(events[0].resource_id, "Appointment/42");  // appointment.updated correlates on it
  EXPECT_EQ(correlation_of(events[0]), "Appointment/42");
  EXPECT_EQ(events[0].occurred_at_ms, 1'760'000'000'000);
  EXPECT_EQ(events[0].payload["note"], "موعد");
}

TEST(HospitalWebhookVerifier, VideoEventsCorrelateOnTheRoom) {
  auto v = verifier("fac-a", kSecretA);
  ASSERT_OK_AND_ASSIGN(
      auto events,
      v.verify(signed_request(kSecretA, "msg_2", R"({"type":"room.ended","correlation":"RM-1"})")));
  EXPECT_EQ(events[0].room_id, "RM-1");
  EXPECT_EQ(correlation_of(events[0]), "RM-1");
  EXPECT_TRUE(events[0].payload.is_object());
}

TEST(HospitalWebhookVerifier, RefusesAForgedRequest) {
  auto v = verifier("fac-a", kSecretA);
  auto r = signed_request(kSecretA, "msg_3", kBody);
  r.body[10] = 'X';
  auto events = v.verify(r);
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.error().code, sdk::ErrorCode::kUnauthenticated);
}

TEST(HospitalWebhookVerifier, RefusesExpiredAndFutureTimestamps) {
  auto v = verifier("fac-a", kSecretA);
  auto expired = v.verify(signed_request(kSecretA, "msg_4", kBody, kNow - 301));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, sdk::ErrorCode::kUnauthenticated);
  auto future = v.verify(signed_request(kSecretA, "msg_5", kBody, kNow + 301));
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().code, sdk::ErrorCode::kUnauthenticated);
  EXPECT_TRUE(v.verify(signed_request(kSecretA, "msg_6", kBody, kNow - 299)).ok());
}

TEST(HospitalWebhookVerifier, ARequestSignedForOneFacilityFailsAtAnothersUrl) {
  auto b = verifier("fac-b", kSecretB);
  auto replayed = b.verify(signed_request(kSecretA, "msg_7", kBody, kNow,
                                          "https://hub.example/v1/webhooks/hospital.fac-b"));
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.error().code, sdk::ErrorCode::kUnauthenticated);
}

TEST(HospitalWebhookVerifier, ChecksTheSignatureBeforeTheBody) {
  auto v = verifier("fac-a", kSecretA);
  auto unsigned_junk = signed_request(kSecretA, "msg_8", "not json");
  unsigned_junk.headers[2].second = "v1,AAAA";
  EXPECT_EQ(v.verify(unsigned_junk).error().code, sdk::ErrorCode::kUnauthenticated);
  auto signed_junk = v.verify(signed_request(kSecretA, "msg_9", "not json"));
  ASSERT_FALSE(signed_junk.ok());
  EXPECT_EQ(signed_junk.error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST(HospitalEventBody, NamesTheFirstBadMember) {
  struct Case {
    std::string body;
    std::string mentions;
  };
  std::vector<Case> cases{
      {R"([1,2])", "JSON object"},
      {R"({"correlation":"x"})", "\"type\""},
      {R"({"type":"Appointment Updated","correlation":"x"})", "\"type\""},
      {R"({"type":"appointment.updated"})", "\"correlation\""},
      {R"({"type":"appointment.updated","correlation":""})", "\"correlation\""},
      {R"({"type":"appointment.updated","correlation":"x","occurred_at":"yesterday"})",
       "\"occurred_at\""},
      {R"({"type":"appointment.updated","correlation":"x","payload":[1]})", "\"payload\""},
      {"{\"type\":\"a\",\"correlation\":\"\xff\"}", "JSON object"},
  };
  for (const auto& c : cases) {
    auto e = parse_hospital_event_body(c.body, "id");
    ASSERT_FALSE(e.ok()) << c.body;
    EXPECT_EQ(e.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_NE(e.error().message.find(c.mentions), std::string::npos) << e.error().message;
  }
  std::string long_correlation(257, 'c');
  EXPECT_FALSE(
      parse_hospital_event_body(R"({"type":"a","correlation":")" + long_correlation + R"("})", "id")
          .ok());
}

TEST(HospitalEventBody, UnknownTypesCorrelateOnResourceId) {
  ASSERT_OK_AND_ASSIGN(auto e,
                       parse_hospital_event_body(
                           R"({"type":"lab.result_ready","correlation":"Obs/1","x":1})", "id"));
  EXPECT_EQ(e.resource_id, "Obs/1");
  EXPECT_EQ(correlation_of(e), "Obs/1");
}

}  // namespace
}  // namespace wasl::webhooks
