// The connector through the SDK's FakeHost: what it sends (auth, _count,
// the search), paging over Bundle.link[next], and errors. The same reads
// against the real FHIR peer are in tests/integration/fhir.
#include "plugins/fhir/fhir_ehr_connector.hpp"

#include <gtest/gtest.h>

#include "plugins/chime/tests/queued_response_host.hpp"
#include "plugins/fhir/tests/test_settings.hpp"
#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using sdk::HttpResponse;
using sdk::testing::FakeHost;
using testing::with_schema;

constexpr char kBase[] = "https://ehr.test/fhir";

HttpResponse fhir(int status, const json& body) { return HttpResponse{status, {}, body.dump()}; }

json coverage(const std::string& id) {
  return {{"resourceType", "Coverage"},
          {"id", id},
          {"status", "active"},
          {"beneficiary", {{"reference", "Patient/p1"}}},
          {"payor", {{{"reference", "Organization/o"}}}}};
}

std::string header(const sdk::HttpRequest& request, const std::string& name) {
  for (const auto& [k, v] : request.headers) {
    if (k == name) return v;
  }
  return {};
}

std::unique_ptr<FhirEhrConnector> connector(sdk::Host& host) {
  auto settings = parse_settings(host.settings(), host);
  EXPECT_TRUE(settings.ok()) << settings.error().message;
  return std::make_unique<FhirEhrConnector>(host, *settings);
}

TEST(FhirEhrConnector, ReadsByIdWithTheBearerToken) {
  FakeHost host(with_schema(json{{"base_url", std::string(kBase) + "/"}, {"auth", "bearer"}}),
                "ehr.kfsh");
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
  FakeHost host(with_schema(
      json{{"base_url", kBase}, {"auth", "basic"}, {"username", "wasl"}, {"password", "pw"}}));
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
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}, {"page_size", 1}}));
  const std::string first =
      std::string(kBase) + "/Coverage?beneficiary=Patient%2Fp1&status=active&_count=1";
  const std::string second = std::string(kBase) + "/Coverage?page=2";
  host.respond("GET", first,
               fhir(200, {{"resourceType", "Bundle"},
                          {"type", "searchset"},
                          {"link", {{{"relation", "next"}, {"url", second}}}},
                          {"entry", json::array()}}));
  host.respond("GET", second,
               fhir(200, {{"resourceType", "Bundle"},
                          {"type", "searchset"},
                          {"entry", {{{"resource", coverage("c2")}}}}}));
  auto found = connector(host)->read_coverage({"", "p1"});
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->id, "c2");
  EXPECT_EQ(found->payer_id, "o");
  EXPECT_EQ(host.requests().size(), 2u);
}

TEST(FhirEhrConnector, NoActiveCoverageIsNotFound) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}));
  host.respond("GET",
               std::string(kBase) + "/Coverage?beneficiary=Patient%2Fp1&status=active&_count=50",
               fhir(200, {{"resourceType", "Bundle"}, {"type", "searchset"}}));
  EXPECT_EQ(connector(host)->read_coverage({"", "p1"}).error().code, ErrorCode::kNotFound);
}

TEST(FhirEhrConnector, ANextPageOffTheServerIsNotFollowed) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}));
  host.respond("GET",
               std::string(kBase) + "/Coverage?beneficiary=Patient%2Fp1&status=active&_count=50",
               fhir(200, {{"resourceType", "Bundle"},
                          {"link", {{{"relation", "next"}, {"url", "http://evil.test/steal"}}}}}));
  auto found = connector(host)->read_coverage({"", "p1"});
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(host.requests().size(), 1u);
}

TEST(FhirEhrConnector, PagingIsBoundedByMaxPages) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}, {"max_pages", 3}}));
  const std::string loop = std::string(kBase) + "/Coverage?again";
  json page = {{"resourceType", "Bundle"}, {"link", {{{"relation", "next"}, {"url", loop}}}}};
  host.respond("GET",
               std::string(kBase) + "/Coverage?beneficiary=Patient%2Fp1&status=active&_count=50",
               fhir(200, page));
  host.respond("GET", loop, fhir(200, page));
  auto found = connector(host)->read_coverage({"", "p1"});
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(host.requests().size(), 3u);
}

TEST(FhirEhrConnector, ErrorsAndBadIds) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}), "ehr.kfsh");
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

// Plain http carries the EHR's PHI and its credentials in clear: only to a
// loopback peer (tests, the sandbox).
TEST(FhirEhrConnector, SettingsRefuseAPlainHttpBaseUrlExceptLoopback) {
  for (const std::string url : {"http://ehr.example/fhir", "http://10.0.0.7:8080/fhir",
                                "http://128.0.0.1/fhir", "http://localhost.example/fhir"}) {
    FakeHost host(with_schema(json{{"base_url", url}, {"auth", "none"}}));
    auto parsed = parse_settings(host.settings(), host);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find("base_url must be https://"), std::string::npos)
        << parsed.error().message;
  }
  for (const std::string url :
       {"https://ehr.example/fhir", "http://127.0.0.1:4568/fhir/R4", "http://127.9.8.7/fhir",
        "http://localhost:80/fhir", "http://[::1]:4568/fhir"}) {
    FakeHost host(with_schema(json{{"base_url", url}, {"auth", "none"}}));
    auto parsed = parse_settings(host.settings(), host);
    EXPECT_TRUE(parsed.ok()) << url << ": " << parsed.error().message;
  }
}

TEST(FhirEhrConnector, SettingsNeedCredentialsForTheirAuth) {
  FakeHost bearer(with_schema(json{{"base_url", kBase}}));
  EXPECT_FALSE(parse_settings(bearer.settings(), bearer).ok());
  FakeHost basic(with_schema(json{{"base_url", kBase}, {"auth", "basic"}, {"username", "u"}}));
  EXPECT_FALSE(parse_settings(basic.settings(), basic).ok());
  // What the schema states, the hub refuses before the plugin sees it.
  EXPECT_FALSE(testing::schema_violations(json{{"base_url", "ftp://x"}}).empty());
  EXPECT_FALSE(testing::schema_violations(json{{"base_url", "http://ehr.test/a b"}}).empty());
  EXPECT_FALSE(
      testing::schema_violations(json{{"base_url", kBase}, {"identifier_system", "a|b"}}).empty());
  EXPECT_FALSE(
      testing::schema_violations(json{{"base_url", kBase}, {"service_provider", "Organization/x"}})
          .empty());
}

sdk::EncounterRequest encounter_request() {
  sdk::EncounterRequest r;
  r.idempotency_key = "c-42/encounter";
  r.patient_id = "p1";
  r.practitioner_id = "d1";
  r.appointment_id = "a1";
  return r;
}

TEST(FhirEhrConnector, EncounterIsACreateConditionalOnTheIdempotencyKey) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}));
  host.respond(
      "POST", std::string(kBase) + "/Encounter",
      fhir(201, {{"resourceType", "Encounter"}, {"id", "e1"}, {"meta", {{"versionId", "1"}}}}));
  auto created = connector(host)->create_encounter(encounter_request());
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->id, "e1");
  EXPECT_EQ(created->version_id, "1");
  EXPECT_TRUE(created->created);
  auto sent = host.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(header(sent[0], "If-None-Exist"),
            "identifier=urn%3Awasl%3Aidempotency-key%7Cc-42%2Fencounter");
  EXPECT_EQ(header(sent[0], "Content-Type"), "application/fhir+json");
  auto body = json::parse(sent[0].body);
  EXPECT_EQ(body["class"]["code"], "VR");
  EXPECT_EQ(body["identifier"][0]["value"], "c-42/encounter");
}

// An EHR's answer is outside input: a meta.versionId that is not a string
// reads as no version, not as an exception.
TEST(FhirEhrConnector, AVersionIdOfTheWrongTypeIsNoVersion) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}));
  host.respond(
      "POST", std::string(kBase) + "/Encounter",
      fhir(201, {{"resourceType", "Encounter"}, {"id", "e1"}, {"meta", {{"versionId", 5}}}}));
  auto created = connector(host)->create_encounter(encounter_request());
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->id, "e1");
  EXPECT_EQ(created->version_id, "");
}

TEST(FhirEhrConnector, AResendFindsTheFirstResource) {
  // The server matched If-None-Exist: 200 with the existing resource, or
  // (return=minimal) only its Location.
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}));
  host.respond(
      "POST", std::string(kBase) + "/Encounter",
      HttpResponse{200, {{"Location", std::string(kBase) + "/Encounter/e1/_history/3"}}, ""});
  auto again = connector(host)->create_encounter(encounter_request());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->id, "e1");
  EXPECT_EQ(again->version_id, "3");
  EXPECT_FALSE(again->created);
}

TEST(FhirEhrConnector, WriteErrorsFollowTheContract) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}), "ehr.kfsh");
  host.respond("POST", std::string(kBase) + "/DocumentReference",
               fhir(422, {{"resourceType", "OperationOutcome"},
                          {"issue",
                           {{{"severity", "error"},
                             {"code", "invalid"},
                             {"diagnostics", "Missing required property"}}}}}));
  sdk::DocumentRequest r;
  r.idempotency_key = "c-42/recording";
  r.patient_id = "p1";
  r.content_type = "video/mp4";
  r.url = "https://hub.test/r";
  auto refused = connector(host)->attach_document(r);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_NE(refused.error().message.find("Missing required property"), std::string::npos);
  host.respond("POST", std::string(kBase) + "/DocumentReference",
               HttpResponse{503, {{"Retry-After", "7"}}, ""});
  auto busy = connector(host)->attach_document(r);
  EXPECT_TRUE(busy.error().retryable);
  EXPECT_EQ(busy.error().retry_after, std::chrono::milliseconds(7000));
  r.url.clear();  // no content: refused before anything is sent
  const auto before = host.requests().size();
  auto bad = connector(host)->attach_document(r);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("ehr.kfsh"), std::string::npos);
  EXPECT_EQ(host.requests().size(), before);
}

json appointment(const std::string& status, const std::string& version) {
  return {{"resourceType", "Appointment"},
          {"id", "a1"},
          {"status", status},
          {"meta", {{"versionId", version}}},
          {"participant", {{{"actor", {{"reference", "Patient/p1"}}}, {"status", "accepted"}}}}};
}

TEST(FhirEhrConnector, StatusUpdateIsPinnedToTheVersionRead) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}));
  host.respond("GET", std::string(kBase) + "/Appointment/a1",
               fhir(200, appointment("booked", "4")));
  host.respond("PUT", std::string(kBase) + "/Appointment/a1",
               fhir(200, appointment("fulfilled", "5")));
  auto updated = connector(host)->update_appointment_status({"k", "a1", "fulfilled"});
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->status, "fulfilled");
  EXPECT_EQ(updated->version_id, "5");
  auto sent = host.requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].method, "PUT");
  EXPECT_EQ(header(sent[1], "If-Match"), "W/\"4\"");
  auto body = json::parse(sent[1].body);
  EXPECT_EQ(body["status"], "fulfilled");
  EXPECT_EQ(body["participant"][0]["actor"]["reference"], "Patient/p1");  // the rest kept
}

TEST(FhirEhrConnector, TheStatusItAlreadyHasIsSuccessWithoutAWrite) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}));
  host.respond("GET", std::string(kBase) + "/Appointment/a1",
               fhir(200, appointment("fulfilled", "5")));
  ASSERT_TRUE(connector(host)->update_appointment_status({"k", "a1", "fulfilled"}).ok());
  EXPECT_EQ(host.requests().size(), 1u);
  EXPECT_EQ(connector(host)->update_appointment_status({"k", "a1", "done"}).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(FhirEhrConnector, A412ReReadsOnceAndTriesOnceMore) {
  chime::testing::QueuedResponseHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}));
  const std::string url = std::string(kBase) + "/Appointment/a1";
  host.queue("GET", url, fhir(200, appointment("booked", "4")));
  host.queue("GET", url, fhir(200, appointment("arrived", "5")));
  host.queue("PUT", url, fhir(412, json::object()));
  host.queue("PUT", url, fhir(200, appointment("fulfilled", "6")));
  auto updated = connector(host)->update_appointment_status({"k", "a1", "fulfilled"});
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->version_id, "6");
  auto sent = host.fake.requests();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(header(sent[3], "If-Match"), "W/\"5\"");

  // Two 412s in a row: a retryable conflict, after exactly two reads.
  chime::testing::QueuedResponseHost busy(with_schema(json{{"base_url", kBase}, {"auth", "none"}}));
  busy.fake.respond("GET", url, fhir(200, appointment("booked", "4")));
  busy.fake.respond("PUT", url, fhir(412, json::object()));
  auto conflict = connector(busy)->update_appointment_status({"k", "a1", "fulfilled"});
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(conflict.error().retryable);
  EXPECT_EQ(busy.fake.requests().size(), 4u);
}

TEST(FhirEhrConnector, OnlyAnR4ServerIsAccepted) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"auth", "none"}}), "ehr.kfsh");
  const std::string metadata = std::string(kBase) + "/metadata";
  host.respond("GET", metadata,
               fhir(200, {{"resourceType", "CapabilityStatement"}, {"fhirVersion", "4.0.1"}}));
  EXPECT_TRUE(connector(host)->check_fhir_version().ok());
  for (const json& statement :
       {json{{"resourceType", "CapabilityStatement"}, {"fhirVersion", "5.0.0"}},
        json{{"resourceType", "CapabilityStatement"}, {"fhirVersion", "3.0.2"}},
        json{{"resourceType", "CapabilityStatement"}}}) {
    host.respond("GET", metadata, fhir(200, statement));
    auto refused = connector(host)->check_fhir_version();
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_FALSE(refused.error().retryable);
    EXPECT_NE(refused.error().message.find("ehr.kfsh"), std::string::npos);
    EXPECT_NE(refused.error().message.find("R4"), std::string::npos);
  }
  host.respond("GET", metadata, HttpResponse{503, {}, ""});
  EXPECT_TRUE(connector(host)->check_fhir_version().error().retryable);
}

}  // namespace
}  // namespace wasl::plugins::fhir
