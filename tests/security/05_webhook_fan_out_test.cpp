// Point 5: one webhook request cannot fan out into an unbounded number of
// inbox rows and EHR reads. A topic-based FHIR notification to the shared
// ehr.fhir instance carrying more than 100 events is refused whole with a
// 413 problem; the same notification with two events is stored as two.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

using nlohmann::json;

// The secret the suite's FHIR Subscription sends (consultation_hub.cpp).
constexpr const char* kSubscriptionSecret = "e2e-subscription-secret";

ApiAnswer post_notification(int port, const json& bundle) {
  ApiAnswer answer;
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(15, 0));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/v1/webhooks/ehr.fhir",
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  const std::string body = bundle.dump();
  request.setContentType("application/fhir+json");
  request.set("X-Wasl-Subscription-Secret", kSubscriptionSecret);
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), answer.body);
  answer.status = static_cast<int>(response.getStatus());
  answer.headers["content-type"] = response.getContentType();
  answer.json = json::parse(answer.body, nullptr, false);
  return answer;
}

// A backport (Parameters) event-notification of `events` id-only events.
json topic_notification(int events) {
  json parameters = {
      {"resourceType", "Parameters"},
      {"parameter",
       {{{"name", "subscription"}, {"valueReference", {{"reference", "Subscription/sec-05"}}}},
        {{"name", "type"}, {"valueCode", "event-notification"}}}}};
  for (int i = 0; i < events; ++i) {
    parameters["parameter"].push_back(
        {{"name", "notification-event"},
         {"part",
          {{{"name", "event-number"}, {"valueString", std::to_string(i + 1)}},
           {{"name", "focus"},
            {"valueReference", {{"reference", "Appointment/sec-05-" + std::to_string(i)}}}}}}});
  }
  return {{"resourceType", "Bundle"},
          {"type", "history"},
          {"timestamp", "2030-01-01T09:00:0" + std::to_string(events % 10) + "Z"},
          {"entry", {{{"resource", parameters}}}}};
}

TEST(WebhookFanOut, ANotificationOfMoreEventsThanTheCapIsRefusedWhole) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  ApiAnswer refused = post_notification(s.hub().port(), topic_notification(101));
  EXPECT_EQ(refused.status, 413) << refused.body;
  EXPECT_EQ(refused.headers["content-type"], "application/problem+json");
  EXPECT_NE(refused.body.find("more events than the 100"), std::string::npos) << refused.body;

  ApiAnswer two = post_notification(s.hub().port(), topic_notification(2));
  ASSERT_EQ(two.status, 202) << two.body;
  EXPECT_EQ(two.json.value("stored", -1), 2) << two.body;
}

}  // namespace
}  // namespace wasl::testing
