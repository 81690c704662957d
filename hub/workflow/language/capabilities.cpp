#include "hub/workflow/language/capabilities.hpp"

#include <algorithm>
#include <map>

#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/reporting.hpp"
#include "wasl/sdk/types.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::workflow {
namespace {

using nlohmann::json;

template <typename T>
json sample() {
  return json(T{});
}

template <typename T>
json list_sample() {
  return json::array({json(T{})});
}

struct Catalogue {
  std::map<std::string, Capability, std::less<>> capabilities;
  std::map<std::string, EventType, std::less<>> events;
  std::vector<std::string> roles;
};

void add(Catalogue& c, std::string_view name, json input, json output,
         std::vector<std::string> required = {}) {
  Capability cap;
  cap.name = std::string(name);
  cap.role = cap.name.substr(0, cap.name.find('.'));
  if (cap.role != "hub") cap.needs_role = cap.role;
  cap.input = std::move(input);
  cap.output = std::move(output);
  cap.required_inputs = std::move(required);
  c.capabilities.emplace(cap.name, std::move(cap));
}

Catalogue build() {
  using namespace wasl::sdk;
  Catalogue c;
  add(c, VideoProvider::kCreateRoom, sample<CreateRoomRequest>(), sample<Room>());
  add(c, VideoProvider::kEndRoom, sample<RoomRef>(), sample<Room>());
  add(c, VideoProvider::kIssueJoinToken, sample<JoinTokenRequest>(), sample<JoinToken>());
  add(c, VideoProvider::kListParticipants, sample<RoomRef>(), list_sample<Participant>());
  add(c, VideoProvider::kGetRoom, sample<RoomRef>(), sample<Room>());
  add(c, VideoProvider::kRemoveParticipant, sample<ParticipantRef>(), nullptr);
  add(c, VideoProvider::kStartRecording, sample<RoomRef>(), sample<Recording>());
  add(c, VideoProvider::kStopRecording, sample<RoomRef>(), nullptr);
  add(c, VideoProvider::kListRecordings, sample<RoomRef>(), list_sample<Recording>());
  add(c, VideoProvider::kRequestComposition, sample<CompositionRequest>(), sample<Recording>());
  add(c, VideoProvider::kFetchMedia, sample<MediaRef>(), sample<MediaInfo>());
  {
    auto& fetch = c.capabilities.at(std::string(VideoProvider::kFetchMedia));
    fetch.callable = false;
    fetch.not_callable_reason =
        "streams media and cannot be called from a workflow; use hub.archive_recording, "
        "which fetches the media from the video plugin and archives it encrypted";
  }

  add(c, EhrConnector::kReadPatient, sample<ResourceRef>(), sample<PatientSummary>());
  add(c, EhrConnector::kReadPractitioner, sample<ResourceRef>(), sample<PractitionerSummary>());
  add(c, EhrConnector::kReadAppointment, sample<ResourceRef>(), sample<Appointment>());
  add(c, EhrConnector::kReadCoverage, sample<CoverageRequest>(), sample<Coverage>());
  add(c, EhrConnector::kUpdateAppointmentStatus, sample<AppointmentStatusUpdate>(),
      sample<Appointment>());
  add(c, EhrConnector::kCreateEncounter, sample<EncounterRequest>(), sample<ResourceCreated>());
  add(c, EhrConnector::kAttachDocument, sample<DocumentRequest>(), sample<ResourceCreated>());

  add(c, BillingGateway::kCheckEligibility, sample<EligibilityRequest>(), sample<ClaimResponse>());
  add(c, BillingGateway::kRequestPriorAuthorization, sample<Claim>(), sample<ClaimResponse>());
  add(c, BillingGateway::kSubmitClaim, sample<Claim>(), sample<ClaimResponse>());
  add(c, BillingGateway::kPoll, sample<PollRequest>(), list_sample<ClaimResponse>());
  add(c, BillingGateway::kCancel, sample<CancelRequest>(), sample<ClaimResponse>());
  add(c, BillingGateway::kAcknowledge, sample<AcknowledgeRequest>(), sample<Acknowledgement>());

  add(c, ReportSink::kSubmitReport, sample<Report>(), sample<Receipt>());

  add(c, "hub.set_status", json{{"status", ""}, {"reason", ""}, {"room_id", ""}},
      json{{"status", ""}, {"previous_status", ""}}, {"status"});
  add(c, "hub.record_event", json{{"type", ""}, {"detail", json::object()}}, json{{"event_id", ""}},
      {"type"});
  add(c, "hub.describe_consultation",
      json{{"specialty", ""}, {"service_type", ""}, {"session_start_ms", 0}, {"session_end_ms", 0}},
      json{{"recorded", false}}, {});
  add(c, "hub.archive_recording",
      json{{"media_id", ""}, {"room_id", ""}, {"content_type", ""}, {"retention_days", 2555}},
      json{{"archive_id", ""},
           {"url", ""},
           {"content_type", ""},
           {"size_bytes", 0},
           {"sha256_hex", ""},
           {"retain_until_ms", 0}},
      {"media_id"});
  c.capabilities.at("hub.archive_recording").needs_role = "video";
  add(c, "hub.build_eligibility",
      json{{"patient_id", ""},
           {"practitioner_id", ""},
           {"coverage", sample<Coverage>()},
           {"patient", sample<PatientSummary>()},
           {"service_date_ms", 0}},
      sample<EligibilityRequest>(), {"patient_id", "coverage"});
  add(c, "hub.build_claim",
      json{{"patient_id", ""},
           {"practitioner_id", ""},
           {"coverage", sample<Coverage>()},
           {"patient", sample<PatientSummary>()},
           {"practitioner", sample<PractitionerSummary>()},
           {"eligibility", sample<ClaimResponse>()},
           {"diagnosis_codes", json::array()},
           {"encounter_id", ""},
           {"service_start_ms", 0},
           {"service_end_ms", 0},
           {"service_code", ""},
           {"items", json::array()},
           {"prior_auth_ref", ""},
           {"use", ""}},
      sample<Claim>(), {"patient_id", "practitioner_id", "coverage"});
  add(c, "hub.build_report",
      json{{"kind", ""},
           {"encounter_id", ""},
           {"archive_id", ""},
           {"patient", sample<PatientSummary>()},
           {"practitioner", sample<PractitionerSummary>()},
           {"period", ""},
           {"period_start_ms", 0},
           {"period_end_ms", 0}},
      sample<Report>(), {"kind"});

  for (const auto& [name, folder] :
       std::map<std::string_view, const char*>{{"hub.set_status", "hub/consultations"},
                                               {"hub.describe_consultation", "hub/consultations"},
                                               {"hub.record_event", "hub/workflow"},
                                               {"hub.archive_recording", "hub/archive"},
                                               {"hub.build_eligibility", "hub/claims"},
                                               {"hub.build_claim", "hub/claims"},
                                               {"hub.build_report", "hub/reports"}}) {
    c.capabilities.find(name)->second.implemented_in = folder;
  }

  for (std::string_view name :
       {VideoProvider::kIssueJoinToken, VideoProvider::kListParticipants,
        EhrConnector::kReadPatient, EhrConnector::kReadPractitioner, EhrConnector::kReadAppointment,
        EhrConnector::kReadCoverage, BillingGateway::kCheckEligibility,
        BillingGateway::kRequestPriorAuthorization, BillingGateway::kSubmitClaim,
        BillingGateway::kPoll, BillingGateway::kCancel, std::string_view("hub.build_eligibility"),
        std::string_view("hub.build_claim"), std::string_view("hub.build_report")}) {
    c.capabilities.find(name)->second.output_holds_phi = true;
  }

  auto event = [&c](std::string name, std::string field, std::string role,
                    std::string description) {
    c.events.emplace(name,
                     EventType{name, std::move(field), std::move(role), std::move(description)});
  };
  event("room.ended", "room_id", "video", "the video room or meeting ended");
  event("participant.connected", "room_id", "video", "a participant joined the room");
  event("participant.disconnected", "room_id", "video", "a participant left the room");
  event("recording.completed", "room_id", "video", "a track recording of the room is available");
  event("composition.completed", "room_id", "video",
        "the composed recording of the room is available");
  event("appointment.updated", "resource_id", "ehr", "the EHR changed an appointment");

  c.roles = {"billing", "ehr", "reporting", "video"};
  return c;
}

const Catalogue& catalogue() {
  static const Catalogue instance = build();
  return instance;
}

}  // namespace

const Capability* find_capability(std::string_view name) {
  const auto& caps = catalogue().capabilities;
  auto it = caps.find(name);
  return it == caps.end() ? nullptr : &it->second;
}

const EventType* find_event_type(std::string_view name) {
  const auto& events = catalogue().events;
  auto it = events.find(name);
  return it == events.end() ? nullptr : &it->second;
}

const std::vector<std::string>& capability_roles() { return catalogue().roles; }

std::vector<std::string> methods_of(std::string_view role) {
  std::vector<std::string> out;
  for (const auto& [name, cap] : catalogue().capabilities) {
    if (cap.role == role) out.push_back(name.substr(name.find('.') + 1));
  }
  return out;
}

std::vector<std::string> event_type_names() {
  std::vector<std::string> out;
  for (const auto& [name, event] : catalogue().events) out.push_back(name);
  return out;
}

const nlohmann::json& event_output_sample() {
  static const nlohmann::json sample = nlohmann::json(sdk::Event{});
  return sample;
}

}  // namespace wasl::workflow
