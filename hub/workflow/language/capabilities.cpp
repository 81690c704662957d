#include "hub/workflow/language/capabilities.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/notify.hpp"
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
  std::map<std::string, ResourceKind, std::less<>> resource_kinds;
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

using Paths = std::vector<std::string>;

// Paths below `prefix` ("coverage." + each of `paths`).
Paths under(const std::string& prefix, const Paths& paths) {
  Paths out;
  for (const auto& p : paths) out.push_back(prefix + "." + p);
  return out;
}

Paths join(std::initializer_list<Paths> parts) {
  Paths out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// What is not PHI in each capability's input and output: references, ids,
// statuses, times, codes. Names, identifiers, contact details, birth dates,
// diagnoses, free text, display names, join tokens, report bodies and every
// provider's `raw` are not listed, so they are PHI.
void declare_non_phi(Catalogue& c) {
  using namespace wasl::sdk;
  const Paths room{"provider_room_id", "status",        "participant_limit",
                   "recording",        "created_at_ms", "ended_at_ms"};
  const Paths room_ref{"idempotency_key", "room_id"};
  const Paths recording{"provider_id", "room_id",          "kind",         "status", "content_type",
                        "size_bytes",  "duration_seconds", "created_at_ms"};
  const Paths participant{"identity", "role", "provider_id", "status"};
  const Paths appointment{"id",       "status", "patient_id",   "practitioner_id",
                          "start_ms", "end_ms", "service_type", "version_id"};
  const Paths coverage{"id",   "status",          "patient_id",   "payer_id",
                       "plan", "period_start_ms", "period_end_ms"};
  const Paths created{"id", "version_id", "created"};
  const Paths claim_response{"request_id",
                             "response_id",
                             "response_system",
                             "status",
                             "outcome",
                             "approved",
                             "pre_auth_ref",
                             "message_id",
                             "request_message_id",
                             "adjudication_outcome",
                             "inforce",
                             "site_eligibility",
                             "errors",
                             "currency"};
  const Paths billing_sender{"idempotency_key", "provider_license", "payer_license",
                             "provider_name", "facility_id"};
  const Paths eligibility_request =
      join({billing_sender,
            {"patient_id", "practitioner_id", "purposes", "service_date_ms"},
            under("coverage", coverage)});
  const Paths claim =
      join({billing_sender,
            {"use", "patient_id", "practitioner_id", "encounter_id", "service_start_ms",
             "service_end_ms", "items.*.service_code", "items.*.code_system", "items.*.quantity",
             "items.*.unit_price", "items.*.currency", "items.*.tax", "prior_auth_ref",
             "claim_type", "claim_subtype", "encounter_class", "eligibility_response_id",
             "eligibility_response_system"},
            {"related_request_id", "related_relationship"},
            under("coverage", coverage)});
  const Paths billing_service{
      "service_code",  "service_code_system", "price",     "tax", "currency", "claim_type",
      "claim_subtype", "requires_prior_auth", "submission"};
  const Paths prior_authorization{"claim_id", "state", "approved", "pre_auth_ref"};
  auto declare = [&c](std::string_view name, Paths inputs, Paths outputs) {
    auto& cap = c.capabilities.find(name)->second;
    cap.non_phi_inputs = std::move(inputs);
    cap.non_phi_outputs = std::move(outputs);
  };
  declare(VideoProvider::kCreateRoom,
          {"idempotency_key", "participant_limit", "recording", "status_callback_url",
           "max_duration_seconds", "region"},
          room);
  declare(VideoProvider::kEndRoom, room_ref, room);
  declare(VideoProvider::kGetRoom, room_ref, room);
  declare(VideoProvider::kIssueJoinToken,
          {"idempotency_key", "room_id", "participant.identity", "participant.role", "ttl_seconds"},
          {"provider_participant_id", "expires_at_ms"});
  declare(VideoProvider::kListParticipants, room_ref, under("*", participant));
  declare(VideoProvider::kRemoveParticipant, {"idempotency_key", "room_id", "participant_id"}, {});
  declare(VideoProvider::kStartRecording, room_ref, recording);
  declare(VideoProvider::kStopRecording, room_ref, {});
  declare(VideoProvider::kListRecordings, room_ref, under("*", recording));
  declare(VideoProvider::kRequestComposition,
          {"idempotency_key", "room_id", "format", "layout", "status_callback_url"}, recording);
  declare(VideoProvider::kFetchMedia, {"media_id"}, {"content_type", "size_bytes"});

  declare(EhrConnector::kReadPatient, {"id"}, {"id", "language"});
  declare(EhrConnector::kReadPractitioner, {"id"}, {"id", "specialty"});
  declare(EhrConnector::kReadAppointment, {"id"}, appointment);
  declare(EhrConnector::kReadCoverage, {"coverage_id", "patient_id"}, coverage);
  declare(EhrConnector::kUpdateAppointmentStatus, {"idempotency_key", "appointment_id", "status"},
          appointment);
  declare(EhrConnector::kCreateEncounter,
          {"idempotency_key", "appointment_id", "patient_id", "practitioner_id", "encounter_class",
           "status", "start_ms", "end_ms", "participants.*.role", "participants.*.practitioner_id",
           "participants.*.periods.*.start_ms", "participants.*.periods.*.end_ms"},
          created);
  declare(EhrConnector::kAttachDocument,
          {"idempotency_key", "patient_id", "encounter_id", "type_code", "content_type", "url",
           "size_bytes", "sha256_hex"},
          created);

  // The note's text, what is prescribed and the measured values are PHI.
  const Paths clinical_created{"id", "version_id", "created", "resource_type"};
  declare(EhrConnector::kWriteNote,
          {"idempotency_key", "patient_id", "encounter_id", "practitioner_id", "language",
           "version", "replaces_id", "signed_at_ms"},
          clinical_created);
  declare(EhrConnector::kWriteMedicationRequest,
          {"idempotency_key", "status", "patient_id", "encounter_id", "practitioner_id", "language",
           "authored_at_ms"},
          clinical_created);
  declare(EhrConnector::kWriteVitalSigns,
          {"idempotency_key", "patient_id", "encounter_id", "code", "performer", "practitioner_id",
           "effective_ms"},
          clinical_created);

  declare(BillingGateway::kCheckEligibility, eligibility_request, claim_response);
  declare(BillingGateway::kRequestPriorAuthorization, claim, claim_response);
  declare(BillingGateway::kSubmitClaim, claim, claim_response);
  declare(BillingGateway::kPoll,
          {"idempotency_key", "max_messages", "message_types", "provider_license"},
          under("*", claim_response));
  declare(BillingGateway::kCancel,
          {"idempotency_key", "request_id", "reason", "provider_license", "payer_license", "kind"},
          claim_response);
  declare(BillingGateway::kAcknowledge, {"idempotency_key", "message_id", "provider_license"},
          {"message_id", "acknowledged"});
  declare(BillingGateway::kCheckStatus,
          {"idempotency_key", "request_id", "provider_license", "payer_license"},
          {"request_id", "status", "message_id", "request_message_id"});
  declare(BillingGateway::kPollMessages,
          {"idempotency_key", "max_messages", "message_types", "provider_license"},
          under("*", {"event", "message_id", "request_message_id"}));
  declare(BillingGateway::kAnswerInformationRequest,
          {"idempotency_key", "request_id", "request_system", "cannot_supply", "sent_ms"},
          {"message_id", "acknowledged"});
  declare(
      BillingGateway::kSubmitBatch,
      join({{"idempotency_key", "provider_license", "payer_license"}, under("claims.*", claim)}),
      join({{"request_id", "status", "message_id", "request_message_id", "error_details"},
            under("claims.*", claim_response)}));
  declare(BillingGateway::kSendPaymentNotice,
          {"idempotency_key", "reconciliation_id", "reconciliation_system", "amount", "currency",
           "provider_license", "payer_license", "sent_ms"},
          {"message_id", "acknowledged"});

  declare(ReportSink::kSubmitReport,
          {"idempotency_key", "kind", "facility_id", "period_start_ms", "period_end_ms"},
          {"receipt_id", "status", "received_at_ms"});
  // The recipient, subject and body are contact details and free text: PHI.
  declare(Notifier::kSend, {"idempotency_key", "channel", "language"},
          {"provider_id", "status", "segments", "accepted_at_ms"});

  declare("hub.set_status", {"status", "room_id"}, {"status", "previous_status"});
  declare("hub.record_event", {"type"}, {"event_id"});
  declare("hub.alert", {"kind"}, {"kind", "instance"});
  declare("hub.describe_consultation",
          {"specialty", "service_type", "session_start_ms", "session_end_ms"}, {"recorded"});
  declare(
      "hub.archive_recording", {"media_id", "room_id", "content_type", "retention_days"},
      {"archive_id", "content_type", "size_bytes", "sha256_hex", "retain_until_ms", "no_media"});
  declare("hub.build_eligibility",
          {"patient_id", "practitioner_id", "service_date_ms", "coverage.id", "coverage.status",
           "coverage.patient_id", "coverage.payer_id", "coverage.plan"},
          eligibility_request);
  declare("hub.build_claim",
          join({{"patient_id", "practitioner_id", "encounter_id", "service_start_ms",
                 "service_end_ms", "service_code", "prior_auth_ref", "use",
                 "eligibility.request_id", "eligibility.response_id", "eligibility.response_system",
                 "eligibility.outcome", "eligibility.status"},
                under("coverage", coverage)}),
          claim);
  declare("hub.billing_service", {}, billing_service);
  declare("hub.await_prior_authorization", {"claim_id"}, prior_authorization);
  declare("hub.answer_information_request", {"information_request_id", "pages", "cannot_supply"},
          {"information_request_id", "state"});
  declare("hub.queue_claim", {"claim_id"}, {"claim_id", "state"});
  // Roles, practitioner references and times: no PHI.
  declare("hub.attendance", {},
          {"participants", "attendee_seconds", "patient_joined", "clinician_joined"});
  declare("hub.notify", {"kind", "to"}, {"kind", "queued"});
  for (std::string_view name :
       {"hub.write_notes_to_ehr", "hub.write_prescriptions_to_ehr", "hub.write_vitals_to_ehr"}) {
    declare(name, {"patient_id", "encounter_id"},
            {"written", "unchanged", "refused", "items.*.kind", "items.*.id", "items.*.version",
             "items.*.resource_type", "items.*.resource_id", "items.*.error"});
  }
  declare("hub.build_report",
          {"kind", "encounter_id", "archive_id", "period", "period_start_ms", "period_end_ms"},
          {"idempotency_key", "kind", "facility_id", "period_start_ms", "period_end_ms"});
  declare("hub.build_visit_summary", {"language", "link_valid_days"},
          {"summary_id", "language", "content_type", "size_bytes", "sha256_hex",
           "link_expires_at_ms", "queued"});
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
  // SDK 1.10: what the hub.write_*_to_ehr actions call for each item; a
  // workflow may call them itself with an item it composed.
  add(c, EhrConnector::kWriteNote, sample<NoteWrite>(), sample<ResourceCreated>());
  add(c, EhrConnector::kWriteMedicationRequest, sample<MedicationRequestWrite>(),
      sample<ResourceCreated>());
  add(c, EhrConnector::kWriteVitalSigns, sample<VitalSignWrite>(), sample<ResourceCreated>());

  add(c, BillingGateway::kCheckEligibility, sample<EligibilityRequest>(), sample<ClaimResponse>());
  add(c, BillingGateway::kRequestPriorAuthorization, sample<Claim>(), sample<ClaimResponse>());
  add(c, BillingGateway::kSubmitClaim, sample<Claim>(), sample<ClaimResponse>());
  add(c, BillingGateway::kPoll, sample<PollRequest>(), list_sample<ClaimResponse>());
  add(c, BillingGateway::kCancel, sample<CancelRequest>(), sample<ClaimResponse>());
  add(c, BillingGateway::kAcknowledge, sample<AcknowledgeRequest>(), sample<Acknowledgement>());
  add(c, BillingGateway::kCheckStatus, sample<StatusCheckRequest>(), sample<ClaimStatus>());
  add(c, BillingGateway::kPollMessages, sample<PollRequest>(), list_sample<PolledMessage>());
  add(c, BillingGateway::kAnswerInformationRequest, sample<InformationAnswer>(),
      sample<Acknowledgement>());
  add(c, BillingGateway::kSendPaymentNotice, sample<PaymentNotice>(), sample<Acknowledgement>());
  add(c, BillingGateway::kSubmitBatch, sample<ClaimBatch>(), sample<BatchAcknowledgement>());
  {
    auto& batch = c.capabilities.at(std::string(BillingGateway::kSubmitBatch));
    batch.callable = false;
    batch.not_callable_reason =
        "is sent by the billing round with the facility's batched claims and cannot be called "
        "from a workflow; use hub.queue_claim, which queues a built claim for the next batch";
  }

  add(c, ReportSink::kSubmitReport, sample<Report>(), sample<Receipt>());
  add(c, Notifier::kSend, sample<Notification>(), sample<NotificationReceipt>(),
      {"channel", "recipient", "body"});

  add(c, "hub.set_status", json{{"status", ""}, {"reason", ""}, {"room_id", ""}},
      json{{"status", ""}, {"previous_status", ""}}, {"status"});
  add(c, "hub.record_event", json{{"type", ""}, {"detail", json::object()}}, json{{"event_id", ""}},
      {"type"});
  // An alert to the facility's operators about the run's consultation,
  // raised on the run's video instance (GET /v1/alerts); the hub writes its
  // message, so no PHI can enter it.
  add(c, "hub.alert", json{{"kind", ""}}, json{{"kind", ""}, {"instance", ""}}, {"kind"});
  c.capabilities.at("hub.alert").needs_role = "video";
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
           {"retain_until_ms", 0},
           {"no_media", false}},
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
  // The facility's billed service (facilities.<id>.billing), no secret and
  // no PHI: what a workflow's `when:` decides billing steps by.
  add(c, "hub.billing_service", json::object(),
      json{{"service_code", ""},
           {"service_code_system", ""},
           {"price", 0.0},
           {"tax", 0.0},
           {"currency", ""},
           {"claim_type", ""},
           {"claim_subtype", ""},
           {"requires_prior_auth", false},
           {"submission", ""}});
  // Queues a claim built by hub.build_claim for the billing round's next
  // batch (a facility whose billing submission is "batch"): claim_id is
  // that step's output raw.claim_id.
  add(c, "hub.queue_claim", json{{"claim_id", ""}}, json{{"claim_id", ""}, {"state", ""}},
      {"claim_id"});
  // The payer's decision on a prior authorization built by hub.build_claim
  // (use preauthorization): claim_id is that step's output raw.claim_id.
  add(c, "hub.await_prior_authorization", json{{"claim_id", ""}},
      json{{"claim_id", ""}, {"state", ""}, {"approved", false}, {"pre_auth_ref", ""}},
      {"claim_id"});
  // Answers the payer's information request (the ${trigger} of a workflow
  // started by billing.information_request): the answer is stored in the
  // step's transaction and sent by the billing round.
  add(c, "hub.answer_information_request",
      json{{"information_request_id", ""},
           {"texts", json::array({""})},
           {"pages", json::array({""})},
           {"cannot_supply", false},
           {"reason", ""}},
      json{{"information_request_id", ""}, {"state", ""}}, {"information_request_id"});
  // Who attended the run's consultation, in the form of
  // ehr.create_encounter's `participants` (hub/attendance).
  add(c, "hub.attendance", json::object(),
      json{{"participants", list_sample<EncounterParticipant>()},
           {"attendee_seconds", 0},
           {"patient_joined", false},
           {"clinician_joined", false}});
  // Queues a message to the run's consultation's patient (invitation,
  // reminder_24h, reminder_1h, clinician_ready, cancellation, reschedule,
  // visit_summary, feedback) in the step's transaction; the hub's sender
  // sends it when it is due.
  add(c, "hub.notify", json{{"kind", ""}, {"to", "patient"}}, json{{"kind", ""}, {"queued", 0}},
      {"kind"});
  // The consultation's clinical record written to the run's EHR instance
  // (hub/clinical/ehr_record_writes.hpp): signed notes, prescriptions and
  // vital signs, each kind its own step. The output names items and the
  // EHR's resources only.
  for (std::string_view name :
       {"hub.write_notes_to_ehr", "hub.write_prescriptions_to_ehr", "hub.write_vitals_to_ehr"}) {
    add(c, name, json{{"patient_id", ""}, {"encounter_id", ""}},
        json{{"written", 0},
             {"unchanged", 0},
             {"refused", 0},
             {"items", json::array({json{{"kind", ""},
                                         {"id", ""},
                                         {"version", 1},
                                         {"resource_type", ""},
                                         {"resource_id", ""}}})}},
        {"patient_id"});
    c.capabilities.at(std::string(name)).needs_role = "ehr";
  }
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
  // The patient's visit summary of the run's completed consultation, from
  // its signed note and prescriptions, in the patient's language (or
  // `language`), stored encrypted as HTML and PDF with a link the patient
  // may use for `link_valid_days` (default 14), sent by the facility's
  // channels; its output is what ehr.attach_document needs (hub/summaries).
  add(c, "hub.build_visit_summary", json{{"language", "ar"}, {"link_valid_days", 14}},
      json{{"summary_id", ""},
           {"language", ""},
           {"title", ""},
           {"content_type", ""},
           {"url", ""},
           {"size_bytes", 0},
           {"sha256_hex", ""},
           {"link_expires_at_ms", 0},
           {"queued", 0}});

  for (const auto& [name, folder] :
       std::map<std::string_view, const char*>{{"hub.set_status", "hub/consultations"},
                                               {"hub.describe_consultation", "hub/consultations"},
                                               {"hub.alert", "hub/consultations"},
                                               {"hub.record_event", "hub/workflow"},
                                               {"hub.archive_recording", "hub/archive"},
                                               {"hub.build_eligibility", "hub/claims"},
                                               {"hub.build_claim", "hub/claims"},
                                               {"hub.billing_service", "hub/claims"},
                                               {"hub.await_prior_authorization", "hub/claims"},
                                               {"hub.answer_information_request", "hub/claims"},
                                               {"hub.queue_claim", "hub/claims"},
                                               {"hub.attendance", "hub/attendance"},
                                               {"hub.notify", "hub/notifications"},
                                               {"hub.build_report", "hub/reports"},
                                               {"hub.write_notes_to_ehr", "hub/clinical"},
                                               {"hub.write_prescriptions_to_ehr", "hub/clinical"},
                                               {"hub.write_vitals_to_ehr", "hub/clinical"},
                                               {"hub.build_visit_summary", "hub/summaries"}}) {
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

  declare_non_phi(c);

  // Provider resources: what each input names and each output reveals.
  for (const auto& [kind, role, recorded_by_hub] :
       std::vector<std::tuple<std::string, std::string, bool>>{{"room", "video", true},
                                                               {"participant", "video", false},
                                                               {"media", "video", true},
                                                               {"appointment", "ehr", false},
                                                               {"patient", "ehr", false},
                                                               {"practitioner", "ehr", false},
                                                               {"coverage", "ehr", false},
                                                               {"encounter", "ehr", false},
                                                               {"document", "ehr", false}}) {
    c.resource_kinds.emplace(kind, ResourceKind{kind, role, recorded_by_hub});
  }
  auto resources = [&c](std::string_view name, std::vector<ResourceMember> in,
                        std::vector<ResourceMember> out) {
    auto& cap = c.capabilities.find(name)->second;
    cap.resource_inputs = std::move(in);
    cap.resource_outputs = std::move(out);
  };
  const ResourceMember room{"room_id", "room"};
  resources(VideoProvider::kCreateRoom, {}, {{"provider_room_id", "room"}});
  resources(VideoProvider::kEndRoom, {room}, {});
  resources(VideoProvider::kIssueJoinToken, {room}, {{"provider_participant_id", "participant"}});
  resources(VideoProvider::kListParticipants, {room}, {{"[].provider_id", "participant"}});
  resources(VideoProvider::kGetRoom, {room}, {});
  resources(VideoProvider::kRemoveParticipant, {room, {"participant_id", "participant"}}, {});
  resources(VideoProvider::kStartRecording, {room}, {{"provider_id", "media"}});
  resources(VideoProvider::kStopRecording, {room}, {});
  resources(VideoProvider::kListRecordings, {room}, {{"[].provider_id", "media"}});
  resources(VideoProvider::kRequestComposition, {room}, {{"provider_id", "media"}});
  resources(VideoProvider::kFetchMedia, {{"media_id", "media"}}, {});
  resources(EhrConnector::kReadPatient, {{"id", "patient"}}, {{"id", "patient"}});
  resources(EhrConnector::kReadPractitioner, {{"id", "practitioner"}}, {{"id", "practitioner"}});
  resources(
      EhrConnector::kReadAppointment, {{"id", "appointment"}},
      {{"id", "appointment"}, {"patient_id", "patient"}, {"practitioner_id", "practitioner"}});
  resources(EhrConnector::kReadCoverage, {{"coverage_id", "coverage"}, {"patient_id", "patient"}},
            {{"id", "coverage"}, {"patient_id", "patient"}});
  resources(EhrConnector::kUpdateAppointmentStatus, {{"appointment_id", "appointment"}},
            {{"id", "appointment"}});
  resources(EhrConnector::kCreateEncounter,
            {{"appointment_id", "appointment"},
             {"patient_id", "patient"},
             {"practitioner_id", "practitioner"}},
            {{"id", "encounter"}});
  resources(EhrConnector::kAttachDocument,
            {{"patient_id", "patient"}, {"encounter_id", "encounter"}}, {{"id", "document"}});
  const std::vector<ResourceMember> clinical_inputs{{"patient_id", "patient"},
                                                    {"encounter_id", "encounter"},
                                                    {"practitioner_id", "practitioner"}};
  resources(EhrConnector::kWriteNote, clinical_inputs, {{"id", "document"}});
  resources(EhrConnector::kWriteMedicationRequest, clinical_inputs, {});
  resources(EhrConnector::kWriteVitalSigns, clinical_inputs, {});
  resources("hub.set_status", {room}, {});
  resources("hub.archive_recording", {{"media_id", "media"}, room}, {});
  resources("hub.build_eligibility",
            {{"patient_id", "patient"}, {"practitioner_id", "practitioner"}}, {});
  resources("hub.build_claim",
            {{"patient_id", "patient"},
             {"practitioner_id", "practitioner"},
             {"encounter_id", "encounter"}},
            {});
  resources("hub.build_report", {{"encounter_id", "encounter"}}, {});
  for (std::string_view name :
       {"hub.write_notes_to_ehr", "hub.write_prescriptions_to_ehr", "hub.write_vitals_to_ehr"}) {
    resources(name, {{"patient_id", "patient"}, {"encounter_id", "encounter"}}, {});
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
  event("patient.arrival", "resource_id", "video",
        "the hub's verdict on the patient's arrival (resource_id: the consultation id; "
        "payload.outcome \"joined\" at the patient's first join, \"absent\" when the "
        "no-show deadline passed first)");
  event("billing.information_request", "claim_id", "billing",
        "the payer asked for information about a claim (fetched by the billing round); it "
        "starts the workflows whose trigger names it");

  event("notification.delivered", "resource_id", "notify",
        "the provider delivered a message (resource_id: its provider id)");
  event("notification.failed", "resource_id", "notify",
        "the provider could not deliver a message (resource_id: its provider id)");

  c.roles = {"billing", "ehr", "notify", "reporting", "video"};
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

const ResourceKind* find_resource_kind(std::string_view name) {
  const auto& kinds = catalogue().resource_kinds;
  auto it = kinds.find(name);
  return it == kinds.end() ? nullptr : &it->second;
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

const std::vector<std::string>& event_non_phi_outputs() {
  static const std::vector<std::string> kPaths{"type",         "room_id",     "participant_id",
                                               "recording_id", "resource_id", "occurred_at_ms",
                                               "dedupe_key"};
  return kPaths;
}

const std::vector<std::string>& trigger_non_phi_members() {
  static const std::vector<std::string> kPaths{
      "type",        "appointment_id",  "patient_id", "practitioner_id", "scheduled_at",
      "patient.id",  "practitioner.id", "period",     "period_start_ms", "period_end_ms",
      "facility_id", "resource_id"};
  return kPaths;
}

const std::vector<std::string>& consultation_non_phi_members() {
  static const std::vector<std::string> kPaths{"id",
                                               "facility_id",
                                               "workflow_name",
                                               "workflow_version",
                                               "status",
                                               "type",
                                               "appointment_ref",
                                               "scheduled_at",
                                               "scheduled_at_ms",
                                               "patient.reference",
                                               "practitioner.reference",
                                               "video_instance",
                                               "video_room_id",
                                               "created_at",
                                               "updated_at",
                                               "ended_at"};
  return kPaths;
}

const nlohmann::json& event_output_sample() {
  static const nlohmann::json sample = nlohmann::json(sdk::Event{});
  return sample;
}

}  // namespace wasl::workflow
