// Hl7v2Feed::accept end to end with the SDK's FakeHost: acknowledgements,
// events, what the instance state keeps, and the EHR reads answering from it.
#include "plugins/hl7v2/feed.hpp"

#include <gtest/gtest.h>

#include <string>

#include "plugins/hl7v2/ehr_reads.hpp"
#include "plugins/hl7v2/er7_message.hpp"
#include "plugins/hl7v2/hl7_time.hpp"
#include "plugins/hl7v2/tests/standard_messages.hpp"
#include "plugins/hl7v2/tests/test_settings.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::hl7v2 {
namespace {

using nlohmann::json;
using ::wasl::hl7v2::Er7Message;
using ::wasl::hl7v2::standard_message;

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::invalid_argument("no " + from + " in the message");
  return text.replace(at, from.size(), to);
}

class FeedTest : public ::testing::Test {
 protected:
  FeedTest() : host_(testing::with_schema()), feed_(host_, testing::test_settings()), ehr_(host_) {
    host_.set_now(std::chrono::system_clock::time_point(
        std::chrono::milliseconds(*parse_hl7_time("20030110120000", 180))));
  }

  sdk::FeedAnswer accept(const std::string& bytes, bool truncated = false) {
    sdk::FeedMessage message;
    message.data_base64 = sdk::base64_encode(bytes);
    message.peer_address = "10.0.0.7";
    message.truncated = truncated;
    auto answer = feed_.accept(message);
    if (!answer.ok()) throw std::runtime_error(answer.error().message);
    return std::move(answer).value();
  }

  static Er7Message ack_of(const sdk::FeedAnswer& answer) {
    auto bytes = sdk::base64_decode(answer.ack_base64);
    if (!bytes) throw std::runtime_error("the ACK is not base64");
    auto ack = Er7Message::parse(*bytes);
    if (!ack.ok()) throw std::runtime_error(ack.error().message);
    return std::move(ack).value();
  }

  sdk::testing::FakeHost host_;
  Hl7v2Feed feed_;
  EhrReads ehr_;
};

TEST_F(FeedTest, BookingIsAcknowledgedKeptAndAnEvent) {
  const sdk::FeedAnswer answer = accept(standard_message("siu_s12"));
  EXPECT_TRUE(answer.accepted);
  EXPECT_EQ(answer.sender, "SCHEDULER^GENHOS");
  EXPECT_EQ(answer.message_id, "000004");
  // MSH-15 AL, MSH-16 NE: enhanced mode, a commit acknowledgement.
  const Er7Message ack = ack_of(answer);
  EXPECT_EQ(ack.value("MSH", 3), "WASL");
  EXPECT_EQ(ack.value("MSH", 5), "SCHEDULER");
  EXPECT_EQ(ack.value("MSH", 9, 1), "ACK");
  EXPECT_EQ(ack.value("MSA", 1), "CA");
  EXPECT_EQ(ack.value("MSA", 2), "000004");
  EXPECT_EQ(ack.occurrences("ERR"), 0u);

  ASSERT_EQ(answer.events.size(), 1u);
  const sdk::Event& event = answer.events[0];
  EXPECT_EQ(event.type, "appointment.updated");
  EXPECT_EQ(event.resource_id, "Appointment/10345");
  EXPECT_EQ(event.dedupe_key, "SCHEDULER^GENHOS|000004");
  EXPECT_EQ(event.occurred_at_ms, *parse_hl7_time("200301101500+0300", 0));
  EXPECT_EQ(event.payload,
            json({{"message_type", "SIU"}, {"trigger", "S12"}, {"control_id", "000004"}}));

  const auto state = host_.state();
  EXPECT_TRUE(state.count("appointment/10345"));
  EXPECT_TRUE(state.count("patient/191919"));
  EXPECT_TRUE(state.count("practitioner/0148"));

  auto appointment = ehr_.read_appointment({"10345"});
  ASSERT_TRUE(appointment.ok()) << appointment.error().message;
  EXPECT_EQ(appointment->status, "booked");
  EXPECT_EQ(appointment->patient_id, "191919");
  EXPECT_EQ(appointment->practitioner_id, "0148");
  EXPECT_EQ(appointment->version_id, "000004");
  EXPECT_EQ(appointment->end_ms - appointment->start_ms, 30 * 60000);
  auto patient = ehr_.read_patient({"191919"});
  ASSERT_TRUE(patient.ok());
  EXPECT_EQ(patient->family_name, "MASSIE");
  auto practitioner = ehr_.read_practitioner({"0148"});
  ASSERT_TRUE(practitioner.ok());
  EXPECT_EQ(practitioner->name, "JAMES ADDISON");

  // A resend: the same acknowledgement control id, the same dedupe key.
  const sdk::FeedAnswer again = accept(standard_message("siu_s12"));
  EXPECT_EQ(ack_of(again).value("MSH", 10), ack.value("MSH", 10));
  EXPECT_EQ(again.events.at(0).dedupe_key, event.dedupe_key);
}

TEST_F(FeedTest, CancellationKeepsTheTimesItLeavesOut) {
  accept(standard_message("siu_s12"));
  std::string cancel =
      replaced(standard_message("siu_s12"), "SIU^S12^SIU_S12|000004|", "SIU^S15^SIU_S12|000005|");
  cancel = replaced(cancel, "|200301101500|", "|200301101600|");
  cancel = replaced(cancel, "|30|min|^^30^200301151030^200301151100|", "||||");
  cancel = replaced(cancel, "|200301151030|0|min|30|min|Booked", "||||||Cancelled");
  cancel = replaced(cancel, "|||200301151030|0|min|30|min", "|||||||");
  const sdk::FeedAnswer answer = accept(cancel);
  EXPECT_TRUE(answer.accepted) << answer.reason;
  auto appointment = ehr_.read_appointment({"10345"});
  ASSERT_TRUE(appointment.ok());
  EXPECT_EQ(appointment->status, "cancelled");
  EXPECT_EQ(appointment->start_ms, *parse_hl7_time("200301151030", 180));
  EXPECT_EQ(appointment->version_id, "000005");
}

TEST_F(FeedTest, DuplicateOrLateOlderMessageNeverOverwritesANewerOne) {
  ASSERT_TRUE(accept(standard_message("adt_a04")).accepted);
  EXPECT_EQ(ehr_.read_patient({"191919"})->family_name, "MASSIE");
  // The A08 example has the same MSH-7 and another control id: it applies.
  std::string a08 = standard_message("adt_a08");
  a08 = replaced(a08, "MASSIE^JAMES^A", "MASSIE-UPDATED^JAMES^A");
  ASSERT_TRUE(accept(a08).accepted);
  EXPECT_EQ(ehr_.read_patient({"191919"})->family_name, "MASSIE-UPDATED");

  // The A04 again (a resend after a lost ACK): acknowledged, not applied.
  const sdk::FeedAnswer duplicate = accept(standard_message("adt_a04"));
  EXPECT_TRUE(duplicate.accepted);
  EXPECT_EQ(duplicate.events.size(), 1u);
  EXPECT_EQ(ehr_.read_patient({"191919"})->family_name, "MASSIE-UPDATED");

  // A newer one applies; an older one arriving late does not.
  std::string newer = replaced(a08, "|199112311501||ADT^A08^ADT_A01|000002|",
                               "|200401011200||ADT^A08^ADT_A01|000010|");
  newer = replaced(newer, "MASSIE-UPDATED^", "NEWER^");
  ASSERT_TRUE(accept(newer).accepted);
  std::string older = replaced(a08, "|199112311501||ADT^A08^ADT_A01|000002|",
                               "|200301011200||ADT^A08^ADT_A01|000009|");
  older = replaced(older, "MASSIE-UPDATED^", "OLDER^");
  ASSERT_TRUE(accept(older).accepted);
  EXPECT_EQ(ehr_.read_patient({"191919"})->family_name, "NEWER");
  EXPECT_EQ(host_.state().at("patient/191919")["stamp"]["control_ids"], json({"000010"}));
}

TEST_F(FeedTest, RegistrationKeepsTheCoverage) {
  ASSERT_TRUE(accept(standard_message("adt_a04")).accepted);
  auto coverage = ehr_.read_coverage({"", "191919"});
  ASSERT_TRUE(coverage.ok()) << coverage.error().message;
  EXPECT_EQ(coverage->payer_id, "BC1");
  EXPECT_EQ(coverage->status, "active");
  auto by_id = ehr_.read_coverage({coverage->id, ""});
  ASSERT_TRUE(by_id.ok()) << by_id.error().message;
  EXPECT_EQ(by_id->patient_id, "191919");
  auto none = ehr_.read_coverage({"", "424242"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, sdk::ErrorCode::kNotFound);
}

TEST_F(FeedTest, MergeLinksThePriorIdToTheSurvivingPatient) {
  // An appointment of MR2, then MR2 merged into MR1.
  std::string s12 =
      replaced(standard_message("siu_s12"), "PID|||191919^^^GENHOS^MR|", "PID|||MR2^^^XYZ^MR|");
  ASSERT_TRUE(accept(s12).accepted);
  const sdk::FeedAnswer merge = accept(standard_message("adt_a40"));
  ASSERT_TRUE(merge.accepted) << merge.reason;
  ASSERT_EQ(merge.events.size(), 1u);
  EXPECT_EQ(merge.events[0].type, "patient.updated");
  EXPECT_EQ(merge.events[0].resource_id, "Patient/MR1");
  EXPECT_EQ(merge.events[0].dedupe_key, "REGADT^MCM|00000003");
  EXPECT_EQ(ehr_.read_patient({"MR2"})->id, "MR1");
  EXPECT_EQ(ehr_.read_appointment({"10345"})->patient_id, "MR1");
}

TEST_F(FeedTest, TruncatedMessageIsRefusedWithoutEvents) {
  const std::string a04 = standard_message("adt_a04");
  const sdk::FeedAnswer answer = accept(a04.substr(0, 200), true);
  EXPECT_FALSE(answer.accepted);
  EXPECT_EQ(answer.reason, "message exceeds the size limit");
  EXPECT_TRUE(answer.events.empty());
  EXPECT_EQ(answer.message_id, "000001");
  const Er7Message ack = ack_of(answer);
  EXPECT_EQ(ack.value("MSA", 1), "AR");
  EXPECT_EQ(ack.value("ERR", 3, 1), "207");
  EXPECT_EQ(ack.value("ERR", 8), "message exceeds the size limit");
  EXPECT_TRUE(host_.state().empty());
}

TEST_F(FeedTest, UnsupportedMessageIsRefusedAndKeptUnmatched) {
  const std::string oru =
      "MSH|^~\\&|LAB|GENHOS|WASL||20030110150000||ORU^R01^ORU_R01|L-1|P|2.5.1\r"
      "PID|||191919^^^GENHOS^MR||MASSIE^JAMES\r"
      "OBX|1|ST|GLU||5.5\r";
  const sdk::FeedAnswer answer = accept(oru);
  EXPECT_FALSE(answer.accepted);
  const Er7Message ack = ack_of(answer);
  EXPECT_EQ(ack.value("MSA", 1), "AR");
  EXPECT_EQ(ack.value("ERR", 3, 1), "200");
  EXPECT_EQ(ack.value("ERR", 8), "unsupported message type");
  ASSERT_EQ(answer.events.size(), 1u);
  EXPECT_EQ(answer.events[0].type, "hl7v2.unsupported");
  EXPECT_EQ(answer.events[0].dedupe_key, "LAB^GENHOS|L-1");
  EXPECT_EQ(answer.events[0].payload,
            json({{"message_type", "ORU"}, {"trigger", "R01"}, {"control_id", "L-1"}}));
  EXPECT_EQ(answer.events[0].payload.dump().find("MASSIE"), std::string::npos);
  EXPECT_TRUE(host_.state().empty());

  const sdk::FeedAnswer s16 = accept(replaced(standard_message("siu_s12"), "SIU^S12", "SIU^S16"));
  EXPECT_EQ(ack_of(s16).value("ERR", 3, 1), "201");
  EXPECT_EQ(s16.events.at(0).type, "hl7v2.unsupported");
}

TEST_F(FeedTest, ArabicIn8859_6ReadsAsUtf8) {
  // محمد علي in ISO-8859-6.
  const std::string message =
      "MSH|^~\\&|HIS|KFSH|WASL||20240501101500||ADT^A04^ADT_A01|AR-1|P|2.5.1|||||SAU|8859/6\r"
      "PID|||P-9^^^KFSH^MR~1098765432^^^MOI^NI||\xD9\xE4\xEA^\xE5\xCD\xE5\xCF||19800515|M\r";
  const sdk::FeedAnswer answer = accept(message);
  ASSERT_TRUE(answer.accepted) << answer.reason;
  auto patient = ehr_.read_patient({"P-9"});
  ASSERT_TRUE(patient.ok());
  EXPECT_EQ(patient->given_name, "\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF");
  EXPECT_EQ(patient->family_name, "\xD8\xB9\xD9\x84\xD9\x8A");
  ASSERT_EQ(patient->identifiers.size(), 2u);
  EXPECT_EQ(patient->identifiers[1].system, "http://nphies.sa/identifier/nationalid");
}

TEST_F(FeedTest, MessageTheMappingRefusesIsAnErrorAcknowledgement) {
  const sdk::FeedAnswer answer =
      accept(replaced(standard_message("adt_a04"), "|M|||171 ZOBER", "|Q|||171 ZOBER"));
  EXPECT_FALSE(answer.accepted);
  EXPECT_TRUE(answer.events.empty());
  const Er7Message ack = ack_of(answer);
  EXPECT_EQ(ack.value("MSA", 1), "AE");
  EXPECT_EQ(ack.value("ERR", 2, 1), "PID");
  EXPECT_EQ(ack.value("ERR", 2, 3), "8");
  EXPECT_EQ(ack.value("ERR", 3, 1), "103");
  EXPECT_TRUE(host_.state().empty());

  const sdk::FeedAnswer charset =
      accept(replaced(standard_message("adt_a04"), "|P|2.5|||", "|P|2.5||||||KLINGON|"));
  EXPECT_EQ(ack_of(charset).value("ERR", 3, 1), "103");
  EXPECT_EQ(ack_of(charset).value("MSA", 1), "AR");
}

TEST_F(FeedTest, BytesWithoutAHeaderAreNotAnswered) {
  sdk::FeedMessage message;
  message.data_base64 = "not base64!";
  EXPECT_EQ(feed_.accept(message).error().code, sdk::ErrorCode::kInvalidArgument);
  message.data_base64 = sdk::base64_encode("PID|||1\r");
  EXPECT_EQ(feed_.accept(message).error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST_F(FeedTest, ReadsOfWhatTheFeedDidNotDeliverAreNotFound) {
  auto missing = ehr_.read_appointment({"A-1"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, sdk::ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "the HIS feed has not delivered appointment A-1");
  EXPECT_FALSE(missing.error().retryable);
  EXPECT_EQ(ehr_.read_patient({"../x"}).error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST_F(FeedTest, StatusUpdateIsRecordedUntilTheHisSaysOtherwise) {
  accept(standard_message("siu_s12"));
  auto updated = ehr_.update_appointment_status({"key-1", "10345", "arrived"});
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->status, "arrived");
  EXPECT_EQ(ehr_.read_appointment({"10345"})->status, "arrived");
  // A later message of the HIS wins again.
  std::string s14 =
      replaced(standard_message("siu_s12"), "SIU^S12^SIU_S12|000004|", "SIU^S14^SIU_S12|000006|");
  s14 = replaced(s14, "|200301101500|", "|200301101700|");
  accept(s14);
  EXPECT_EQ(ehr_.read_appointment({"10345"})->status, "booked");
  EXPECT_EQ(ehr_.update_appointment_status({"key-2", "nope", "arrived"}).error().code,
            sdk::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace wasl::plugins::hl7v2
