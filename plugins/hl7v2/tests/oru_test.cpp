// write_vital_signs: the ORU^R01 sent to the HL7 v2 peer (tests/peers/hl7v2,
// a hospital information system on @medplum/hl7), which checks each
// message's segments, LOINC codes, UCUM units and values, keeps it once per
// MSH-10 and answers AA, or AE/AR with its reason.
#include "plugins/hl7v2/oru.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "plugins/hl7v2/er7_message.hpp"
#include "plugins/hl7v2/feed.hpp"
#include "plugins/hl7v2/hl7v2_ehr_connector.hpp"
#include "plugins/hl7v2/tests/standard_messages.hpp"
#include "plugins/hl7v2/tests/test_settings.hpp"
#include "tests/peers/support/peer_process.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::hl7v2 {
namespace {

using nlohmann::json;
using ::wasl::hl7v2::Er7Message;
using ::wasl::hl7v2::standard_message;

// 2003-01-15T10:30:00+03:00, the A04 example's visit.
constexpr std::int64_t kMeasuredAt = 1042615800000;

Er7Message parsed(const std::string& text) {
  auto message = Er7Message::parse(text);
  if (!message.ok()) throw std::invalid_argument(message.error().message);
  return std::move(message).value();
}

// A host whose state holds the A04 example's patient (191919), and a
// connector on it writing to `port`.
struct Instance {
  explicit Instance(const json& settings) : host(testing::with_schema(settings)) {
    Hl7v2Feed feed(host, testing::test_settings(settings));
    sdk::FeedMessage message;
    message.data_base64 = sdk::base64_encode(standard_message("adt_a04"));
    if (!feed.accept(message).ok()) throw std::runtime_error("the A04 example was not accepted");
  }
  sdk::testing::FakeHost host;
  Hl7v2EhrConnector ehr{host, testing::test_settings(host.settings())};
};

json outbound_to(int port) {
  return {{"outbound", {{"host", "127.0.0.1"}, {"port", port}, {"timeout_ms", 5000}}}};
}

// One vital sign of patient 191919 in encounter E-7, as the hub's clinical
// record writes it: the key names the item and its version.
sdk::VitalSignWrite vital(const std::string& item, std::string code, std::string unit,
                          double value) {
  sdk::VitalSignWrite v;
  v.idempotency_key = "wasl/observation/" + item + "/v1";
  v.patient_id = "191919";
  v.encounter_id = "E-7";
  v.code = std::move(code);
  v.unit = std::move(unit);
  v.value = value;
  v.performer = "patient";
  v.effective_ms = kMeasuredAt;
  return v;
}

sdk::VitalSignWrite blood_pressure(const std::string& item, double systolic, double diastolic) {
  sdk::VitalSignWrite v = vital(item, "85354-9", "mm[Hg]", 0);
  v.systolic = systolic;
  v.diastolic = diastolic;
  v.performer = "clinician";
  v.practitioner_id = "0148";
  return v;
}

class OruTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { peer_.start("hl7v2"); }
  static void TearDownTestSuite() { peer_.stop(); }
  void SetUp() override {
    ASSERT_TRUE(peer_.ok()) << peer_.error();
    auto reset = peer_->post("/_peer/reset");
    ASSERT_TRUE(reset.ok()) << reset.error().message;
  }

  static json peer_get(const std::string& path) {
    auto answer = peer_->get(path);
    if (!answer.ok()) throw std::runtime_error(answer.error().message);
    return std::move(answer).value();
  }
  // The messages the peer kept, oldest first.
  static json kept() { return peer_get("/_peer/received")["messages"]; }
  // The peer's count `name` (0 when never counted).
  static int effect(const std::string& name) { return peer_get("/_peer/effects").value(name, 0); }

  static inline ::wasl::testing::SuitePeer peer_;
};

TEST_F(OruTest, EachVitalKindIsSentAndAcknowledged) {
  Instance instance(outbound_to(peer_->port()));
  struct Case {
    std::string item, code, unit;
    double value;
    std::string text;  // OBX-5 as sent
  };
  const std::vector<Case> cases = {
      {"o-1", "8867-4", "/min", 72, "72"},       {"o-2", "8310-5", "Cel", 36.8, "36.8"},
      {"o-3", "59408-5", "%", 97, "97"},         {"o-4", "9279-1", "/min", 16, "16"},
      {"o-5", "29463-7", "kg", 70.5, "70.5"},    {"o-6", "2339-0", "mmol/L", 5.4, "5.4"},
      {"o-7", "8310-5", "[degF]", 98.6, "98.6"}, {"o-8", "2708-6", "%", 96, "96"},
  };
  for (const Case& c : cases) {
    const sdk::VitalSignWrite v = vital(c.item, c.code, c.unit, c.value);
    auto written = instance.ehr.write_vital_signs(v);
    ASSERT_TRUE(written.ok()) << c.code << ": " << written.error().message;
    EXPECT_EQ(written->id, oru_observation_id(v.idempotency_key));
    EXPECT_EQ(written->resource_type, "ORU^R01");
    EXPECT_TRUE(written->created);
  }
  auto bp = instance.ehr.write_vital_signs(blood_pressure("o-9", 128, 82));
  ASSERT_TRUE(bp.ok()) << bp.error().message;

  const json messages = kept();
  ASSERT_EQ(messages.size(), cases.size() + 1);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const json& m = messages[i];
    SCOPED_TRACE(c.code + " " + c.unit);
    const std::string key = "wasl/observation/" + c.item + "/v1";
    EXPECT_EQ(m["message_type"], "ORU^R01");
    EXPECT_EQ(m["msh10"], oru_control_id(key));
    EXPECT_EQ(m["deliveries"], 1);
    const json& result = m["summary"]["results"][0];
    EXPECT_EQ(result["code"], c.code);
    EXPECT_EQ(result["filler"], oru_observation_id(key));
    ASSERT_EQ(result["observations"].size(), 1u);
    const json& o = result["observations"][0];
    EXPECT_EQ(o["code"], c.code);
    EXPECT_EQ(o["value"], c.text);
    EXPECT_EQ(o["units"], c.unit);
    EXPECT_EQ(m["summary"]["patient"]["identifiers"][0]["id"], "191919");
    EXPECT_EQ(m["summary"]["visit"]["number"], "E-7");
  }

  // The wire, read back with the plugin's own reader.
  const Er7Message m = parsed(messages[0]["raw"].get<std::string>());
  EXPECT_EQ(m.value("MSH", 9, 1), "ORU");
  EXPECT_EQ(m.value("MSH", 9, 2), "R01");
  EXPECT_EQ(m.value("MSH", 9, 3), "ORU_R01");
  EXPECT_EQ(m.value("MSH", 12), "2.5.1");
  EXPECT_EQ(m.value("PID", 5, 1), "MASSIE");
  EXPECT_EQ(m.value("PV1", 2), "O");
  EXPECT_EQ(m.value("PV1", 19), "E-7");
  EXPECT_EQ(m.value("OBR", 4, 1), "8867-4");
  EXPECT_EQ(m.value("OBR", 4, 2), "Heart rate");
  EXPECT_EQ(m.value("OBR", 4, 3), "LN");
  EXPECT_EQ(m.value("OBR", 7), "20030115103000+0300");
  EXPECT_EQ(m.value("OBR", 25), "F");
  EXPECT_EQ(m.value("OBX", 2), "NM");
  EXPECT_EQ(m.value("OBX", 3, 3), "LN");
  EXPECT_EQ(m.value("OBX", 5), "72");
  EXPECT_EQ(m.value("OBX", 6, 1), "/min");
  EXPECT_EQ(m.value("OBX", 6, 3), "UCUM");
  EXPECT_EQ(m.value("OBX", 11), "F");
  EXPECT_EQ(m.value("OBX", 14), "20030115103000+0300");
  EXPECT_EQ(m.value("OBX", 16), "");  // patient-reported: no observer
}

TEST_F(OruTest, BloodPressureIsThePanelWithItsTwoComponents) {
  Instance instance(outbound_to(peer_->port()));
  auto written = instance.ehr.write_vital_signs(blood_pressure("bp-1", 128, 82.5));
  ASSERT_TRUE(written.ok()) << written.error().message;

  const json messages = kept();
  ASSERT_EQ(messages.size(), 1u);
  const json& result = messages[0]["summary"]["results"][0];
  EXPECT_EQ(result["code"], "85354-9");
  EXPECT_EQ(result["text"], "Blood pressure panel with all children optional");
  ASSERT_EQ(result["observations"].size(), 2u);
  const json& systolic = result["observations"][0];
  const json& diastolic = result["observations"][1];
  EXPECT_EQ(systolic["set_id"], "1");
  EXPECT_EQ(systolic["code"], "8480-6");
  EXPECT_EQ(systolic["value"], "128");
  EXPECT_EQ(systolic["units"], "mm[Hg]");
  EXPECT_EQ(systolic["units_system"], "UCUM");
  EXPECT_EQ(systolic["observer"], "0148");
  EXPECT_EQ(diastolic["set_id"], "2");
  EXPECT_EQ(diastolic["code"], "8462-4");
  EXPECT_EQ(diastolic["value"], "82.5");
  EXPECT_EQ(diastolic["units"], "mm[Hg]");
  EXPECT_EQ(diastolic["observed_at"], "20030115103000+0300");

  // Without its diastolic, nothing is sent and nothing is recorded.
  auto half = instance.ehr.write_vital_signs(blood_pressure("bp-2", 128, 0));
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(half.error().retryable);
  EXPECT_NE(half.error().message.find("positive systolic and diastolic"), std::string::npos);
  auto state = instance.host.state_get(
      "outbound/" + oru_control_id(blood_pressure("bp-2", 128, 0).idempotency_key));
  ASSERT_TRUE(state.ok());
  EXPECT_FALSE(state.value().has_value());
  EXPECT_EQ(effect("mllpReceived"), 1);
}

TEST_F(OruTest, ARefusedMessageGivesTheHisReason) {
  Instance instance(outbound_to(peer_->port()));
  const sdk::VitalSignWrite in_kg = vital("r-1", "8867-4", "kg", 72);
  auto refused = instance.ehr.write_vital_signs(in_kg);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_EQ(refused.error().message,
            "the HIS refused ORU message " + oru_control_id(in_kg.idempotency_key) +
                " (AE): OBX-6 kg is not a unit of heart rate 8867-4 (/min)");

  auto height = instance.ehr.write_vital_signs(vital("r-2", "8302-2", "cm", 172));
  ASSERT_FALSE(height.ok());
  EXPECT_EQ(height.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(height.error().message.find("(AE): OBR-4 8302-2 is not a vital sign the peer knows"),
            std::string::npos)
      << height.error().message;

  // An AR: permanent too, and said to be a rejection.
  ASSERT_TRUE(peer_->post("/_peer/faults", {{"ack", "AR"}}).ok());
  auto rejected = instance.ehr.write_vital_signs(vital("r-3", "8867-4", "/min", 72));
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(rejected.error().retryable);
  EXPECT_NE(rejected.error().message.find("the HIS rejected ORU message"), std::string::npos)
      << rejected.error().message;

  EXPECT_TRUE(kept().empty());
  EXPECT_EQ(effect("oruRejected"), 2);
}

// The peer keeps the message but its ACK is lost (the connection closes):
// the write is retryable, and a connector started again on the same state
// (the hub killed and restarted) sends the same message, which the peer
// recognises by its MSH-10: one observation set, delivered twice.
TEST_F(OruTest, AResendAfterALostAcknowledgementIsOneRecordInThePeer) {
  Instance instance(outbound_to(peer_->port()));
  ASSERT_TRUE(peer_->post("/_peer/faults", {{"ack", "close"}, {"keep", true}}).ok());
  const sdk::VitalSignWrite pulse = vital("k-1", "8867-4", "/min", 72);
  auto lost = instance.ehr.write_vital_signs(pulse);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, sdk::ErrorCode::kUnavailable);
  EXPECT_TRUE(lost.error().retryable);

  instance.host.set_now(std::chrono::system_clock::now() + std::chrono::hours(1));
  Hl7v2EhrConnector restarted(instance.host, testing::test_settings(instance.host.settings()));
  auto resent = restarted.write_vital_signs(pulse);
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  EXPECT_EQ(resent->id, oru_observation_id(pulse.idempotency_key));

  json messages = kept();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["msh10"], oru_control_id(pulse.idempotency_key));
  EXPECT_EQ(messages[0]["deliveries"], 2);
  EXPECT_EQ(effect("oruDuplicates"), 1);

  // Acknowledged now: a third write answers the same observation, unsent.
  auto again = restarted.write_vital_signs(pulse);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->id, resent->id);
  EXPECT_EQ(again->resource_type, "ORU^R01");
  EXPECT_EQ(effect("mllpReceived"), 2);

  // The next version of the same item is another observation set.
  sdk::VitalSignWrite corrected = pulse;
  corrected.idempotency_key = "wasl/observation/k-1/v2";
  corrected.value = 74;
  ASSERT_TRUE(restarted.write_vital_signs(corrected).ok());
  messages = kept();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[1]["msh10"], messages[0]["msh10"]);
  EXPECT_EQ(messages[1]["summary"]["results"][0]["observations"][0]["value"], "74");
}

TEST_F(OruTest, NothingIsSentWithoutAnOutboundHostOrForAVitalNoMessageCanCarry) {
  Instance off(json::object());
  auto refused = off.ehr.write_vital_signs(vital("n-1", "8867-4", "/min", 72));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("outbound.host"), std::string::npos);

  Instance instance(outbound_to(peer_->port()));
  sdk::VitalSignWrite no_key = vital("n-2", "8867-4", "/min", 72);
  no_key.idempotency_key.clear();
  sdk::VitalSignWrite not_a_number = vital("n-3", "8867-4", "/min", 0);
  not_a_number.value = std::numeric_limits<double>::quiet_NaN();
  sdk::VitalSignWrite no_unit = vital("n-4", "8867-4", "", 72);
  sdk::VitalSignWrite no_time = vital("n-5", "8867-4", "/min", 72);
  no_time.effective_ms = 0;
  sdk::VitalSignWrite odd_performer = vital("n-6", "8867-4", "/min", 72);
  odd_performer.performer = "device";
  for (const sdk::VitalSignWrite& v : {no_key, not_a_number, no_unit, no_time, odd_performer}) {
    auto written = instance.ehr.write_vital_signs(v);
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_FALSE(written.error().retryable);
  }
  EXPECT_EQ(effect("mllpReceived"), 0);
}

// The same vital sign and first sending time give the same bytes; values
// are decimals without an exponent.
TEST(OruMessageTest, SameVitalSameBytesAndPlainDecimals) {
  const Hl7v2Settings settings = testing::test_settings(outbound_to(1));
  sdk::VitalSignWrite v = vital("d-1", "2339-0", "mg/dL", 0.000125);
  v.display = "Glucose | fasting";
  auto first = vital_sign_oru(v, std::nullopt, settings, 1042618000000);
  auto second = vital_sign_oru(v, std::nullopt, settings, 1042618000000);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->text, second->text);
  const Er7Message m = parsed(first->text);
  EXPECT_EQ(m.value("MSH", 7), "20030115110640+0300");
  EXPECT_EQ(m.value("OBX", 5), "0.000125");
  EXPECT_EQ(m.value("OBX", 3, 2), "Glucose | fasting");
  EXPECT_EQ(m.value("OBR", 3, 1), oru_observation_id(v.idempotency_key));
  v.value = 1e21;
  EXPECT_EQ(parsed(vital_sign_oru(v, std::nullopt, settings, 1)->text).value("OBX", 5),
            "1000000000000000000000");
}

}  // namespace
}  // namespace wasl::plugins::hl7v2
