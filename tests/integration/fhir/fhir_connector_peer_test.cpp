// FhirEhrConnector against the FHIR R4 peer: the demo, Saudi and official
// example fixtures read and mapped; paging through Bundle.link[next]; the
// Encounter and DocumentReference it writes accepted by a server that
// validates R4, exactly one of each however often the step is resent (a
// failure, a lost answer); Appointment status with If-Match; bearer and
// basic authentication; SMART Backend Services (RS384 and ES384) with the
// peer's token endpoint verifying the assertion with jose; the R4 and
// topic-based notification bundles the peer sends, through the verifier.
#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "plugins/fhir/fhir_client.hpp"
#include "plugins/fhir/fhir_ehr_connector.hpp"
#include "plugins/fhir/subscription_verifier.hpp"
#include "plugins/fhir/tests/test_settings.hpp"
#include "tests/peers/fhir/fhir_peer.hpp"
#include "tests/peers/support/loopback_host.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/percent_encoding.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using wasl::testing::FhirPeer;
using wasl::testing::FhirPeerOptions;
using wasl::testing::LoopbackHost;

std::string id_of(const char* reference) {
  std::string r(reference);
  return r.substr(r.find('/') + 1);
}

class FhirConnectorPeerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    FhirPeerOptions options;
    options.seed = {};
    auto peer = FhirPeer::start(options);
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(peer).value().release();
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(peer_, nullptr);
    ASSERT_TRUE(peer_->reset().ok());
    ASSERT_TRUE(peer_->seed({"demo", "saudi", "examples"}).ok());
  }

  // As the hub hands them over: checked against schema.json, defaults filled in.
  json settings(json extra = json::object()) const {
    json s = {{"base_url", peer_->base_url()}, {"auth", "none"}};
    s.update(extra);
    return testing::with_schema(s);
  }
  std::unique_ptr<FhirEhrConnector> connector(sdk::Host& host) const {
    auto parsed = parse_settings(host.settings(), host);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
    return std::make_unique<FhirEhrConnector>(host, *parsed);
  }
  static std::vector<json> with_identifier(const std::string& type, const std::string& key) {
    std::vector<json> out;
    auto all = peer_->resources(type);
    EXPECT_TRUE(all.ok()) << all.error().message;
    if (!all.ok()) return out;
    for (const auto& r : *all) {
      for (const auto& id : r.value("identifier", json::array())) {
        if (id.value("value", "") == key) out.push_back(r);
      }
    }
    return out;
  }

  static FhirPeer* peer_;
};
FhirPeer* FhirConnectorPeerTest::peer_ = nullptr;

TEST_F(FhirConnectorPeerTest, ReadsAndMapsTheDemoPatientHerDoctorAppointmentAndCoverage) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  auto ehr = connector(host);
  auto patient = ehr->read_patient({id_of(FhirPeer::kDemoPatient)});
  ASSERT_TRUE(patient.ok()) << patient.error().message;
  auto stored = peer_->read(FhirPeer::kDemoPatient);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(patient->raw["name"].dump(), (*stored)["name"].dump());  // byte for byte
  EXPECT_EQ(patient->gender, "female");
  bool national_id = false;
  for (const auto& id : patient->identifiers) {
    national_id |=
        id.system == "http://nphies.sa/identifier/nationalid" && id.value == "1098765432";
  }
  EXPECT_TRUE(national_id);

  auto doctor = ehr->read_practitioner({id_of(FhirPeer::kDemoPractitioner)});
  ASSERT_TRUE(doctor.ok()) << doctor.error().message;
  EXPECT_FALSE(doctor->name.empty());

  auto appointment = ehr->read_appointment({id_of(FhirPeer::kDemoBookedAppointment)});
  ASSERT_TRUE(appointment.ok()) << appointment.error().message;
  EXPECT_EQ(appointment->status, "booked");
  EXPECT_EQ(appointment->patient_id, id_of(FhirPeer::kDemoPatient));
  EXPECT_EQ(appointment->practitioner_id, id_of(FhirPeer::kDemoPractitioner));
  EXPECT_GT(appointment->end_ms, appointment->start_ms);
  EXPECT_FALSE(appointment->version_id.empty());

  auto coverage = ehr->read_coverage({"", id_of(FhirPeer::kDemoPatient)});
  ASSERT_TRUE(coverage.ok()) << coverage.error().message;
  EXPECT_EQ(coverage->id, id_of(FhirPeer::kDemoCoverage));
  EXPECT_EQ(coverage->status, "active");

  EXPECT_EQ(ehr->read_patient({"nobody"}).error().code, ErrorCode::kNotFound);
  auto examples = ehr->read_patient({"example"});
  ASSERT_TRUE(examples.ok()) << examples.error().message;
  EXPECT_EQ(examples->family_name, "Chalmers");
}

TEST_F(FhirConnectorPeerTest, TheSaudiPatientsMapWhateverTheyLack) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  auto ehr = connector(host);
  auto passport = ehr->read_patient({"aisha-visitor"});
  ASSERT_TRUE(passport.ok()) << passport.error().message;
  EXPECT_EQ(passport->gender, "unknown");  // only the KSA extension, code U
  auto parts = ehr->read_patient({"noura-parts-only"});
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_FALSE(parts->given_name.empty());
  auto iqama = ehr->read_patient({"mohammed-rahman"});
  ASSERT_TRUE(iqama.ok()) << iqama.error().message;
  ASSERT_FALSE(iqama->identifiers.empty());
  EXPECT_EQ(iqama->identifiers[0].system, "http://nphies.sa/identifier/iqama");
}

TEST_F(FhirConnectorPeerTest, SearchFollowsNextPages) {
  LoopbackHost host(settings({{"page_size", 2}}), "ehr.fhir-test");
  auto parsed = parse_settings(host.settings(), host);
  ASSERT_TRUE(parsed.ok());
  FhirClient client(host, *parsed);
  auto all = peer_->resources("Patient");
  ASSERT_TRUE(all.ok());
  ASSERT_GT(all->size(), 4u);
  auto found = client.search("Patient", "");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->size(), all->size());
  auto by_id = client.search(
      "Patient",
      "identifier=" + sdk::percent_encode("http://nphies.sa/identifier/nationalid|1098765432"));
  ASSERT_TRUE(by_id.ok()) << by_id.error().message;
  ASSERT_EQ(by_id->size(), 1u);
  EXPECT_EQ((*by_id)[0]["id"], id_of(FhirPeer::kDemoPatient));
}

sdk::EncounterRequest encounter_request(const std::string& key) {
  sdk::EncounterRequest r;
  r.idempotency_key = key;
  r.appointment_id = id_of(FhirPeer::kDemoBookedAppointment);
  r.patient_id = id_of(FhirPeer::kDemoPatient);
  r.practitioner_id = id_of(FhirPeer::kDemoPractitioner);
  r.start_ms = 1700000000000;
  r.end_ms = 1700001800000;
  return r;
}

sdk::DocumentRequest recording_request(const std::string& key, const std::string& encounter_id) {
  sdk::DocumentRequest r;
  r.idempotency_key = key;
  r.patient_id = id_of(FhirPeer::kDemoPatient);
  r.encounter_id = encounter_id;
  r.type_code = "11488-4";
  r.title = "Consultation recording";
  r.content_type = "video/mp4";
  r.url = "http://127.0.0.1:8080/v1/recordings/r1/content";
  r.size_bytes = 123456;
  r.sha256_hex = std::string(64, 'c');
  return r;
}

TEST_F(FhirConnectorPeerTest, OneValidEncounterAndDocumentReferenceHoweverOftenResent) {
  LoopbackHost host(settings({{"service_provider", id_of(FhirPeer::kDemoOrganization)}}),
                    "ehr.fhir-test");
  auto ehr = connector(host);
  auto first = ehr->create_encounter(encounter_request("c-1/encounter"));
  ASSERT_TRUE(first.ok()) << first.error().message;  // the peer validated it as R4
  EXPECT_TRUE(first->created);
  auto again = ehr->create_encounter(encounter_request("c-1/encounter"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->id, first->id);
  ASSERT_EQ(with_identifier("Encounter", "c-1/encounter").size(), 1u);

  auto document = ehr->attach_document(recording_request("c-1/recording", first->id));
  ASSERT_TRUE(document.ok()) << document.error().message;
  auto resent = ehr->attach_document(recording_request("c-1/recording", first->id));
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  EXPECT_EQ(resent->id, document->id);
  auto documents = with_identifier("DocumentReference", "c-1/recording");
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_EQ(documents[0]["context"]["encounter"][0]["reference"], "Encounter/" + first->id);
  EXPECT_EQ(documents[0]["content"][0]["attachment"]["size"], 123456);
}

// A patient's feedback goes to the record as a DocumentReference on the
// patient whose attachment is the QuestionnaireResponse itself
// (application/fhir+json, inline): one however often resent, and the
// response inside is valid R4 too (the peer refuses an invalid one).
TEST_F(FhirConnectorPeerTest, TheFeedbacksQuestionnaireResponseIsAttachedToThePatient) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  auto ehr = connector(host);
  const json response = {
      {"resourceType", "QuestionnaireResponse"},
      {"identifier", {{"system", "urn:wasl:feedback-id"}, {"value", "fb-1"}}},
      {"questionnaire", "urn:wasl:questionnaire:consultation-feedback|1"},
      {"status", "completed"},
      {"authored", "2026-03-01T09:00:00Z"},
      {"item",
       json::array({{{"linkId", "clinician"}, {"answer", json::array({{{"valueInteger", 5}}})}},
                    {{"linkId", "connection"}, {"answer", json::array({{{"valueInteger", 2}}})}},
                    {{"linkId", "comment"},
                     {"answer", json::array({{{"valueString", "انقطع الصوت مرتين"}}})}}})}};
  const std::string body = response.dump();
  sdk::DocumentRequest r;
  r.idempotency_key = "wasl-feedback-fb-1";
  r.patient_id = id_of(FhirPeer::kDemoPatient);
  r.title = "Patient feedback on the video consultation (FHIR QuestionnaireResponse)";
  r.content_type = "application/fhir+json";
  r.data_base64 = sdk::base64_encode(body);
  r.size_bytes = static_cast<std::int64_t>(body.size());
  auto first = ehr->attach_document(r);
  ASSERT_TRUE(first.ok()) << first.error().message;  // the peer validated it as R4
  auto again = ehr->attach_document(r);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->id, first->id);
  auto documents = with_identifier("DocumentReference", "wasl-feedback-fb-1");
  ASSERT_EQ(documents.size(), 1u);
  const json& attachment = documents[0]["content"][0]["attachment"];
  EXPECT_EQ(attachment["contentType"], "application/fhir+json");
  EXPECT_EQ(documents[0]["subject"]["reference"], FhirPeer::kDemoPatient);
  auto decoded = sdk::base64_decode(attachment["data"].get<std::string>());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(json::parse(*decoded), response);

  json stored = response;
  stored["id"] = "fb-1";
  auto valid = peer_->seed({}, json::array({stored}));
  EXPECT_TRUE(valid.ok()) << valid.error().message;
  json broken = stored;
  broken["id"] = "fb-2";
  broken["status"] = "done";
  EXPECT_FALSE(peer_->seed({}, json::array({broken})).ok());
}

// Who attended and when: the FHIR server (which validates every write as
// R4) takes the clinician's periods as Encounter.participant with period,
// the interpreter's as a translator, and the patient's as the subject's
// period extensions; they read back as written.
TEST_F(FhirConnectorPeerTest, TheAttendancePeriodsAreAValidEncounter) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  auto ehr = connector(host);
  auto request = encounter_request("c-3/encounter");
  const std::string doctor = id_of(FhirPeer::kDemoPractitioner);
  request.participants = {
      {"patient", "", {{1700000060000, 1700000600000}, {1700000700000, 1700001800000}}},
      {"clinician", doctor, {{1700000000000, 1700001800000}}},
      {"interpreter", "", {{1700000100000, 1700001700000}}},
      {"guest", "", {{1700000200000, 0}}},
  };
  auto created = ehr->create_encounter(request);
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto stored = with_identifier("Encounter", "c-3/encounter");
  ASSERT_EQ(stored.size(), 1u);
  const auto& e = stored[0];
  ASSERT_EQ(e["participant"].size(), 3u) << e.dump();
  EXPECT_EQ(e["participant"][0]["individual"]["reference"], "Practitioner/" + doctor);
  EXPECT_EQ(e["participant"][0]["period"]["end"], "2023-11-14T22:43:20.000Z");
  EXPECT_EQ(e["participant"][1]["type"][0]["coding"][0]["code"], "translator");
  EXPECT_FALSE(e["participant"][2].contains("individual"));
  EXPECT_FALSE(e["participant"][2]["period"].contains("end"));
  ASSERT_EQ(e["extension"].size(), 2u) << e.dump();
  EXPECT_EQ(e["extension"][1]["url"], "urn:wasl:fhir:encounter-subject-period");
  EXPECT_EQ(e["extension"][1]["valuePeriod"]["start"], "2023-11-14T22:25:00.000Z");
}

TEST_F(FhirConnectorPeerTest, AFailureIsRetryableAndALostAnswerIsFoundOnResend) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  auto ehr = connector(host);
  ASSERT_TRUE(peer_->fault({{"operation", "create Encounter"}, {"status", 503}}).ok());
  auto failed = ehr->create_encounter(encounter_request("c-2/encounter"));
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.error().retryable);
  EXPECT_TRUE(with_identifier("Encounter", "c-2/encounter").empty());

  // Committed on the server, the answer lost: the resend (by the hub's
  // HTTP client on the closed connection, or by the step's retry) finds it.
  ASSERT_TRUE(peer_->fault({{"operation", "create Encounter"}, {"drop", true}}).ok());
  auto found = ehr->create_encounter(encounter_request("c-2/encounter"));
  if (!found.ok()) {
    EXPECT_TRUE(found.error().retryable) << found.error().message;
    found = ehr->create_encounter(encounter_request("c-2/encounter"));
  }
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_FALSE(found->created);
  EXPECT_EQ(with_identifier("Encounter", "c-2/encounter").size(), 1u);

  ASSERT_TRUE(
      peer_
          ->fault(
              {{"operation", "POST DocumentReference"}, {"status", 429}, {"retryAfterSeconds", 3}})
          .ok());
  auto limited = ehr->attach_document(recording_request("c-2/recording", found->id));
  ASSERT_FALSE(limited.ok());
  EXPECT_TRUE(limited.error().retryable);
  EXPECT_EQ(limited.error().retry_after, std::chrono::milliseconds(3000));
}

TEST_F(FhirConnectorPeerTest, AppointmentStatusIsPinnedToTheVersionRead) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  auto ehr = connector(host);
  const std::string id = id_of(FhirPeer::kDemoBookedAppointment);
  auto before = ehr->read_appointment({id});
  ASSERT_TRUE(before.ok());
  auto arrived = ehr->update_appointment_status({"c-3/arrived", id, "arrived"});
  ASSERT_TRUE(arrived.ok()) << arrived.error().message;
  EXPECT_EQ(arrived->status, "arrived");
  EXPECT_NE(arrived->version_id, before->version_id);
  auto stored = peer_->read(FhirPeer::kDemoBookedAppointment);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ((*stored)["status"], "arrived");
  EXPECT_EQ((*stored)["participant"], before->raw["participant"]);

  // Another writer got in between: 412, one re-read, the second try wins.
  ASSERT_TRUE(peer_->fault({{"operation", "PUT Appointment"}, {"status", 412}}).ok());
  auto fulfilled = ehr->update_appointment_status({"c-3/fulfilled", id, "fulfilled"});
  ASSERT_TRUE(fulfilled.ok()) << fulfilled.error().message;
  EXPECT_EQ(fulfilled->status, "fulfilled");
  // Twice in a row: a retryable conflict.
  ASSERT_TRUE(peer_->fault({{"operation", "PUT Appointment"}, {"status", 412}, {"count", 2}}).ok());
  auto conflict = ehr->update_appointment_status({"c-3/noshow", id, "noshow"});
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(conflict.error().retryable);
}

TEST_F(FhirConnectorPeerTest, BearerAndBasicAuthentication) {
  ASSERT_TRUE(peer_->configure_auth({{"mode", "bearer"}, {"bearerToken", "t0ken"}}).ok());
  LoopbackHost good(settings({{"auth", "bearer"}, {"bearer_token", "t0ken"}}), "ehr.fhir-test");
  EXPECT_TRUE(connector(good)->read_patient({id_of(FhirPeer::kDemoPatient)}).ok());
  LoopbackHost bad(settings({{"auth", "bearer"}, {"bearer_token", "wrong"}}), "ehr.fhir-test");
  auto refused = connector(bad)->read_patient({id_of(FhirPeer::kDemoPatient)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(refused.error().retryable);

  ASSERT_TRUE(
      peer_->configure_auth({{"mode", "basic"}, {"basicUser", "wasl"}, {"basicPassword", "pw"}})
          .ok());
  LoopbackHost basic(settings({{"auth", "basic"}, {"username", "wasl"}, {"password", "pw"}}),
                     "ehr.fhir-test");
  EXPECT_TRUE(connector(basic)->read_patient({id_of(FhirPeer::kDemoPatient)}).ok());
}

struct KeyPair {
  std::string public_pem;
  std::string private_pem;
};

template <typename Key>
KeyPair save(Key& key) {
  std::ostringstream pub, priv;
  key.save(&pub, &priv);
  return {pub.str(), priv.str()};
}

TEST_F(FhirConnectorPeerTest, SmartBackendServicesRefreshesOnceWhenTheTokenExpiresEarly) {
  Poco::Crypto::RSAKey rsa(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
  Poco::Crypto::ECKey ec("secp384r1");
  for (const KeyPair& pair : {save(rsa), save(ec)}) {
    ASSERT_TRUE(peer_->reset().ok());
    ASSERT_TRUE(peer_->seed({"demo"}).ok());
    ASSERT_TRUE(peer_->register_client("wasl-hub", pair.public_pem).ok());
    ASSERT_TRUE(peer_->configure_auth({{"mode", "smart"}}).ok());
    LoopbackHost host(
        settings({{"auth", "smart"}, {"client_id", "wasl-hub"}, {"private_key", pair.private_pem}}),
        "ehr.fhir-test");
    auto ehr = connector(host);
    ASSERT_TRUE(ehr->read_patient({id_of(FhirPeer::kDemoPatient)}).ok());
    auto created = ehr->create_encounter(encounter_request("c-4/encounter"));
    ASSERT_TRUE(created.ok()) << created.error().message;
    auto effects = peer_->effects();
    ASSERT_TRUE(effects.ok());
    EXPECT_EQ((*effects)["tokens"]["issued"], 1);  // kept between calls

    // The EHR ends the token early: one new token, the call goes through.
    auto expired = peer_->expire_tokens();
    ASSERT_TRUE(expired.ok());
    EXPECT_EQ(*expired, 1);
    auto document = ehr->attach_document(recording_request("c-4/recording", created->id));
    ASSERT_TRUE(document.ok()) << document.error().message;
    effects = peer_->effects();
    ASSERT_TRUE(effects.ok());
    EXPECT_EQ((*effects)["tokens"]["issued"], 2);
    EXPECT_EQ(with_identifier("DocumentReference", "c-4/recording").size(), 1u);
  }
}

TEST_F(FhirConnectorPeerTest, ARefusedAssertionIsPermanentAndNamesTheInstanceNotTheKey) {
  Poco::Crypto::RSAKey registered(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
  Poco::Crypto::RSAKey other(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
  ASSERT_TRUE(peer_->register_client("wasl-hub", save(registered).public_pem).ok());
  ASSERT_TRUE(peer_->configure_auth({{"mode", "smart"}}).ok());
  const KeyPair wrong = save(other);
  LoopbackHost host(
      settings({{"auth", "smart"}, {"client_id", "wasl-hub"}, {"private_key", wrong.private_pem}}),
      "ehr.fhir-test");
  auto refused = connector(host)->read_patient({id_of(FhirPeer::kDemoPatient)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_NE(refused.error().message.find("ehr.fhir-test"), std::string::npos);
  EXPECT_EQ(refused.error().message.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(refused.error().message.find(wrong.private_pem.substr(64, 32)), std::string::npos);
}

TEST_F(FhirConnectorPeerTest, TheNotificationsThePeerSendsAreAppointmentEvents) {
  const std::string inbox = peer_->process().url() + "/_peer/inbox";
  const std::string header = "X-Wasl-Subscription-Secret: s3cret-s3cret-s3cret";
  ASSERT_TRUE(peer_->subscribe("r4", inbox, header).ok());
  const std::string ext = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";
  json topic = {
      {"resourceType", "Subscription"},
      {"id", "topic"},
      {"status", "active"},
      {"meta", {{"profile", {ext + "backport-subscription"}}}},
      {"reason", "Telehealth appointments"},
      {"criteria", "http://wasl.example/fhir/SubscriptionTopic/appointment-changed"},
      {"_criteria",
       {{"extension",
         {{{"url", ext + "backport-filter-criteria"},
           {"valueString", "Appointment?status=booked,cancelled"}}}}}},
      {"channel",
       {{"type", "rest-hook"},
        {"endpoint", inbox},
        {"payload", "application/fhir+json"},
        {"_payload",
         {{"extension",
           {{{"url", ext + "backport-payload-content"}, {"valueCode", "full-resource"}}}}}},
        {"header", {header}}}}};
  ASSERT_TRUE(peer_->seed({}, json::array({topic})).ok());
  auto booked = peer_->read(FhirPeer::kDemoBookedAppointment);
  ASSERT_TRUE(booked.ok());
  json changed = *booked;
  changed["status"] = "cancelled";
  changed.erase("meta");
  ASSERT_TRUE(peer_->seed({}, json::array({changed})).ok());

  std::vector<json> records;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (records.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    auto sent = peer_->notifications();
    ASSERT_TRUE(sent.ok()) << sent.error().message;
    records = *sent;
    if (records.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(records.size(), 2u);
  SubscriptionVerifier verifier(
      testing::test_settings({{"base_url", peer_->base_url()},
                              {"auth", "none"},
                              {"subscription_secret", "s3cret-s3cret-s3cret"}}));
  std::set<std::string> keys;
  for (const auto& record : records) {
    sdk::WebhookRequest request;
    request.method = "POST";
    request.headers = {{"X-Wasl-Subscription-Secret", "s3cret-s3cret-s3cret"}};
    request.body = record["item"]["body"].dump();
    auto events = verifier.verify(request);
    ASSERT_TRUE(events.ok()) << events.error().message << " " << request.body;
    ASSERT_EQ(events->size(), 1u) << request.body;
    EXPECT_EQ((*events)[0].resource_id, FhirPeer::kDemoBookedAppointment);
    EXPECT_EQ((*events)[0].payload["status"], "cancelled");
    keys.insert((*events)[0].dedupe_key);
    request.headers = {{"X-Wasl-Subscription-Secret", "wrong"}};
    EXPECT_EQ(verifier.verify(request).error().code, ErrorCode::kUnauthenticated);
  }
  EXPECT_EQ(keys.size(), 2u);
}

TEST(FhirConnectorPeerVersion, AServerThatIsNotR4IsRefusedWithASentence) {
  FhirPeerOptions options;
  options.fhir_version = "5.0.0";
  auto peer = FhirPeer::start(options);
  ASSERT_TRUE(peer.ok()) << peer.error().message;
  LoopbackHost host(testing::with_schema({{"base_url", (*peer)->base_url()}, {"auth", "none"}}),
                    "ehr.r5");
  auto settings = parse_settings(host.settings(), host);
  ASSERT_TRUE(settings.ok());
  FhirEhrConnector ehr(host, *settings);
  auto refused = ehr.check_fhir_version();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("speaks FHIR 5.0.0"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("ehr.r5"), std::string::npos);
}

TEST_F(FhirConnectorPeerTest, TheR4PeerPassesTheVersionCheck) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  EXPECT_TRUE(connector(host)->check_fhir_version().ok());
}

}  // namespace
}  // namespace wasl::plugins::fhir
