// The C++ harness of the FHIR peer (fhir_peer.hpp) over the hub's real HTTP
// client: it starts the peer with the demo fixture, the FHIR API answers
// reads and conditional creates, the control API counts and faults, and
// reset forgets.
#include "tests/peers/fhir/fhir_peer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/peers/support/loopback_host.hpp"

namespace wasl::testing {
namespace {

using nlohmann::json;

class FhirPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto peer = FhirPeer::start();
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(peer).value();
  }

  sdk::HttpResponse call(const std::string& method, const std::string& path,
                         const json& body = nullptr,
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
    sdk::HttpRequest request;
    request.method = method;
    request.url = peer_->base_url() + "/" + path;
    request.headers = std::move(headers);
    request.headers.emplace_back("Accept", "application/fhir+json");
    if (!body.is_null()) {
      request.headers.emplace_back("Content-Type", "application/fhir+json");
      request.body = body.dump();
    }
    auto response = host_.http(request);
    EXPECT_TRUE(response.ok()) << response.error().message;
    return response.ok() ? *response : sdk::HttpResponse{};
  }

  LoopbackHost host_;
  std::unique_ptr<FhirPeer> peer_;
};

json encounter(const std::string& key) {
  return {
      {"resourceType", "Encounter"},
      {"identifier", json::array({{{"system", "urn:wasl:step"}, {"value", key}}})},
      {"status", "finished"},
      {"class", {{"system", "http://terminology.hl7.org/CodeSystem/v3-ActCode"}, {"code", "VR"}}},
      {"subject", {{"reference", FhirPeer::kDemoPatient}}}};
}

TEST_F(FhirPeerTest, ServesTheDemoPatientAndCreatesOneEncounterPerIdentifier) {
  auto patient = call("GET", FhirPeer::kDemoPatient);
  ASSERT_EQ(patient.status, 200) << patient.body;
  EXPECT_EQ(json::parse(patient.body)["name"][0]["text"], "فاطمة الزهراني");
  EXPECT_FALSE(patient.header("ETag").empty());

  for (int expected : {201, 200}) {
    auto created = call("POST", "Encounter", encounter("step-1"),
                        {{"If-None-Exist", "identifier=urn:wasl:step|step-1"}});
    EXPECT_EQ(created.status, expected) << created.body;
  }
  auto encounters = peer_->resources("Encounter");
  ASSERT_TRUE(encounters.ok()) << encounters.error().message;
  ASSERT_EQ(encounters->size(), 1u);
  auto read = peer_->read("Encounter/" + (*encounters)[0]["id"].get<std::string>());
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ((*read)["class"]["code"], "VR");
}

TEST_F(FhirPeerTest, AnInvalidResourceIs422AndAFaultFailsTheNextCall) {
  auto invalid = call("POST", "Encounter", {{"resourceType", "Encounter"}, {"status", "bogus"}});
  EXPECT_EQ(invalid.status, 422) << invalid.body;
  EXPECT_EQ(json::parse(invalid.body)["resourceType"], "OperationOutcome");

  ASSERT_TRUE(peer_->fault({{"operation", "read Patient"}, {"status", 503}}).ok());
  auto failed = call("GET", FhirPeer::kDemoPatient);
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(failed.header("Retry-After"), "1");
  EXPECT_EQ(call("GET", FhirPeer::kDemoPatient).status, 200);
  EXPECT_FALSE(peer_->fault({{"operation", "read"}, {"status", 418}}).ok());
  // The faulted call is recorded, and ended (answered).
  auto faulted = peer_->faulted();
  ASSERT_TRUE(faulted.ok()) << faulted.error().message;
  ASSERT_EQ(faulted->size(), 1u);
  EXPECT_EQ((*faulted)[0]["item"]["call"], std::string("GET ") + FhirPeer::kDemoPatient);
  EXPECT_EQ((*faulted)[0]["item"]["status"], 503);
  EXPECT_TRUE((*faulted)[0]["item"]["endedAt"].is_string()) << (*faulted)[0].dump();

  ASSERT_TRUE(peer_->reset().ok());
  EXPECT_EQ(call("GET", FhirPeer::kDemoPatient).status, 404);
  ASSERT_TRUE(peer_->seed({"demo"}).ok());
  EXPECT_EQ(call("GET", FhirPeer::kDemoBookedAppointment).status, 200);
}

TEST_F(FhirPeerTest, ASubscriptionIsNotifiedOfABookedAppointmentSeededAndOfOneOnRequest) {
  // The endpoint is the peer's own control API, which answers the POST 404:
  // the record of the delivery is what this checks.
  ASSERT_TRUE(peer_
                  ->subscribe("hub", peer_->process().url() + "/_peer/inbox",
                              "X-Wasl-Subscription-Secret: s3cret")
                  .ok());
  auto booked = peer_->read(FhirPeer::kDemoBookedAppointment);
  ASSERT_TRUE(booked.ok()) << booked.error().message;
  json appointment = *booked;
  appointment["id"] = "booked-2";
  appointment.erase("meta");
  ASSERT_TRUE(peer_->seed({}, json::array({appointment})).ok());

  appointment["id"] = "not-on-the-server";
  ASSERT_TRUE(peer_->notify("hub", appointment).ok());

  std::vector<json> records;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (records.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    auto notifications = peer_->notifications();
    ASSERT_TRUE(notifications.ok()) << notifications.error().message;
    records = *notifications;
    if (records.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["item"]["focus"], "Appointment/booked-2");
  EXPECT_EQ(records[0]["item"]["status"], 404);
  EXPECT_EQ(records[0]["item"]["body"]["entry"][0]["resource"]["id"], "booked-2");
  EXPECT_EQ(records[1]["item"]["focus"], "Appointment/not-on-the-server");
}

}  // namespace
}  // namespace wasl::testing
