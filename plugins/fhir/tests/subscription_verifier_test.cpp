// Subscription notifications: the secret header, R4 and topic-based
// (backport Parameters and R4B SubscriptionStatus) bundles, events without
// effect (empty, heartbeat), and bodies refused. The bodies the FHIR peer
// really sends are checked in tests/integration/fhir.
#include "plugins/fhir/subscription_verifier.hpp"

#include <gtest/gtest.h>

#include "plugins/fhir/resource_mapping.hpp"
#include "plugins/fhir/tests/test_settings.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::ErrorCode;

constexpr char kSecret[] = "s3cret-s3cret-s3cret";

SubscriptionVerifier verifier() {
  return SubscriptionVerifier(testing::test_settings(
      {{"base_url", "https://ehr.test/fhir"}, {"auth", "none"}, {"subscription_secret", kSecret}}));
}

sdk::WebhookRequest request(const json& body, const std::string& secret = kSecret) {
  sdk::WebhookRequest r;
  r.method = "POST";
  r.url = "https://hub.test/v1/webhooks/ehr.kfsh";
  r.headers = {{"content-type", "application/fhir+json"}, {"x-wasl-subscription-secret", secret}};
  r.body = body.is_null() ? "" : body.dump();
  return r;
}

json appointment(const std::string& id, const std::string& status, const std::string& version) {
  return {{"resourceType", "Appointment"},
          {"id", id},
          {"status", status},
          {"meta", {{"versionId", version}, {"lastUpdated", "2026-11-23T01:00:00.000Z"}}}};
}

json r4_bundle(const json& resource) {
  return {{"resourceType", "Bundle"},
          {"type", "history"},
          {"entry",
           {{{"fullUrl", "http://ehr/fhir/Appointment/a1"},
             {"resource", resource},
             {"request", {{"method", "PUT"}, {"url", "Appointment/a1"}}},
             {"response", {{"status", "200"}}}}}}};
}

TEST(FhirSubscriptionVerifier, AnR4NotificationIsOneAppointmentEvent) {
  auto events = verifier().verify(request(r4_bundle(appointment("a1", "booked", "3"))));
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  const auto& e = (*events)[0];
  EXPECT_EQ(e.type, "appointment.updated");
  EXPECT_EQ(e.resource_id, "Appointment/a1");
  EXPECT_EQ(e.payload["status"], "booked");
  EXPECT_EQ(e.payload["resource"]["id"], "a1");
  EXPECT_EQ(e.dedupe_key, "fhir:Appointment/a1/_history/3");
  EXPECT_EQ(e.occurred_at_ms, *parse_fhir_time("2026-11-23T01:00:00.000Z"));
  // A redelivery is the same event; the next version another.
  auto again = verifier().verify(request(r4_bundle(appointment("a1", "booked", "3"))));
  EXPECT_EQ((*again)[0].dedupe_key, e.dedupe_key);
  auto cancelled = verifier().verify(request(r4_bundle(appointment("a1", "cancelled", "4"))));
  EXPECT_NE((*cancelled)[0].dedupe_key, e.dedupe_key);
  EXPECT_EQ((*cancelled)[0].payload["status"], "cancelled");
}

TEST(FhirSubscriptionVerifier, TopicBasedNotificationsInBothForms) {
  const json backport = {
      {"resourceType", "Bundle"},
      {"type", "history"},
      {"entry",
       {{{"resource",
          {{"resourceType", "Parameters"},
           {"parameter",
            {{{"name", "subscription"}, {"valueReference", {{"reference", "Subscription/s1"}}}},
             {{"name", "type"}, {"valueCode", "event-notification"}},
             {{"name", "notification-event"},
              {"part",
               {{{"name", "event-number"}, {"valueString", "7"}},
                {{"name", "focus"}, {"valueReference", {{"reference", "Appointment/a1"}}}}}}}}}}}},
        {{"fullUrl", "http://ehr/fhir/Appointment/a1"},
         {"resource", appointment("a1", "booked", "2")}}}}};
  auto events = verifier().verify(request(backport));
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].resource_id, "Appointment/a1");
  EXPECT_EQ((*events)[0].dedupe_key, "fhir:Subscription/s1#7:Appointment/a1/_history/2");
  EXPECT_EQ((*events)[0].payload["status"], "booked");

  const json r4b = {{"resourceType", "Bundle"},
                    {"type", "history"},
                    {"entry",
                     {{{"resource",
                        {{"resourceType", "SubscriptionStatus"},
                         {"type", "event-notification"},
                         {"subscription", {{"reference", "Subscription/s2"}}},
                         {"notificationEvent",
                          {{{"eventNumber", "9"},
                            {"focus", {{"reference", "http://ehr/fhir/Appointment/a2"}}}}}}}}}}}};
  events = verifier().verify(request(r4b));
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].resource_id, "Appointment/a2");  // id-only: no resource
  EXPECT_FALSE((*events)[0].payload.contains("resource"));
  EXPECT_EQ((*events)[0].dedupe_key.rfind(
                "fhir:Subscription/s2#9:Appointment/a2/notification-sha256:", 0),
            0u)
      << (*events)[0].dedupe_key;

  json heartbeat = r4b;
  heartbeat["entry"][0]["resource"]["type"] = "heartbeat";
  events = verifier().verify(request(heartbeat));
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
}

// An EHR that keeps no versions (no meta): each change of the Appointment is
// its own event; only the same content again is a duplicate.
TEST(FhirSubscriptionVerifier, AnAppointmentWithoutMetaIsKeyedOnItsContent) {
  const json booked = {{"resourceType", "Appointment"}, {"id", "a1"}, {"status", "booked"}};
  json cancelled = booked;
  cancelled["status"] = "cancelled";
  auto first = verifier().verify(request(r4_bundle(booked)));
  auto again = verifier().verify(request(r4_bundle(booked)));
  auto cancel = verifier().verify(request(r4_bundle(cancelled)));
  ASSERT_TRUE(first.ok() && again.ok() && cancel.ok());
  EXPECT_EQ((*first)[0].dedupe_key.rfind("fhir:Appointment/a1/sha256:", 0), 0u)
      << (*first)[0].dedupe_key;
  EXPECT_EQ((*again)[0].dedupe_key, (*first)[0].dedupe_key);
  EXPECT_NE((*cancel)[0].dedupe_key, (*first)[0].dedupe_key);
}

// A topic-based Subscription deleted and created again numbers its events
// from 1 again: event 1 of the new one is not the old event 1.
TEST(FhirSubscriptionVerifier, ARecreatedSubscriptionsRestartedNumbersAreNotDuplicates) {
  auto notification = [](const std::string& number, const json& resource) {
    json bundle = {
        {"resourceType", "Bundle"},
        {"type", "history"},
        {"entry",
         {{{"resource",
            {{"resourceType", "SubscriptionStatus"},
             {"type", "event-notification"},
             {"subscription", {{"reference", "Subscription/s1"}}},
             {"notificationEvent",
              {{{"eventNumber", number}, {"focus", {{"reference", "Appointment/a1"}}}}}}}}}}}};
    if (!resource.is_null()) bundle["entry"].push_back({{"resource", resource}});
    return bundle;
  };
  const json booked = {{"resourceType", "Appointment"}, {"id", "a1"}, {"status", "booked"}};
  json cancelled = booked;
  cancelled["status"] = "cancelled";
  auto before = verifier().verify(request(notification("1", booked)));
  auto redelivered = verifier().verify(request(notification("1", booked)));
  auto recreated = verifier().verify(request(notification("1", cancelled)));
  ASSERT_TRUE(before.ok() && redelivered.ok() && recreated.ok());
  EXPECT_EQ((*redelivered)[0].dedupe_key, (*before)[0].dedupe_key);
  EXPECT_NE((*recreated)[0].dedupe_key, (*before)[0].dedupe_key);

  // Id-only: the notification itself tells the events apart.
  json first = notification("1", json());
  json later = first;
  later["timestamp"] = "2026-11-24T09:00:00Z";
  auto id_only = verifier().verify(request(first));
  auto id_only_again = verifier().verify(request(first));
  auto id_only_later = verifier().verify(request(later));
  ASSERT_TRUE(id_only.ok() && id_only_again.ok() && id_only_later.ok());
  EXPECT_EQ((*id_only_again)[0].dedupe_key, (*id_only)[0].dedupe_key);
  EXPECT_NE((*id_only_later)[0].dedupe_key, (*id_only)[0].dedupe_key);
}

// More events than one request may carry are refused whole.
TEST(FhirSubscriptionVerifier, MoreEventsThanTheCapAreResourceExhausted) {
  json bundle = {{"resourceType", "Bundle"}, {"type", "history"}, {"entry", json::array()}};
  for (std::size_t i = 0; i <= sdk::kMaxWebhookEvents; ++i) {
    json a = appointment("a" + std::to_string(i), "booked", "1");
    bundle["entry"].push_back({{"resource", a}});
  }
  auto refused = verifier().verify(request(bundle));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  bundle["entry"].erase(bundle["entry"].size() - 1);
  auto at_cap = verifier().verify(request(bundle));
  ASSERT_TRUE(at_cap.ok()) << at_cap.error().message;
  EXPECT_EQ(at_cap->size(), sdk::kMaxWebhookEvents);
}

TEST(FhirSubscriptionVerifier, AWrongOrMissingSecretIsUnauthenticated) {
  const json body = r4_bundle(appointment("a1", "booked", "3"));
  auto wrong = verifier().verify(request(body, "s3cret-s3cret-s3creT"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(wrong.error().retryable);
  auto missing = request(body);
  missing.headers.pop_back();
  EXPECT_EQ(verifier().verify(missing).error().code, ErrorCode::kUnauthenticated);
  SubscriptionVerifier unconfigured{
      testing::test_settings({{"base_url", "https://ehr.test/fhir"}, {"auth", "none"}})};
  EXPECT_EQ(unconfigured.verify(request(body)).error().code, ErrorCode::kUnauthenticated);
  // Checked before the body is read: a malformed body with a wrong secret is 401.
  auto both = request(body, "nope");
  both.body = "{";
  EXPECT_EQ(verifier().verify(both).error().code, ErrorCode::kUnauthenticated);
}

TEST(FhirSubscriptionVerifier, MalformedBodiesAreInvalidAndAnEmptyOneCarriesNothing) {
  for (
      const std::string body :
      {"{", "[]", R"({"resourceType":"Patient"})", R"({"resourceType":"Bundle","entry":{}})",
       R"({"resourceType":"Bundle","entry":[{"fullUrl":"x"}]})",
       R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Appointment","id":"../x"}}]})"}) {
    auto r = request(json());
    r.body = body;
    auto events = verifier().verify(r);
    ASSERT_FALSE(events.ok()) << body;
    EXPECT_EQ(events.error().code, ErrorCode::kInvalidArgument) << body;
  }
  auto empty = verifier().verify(request(json()));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  // Other resource types are not appointments: no event.
  auto patient = verifier().verify(request(r4_bundle({{"resourceType", "Patient"}, {"id", "p1"}})));
  ASSERT_TRUE(patient.ok());
  EXPECT_TRUE(patient->empty());
}

}  // namespace
}  // namespace wasl::plugins::fhir
