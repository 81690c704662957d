#include "hub/webhooks/webhook_intake.hpp"

#include <atomic>

#include "tests/unit/webhooks/webhook_fixture.hpp"

namespace wasl::webhooks::testing {
namespace {

using records::testing::kFacilityA;
using records::testing::kFacilityB;

class WebhookIntakeTest : public WebhookFixture {};

// The value of one series in the exposition text (exact name and labels), or
// -1 when it is not there.
double series_value(const std::string& text, const std::string& series) {
  std::string head = "\n" + series + " ";
  auto at = text.find(head);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + head.size()));
}

TEST_P(WebhookIntakeTest, AcceptsOnceThenAnswersDuplicatesWithoutWriting) {
  start_server();
  std::string body = appointment_body("Appointment/42");
  auto headers = hospital_headers(kSecretA, "msg_dup_1", body);
  Reply first = send("POST", "/v1/webhooks/hospital.fac-a", headers, body);
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(first.json()["status"], "accepted");
  EXPECT_EQ(first.json()["stored"], 1);
  Reply again = send("POST", "/v1/webhooks/hospital.fac-a", headers, body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["status"], "duplicate");
  EXPECT_EQ(again.json()["duplicates"], 1);
  // A redelivery is signed anew (same webhook-id, later timestamp): still a duplicate.
  Reply resigned = post_hospital(kFacilityA, "msg_dup_1", body);
  EXPECT_EQ(resigned.status, 200);
  EXPECT_EQ(inbox_rows(), 1);
  EXPECT_EQ(inbox_rows("instance = 'hospital.fac-a' AND dedupe_key = 'msg_dup_1' AND "
                       "facility_id = 'fac-a' AND state = 'received' AND "
                       "event_type = 'appointment.updated' AND correlation = 'Appointment/42'"),
            1);
}

TEST_P(WebhookIntakeTest, StoresTheBodyAndHeadersAsCiphertextAndReadsThemBackExactly) {
  start_server();
  std::string body = appointment_body("Appointment/7", "فاطمة عبدالله الزهراني");
  Reply r = post_hospital(kFacilityA, "msg_cipher", body);
  ASSERT_EQ(r.status, 202) << r.body;
  std::string raw = raw_bytes("SELECT body_enc, headers_enc FROM inbox");
  EXPECT_EQ(raw.find("فاطمة"), std::string::npos);
  EXPECT_EQ(raw.find("msg_cipher"), std::string::npos);  // headers too
  EXPECT_EQ(raw.find("appointment.updated"), std::string::npos);

  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  auto rows = inbox_->list(*tx, kFacilityA, records::InboxState::kReceived, 10);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  const auto& e = rows->front();
  EXPECT_EQ(e.body, body);
  EXPECT_EQ(e.headers.at("webhook-id"), "msg_cipher");
  EXPECT_EQ(e.headers.at(":url"), "https://hub.example/base/v1/webhooks/hospital.fac-a");
  EXPECT_EQ(e.headers.at(":method"), "POST");
  EXPECT_NE(e.headers.at(":event").find("Appointment/7"), std::string::npos);
}

TEST_P(WebhookIntakeTest, ObservesEachStageOfARequestInTheMetrics) {
  start_server();
  ASSERT_EQ(post_hospital(kFacilityA, "msg_stage_1", appointment_body("Appointment/1")).status,
            202);
  ASSERT_EQ(post_hospital(kFacilityA, "msg_stage_2", appointment_body("Appointment/2")).status,
            202);
  std::string body = appointment_body("Appointment/3");
  auto forged = hospital_headers(kSecretB, "msg_stage_forged", body);
  ASSERT_EQ(send("POST", "/v1/webhooks/hospital.fac-a", forged, body).status, 401);

  std::string text = metrics_.render();
  // Verification: every request of the instance, the forged one included.
  EXPECT_EQ(series_value(text, "wasl_webhook_verify_seconds_count{instance=\"hospital.fac-a\"}"), 3)
      << text;
  // Encryption and the inbox queue: the two accepted requests; a commit per batch.
  EXPECT_EQ(series_value(text, "wasl_webhook_inbox_encrypt_seconds_count"), 2) << text;
  EXPECT_EQ(series_value(text, "wasl_webhook_inbox_queue_wait_seconds_count"), 2) << text;
  double commits = series_value(text, "wasl_webhook_inbox_commit_seconds_count");
  EXPECT_GE(commits, 1) << text;
  EXPECT_LE(commits, 2) << text;
  // The server's share: reading each request, and each new connection's wait
  // for a thread.
  EXPECT_EQ(
      series_value(text, "wasl_http_request_read_seconds_count{route=\"/v1/webhooks/{instance}\"}"),
      3)
      << text;
  EXPECT_GE(series_value(text, "wasl_http_connection_wait_seconds_count"), 1) << text;
  // Fine buckets: a stage of a few hundred microseconds is told from one of
  // a few milliseconds.
  EXPECT_NE(
      text.find("wasl_webhook_verify_seconds_bucket{instance=\"hospital.fac-a\",le=\"0.00025\"}"),
      std::string::npos)
      << text;
}

TEST_P(WebhookIntakeTest, BadSignatureIs401AndAuditedInItsOwnTransaction) {
  start_server();
  std::string body = appointment_body("Appointment/1");
  auto headers = hospital_headers(kSecretB, "msg_forged", body);  // fac-b's secret at fac-a's URL
  Reply r = send("POST", "/v1/webhooks/hospital.fac-a", headers, body);
  ASSERT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.json()["status"], 401);
  EXPECT_EQ(inbox_rows(), 0);
  auto rows = query_raw(
      "SELECT actor, facility_id, entity_id, outcome, source_address, detail FROM audit_events "
      "WHERE action = 'webhook.rejected'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get_text("actor").value(), "anonymous");
  EXPECT_EQ(rows[0].get_text("facility_id").value(), "fac-a");
  EXPECT_EQ(rows[0].get_text("entity_id").value(), "hospital.fac-a");
  EXPECT_EQ(rows[0].get_text("outcome").value(), "denied");
  EXPECT_EQ(rows[0].get_text("source_address").value(), "127.0.0.1");
  EXPECT_EQ(rows[0].get_text("detail").value(), R"({"reason":"signature"})");
}

TEST_P(WebhookIntakeTest, ExpiredFutureAndUnsignedRequestsAre401) {
  start_server();
  std::string body = appointment_body("Appointment/1");
  // 30 s past the 300 s tolerance: the hub reads its clock a moment after
  // the test, possibly in the next second.
  auto expired = hospital_headers(kSecretA, "msg_old", body, now_seconds() - 330);
  EXPECT_EQ(send("POST", "/v1/webhooks/hospital.fac-a", expired, body).status, 401);
  auto future = hospital_headers(kSecretA, "msg_new", body, now_seconds() + 330);
  EXPECT_EQ(send("POST", "/v1/webhooks/hospital.fac-a", future, body).status, 401);
  EXPECT_EQ(
      send("POST", "/v1/webhooks/hospital.fac-a", {{"Content-Type", "application/json"}}, body)
          .status,
      401);
  EXPECT_EQ(inbox_rows(), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'webhook.rejected'"), 3);
}

TEST_P(WebhookIntakeTest, ASignedButMalformedBodyIs400AndAudited) {
  start_server();
  std::string body = R"({"type":"appointment.updated"})";
  Reply r = post_hospital(kFacilityA, "msg_bad_body", body);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.json()["detail"].get<std::string>().find("correlation"), std::string::npos);
  EXPECT_EQ(inbox_rows(), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'webhook.rejected' AND "
                   "outcome = 'failure'"),
            1);
}

// A signed body whose payload nests 40 levels: the API's depth limit (32)
// holds here too, before the verifier parses or copies the body.
TEST_P(WebhookIntakeTest, ABodyNestedDeeperThan32Is400AndNotStored) {
  start_server();
  std::string body = appointment_body("Appointment/deep");
  std::string deep = std::string(40, '[') + std::string(40, ']');
  body.insert(body.rfind('}'), ",\"extra\":" + deep);
  Reply r = post_hospital(kFacilityA, "msg_deep", body);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.json()["detail"].get<std::string>().find("deeper than 32"), std::string::npos);
  EXPECT_EQ(inbox_rows(), 0);
  std::string shallow = appointment_body("Appointment/shallow");
  shallow.insert(shallow.rfind('}'), ",\"extra\":" + std::string(20, '[') + std::string(20, ']'));
  EXPECT_EQ(post_hospital(kFacilityA, "msg_shallow", shallow).status, 202);
}

TEST_P(WebhookIntakeTest, UnknownInstancesAre404) {
  start_server();
  std::string body = appointment_body("Appointment/1");
  for (std::string target :
       {"/v1/webhooks/hospital.fac-z", "/v1/webhooks/video.nowhere", "/v1/webhooks/hospital."}) {
    Reply r = send("POST", target, hospital_headers(kSecretA, "msg_404", body), body);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.content_type, "application/problem+json");
  }
  EXPECT_EQ(inbox_rows(), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), 0);
}

TEST_P(WebhookIntakeTest, ABodyOverTheWebhookLimitIs413) {
  start_server();
  std::string body = appointment_body(std::string(10, 'c'), std::string(5000, 'x'));
  Reply r = post_hospital(kFacilityA, "msg_big", body);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(inbox_rows(), 0);
}

TEST_P(WebhookIntakeTest, VerifiesOverThePublicUrlWithTheQuery) {
  start_server();
  std::string body = R"({"events":[{"type":"room.ended","room_id":"RM-9","dedupe_key":"evt-9"}]})";
  Reply good =
      send("POST", "/v1/webhooks/video.url-check?attempt=1", {{"X-Test-Signature", "good"}}, body);
  EXPECT_EQ(good.status, 202) << good.body;
  // Same signature, other query: the URL the sender signed differs.
  Reply other =
      send("POST", "/v1/webhooks/video.url-check?attempt=2", {{"X-Test-Signature", "good"}}, body);
  EXPECT_EQ(other.status, 401);
  EXPECT_EQ(inbox_rows("correlation = 'RM-9' AND facility_id = 'fac-a'"), 1);
}

TEST_P(WebhookIntakeTest, SeveralEventsInOneRequestCommitTogether) {
  start_server();
  std::string body = R"({"events":[{"type":"room.ended","room_id":"RM-1","dedupe_key":"a"},)"
                     R"({"type":"participant.disconnected","room_id":"RM-1","dedupe_key":"b"},)"
                     R"({"type":"room.ended","room_id":"RM-1"}]})";
  Reply r = send("POST", "/v1/webhooks/video.shared", {{"X-Test-Signature", "good"}}, body);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json()["stored"], 3);
  // An instance serving two facilities stores no facility; the dispatcher delivers to both.
  EXPECT_EQ(inbox_rows("instance = 'video.shared' AND facility_id IS NULL"), 3);
  EXPECT_EQ(inbox_rows("dedupe_key LIKE 'sha256:%#2'"), 1);
  Reply again = send("POST", "/v1/webhooks/video.shared", {{"X-Test-Signature", "good"}}, body);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["duplicates"], 3);
  EXPECT_EQ(inbox_rows(), 3);
}

// `n` events of the verifier double, room ids RM-<i>.
std::string events_body(std::size_t n) {
  std::string body = R"({"events":[)";
  for (std::size_t i = 0; i < n; ++i) {
    body += (i == 0 ? "" : ",") + std::string(R"({"room_id":"RM-)") + std::to_string(i) + "\"}";
  }
  return body + "]}";
}

// More events than one request may carry (sdk::kMaxWebhookEvents) are
// refused whole with a 413, audited, and nothing is stored.
TEST_P(WebhookIntakeTest, ARequestOfMoreEventsThanTheCapIs413AndStoresNothing) {
  start_server();
  const std::string body = events_body(sdk::kMaxWebhookEvents + 1);
  Reply r =
      send("POST", "/v1/webhooks/video.url-check?attempt=1", {{"X-Test-Signature", "good"}}, body);
  ASSERT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_NE(r.json()["detail"].get<std::string>().find("101 events, more than the 100"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(inbox_rows(), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'webhook.rejected' AND "
                   "outcome = 'failure'"),
            1);
}

// At the cap the request is stored, and each row keeps its own event, not
// the whole request body; a request of one event keeps its body byte for byte.
TEST_P(WebhookIntakeTest, EachEventOfARequestStoresItsOwnSliceNotTheWholeBody) {
  start_server();
  const std::string body = events_body(sdk::kMaxWebhookEvents);
  Reply r =
      send("POST", "/v1/webhooks/video.url-check?attempt=1", {{"X-Test-Signature", "good"}}, body);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json()["stored"], sdk::kMaxWebhookEvents);
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  auto rows = inbox_->list(*tx, kFacilityA, records::InboxState::kReceived, 1000);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), sdk::kMaxWebhookEvents);
  std::size_t stored_bytes = 0;
  for (const auto& row : *rows) {
    EXPECT_NE(row.body, body);
    stored_bytes += row.body.size();
  }
  EXPECT_LT(stored_bytes, body.size());
}

TEST_P(WebhookIntakeTest, ConcurrentRequestsAreAllAcknowledgedAndStored) {
  start_server({.writers = 2, .max_batch = 64, .linger = std::chrono::microseconds(2000)});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server_->port()));
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "msg_c_" + std::to_string(t) + "_" + std::to_string(i);
        Reply r = post_hospital(kFacilityA, id, appointment_body("Appointment/" + id), kSecretA,
                                &session);
        if (r.status == 202) ++accepted;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), kThreads * kPerThread);
  EXPECT_EQ(inbox_rows(), kThreads * kPerThread);
  auto stats = writer_->stats();
  EXPECT_EQ(stats.requests, kThreads * kPerThread);
  EXPECT_LE(stats.transactions, stats.requests);
  EXPECT_EQ(stats.fallbacks, 0);
}

WASL_RECORDS_INSTANTIATE(WebhookIntakeTest);

}  // namespace
}  // namespace wasl::webhooks::testing
