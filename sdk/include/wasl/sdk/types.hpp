// types.hpp: the value types the capability interfaces pass, and their one
// JSON wire form. The host and the glue compiled into a plugin both use these
// mappings, so they agree on the form; from_json ignores fields it does not
// know and fills missing ones with the defaults below, so either side may add
// fields without breaking the other.
//
// Times are milliseconds since the Unix epoch (0 = unknown). Durations carry
// their unit in the name. `raw` fields carry the provider's own document
// (FHIR resource, provider JSON) for callers that need more than the summary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wasl::sdk {

// ---- plugin ------------------------------------------------------------------

struct PluginInfo {
  std::string name;         // "twilio"
  std::string version;      // the plugin's own version, "1.2.0"
  std::string sdk_version;  // "<abi major>.<abi minor>" the plugin was built against
  std::vector<std::string> capabilities;  // "video", "ehr", "billing", "reporting", "webhook"
  std::string description;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PluginInfo, name, version, sdk_version,
                                                capabilities, description)

struct Identifier {
  std::string system;  // FHIR identifier system URI
  std::string value;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Identifier, system, value)

// ---- video -------------------------------------------------------------------

struct Participant {
  std::string identity;      // Wasl's participant id, stable across providers
  std::string display_name;
  std::string role;          // "clinician", "patient", "interpreter", "observer"
  std::string provider_id;   // Twilio participant SID, Chime AttendeeId
  std::string status;        // "connected", "disconnected", "waiting"
  std::int64_t joined_at_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Participant, identity, display_name, role,
                                                provider_id, status, joined_at_ms)

struct CreateRoomRequest {
  std::string idempotency_key;  // Twilio UniqueName, Chime ClientRequestToken
  std::string name;             // human-readable label; may be the key
  int participant_limit = 2;
  bool recording = false;
  std::string status_callback_url;  // where the provider posts room events
  int max_duration_seconds = 0;     // 0 = provider default
  std::string region;               // provider media region; empty = default
  // When the session is scheduled to start (Unix ms); 0 = not given. A
  // provider whose rooms expire unused may answer a deferral until the start
  // is near (see Error::deferred).
  std::int64_t scheduled_start_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CreateRoomRequest, idempotency_key, name,
                                                participant_limit, recording,
                                                status_callback_url, max_duration_seconds,
                                                region, scheduled_start_ms)

struct Room {
  std::string provider_room_id;  // Twilio RoomSid, Chime MeetingId
  std::string name;
  std::string status;  // "in_progress", "completed", "failed"
  int participant_limit = 0;
  bool recording = false;
  std::int64_t created_at_ms = 0;
  std::int64_t ended_at_ms = 0;
  nlohmann::json raw;  // e.g. Chime MediaPlacement, which clients need to join
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Room, provider_room_id, name, status,
                                                participant_limit, recording, created_at_ms,
                                                ended_at_ms, raw)

struct RoomRef {
  std::string idempotency_key;  // empty for reads
  std::string room_id;          // provider_room_id
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RoomRef, idempotency_key, room_id)

struct JoinTokenRequest {
  std::string idempotency_key;  // Chime CreateAttendee ClientRequestToken-like key
  std::string room_id;
  Participant participant;      // identity, display_name and role are used
  int ttl_seconds = 3600;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(JoinTokenRequest, idempotency_key, room_id,
                                                participant, ttl_seconds)

struct JoinToken {
  std::string token;  // a secret: never log it
  std::string provider_participant_id;
  std::int64_t expires_at_ms = 0;
  nlohmann::json raw;  // provider data the client needs besides the token
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(JoinToken, token, provider_participant_id,
                                                expires_at_ms, raw)

struct ParticipantRef {
  std::string idempotency_key;
  std::string room_id;
  std::string participant_id;  // Participant::provider_id
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ParticipantRef, idempotency_key, room_id,
                                                participant_id)

struct Recording {
  std::string provider_id;  // Twilio RecordingSid/CompositionSid, Chime pipeline or object key
  std::string room_id;
  std::string kind;    // "audio", "video", "composition"
  std::string status;  // "processing", "completed", "failed", "deleted"
  std::string content_type;  // "video/mp4", "audio/webm", …
  std::int64_t size_bytes = 0;
  std::int64_t duration_seconds = 0;
  std::int64_t created_at_ms = 0;
  nlohmann::json raw;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Recording, provider_id, room_id, kind, status,
                                                content_type, size_bytes, duration_seconds,
                                                created_at_ms, raw)

struct CompositionRequest {
  std::string idempotency_key;
  std::string room_id;
  std::string format = "mp4";
  std::string layout = "grid";  // "grid" or "speaker"
  std::string status_callback_url;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CompositionRequest, idempotency_key, room_id,
                                                format, layout, status_callback_url)

struct MediaRef {
  std::string media_id;  // Recording::provider_id
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MediaRef, media_id)

struct MediaInfo {
  std::string content_type;
  std::int64_t size_bytes = 0;  // bytes delivered to the sink
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MediaInfo, content_type, size_bytes)

// ---- EHR ---------------------------------------------------------------------

struct ResourceRef {
  std::string id;  // the FHIR logical id
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ResourceRef, id)

struct PatientSummary {
  std::string id;
  std::vector<Identifier> identifiers;  // national id, iqama, MRN
  std::string given_name;
  std::string family_name;
  std::string birth_date;  // YYYY-MM-DD
  std::string gender;      // FHIR administrative gender
  std::string phone;
  std::string language;    // BCP 47
  nlohmann::json raw;      // the FHIR Patient
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PatientSummary, id, identifiers, given_name,
                                                family_name, birth_date, gender, phone,
                                                language, raw)

struct PractitionerSummary {
  std::string id;
  std::vector<Identifier> identifiers;  // license number
  std::string name;
  std::string specialty;
  nlohmann::json raw;  // the FHIR Practitioner
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PractitionerSummary, id, identifiers, name,
                                                specialty, raw)

struct Appointment {
  std::string id;
  std::string status;  // FHIR AppointmentStatus: booked, arrived, fulfilled, cancelled, …
  std::string patient_id;
  std::string practitioner_id;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::string service_type;
  std::string version_id;  // meta.versionId, for conditional updates
  nlohmann::json raw;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Appointment, id, status, patient_id,
                                                practitioner_id, start_ms, end_ms, service_type,
                                                version_id, raw)

struct AppointmentStatusUpdate {
  std::string idempotency_key;
  std::string appointment_id;
  std::string status;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AppointmentStatusUpdate, idempotency_key,
                                                appointment_id, status)

struct CoverageRequest {
  std::string coverage_id;  // when known; otherwise the patient's active coverage
  std::string patient_id;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CoverageRequest, coverage_id, patient_id)

struct Coverage {
  std::string id;
  std::string status;  // active, cancelled, …
  std::string patient_id;
  std::string payer_id;       // insurer identifier (NPHIES payer license)
  std::string member_id;      // subscriber/member id
  std::string policy_number;
  std::string plan;
  std::int64_t period_start_ms = 0;
  std::int64_t period_end_ms = 0;
  nlohmann::json raw;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Coverage, id, status, patient_id, payer_id,
                                                member_id, policy_number, plan, period_start_ms,
                                                period_end_ms, raw)

struct EncounterRequest {
  std::string idempotency_key;  // becomes the Encounter identifier (conditional create)
  std::string appointment_id;
  std::string patient_id;
  std::string practitioner_id;
  std::string encounter_class = "VR";  // v3 ActCode: virtual
  std::string status = "finished";
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EncounterRequest, idempotency_key,
                                                appointment_id, patient_id, practitioner_id,
                                                encounter_class, status, start_ms, end_ms)

struct DocumentRequest {
  std::string idempotency_key;  // becomes the DocumentReference identifier
  std::string patient_id;
  std::string encounter_id;
  std::string type_code;  // LOINC, e.g. "11488-4" (consult note)
  std::string title;
  std::string content_type;  // "video/mp4", "application/pdf", "text/plain"
  std::string url;           // where the content can be fetched (recordings), or
  std::string data_base64;   // inline content (notes)
  std::int64_t size_bytes = 0;
  std::string sha256_hex;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DocumentRequest, idempotency_key, patient_id,
                                                encounter_id, type_code, title, content_type,
                                                url, data_base64, size_bytes, sha256_hex)

struct ResourceCreated {
  std::string id;          // the new (or, on replay, the existing) logical id
  std::string version_id;
  bool created = true;     // false when the idempotency key matched an existing resource
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ResourceCreated, id, version_id, created)

// ---- billing -----------------------------------------------------------------

struct ClaimItem {
  std::string service_code;    // e.g. NPHIES services code
  std::string code_system;
  double quantity = 1;
  double unit_price = 0;
  std::string currency = "SAR";
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClaimItem, service_code, code_system, quantity,
                                                unit_price, currency)

struct EligibilityRequest {
  std::string idempotency_key;  // the message id
  std::string patient_id;
  Coverage coverage;
  std::string practitioner_id;
  std::string facility_id;
  std::int64_t service_date_ms = 0;
  std::vector<std::string> purposes = {"benefits", "validation"};
  nlohmann::json raw;  // resources the plugin needs beyond the summary (Patient, …)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EligibilityRequest, idempotency_key,
                                                patient_id, coverage, practitioner_id,
                                                facility_id, service_date_ms, purposes, raw)

struct Claim {
  std::string idempotency_key;  // the claim's business identifier and message id
  std::string use = "claim";    // "claim", "preauthorization"
  std::string patient_id;
  Coverage coverage;
  std::string practitioner_id;
  std::string facility_id;
  std::string encounter_id;
  std::int64_t service_start_ms = 0;
  std::int64_t service_end_ms = 0;
  std::vector<ClaimItem> items;
  std::string prior_auth_ref;  // preAuthRef from an earlier authorization
  nlohmann::json raw;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Claim, idempotency_key, use, patient_id,
                                                coverage, practitioner_id, facility_id,
                                                encounter_id, service_start_ms, service_end_ms,
                                                items, prior_auth_ref, raw)

// The answer to eligibility, prior authorization, claim, poll and cancel.
struct ClaimResponse {
  std::string request_id;   // the idempotency key of the request answered
  std::string response_id;  // the payer's identifier
  // "queued" (answer later through poll), "complete", "partial", "error".
  std::string status;
  std::string outcome;      // FHIR outcome: complete, error, partial, queued
  std::string disposition;  // payer's text
  bool approved = false;    // eligible / authorized / adjudicated as payable
  std::string pre_auth_ref;
  double total_benefit = 0;
  std::string currency = "SAR";
  std::vector<std::string> errors;  // payer error codes
  nlohmann::json raw;               // the response bundle
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClaimResponse, request_id, response_id, status,
                                                outcome, disposition, approved, pre_auth_ref,
                                                total_benefit, currency, errors, raw)

struct PollRequest {
  std::string idempotency_key;
  int max_messages = 100;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PollRequest, idempotency_key, max_messages)

struct CancelRequest {
  std::string idempotency_key;
  std::string request_id;  // the idempotency key of the claim or authorization to cancel
  std::string reason;      // "WI" wrong information, "NP" service not performed, …
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CancelRequest, idempotency_key, request_id,
                                                reason)

// ---- reporting ---------------------------------------------------------------

struct Report {
  std::string idempotency_key;  // the report's identifier at the receiver
  std::string kind;             // "consultation" or "aggregate"
  std::string facility_id;
  std::int64_t period_start_ms = 0;
  std::int64_t period_end_ms = 0;
  nlohmann::json body;  // the report content (FHIR MeasureReport or the receiver's form)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Report, idempotency_key, kind, facility_id,
                                                period_start_ms, period_end_ms, body)

struct Receipt {
  std::string receipt_id;  // the receiver's identifier
  std::string status;      // "accepted", "queued", "rejected"
  std::int64_t received_at_ms = 0;
  std::string message;
  nlohmann::json raw;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Receipt, receipt_id, status, received_at_ms,
                                                message, raw)

// ---- webhooks ----------------------------------------------------------------

struct WebhookRequest {
  std::string method;  // "POST"
  std::string url;     // the full public URL the sender signed, query included
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;    // raw bytes as received (UTF-8 text on the wire)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WebhookRequest, method, url, headers, body)

struct Event {
  // Normalized: "room.ended", "participant.connected", "participant.disconnected",
  // "recording.completed", "composition.completed", "appointment.updated", …
  std::string type;
  std::string room_id;
  std::string participant_id;
  std::string recording_id;
  std::string resource_id;  // for EHR events: the resource reference
  std::int64_t occurred_at_ms = 0;
  std::string dedupe_key;   // identical for a redelivery of the same event
  nlohmann::json payload;   // the provider's event, parsed
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Event, type, room_id, participant_id,
                                                recording_id, resource_id, occurred_at_ms,
                                                dedupe_key, payload)

}  // namespace wasl::sdk
