// A few requests through a real http::Server on 127.0.0.1:0: the API's
// handlers behind Poco, the server's 415 and the Arabic round trip on the
// wire.
#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "hub/http/server.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string location;
};

class ServerRoundTripTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    http::ServerSettings config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.max_threads = 8;
    server_ = std::make_unique<http::Server>(config, router_, metrics_);
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    ApiFixture::TearDown();
  }

  Reply request(const std::string& method, const std::string& target, const std::string& body,
                const std::vector<std::pair<std::string, std::string>>& headers) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server_->port()));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty()) req.setContentLength(static_cast<std::streamsize>(body.size()));
    std::ostream& out = session.sendRequest(req);
    out << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    Reply r;
    r.status = resp.getStatus();
    Poco::StreamCopier::copyToString(in, r.body);
    r.content_type = resp.getContentType();
    r.location = resp.get("Location", "");
    return r;
  }

  std::unique_ptr<http::Server> server_;
};

TEST_P(ServerRoundTripTest, CreateAndReadOverHttp) {
  const std::string auth = "Bearer " + keys_a_.at(access::Role::kHospital);
  Reply created = request("POST", "/v1/consultations", booking().dump(),
                          {{"Authorization", auth},
                           {"Content-Type", "application/json"},
                           {"Idempotency-Key", "wire-1"}});
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_FALSE(created.location.empty());
  Reply read = request("GET", created.location, "", {{"Authorization", auth}});
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_NE(read.body.find(kArabicName), std::string::npos);

  Reply wrong_type = request(
      "POST", "/v1/consultations", booking().dump(),
      {{"Authorization", auth}, {"Content-Type", "text/plain"}, {"Idempotency-Key", "wire-2"}});
  EXPECT_EQ(wrong_type.status, 415);
  Reply anonymous = request("GET", "/v1/consultations", "", {});
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.content_type, "application/problem+json");
  Reply spec = request("GET", "/v1/openapi.json", "", {});
  EXPECT_EQ(spec.status, 200);
}

// A clinician's note written, signed and read back over the wire, the
// Arabic text intact; a blocked medication answered 422 as problem+json.
TEST_P(ServerRoundTripTest, ANoteAndABlockedPrescriptionOverHttp) {
  const std::string consultation = create_id("wire-booking");
  const std::string auth = "Bearer " + keys_a_.at(access::Role::kClinician);
  const std::string base = "/v1/consultations/" + consultation;
  const nlohmann::json note = {{"language", "ar"}, {"assessment", "صداع توتري"}};
  Reply created = request("POST", base + "/notes", note.dump(),
                          {{"Authorization", auth}, {"Content-Type", "application/json"}});
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_FALSE(created.location.empty());
  Reply signed_note = request("POST", created.location + "/sign", "", {{"Authorization", auth}});
  EXPECT_EQ(signed_note.status, 200) << signed_note.body;
  Reply read = request("GET", created.location, "", {{"Authorization", auth}});
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_NE(read.body.find("صداع توتري"), std::string::npos);
  Reply change = request("PUT", created.location, note.dump(),
                         {{"Authorization", auth}, {"Content-Type", "application/json"}});
  EXPECT_EQ(change.status, 409);
  EXPECT_EQ(change.content_type, "application/problem+json");

  config_.facilities[kFacilityA].clinical.medication_system = "http://www.whocc.no/atc";
  config_.facilities[kFacilityA].clinical.blocked_medications = {"N02AA01"};
  const nlohmann::json rx = {{"language", "ar"},
                             {"medication", {{"code", "N02AA01"}, {"text", "Morphine 10 mg"}}},
                             {"dose", "10 mg"},
                             {"route", "oral"},
                             {"frequency", "every 12 hours"},
                             {"duration", "3 days"},
                             {"quantity", {{"value", 6}, {"unit", "tablet"}}},
                             {"instructions", "قرص كل اثنتي عشرة ساعة"}};
  Reply blocked = request("POST", base + "/prescriptions", rx.dump(),
                          {{"Authorization", auth}, {"Content-Type", "application/json"}});
  EXPECT_EQ(blocked.status, 422) << blocked.body;
  EXPECT_EQ(blocked.content_type, "application/problem+json");
  EXPECT_NE(blocked.body.find("facilities.fac-a.clinical.blocked_medications"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerRoundTripTest,
                         ::testing::Values(storage::Dialect::kSqlite), dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
