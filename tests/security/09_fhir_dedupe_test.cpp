// Point 9: FHIR notifications are not dropped as duplicates. On the shared
// ehr.fhir instance, an Appointment without meta notified booked and then
// cancelled is stored twice (the cancel is not the booking again), and a
// recreated topic Subscription's event 1 is not the old event 1; a
// redelivery of the same notification is still a duplicate.
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
constexpr const char* kFhirSubscriptionSecret = "e2e-subscription-secret";

ApiAnswer notify(int port, const json& bundle) {
  ApiAnswer answer;
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(15, 0));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/v1/webhooks/ehr.fhir",
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  const std::string body = bundle.dump();
  request.setContentType("application/fhir+json");
  request.set("X-Wasl-Subscription-Secret", kFhirSubscriptionSecret);
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), answer.body);
  answer.status = static_cast<int>(response.getStatus());
  answer.json = json::parse(answer.body, nullptr, false);
  return answer;
}

json appointment(const std::string& id, const std::string& status) {
  return {{"resourceType", "Appointment"}, {"id", id}, {"status", status}};  // no meta
}

json r4_notification(const json& resource) {
  return {{"resourceType", "Bundle"}, {"type", "history"}, {"entry", {{{"resource", resource}}}}};
}

json topic_notification(const std::string& number, const json& resource) {
  return {
      {"resourceType", "Bundle"},
      {"type", "history"},
      {"entry",
       {{{"resource",
          {{"resourceType", "SubscriptionStatus"},
           {"type", "event-notification"},
           {"subscription", {{"reference", "Subscription/sec-09"}}},
           {"notificationEvent",
            {{{"eventNumber", number},
              {"focus", {{"reference", "Appointment/" + resource["id"].get<std::string>()}}}}}}}}},
        {{"resource", resource}}}}};
}

TEST(FhirDedupe, AChangeWithoutMetaAndARestartedSubscriptionAreNotDuplicates) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  const int port = s.hub().port();

  ApiAnswer booked = notify(port, r4_notification(appointment("sec-09-a", "booked")));
  ASSERT_EQ(booked.status, 202) << booked.body;
  ApiAnswer cancelled = notify(port, r4_notification(appointment("sec-09-a", "cancelled")));
  EXPECT_EQ(cancelled.status, 202) << cancelled.body;
  EXPECT_EQ(cancelled.json.value("stored", -1), 1) << cancelled.body;
  ApiAnswer again = notify(port, r4_notification(appointment("sec-09-a", "cancelled")));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json.value("status", std::string()), "duplicate") << again.body;

  ApiAnswer first = notify(port, topic_notification("1", appointment("sec-09-b", "booked")));
  ASSERT_EQ(first.status, 202) << first.body;
  // The Subscription deleted and made again numbers its events from 1.
  ApiAnswer restarted = notify(port, topic_notification("1", appointment("sec-09-b", "cancelled")));
  EXPECT_EQ(restarted.status, 202) << restarted.body;
  EXPECT_EQ(restarted.json.value("stored", -1), 1) << restarted.body;
}

}  // namespace
}  // namespace wasl::testing
