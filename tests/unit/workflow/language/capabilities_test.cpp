#include "hub/workflow/language/capabilities.hpp"

#include <gtest/gtest.h>

#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/reporting.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::workflow {
namespace {

TEST(Capabilities, EverySdkMethodIsCatalogued) {
  using namespace wasl::sdk;
  for (std::string_view name : {VideoProvider::kCreateRoom,
                                VideoProvider::kEndRoom,
                                VideoProvider::kIssueJoinToken,
                                VideoProvider::kListParticipants,
                                VideoProvider::kRemoveParticipant,
                                VideoProvider::kStartRecording,
                                VideoProvider::kStopRecording,
                                VideoProvider::kListRecordings,
                                VideoProvider::kRequestComposition,
                                VideoProvider::kFetchMedia,
                                VideoProvider::kGetRoom,
                                EhrConnector::kReadPatient,
                                EhrConnector::kReadPractitioner,
                                EhrConnector::kReadAppointment,
                                EhrConnector::kReadCoverage,
                                EhrConnector::kUpdateAppointmentStatus,
                                EhrConnector::kCreateEncounter,
                                EhrConnector::kAttachDocument,
                                EhrConnector::kWriteNote,
                                EhrConnector::kWriteMedicationRequest,
                                EhrConnector::kWriteVitalSigns,
                                BillingGateway::kCheckEligibility,
                                BillingGateway::kRequestPriorAuthorization,
                                BillingGateway::kSubmitClaim,
                                BillingGateway::kPoll,
                                BillingGateway::kCancel,
                                BillingGateway::kAcknowledge,
                                BillingGateway::kCheckStatus,
                                BillingGateway::kPollMessages,
                                BillingGateway::kAnswerInformationRequest,
                                BillingGateway::kSendPaymentNotice,
                                BillingGateway::kSubmitBatch,
                                ReportSink::kSubmitReport}) {
    const Capability* cap = find_capability(name);
    ASSERT_NE(cap, nullptr) << name;
    EXPECT_EQ(cap->needs_role, cap->role) << name;
  }
  EXPECT_EQ(methods_of("video").size(), 11u);
  EXPECT_EQ(methods_of("ehr").size(), 10u);
  EXPECT_EQ(methods_of("billing").size(), 11u);
  EXPECT_EQ(methods_of("reporting"), std::vector<std::string>{"submit_report"});
  EXPECT_EQ(methods_of("notify"), std::vector<std::string>{"send"});
  EXPECT_EQ(capability_roles(),
            (std::vector<std::string>{"billing", "ehr", "notify", "reporting", "video"}));
}

TEST(Capabilities, ShapesComeFromTheSdkTypes) {
  const Capability* room = find_capability("video.create_room");
  ASSERT_NE(room, nullptr);
  EXPECT_TRUE(room->input.contains("participant_limit"));
  EXPECT_TRUE(room->input["participant_limit"].is_number());
  EXPECT_TRUE(room->output.contains("provider_room_id"));
  EXPECT_TRUE(find_capability("video.stop_recording")->output.is_null());
  EXPECT_TRUE(find_capability("video.list_participants")->output.is_array());
  const Capability* get_room = find_capability("video.get_room");
  ASSERT_NE(get_room, nullptr);
  EXPECT_TRUE(get_room->input.contains("room_id"));
  EXPECT_TRUE(get_room->output.contains("status"));
  EXPECT_TRUE(event_output_sample().contains("room_id"));
}

TEST(Capabilities, HubActionsAndStreamingMethods) {
  EXPECT_EQ(methods_of("hub"),
            (std::vector<std::string>{
                "alert", "answer_information_request", "archive_recording", "attendance",
                "await_prior_authorization", "billing_service", "build_claim", "build_eligibility",
                "build_report", "build_visit_summary", "describe_consultation", "notify",
                "queue_claim", "record_event", "set_status", "write_notes_to_ehr",
                "write_prescriptions_to_ehr", "write_vitals_to_ehr"}));
  const Capability* archive = find_capability("hub.archive_recording");
  ASSERT_NE(archive, nullptr);
  EXPECT_EQ(archive->needs_role, "video");
  EXPECT_EQ(archive->required_inputs, std::vector<std::string>{"media_id"});
  EXPECT_TRUE(find_capability("hub.set_status")->needs_role.empty());
  EXPECT_EQ(find_capability("hub.alert")->needs_role, "video");
  EXPECT_EQ(find_capability("hub.alert")->implemented_in, "hub/consultations");
  EXPECT_FALSE(find_capability("video.fetch_media")->callable);
  EXPECT_FALSE(find_capability("billing.submit_batch")->callable);
  EXPECT_EQ(find_capability("video.nope"), nullptr);
  // hub.attendance answers ehr.create_encounter's participants, none of it PHI.
  const Capability* attendance = find_capability("hub.attendance");
  ASSERT_NE(attendance, nullptr);
  EXPECT_EQ(attendance->implemented_in, "hub/attendance");
  EXPECT_TRUE(attendance->output["participants"].is_array());
  EXPECT_TRUE(attendance->output["participants"][0].contains("periods"));
  EXPECT_FALSE(attendance->output_holds_phi);
  EXPECT_EQ(attendance->non_phi_outputs,
            (std::vector<std::string>{"participants", "attendee_seconds", "patient_joined",
                                      "clinician_joined"}));
  const EventType* arrival = find_event_type("patient.arrival");
  ASSERT_NE(arrival, nullptr);
  EXPECT_EQ(arrival->role, "video");
  EXPECT_EQ(arrival->correlation_field, "resource_id");
  EXPECT_EQ(find_capability("hub.nope"), nullptr);
  const Capability* notify = find_capability("hub.notify");
  ASSERT_NE(notify, nullptr);
  EXPECT_TRUE(notify->needs_role.empty());
  EXPECT_EQ(notify->implemented_in, "hub/notifications");
  EXPECT_EQ(notify->required_inputs, std::vector<std::string>{"kind"});
}

// Every declared resource member is a string member of the capability's
// input or output sample (through "[]" for a list's elements) and names a
// known kind; the video capabilities that take a room declare it.
TEST(Capabilities, ResourceMembersNameStringMembersOfTheirShapes) {
  auto reaches_string = [](const nlohmann::json& sample, const std::string& path) {
    const nlohmann::json* at = &sample;
    std::size_t from = 0;
    while (from <= path.size()) {
      std::size_t dot = path.find('.', from);
      std::string head =
          path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
      if (head == "[]") {
        if (!at->is_array() || at->empty()) return false;
        at = &(*at)[0];
      } else {
        if (!at->is_object() || !at->contains(head)) return false;
        at = &(*at)[head];
      }
      if (dot == std::string::npos) break;
      from = dot + 1;
    }
    return at->is_string();
  };
  int declared = 0;
  for (const std::string& role : {"video", "ehr", "billing", "reporting", "hub"}) {
    for (const std::string& method : methods_of(role)) {
      const Capability* c = find_capability(role + "." + method);
      ASSERT_NE(c, nullptr);
      for (const auto& m : c->resource_inputs) {
        EXPECT_TRUE(reaches_string(c->input, m.path)) << c->name << " input " << m.path;
        EXPECT_NE(find_resource_kind(m.kind), nullptr) << c->name << " " << m.kind;
        ++declared;
      }
      for (const auto& m : c->resource_outputs) {
        EXPECT_TRUE(reaches_string(c->output, m.path)) << c->name << " output " << m.path;
        EXPECT_NE(find_resource_kind(m.kind), nullptr) << c->name << " " << m.kind;
        ++declared;
      }
      if (role == "video" && c->input.is_object() && c->input.contains("room_id")) {
        bool room = false;
        for (const auto& m : c->resource_inputs) room = room || m.kind == "room";
        EXPECT_TRUE(room) << c->name << " takes a room_id the guard does not check";
      }
    }
  }
  EXPECT_GT(declared, 0);
  EXPECT_TRUE(find_resource_kind("room")->recorded_by_hub);
  EXPECT_TRUE(find_resource_kind("media")->recorded_by_hub);
  EXPECT_FALSE(find_resource_kind("patient")->recorded_by_hub);
  EXPECT_EQ(find_resource_kind("claim"), nullptr);
}

TEST(Capabilities, Events) {
  const EventType* ended = find_event_type("room.ended");
  ASSERT_NE(ended, nullptr);
  EXPECT_EQ(ended->correlation_field, "room_id");
  EXPECT_EQ(ended->role, "video");
  EXPECT_EQ(find_event_type("appointment.updated")->role, "ehr");
  EXPECT_EQ(find_event_type("video.session_ended"), nullptr);
}

}  // namespace
}  // namespace wasl::workflow
