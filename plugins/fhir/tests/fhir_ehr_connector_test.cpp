// The connector through the SDK's FakeHost: what it sends (auth, _count,
// the search), paging over Bundle.link[next], and errors. The same reads
// against the real FHIR peer are in tests/integration/fhir.
#include "plugins/fhir/fhir_ehr_connector.hpp"

#include <gtest/gtest.h>

#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using sdk::HttpResponse;
using sdk::testing::FakeHost;

constexpr char kBase[] = "http://ehr.test/fhir";

HttpResponse fhir(int status, const json& body) { return HttpResponse{status, {}, body.dump()}; }

json coverage(const std::string& id) {
  return {{"resourceType", "Coverage"}, {"id", id}, {"status", "active"},
          {"beneficiary", {{"reference", "Patient/p1"}}},
          {"payor", {{{"reference", "Organization/o"}}}}};
}

std::unique_ptr<FhirEhrConnector> connector(FakeHost& host) {
  auto settings = parse_settings(host.settings(), host);
  EXPECT_TRUE(settings.ok()) << settings.error().message;
  return std::make_unique<FhirEhrConnector>(host, *settings);
}

TEST(FhirEhrConnector, ReadsByIdWithTheBearerToken) {
  FakeHost host(json{{"base_url", std::string(kBase) + "/"}, {"auth", "bearer"}}, "ehr.kfsh");
  host.set_secret("bearer_token", "t0ken");
  host.respond("GET", std::string(kBase) + "/Patient/p1",
               fhir(200, {{"resourceType", "Patient"}, {"id", "p1"}, {"gender", "female"}}));
  auto patient = connector(host)->read_patient({"p1"});
  ASSERT_TRUE(patient.ok()) << patient.error().message;
  EXPECT_EQ(patient->gender, "female");
  auto sent = host.requests();
  ASSERT_EQ(sent.size(), 1u);
  bool bearer = false;
  for (const auto& [k, v] : sent[0].headers) bearer |= k == "Authorization" && v == "Bearer t0ken";
  EXPECT_TRUE(bearer);
}

TEST(FhirEhrConnector, BasicAuthentication) {
  FakeHost host(json{{"base_url", kBase}, {"auth", "basic"}, {"username", "wasl"}, {"password", "pw"}});
  host.respond("GET", std::string(kBase) + "/Practitioner/d1",
               fhir(200, {{"resourceType", "Practitioner"}, {"id", "d1"}}));
  ASSERT_TRUE(connector(host)->read_practitioner({"d1"}).ok());
  auto sent = host.requests();
  ASSERT_EQ(sent.size(), 1u);
  bool basic = false;
  for (const auto& [k, v] : sent[0].headers) {
    basic |= k == "Authorization" && v == "Basic d2FzbDpwdw==";
  }
  EXPECT_TRUE(basic);
}

TEST(FhirEhrConnector, ActiveCoverageFollowsNextPages) {
  FakeHost host(json{{"base_url", kBase}, {"auth", "none"}, {"page_size", 1}});
  const std::string first =
      std::string(kBase) + "/Coverage?beneficiary=Patient%2Fp1&status=active&_count=1";
  const std::string second = std::string(kBase) + "/Coverage?page=2";
  host.respond("GET", first,
               fhir(200, {{"resourceType", "Bundle"}, {"type", "searchset"},
                          {"link", {{{"relation", "next"}, {"url", second}}}},
                          {"entry", json::array()}}));
  host.respond("GET", second,
               fhir(200, {{"resourceType", "Bundle"}, {"type", "searchset"},
                          {"entry", {{{"resource", coverage("c2")}}}}}));
  auto found = connector(host)->read_coverage({"", "p1"});
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->id, "c2");
  EXPECT_EQ(found->payer_id, "o");
  EXPECT_EQ(host.requests().size(), 2u);
}

TEST(FhirEhrConnector, NoActiveCoverageIsNotFound) {
  FakeHost host(json{{"base_url", kBase}, {"auth", "none"}});
  host.respond("GET", std::string(kBase) + "/Coverage?beneficiary=Patient%2Fp1&status=active&_count=50",
               fhir(200, {{"resourceType", "Bundle"}, {"type", "searchset"}}));
  EXPECT_EQ(connector(host)->read_coverage({"", "p1"}).error().code, ErrorCode::kNotFound);
}

TEST(FhirEhrConnector, ANextPageOffTheServerIsNotFollowed) {
  FakeHost host(json{{"base_url", kBase}, {"auth", "none"}});
  host.respond("GET", std::string(kBase) + "/Coverage?beneficiary=Patient%2Fp1&status=active&_count=50",
               fhir(200, {{"resourceType", "Bundle"},
                          {"link", {{{"relation", "next"}, {"url", "http://evil.test/steal"}}}}}));
  auto found = connector(host)->read_coverage({"", "p1"});
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(host.requests().size(), 1u);
}

TEST(FhirEhrConnector, PagingIsBoundedByMaxPages) {
  FakeHost host(json{{"base_url", kBase}, {"auth", "none"}, {"max_pages", 3}});
  const std::string loop = std::string(kBase) + "/Coverage?again";
  json page = {{"resourceType", "Bundle"}, {"link", {{{"relation", "next"}, {"url", loop}}}}};
  host.respond("GET", std::string(kBase) + "/Coverage?beneficiary=Patient%2Fp1&status=active&_count=50",
               fhir(200, page));
  host.respond("GET", loop, fhir(200, page));
  auto found = connector(host)->read_coverage({"", "p1"});
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(host.requests().size(), 3u);
}

TEST(FhirEhrConnector, ErrorsAndBadIds) {
  FakeHost host(json{{"base_url", kBase}, {"auth", "none"}}, "ehr.kfsh");
  host.respond("GET", std::string(kBase) + "/Appointment/gone", fhir(410, json::object()));
  auto gone = connector(host)->read_appointment({"gone"});
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_NE(gone.error().message.find("ehr.kfsh"), std::string::npos);
  EXPECT_EQ(connector(host)->read_appointment({"../metadata"}).error().code,
            ErrorCode::kInvalidArgument);
  host.fail("GET", std::string(kBase) + "/Appointment/slow",
            sdk::Error(ErrorCode::kDeadlineExceeded, "timed out"));
  auto slow = connector(host)->read_appointment({"slow"});
  EXPECT_EQ(slow.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(slow.error().retryable);
}

TEST(FhirEhrConnector, SettingsNeedCredentialsForTheirAuth) {
  FakeHost bearer(json{{"base_url", kBase}});
  EXPECT_FALSE(parse_settings(bearer.settings(), bearer).ok());
  FakeHost basic(json{{"base_url", kBase}, {"auth", "basic"}, {"username", "u"}});
  EXPECT_FALSE(parse_settings(basic.settings(), basic).ok());
  FakeHost url(json{{"base_url", "ftp://x"}, {"auth", "none"}});
  EXPECT_FALSE(parse_settings(url.settings(), url).ok());
}

}  // namespace
}  // namespace wasl::plugins::fhir
