// The clinical record's writes (SDK 1.10) against the FHIR R4 peer, which
// validates every write as R4: a signed note as a DocumentReference (and,
// with note_resource Composition, as a Composition), its amendment
// replacing it; a MedicationRequest and its cancellation; vital-sign
// Observations, blood pressure as the 85354-9 panel. Each is one resource
// however often it is resent with its key; an invalid one is refused by the
// peer (422) as a permanent error.
#include <gtest/gtest.h>

#include "plugins/fhir/fhir_ehr_connector.hpp"
#include "plugins/fhir/tests/test_settings.hpp"
#include "tests/peers/fhir/fhir_peer.hpp"
#include "tests/peers/support/loopback_host.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using wasl::testing::FhirPeer;
using wasl::testing::FhirPeerOptions;
using wasl::testing::LoopbackHost;

std::string peer_id_of(const char* reference) {
  std::string r(reference);
  return r.substr(r.find('/') + 1);
}

class FhirClinicalWritesTest : public ::testing::Test {
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
    ASSERT_TRUE(peer_->seed({"demo"}).ok());
  }
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
      json ids = r.value("identifier", json::array());
      if (ids.is_object()) ids = json::array({ids});  // Composition.identifier is 0..1
      for (const auto& id : ids) {
        if (id.value("value", "") == key) out.push_back(r);
      }
    }
    return out;
  }

  static FhirPeer* peer_;
};
FhirPeer* FhirClinicalWritesTest::peer_ = nullptr;

sdk::NoteWrite note(const std::string& key, std::int64_t version = 1) {
  sdk::NoteWrite n;
  n.idempotency_key = key;
  n.patient_id = peer_id_of(FhirPeer::kDemoPatient);
  n.practitioner_id = peer_id_of(FhirPeer::kDemoPractitioner);
  n.language = "ar";
  n.title = "Consultation note";
  n.text = "الشكوى: صداع منذ يومين\nالخطة: راحة & سوائل <عند الحاجة>";
  n.version = version;
  n.signed_at_ms = 1700001800000;
  return n;
}

sdk::MedicationRequestWrite prescription(const std::string& key) {
  sdk::MedicationRequestWrite p;
  p.idempotency_key = key;
  p.patient_id = peer_id_of(FhirPeer::kDemoPatient);
  p.practitioner_id = peer_id_of(FhirPeer::kDemoPractitioner);
  p.medication_system = "http://www.whocc.no/atc";
  p.medication_code = "N02BE01";
  p.medication_text = "Paracetamol 500 mg tablet";
  p.dose = "500 mg";
  p.route = "oral";
  p.frequency = "every 8 hours";
  p.duration = "5 days";
  p.quantity = 15;
  p.quantity_unit = "tablet";
  p.refills = 1;
  p.instructions = "قرص واحد كل ٨ ساعات بعد الأكل";
  p.language = "ar";
  p.authored_at_ms = 1700001000000;
  return p;
}

sdk::VitalSignWrite vital(const std::string& key, const std::string& code, const std::string& unit,
                          double value) {
  sdk::VitalSignWrite v;
  v.idempotency_key = key;
  v.patient_id = peer_id_of(FhirPeer::kDemoPatient);
  v.code = code;
  v.unit = unit;
  v.value = value;
  v.performer = "patient";
  v.effective_ms = 1700000500000;
  return v;
}

TEST_F(FhirClinicalWritesTest, ANoteIsOneDocumentReferenceAndItsAmendmentReplacesIt) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  auto ehr = connector(host);
  auto first = ehr->write_note(note("n-1/v1"));
  ASSERT_TRUE(first.ok()) << first.error().message;  // validated as R4 by the peer
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->resource_type, "DocumentReference");
  auto again = ehr->write_note(note("n-1/v1"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->id, first->id);
  auto stored = with_identifier("DocumentReference", "n-1/v1");
  ASSERT_EQ(stored.size(), 1u);
  const auto& attachment = stored[0]["content"][0]["attachment"];
  EXPECT_EQ(attachment["contentType"], "text/plain; charset=utf-8");
  EXPECT_EQ(attachment["language"], "ar");
  EXPECT_EQ(sdk::base64_decode(attachment["data"].get<std::string>()).value_or(""), note("x").text);
  EXPECT_EQ(stored[0]["author"][0]["reference"], "Practitioner/" + note("x").practitioner_id);

  auto amendment = note("n-1/v2", 2);
  amendment.replaces_id = first->id;
  auto second = ehr->write_note(amendment);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_NE(second->id, first->id);
  auto amended = with_identifier("DocumentReference", "n-1/v2");
  ASSERT_EQ(amended.size(), 1u);
  EXPECT_EQ(amended[0]["docStatus"], "amended");
  EXPECT_EQ(amended[0]["relatesTo"][0]["code"], "replaces");
  EXPECT_EQ(amended[0]["relatesTo"][0]["target"]["reference"], "DocumentReference/" + first->id);
}

TEST_F(FhirClinicalWritesTest, ANoteIsACompositionWhenTheInstanceSaysSo) {
  LoopbackHost host(settings({{"note_resource", "Composition"}}), "ehr.fhir-test");
  auto ehr = connector(host);
  auto written = ehr->write_note(note("n-2/v1"));
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(written->resource_type, "Composition");
  auto again = ehr->write_note(note("n-2/v1"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->id, written->id);
  auto stored = with_identifier("Composition", "n-2/v1");
  ASSERT_EQ(stored.size(), 1u);
  const std::string div = stored[0]["section"][0]["text"]["div"];
  EXPECT_NE(div.find("راحة &amp; سوائل &lt;عند الحاجة&gt;"), std::string::npos) << div;
  EXPECT_NE(div.find("<br/>"), std::string::npos);
}

TEST_F(FhirClinicalWritesTest, AMedicationRequestIsWrittenOnceAndItsCancellationUpdatesIt) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  auto ehr = connector(host);
  auto written = ehr->write_medication_request(prescription("p-1/v1"));
  ASSERT_TRUE(written.ok()) << written.error().message;
  auto again = ehr->write_medication_request(prescription("p-1/v1"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->id, written->id);
  auto stored = with_identifier("MedicationRequest", "p-1/v1");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["status"], "active");
  EXPECT_EQ(stored[0]["intent"], "order");
  EXPECT_EQ(stored[0]["dispenseRequest"]["numberOfRepeatsAllowed"], 1);
  EXPECT_EQ(stored[0]["dosageInstruction"][0]["text"], "500 mg, oral, every 8 hours, 5 days");

  auto cancel = prescription("p-1/v1");
  cancel.status = "cancelled";
  auto cancelled = ehr->write_medication_request(cancel);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(cancelled->id, written->id);
  auto resent = ehr->write_medication_request(cancel);
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  stored = with_identifier("MedicationRequest", "p-1/v1");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["status"], "cancelled");

  auto never = prescription("p-2/v1");
  never.status = "cancelled";
  auto missing = ehr->write_medication_request(never);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(with_identifier("MedicationRequest", "p-2/v1").empty());
}

TEST_F(FhirClinicalWritesTest, VitalSignsAreProfileObservationsAndBloodPressureAPanel) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  auto ehr = connector(host);
  auto pulse = ehr->write_vital_signs(vital("o-1/v1", "8867-4", "/min", 72));
  ASSERT_TRUE(pulse.ok()) << pulse.error().message;
  auto bp = vital("o-2/v1", "85354-9", "mm[Hg]", 0);
  bp.systolic = 128;
  bp.diastolic = 82;
  bp.performer = "clinician";
  bp.practitioner_id = peer_id_of(FhirPeer::kDemoPractitioner);
  auto panel = ehr->write_vital_signs(bp);
  ASSERT_TRUE(panel.ok()) << panel.error().message;
  ASSERT_TRUE(ehr->write_vital_signs(bp).ok());
  auto stored = with_identifier("Observation", "o-2/v1");
  ASSERT_EQ(stored.size(), 1u);
  const auto& o = stored[0];
  EXPECT_EQ(o["category"][0]["coding"][0]["code"], "vital-signs");
  EXPECT_EQ(o["code"]["coding"][0]["code"], "85354-9");
  EXPECT_FALSE(o.contains("valueQuantity"));
  ASSERT_EQ(o["component"].size(), 2u);
  EXPECT_EQ(o["component"][0]["code"]["coding"][0]["code"], "8480-6");
  EXPECT_EQ(o["component"][0]["valueQuantity"]["value"], 128);
  EXPECT_EQ(o["component"][1]["code"]["coding"][0]["code"], "8462-4");
  EXPECT_EQ(o["component"][1]["valueQuantity"]["code"], "mm[Hg]");
  auto heart = with_identifier("Observation", "o-1/v1");
  ASSERT_EQ(heart.size(), 1u);
  EXPECT_EQ(heart[0]["valueQuantity"]["system"], "http://unitsofmeasure.org");
  EXPECT_EQ(heart[0]["performer"][0]["reference"], "Patient/" + peer_id_of(FhirPeer::kDemoPatient));
}

// The peer's validation is real: an Observation naming a patient the server
// does not hold is refused (422), a permanent error, and nothing is stored.
TEST_F(FhirClinicalWritesTest, AResourceThePeerRefusesIsAPermanentError) {
  LoopbackHost host(settings(), "ehr.fhir-test");
  auto ehr = connector(host);
  auto v = vital("o-3/v1", "8867-4", "/min", 72);
  v.patient_id = "nobody-here";
  auto refused = ehr->write_vital_signs(v);
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_TRUE(with_identifier("Observation", "o-3/v1").empty());
}

}  // namespace
}  // namespace wasl::plugins::fhir
