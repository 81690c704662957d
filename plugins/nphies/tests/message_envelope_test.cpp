#include "plugins/nphies/message_envelope.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wasl::plugins::nphies {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json message() {
  return {
      {"resourceType", "Bundle"},
      {"type", "message"},
      {"entry",
       json::array(
           {{{"fullUrl", "urn:uuid:h"},
             {"resource",
              {{"resourceType", "MessageHeader"},
               {"id", "h-1"},
               {"eventCoding",
                {{"system", "http://nphies.sa/terminology/CodeSystem/ksa-message-events"},
                 {"code", "error-notice"}}},
               {"response", {{"identifier", "sent-1"}, {"code", "fatal-error"}}},
               {"focus", json::array({{{"reference", "http://payer.test/OperationOutcome/1"}}})}}}},
            {{"fullUrl", "http://payer.test/OperationOutcome/1"},
             {"resource", {{"resourceType", "OperationOutcome"}}}},
            {{"fullUrl", "http://payer.test/Patient/3"},
             {"resource", {{"resourceType", "Patient"}}}},
            {{"fullUrl", 17}, {"resource", {{"resourceType", "Coverage"}}}}})}};
}

TEST(MessageEnvelopeTest, TheHeaderAndTheEntriesItNames) {
  const json bundle = message();
  auto envelope = read_envelope(bundle);
  ASSERT_TRUE(envelope.ok()) << envelope.error().message;
  EXPECT_EQ(envelope->event, "error-notice");
  EXPECT_EQ(envelope->id, "h-1");
  EXPECT_EQ(envelope->responds_to, "sent-1");
  EXPECT_EQ(envelope->response_code, "fatal-error");
  const json* focal = focal_resource(bundle, *envelope);
  ASSERT_NE(focal, nullptr);
  EXPECT_EQ((*focal)["resourceType"], "OperationOutcome");
  const json* patient = entry_resource(bundle, "Patient/3");
  ASSERT_NE(patient, nullptr);
  EXPECT_EQ((*patient)["resourceType"], "Patient");
  EXPECT_EQ(entry_resource(bundle, "http://payer.test/Patient/3"), patient);
  EXPECT_EQ(entry_resource(bundle, "atient/3"), nullptr);
  EXPECT_EQ(entry_resource(bundle, "Patient/4"), nullptr);
  EXPECT_EQ(entry_resource(bundle, ""), nullptr);
}

TEST(MessageEnvelopeTest, WhatIsNotAMessageIsRefused) {
  json not_message = message();
  not_message["type"] = "collection";
  EXPECT_THAT(read_envelope(not_message).error().message, HasSubstr("is not a message Bundle"));
  json no_event = message();
  no_event["entry"][0]["resource"]["eventCoding"]["system"] = "http://elsewhere";
  EXPECT_THAT(read_envelope(no_event).error().message, HasSubstr("no ksa-message-events event"));
  json headless = message();
  headless["entry"].erase(0);
  EXPECT_THAT(read_envelope(headless).error().message, HasSubstr("MessageHeader"));
  json entries_object = message();
  entries_object["entry"] = json::object({{"0", 1}});
  EXPECT_THAT(read_envelope(entries_object).error().message, HasSubstr("has no entries"));
  EXPECT_FALSE(read_envelope(json("Bundle")).ok());
}

}  // namespace
}  // namespace wasl::plugins::nphies
