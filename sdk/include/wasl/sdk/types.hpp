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

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wasl::sdk {

// ---- plugin ------------------------------------------------------------------

struct PluginInfo {
  std::string name;                       // "twilio"
  std::string version;                    // the plugin's own version, "1.2.0"
  std::string sdk_version;                // "<abi major>.<abi minor>" the plugin was built against
  std::vector<std::string> capabilities;  // "video", "ehr", "billing", "reporting", "webhook"
  std::string description;
  // SDK 1.8: what a capability can do beyond its interface, as
  // "<capability>.<feature>" (PluginDefinition::features); empty from a
  // plugin built for an older minor.
  std::vector<std::string> features;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PluginInfo, name, version, sdk_version,
                                                capabilities, description, features)

struct Identifier {
  std::string system;  // FHIR identifier system URI
  std::string value;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Identifier, system, value)

// ---- video -------------------------------------------------------------------

struct Participant {
  std::string identity;  // Wasl's participant id, stable across providers
  std::string display_name;
  std::string role;         // "clinician", "patient", "interpreter", "observer"
  std::string provider_id;  // Twilio participant SID, Chime AttendeeId
  std::string status;       // "connected", "disconnected", "waiting"
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
                                                participant_limit, recording, status_callback_url,
                                                max_duration_seconds, region, scheduled_start_ms)

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
  Participant participant;  // identity, display_name and role are used
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
  std::string kind;          // "audio", "video", "composition"
  std::string status;        // "processing", "completed", "failed", "deleted"
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
  std::string phone;       // E.164 when the EHR has it so ("+9665…")
  std::string language;    // BCP 47
  nlohmann::json raw;      // the FHIR Patient
  std::string email;       // SDK 1.6
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PatientSummary, id, identifiers, given_name,
                                                family_name, birth_date, gender, phone, language,
                                                raw, email)

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
  std::string payer_id;   // insurer identifier (NPHIES payer license)
  std::string member_id;  // subscriber/member id
  std::string policy_number;
  std::string plan;
  std::int64_t period_start_ms = 0;
  std::int64_t period_end_ms = 0;
  nlohmann::json raw;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Coverage, id, status, patient_id, payer_id,
                                                member_id, policy_number, plan, period_start_ms,
                                                period_end_ms, raw)

// One period a participant was in the session (SDK 1.6).
struct AttendancePeriod {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AttendancePeriod, start_ms, end_ms)

// Who was in the session and when (SDK 1.6): FHIR Encounter.participant,
// HL7 v2 in the MDM. A patient's attendance belongs to the Encounter's
// subject; a practitioner's names the practitioner when the EHR knows them.
struct EncounterParticipant {
  std::string role;                       // "patient", "clinician", "interpreter", "guest"
  std::string practitioner_id;            // the EHR's id, for a clinician; empty otherwise
  std::vector<AttendancePeriod> periods;  // in order, never overlapping
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EncounterParticipant, role, practitioner_id,
                                                periods)

struct EncounterRequest {
  std::string idempotency_key;  // becomes the Encounter identifier (conditional create)
  std::string appointment_id;
  std::string patient_id;
  std::string practitioner_id;
  std::string encounter_class = "VR";  // v3 ActCode: virtual
  std::string status = "finished";
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::vector<EncounterParticipant> participants;  // SDK 1.6; empty: none recorded
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EncounterRequest, idempotency_key, appointment_id,
                                                patient_id, practitioner_id, encounter_class,
                                                status, start_ms, end_ms, participants)

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
                                                encounter_id, type_code, title, content_type, url,
                                                data_base64, size_bytes, sha256_hex)

struct ResourceCreated {
  std::string id;  // the new (or, on replay, the existing) logical id
  std::string version_id;
  bool created = true;  // false when the idempotency key matched an existing resource
  // SDK 1.10: the type written ("DocumentReference", "Composition",
  // "MedicationRequest", "Observation"); empty from older plugins.
  std::string resource_type;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ResourceCreated, id, version_id, created,
                                                resource_type)

// ---- clinical writes (SDK 1.10) ------------------------------------------------
// What a consultation's clinicians recorded, written to the EHR after it.
// Every member marked PHI is the patient's record: a plugin sends it to the
// EHR and never logs it. The idempotency key names the item and its version:
// a repeat finds the resource the first write made (conditional create).

// One signed version of a clinician's note. FHIR: a DocumentReference whose
// attachment is the text (text/plain; charset=utf-8), or a Composition when
// the instance is set to write them; HL7 v2: MDM^T02.
struct NoteWrite {
  std::string idempotency_key;
  std::string patient_id;
  std::string encounter_id;     // empty: none
  std::string practitioner_id;  // the author, when known; empty: none
  std::string language;         // "ar" or "en"
  std::string title;            // e.g. "Consultation note"
  std::string text;             // PHI: the note as plain UTF-8 text
  std::int64_t version = 1;     // 1, or the amendment's version
  std::string replaces_id;      // the EHR resource of the version this one amends; empty: none
  std::int64_t signed_at_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NoteWrite, idempotency_key, patient_id,
                                                encounter_id, practitioner_id, language, title,
                                                text, version, replaces_id, signed_at_ms)

// One prescription. status "active" (signed) or "cancelled": a cancelled
// one is only written to mark a resource written before as cancelled (the
// same idempotency key, so the same resource).
struct MedicationRequestWrite {
  std::string idempotency_key;
  std::string status = "active";
  std::string patient_id;
  std::string encounter_id;     // empty: none
  std::string practitioner_id;  // the prescriber, when known
  // PHI from here: what is prescribed and how.
  std::string medication_system;  // the facility's code system URI
  std::string medication_code;
  std::string medication_text;
  std::string dose;       // "500 mg"
  std::string route;      // "oral"
  std::string frequency;  // "every 8 hours"
  std::string duration;   // "7 days"
  std::int64_t quantity = 0;
  std::string quantity_unit;
  std::int64_t refills = 0;
  std::string instructions;  // in `language`
  std::string language;      // "ar" or "en"
  std::int64_t authored_at_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MedicationRequestWrite, idempotency_key, status,
                                                patient_id, encounter_id, practitioner_id,
                                                medication_system, medication_code, medication_text,
                                                dose, route, frequency, duration, quantity,
                                                quantity_unit, refills, instructions, language,
                                                authored_at_ms)

// One vital sign (FHIR vital-signs profile). `code` is LOINC; blood
// pressure (85354-9) carries systolic and diastolic (components 8480-6 and
// 8462-4), every other code `value`. `unit` is UCUM. PHI: the values.
struct VitalSignWrite {
  std::string idempotency_key;
  std::string patient_id;
  std::string encounter_id;  // empty: none
  std::string code;
  std::string display;  // "Heart rate"
  std::string unit;
  double value = 0;
  double systolic = 0;
  double diastolic = 0;
  std::string performer;        // "patient" or "clinician"
  std::string practitioner_id;  // the clinician, when performer is clinician and known
  std::int64_t effective_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VitalSignWrite, idempotency_key, patient_id,
                                                encounter_id, code, display, unit, value, systolic,
                                                diastolic, performer, practitioner_id, effective_ms)

// ---- availability (SDK 1.10) ---------------------------------------------------

// Free slots of one practitioner, or of a clinic (FHIR HealthcareService:
// its own schedules and those of the practitioners serving it), starting in
// [from_ms, to_ms). Exactly one of practitioner_id and service_id is set.
struct SlotSearch {
  std::string practitioner_id;
  std::string service_id;
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  int limit = 100;  // the most slots answered, earliest first
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SlotSearch, practitioner_id, service_id, from_ms,
                                                to_ms, limit)

// One free FHIR Slot.
struct FreeSlot {
  std::string id;
  std::string schedule_id;
  std::string practitioner_id;  // the schedule's Practitioner, when it names one
  std::string service_id;       // the schedule's HealthcareService, when it names one
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::string version_id;  // meta.versionId when read
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FreeSlot, id, schedule_id, practitioner_id,
                                                service_id, start_ms, end_ms, version_id)

struct FreeSlots {
  std::vector<FreeSlot> slots;  // earliest first, at most SlotSearch::limit
  bool truncated = false;       // more free slots matched than were answered
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FreeSlots, slots, truncated)

// Book a free slot: an Appointment (booked) for the patient referencing the
// slot, and the slot marked busy, both or neither.
struct SlotBooking {
  std::string idempotency_key;  // becomes the Appointment identifier
  std::string slot_id;
  std::string patient_id;
  std::string practitioner_id;  // empty: the slot's schedule's practitioner, if any
  std::string description;      // Appointment.description, optional
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SlotBooking, idempotency_key, slot_id, patient_id,
                                                practitioner_id, description)

struct BookedSlot {
  std::string appointment_id;
  std::string appointment_version_id;
  std::string slot_id;
  std::string practitioner_id;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  bool created = true;  // false when the idempotency key found an earlier booking
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BookedSlot, appointment_id, appointment_version_id,
                                                slot_id, practitioner_id, start_ms, end_ms, created)

// ---- keys (SDK 1.7) ------------------------------------------------------------

// One public key an instance signs with, as a JSON Web Key (RFC 7517, 7518):
// public members only, so nothing private can cross the boundary in this
// form. Binary members (n, e, x, y) are base64url without padding. The wire
// form writes only the members that are set.
struct PublicJwk {
  std::string kty;  // "RSA" or "EC"
  std::string kid;  // the key id a signature's header names
  std::string alg;  // "RS384", "ES384", ...
  std::string use{"sig"};
  std::string n, e;       // RSA: modulus, exponent
  std::string crv, x, y;  // EC: "P-256" / "P-384", the point
};
inline void to_json(nlohmann::json& j, const PublicJwk& k) {
  j = nlohmann::json::object();
  auto put = [&j](const char* name, const std::string& value) {
    if (!value.empty()) j[name] = value;
  };
  put("kty", k.kty);
  put("kid", k.kid);
  put("alg", k.alg);
  put("use", k.use);
  put("n", k.n);
  put("e", k.e);
  put("crv", k.crv);
  put("x", k.x);
  put("y", k.y);
}
// Reads the public members; any other member (a private "d", say) is dropped.
inline void from_json(const nlohmann::json& j, PublicJwk& k) {
  auto get = [&j](const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  k.kty = get("kty");
  k.kid = get("kid");
  k.alg = get("alg");
  k.use = get("use");
  k.n = get("n");
  k.e = get("e");
  k.crv = get("crv");
  k.x = get("x");
  k.y = get("y");
}

// A JWK Set: {"keys": [...]}.
struct PublicKeySet {
  std::vector<PublicJwk> keys;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PublicKeySet, keys)

// ---- billing -----------------------------------------------------------------

struct ClaimItem {
  std::string service_code;  // e.g. NPHIES services code
  std::string code_system;
  double quantity = 1;
  double unit_price = 0;
  std::string currency = "SAR";
  double tax = 0;  // SDK 1.1: VAT on the item, added to quantity x unit_price
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClaimItem, service_code, code_system, quantity,
                                                unit_price, currency, tax)

// A diagnosis on a claim (NPHIES: ICD-10-AM, type principal / secondary).
struct Diagnosis {
  std::string code;  // e.g. "Z71.9"
  std::string system = "http://hl7.org/fhir/sid/icd-10-am";
  std::string type = "principal";  // NPHIES diagnosis-type
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Diagnosis, code, system, type)

struct EligibilityRequest {
  std::string idempotency_key;  // the message id
  std::string patient_id;
  Coverage coverage;
  std::string practitioner_id;
  std::string facility_id;
  std::int64_t service_date_ms = 0;
  std::vector<std::string> purposes = {"benefits", "validation"};
  nlohmann::json raw;  // resources the plugin needs beyond the summary (Patient, …)
  // SDK 1.1: who asks whom, from the facility's billing settings
  // (hub.build_eligibility fills them), and the patient as the EHR has it.
  std::string provider_license;  // the sender (NPHIES provider licence)
  std::string payer_license;     // the receiver; empty = coverage.payer_id
  std::string provider_name;
  PatientSummary patient;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EligibilityRequest, idempotency_key, patient_id,
                                                coverage, practitioner_id, facility_id,
                                                service_date_ms, purposes, raw, provider_license,
                                                payer_license, provider_name, patient)

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
  // SDK 1.1: the facility's billing settings (hub.build_claim fills them),
  // the people, the diagnoses and the eligibility answer it rests on.
  std::string claim_type;     // e.g. "professional" (HL7 claim-type)
  std::string claim_subtype;  // e.g. "op" (NPHIES claim-subtype)
  std::string provider_license;
  std::string payer_license;  // empty = coverage.payer_id
  std::string provider_name;
  std::string encounter_class = "VR";  // v3 ActCode; VR = virtual
  PatientSummary patient;
  PractitionerSummary practitioner;
  std::vector<Diagnosis> diagnoses;
  // The eligibility response the claim rests on (ClaimResponse.response_id
  // and response_system of check_eligibility); empty when there was none.
  std::string eligibility_response_id;
  std::string eligibility_response_system;
  // SDK 1.3: the claim this one replaces, when it resubmits a claim the
  // payer rejected: the idempotency key the rejected claim was sent with (so
  // the plugin names it as the exchange knows it), and how the two relate
  // (HL7 ex-relatedclaimrelationship: "prior", the claim it replaces, when
  // left empty; or "associated"). Empty: a claim that replaces none.
  std::string related_request_id;
  std::string related_relationship;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    Claim, idempotency_key, use, patient_id, coverage, practitioner_id, facility_id, encounter_id,
    service_start_ms, service_end_ms, items, prior_auth_ref, raw, claim_type, claim_subtype,
    provider_license, payer_license, provider_name, encounter_class, patient, practitioner,
    diagnoses, eligibility_response_id, eligibility_response_system, related_request_id,
    related_relationship)

// How the payer adjudicated one claim item (item_sequence >= 1) or the
// whole claim (item_sequence 0), amounts in the response's currency.
struct Adjudication {
  int item_sequence = 0;
  std::string outcome;  // NPHIES adjudication-outcome: approved, rejected, partial, …
  double eligible = 0;
  double benefit = 0;
  double copay = 0;
  double patient_share = 0;
  double tax = 0;
  double approved_quantity = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Adjudication, item_sequence, outcome, eligible,
                                                benefit, copay, patient_share, tax,
                                                approved_quantity)

// One error the payer or the exchange reported (NPHIES adjudication-error).
struct BillingError {
  std::string code;
  std::string system;
  std::string display;
  int item_sequence = 0;  // 0 = the whole request
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BillingError, code, system, display, item_sequence)

// One benefit line of an eligibility answer.
struct Benefit {
  std::string category;  // NPHIES benefit-category code
  std::string name;
  std::string network;  // in | out
  std::string unit;     // individual | family
  std::string term;     // annual | lifetime | …
  std::string type;     // benefit | copay-percent | …
  bool excluded = false;
  double allowed = 0;  // allowedMoney (or allowedUnsignedInt)
  double used = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Benefit, category, name, network, unit, term, type,
                                                excluded, allowed, used)

// The answer to eligibility, prior authorization, claim, poll and cancel.
struct ClaimResponse {
  std::string request_id;   // the idempotency key of the request answered
  std::string response_id;  // the payer's identifier
  // "queued" (answer later through poll), "complete", "partial", "error";
  // SDK 1.2: "unknown", a claim or prior authorization whose answer never
  // arrived (no HTTP answer, a timeout, HTTP 408 or 504): the exchange may
  // or may not hold it. request_id and request_message_id name the message
  // sent, so BillingGateway::check_status can ask about it and a resend
  // with the same idempotency key is the same message.
  std::string status;
  std::string outcome;      // FHIR outcome: complete, error, partial, queued
  std::string disposition;  // payer's text
  bool approved = false;    // eligible / authorized / adjudicated as payable
  std::string pre_auth_ref;
  double total_benefit = 0;
  std::string currency = "SAR";
  std::vector<std::string> errors;  // payer error codes
  nlohmann::json raw;               // the response bundle
  // SDK 1.1
  std::string response_system;       // the system of response_id
  std::string message_id;            // this answer's message id (acknowledge it after polling)
  std::string request_message_id;    // the message id of the request answered
  std::string adjudication_outcome;  // approved, rejected, partial, … (claims)
  std::vector<Adjudication> items;   // per claim item
  double total_eligible = 0;
  double total_copay = 0;
  double total_patient_share = 0;
  double total_tax = 0;
  bool inforce = false;          // eligibility: the policy is in force
  std::string site_eligibility;  // eligibility: eligible, not-eligible, …
  std::vector<Benefit> benefits;
  std::vector<BillingError> error_details;  // errors with their systems and texts
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClaimResponse, request_id, response_id, status,
                                                outcome, disposition, approved, pre_auth_ref,
                                                total_benefit, currency, errors, raw,
                                                response_system, message_id, request_message_id,
                                                adjudication_outcome, items, total_eligible,
                                                total_copay, total_patient_share, total_tax,
                                                inforce, site_eligibility, benefits, error_details)

struct PollRequest {
  std::string idempotency_key;
  int max_messages = 100;
  // SDK 1.1: the answer kinds to fetch (NPHIES include-message-type) and
  // whose they are (the provider licence polling).
  std::vector<std::string> message_types = {"claim-response"};
  std::string provider_license;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PollRequest, idempotency_key, max_messages,
                                                message_types, provider_license)

struct CancelRequest {
  std::string idempotency_key;
  std::string request_id;  // the idempotency key of the claim or authorization to cancel
  std::string reason;      // "WI" wrong information, "NP" service not performed, …
  // SDK 1.1: who asks whom (as on the claim being cancelled).
  std::string provider_license;
  std::string payer_license;
  // SDK 1.3: "cancel" withdraws a claim the payer has not adjudicated yet;
  // "nullify" reverses one it adjudicated (approved, partial or rejected).
  // A plugin built before 1.3 ignores it and cancels.
  std::string kind = "cancel";
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CancelRequest, idempotency_key, request_id, reason,
                                                provider_license, payer_license, kind)

// SDK 1.2: asks the exchange whether it holds a claim whose submission
// answered status "unknown" (BillingGateway::check_status).
struct StatusCheckRequest {
  std::string idempotency_key;  // this check's own key: a new one per check
  std::string request_id;       // the idempotency key the claim was submitted with
  // who asks whom (as on the claim asked about)
  std::string provider_license;
  std::string payer_license;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StatusCheckRequest, idempotency_key, request_id,
                                                provider_license, payer_license)

// SDK 1.2: what the exchange said of a claim asked about with check_status.
struct ClaimStatus {
  std::string request_id;  // the claim's idempotency key, as asked
  // "queued": held, not yet adjudicated; its answer comes through poll().
  // "complete": held and adjudicated; resending the claim unchanged (same
  //   idempotency key) gets the answer again, as a duplicate.
  // "not_held": the exchange has no such claim; resend it unchanged.
  std::string status;
  std::string message_id;          // the exchange's answer message
  std::string request_message_id;  // the check's own message id, which it answers
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClaimStatus, request_id, status, message_id,
                                                request_message_id)

// SDK 1.1: tells the exchange a polled answer (ClaimResponse.message_id) was
// recorded, so it is not delivered again.
struct AcknowledgeRequest {
  std::string idempotency_key;
  std::string message_id;
  std::string provider_license;  // who acknowledges
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AcknowledgeRequest, idempotency_key, message_id,
                                                provider_license)

struct Acknowledgement {
  std::string message_id;
  bool acknowledged = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Acknowledgement, message_id, acknowledged)

// SDK 1.4: claims sent together as one batch (BillingGateway::submit_batch),
// for a facility that bills in batches. Each claim is exactly what
// submit_claim would take for it, its own idempotency key included: the
// plugin sends each claim as it would send it alone, so a later resend of
// one claim alone is the same claim to the exchange.
struct ClaimBatch {
  std::string idempotency_key;  // the batch's own: a resend is the same batch
  std::vector<Claim> claims;    // 1..kMaxBatchClaims, of one provider to one payer
  // Who sends the batch to whom, as on its claims.
  std::string provider_license;
  std::string payer_license;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClaimBatch, idempotency_key, claims,
                                                provider_license, payer_license)

// The most claims one ClaimBatch carries.
inline constexpr std::size_t kMaxBatchClaims = 200;

// SDK 1.4: what the exchange said of a ClaimBatch.
struct BatchAcknowledgement {
  std::string request_id;  // the batch's idempotency key
  // "taken": the exchange holds every claim of the batch; each claim's
  //   answer arrives later through poll / poll_messages, naming the claim's
  //   own request_message_id (in `claims`);
  // "refused": the exchange took none of them; error_details say why;
  // "unknown": the batch went out and its answer never arrived (a timeout,
  //   a dropped connection, HTTP 408 or 504): the exchange may hold its
  //   claims or not; ask about each claim with check_status.
  std::string status;
  std::string message_id;          // the exchange's answer message
  std::string request_message_id;  // the batch message's own id
  // One per claim of the batch, in its order: request_id (the claim's
  // idempotency key) and request_message_id (the message id the claim went
  // out with inside the batch, which its answer names), status "queued"
  // when taken, "unknown" when the batch's answer was lost, "error" when
  // refused.
  std::vector<ClaimResponse> claims;
  std::string disposition;                  // the exchange's text
  std::vector<BillingError> error_details;  // why it was refused
  nlohmann::json raw;                       // the answer as received
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BatchAcknowledgement, request_id, status,
                                                message_id, request_message_id, claims, disposition,
                                                error_details, raw)

// SDK 1.2: what billing.poll_messages fetches. The exchange queues more
// than claim answers for a provider: the payer's information requests,
// payment reconciliations, advanced authorizations and the exchange's error
// notices. Each polled message is one PolledMessage: `event` says which
// member is filled; every message, read or not, carries `message_id` (to
// acknowledge) and `raw` (the message as received).

// A document the payer asks for (NPHIES CommunicationRequest payload
// contentAttachment without data).
struct RequestedDocument {
  std::string content_type;  // "application/pdf", "image/jpeg"
  std::string title;         // what is wanted, the payer's words
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RequestedDocument, content_type, title)

// The payer asks for information about a claim (NPHIES
// communication-request). The provider answers it (before due_ms) with a
// communication, or the claim may be denied.
struct InformationRequest {
  std::string request_id;      // the payer's identifier of the request
  std::string request_system;  // its system
  // The idempotency key of the claim it is about (the claim identifier the
  // provider sent, as its plugin maps it back); empty when it names none.
  std::string claim_request_id;
  std::string reason;                  // missing-info, missing-attachment, information-correction
  std::vector<std::string> questions;  // free-text payloads
  std::vector<RequestedDocument> documents;
  std::int64_t authored_ms = 0;
  std::int64_t due_ms = 0;  // 0: no due date given
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InformationRequest, request_id, request_system,
                                                claim_request_id, reason, questions, documents,
                                                authored_ms, due_ms)

// One claim's line of a payment reconciliation, amounts in its currency.
struct PaymentDetail {
  // The idempotency key of the claim paid; empty when the detail names a
  // claim the provider did not send (as its plugin maps it back).
  std::string claim_request_id;
  std::string type;       // "payment", or "adjustment" (negative amount)
  double amount = 0;      // paid for this claim (net of nothing)
  double early_fee = 0;   // early-payment fee deducted
  double nphies_fee = 0;  // nphies fee deducted
  std::int64_t date_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PaymentDetail, claim_request_id, type, amount,
                                                early_fee, nphies_fee, date_ms)

// The payer paid (NPHIES payment-reconciliation).
struct PaymentReconciliation {
  std::string reconciliation_id;
  std::string reconciliation_system;
  std::string payment_id;  // the bank transfer's identifier
  std::int64_t payment_date_ms = 0;
  double payment_amount = 0;  // what was transferred: the details less the fees
  std::string currency = "SAR";
  std::int64_t period_start_ms = 0;
  std::int64_t period_end_ms = 0;
  std::vector<PaymentDetail> details;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PaymentReconciliation, reconciliation_id,
                                                reconciliation_system, payment_id, payment_date_ms,
                                                payment_amount, currency, period_start_ms,
                                                period_end_ms, details)

// An authorization the payer granted unasked (NPHIES advanced-authorization).
struct AdvancedAuthorization {
  std::string response_id;
  std::string response_system;
  std::string pre_auth_ref;
  std::int64_t period_start_ms = 0;
  std::int64_t period_end_ms = 0;
  std::vector<Identifier> patient_identifiers;
  std::string member_id;  // the coverage's member identifier
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AdvancedAuthorization, response_id, response_system,
                                                pre_auth_ref, period_start_ms, period_end_ms,
                                                patient_identifiers, member_id)

// The exchange reports an error (NPHIES error-notice), about one of the
// provider's messages when `request_message_id` of its PolledMessage is set.
struct ErrorNotice {
  std::vector<BillingError> errors;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ErrorNotice, errors)

struct PolledMessage {
  // "claim-response" and "priorauth-response" (answer), "communication-request"
  // (information_request), "payment-reconciliation" (payment),
  // "advanced-authorization" (advanced_authorization), "error-notice"
  // (error_notice); "unreadable": a message the plugin could not read
  // (`problem` says why), kept by the hub and acknowledged.
  std::string event;
  std::string message_id;          // acknowledge it once recorded
  std::string request_message_id;  // the provider's message it answers or is about, if any
  ClaimResponse answer;
  InformationRequest information_request;
  PaymentReconciliation payment;
  AdvancedAuthorization advanced_authorization;
  ErrorNotice error_notice;
  std::string problem;
  nlohmann::json raw;  // the message as received
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PolledMessage, event, message_id,
                                                request_message_id, answer, information_request,
                                                payment, advanced_authorization, error_notice,
                                                problem, raw)

// SDK 1.2: a document the provider sends with an answer.
struct AnswerAttachment {
  std::string content_type;  // "application/pdf" or "image/jpeg"
  std::string title;
  std::string data;       // the document's bytes, base64
  std::int64_t size = 0;  // decoded bytes
  std::int64_t created_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AnswerAttachment, content_type, title, data, size,
                                                created_ms)

// SDK 1.2: the provider's answer to an information request (NPHIES
// communication), or what it sends unasked about a claim.
struct InformationAnswer {
  std::string idempotency_key;  // the answer's identifier: a resend is the same message
  // The request answered (InformationRequest::request_id and
  // request_system); empty for an answer nobody asked for.
  std::string request_id;
  std::string request_system;
  // The claim it is about, as it was sent (its idempotency_key the one it
  // was sent with, so the plugin names it as the exchange knows it).
  Claim claim;
  std::vector<std::string> texts;
  std::vector<AnswerAttachment> attachments;
  bool cannot_supply = false;  // the provider cannot supply what is asked
  std::string reason;          // why, when cannot_supply
  std::int64_t sent_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InformationAnswer, idempotency_key, request_id,
                                                request_system, claim, texts, attachments,
                                                cannot_supply, reason, sent_ms)

// SDK 1.2: the provider took a payment reconciliation (NPHIES payment-notice).
struct PaymentNotice {
  std::string idempotency_key;  // the notice's identifier: a resend is the same message
  std::string reconciliation_id;
  std::string reconciliation_system;
  double amount = 0;  // the reconciliation's payment amount
  std::string currency = "SAR";
  std::string provider_license;
  std::string payer_license;
  std::int64_t sent_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PaymentNotice, idempotency_key, reconciliation_id,
                                                reconciliation_system, amount, currency,
                                                provider_license, payer_license, sent_ms)

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
  std::string body;  // raw bytes as received (UTF-8 text on the wire)
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
  std::string dedupe_key;  // identical for a redelivery of the same event
  nlohmann::json payload;  // the provider's event, parsed
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Event, type, room_id, participant_id, recording_id,
                                                resource_id, occurred_at_ms, dedupe_key, payload)

}  // namespace wasl::sdk
