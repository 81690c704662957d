// Capabilities: what a workflow step may call and wait for.
//
// - Capability methods, "role.method", exactly the methods of the SDK
//   interfaces (sdk/include/wasl/sdk/{video,ehr,billing,reporting}.hpp; the
//   names are the interfaces' k* wire-name constants). Their input and output
//   shapes are the JSON forms of the SDK request/response types (types.hpp).
//   The engine sets `idempotency_key` in every call's input (derived from the
//   run and the step), so a workflow never writes it.
// - Built-in hub actions, "hub.<action>": declared here (a workflow file is
//   validated without a running hub), each implemented by the one folder
//   named in brackets, which registers it (workflow::HubActions) at
//   start-up; the hub refuses to start while a declared action has no
//   implementation:
//
//   hub.set_status       [hub/consultations]
//                        in:  status (string, required: a consultation status
//                             of hub/domain/consultation.hpp), reason (string),
//                             room_id (string: the provider room the
//                             consultation now uses, from video.create_room)
//                        out: {status, previous_status}
//                        Moves the consultation to `status` and records it in
//                        its timeline; with room_id, also binds the
//                        consultation to that room of its video instance.
//   hub.record_event     [hub/workflow]
//                        in:  type (string, required), detail (object)
//                        out: {event_id}
//                        Adds an entry to the consultation's timeline and audit
//                        trail (detail must not carry PHI).
//   hub.alert            [hub/consultations]
//                        in:  kind (string, required: a code of a-z, 0-9 and
//                             _, such as clinician_no_show)
//                        out: {kind: "consultation.<kind>", instance}
//                        Raises an alert of kind consultation.<kind> about
//                        the run's consultation on the run's video instance,
//                        so the facility's operators see it in GET
//                        /v1/alerts; the message is the hub's ("consultation
//                        <id>: <kind>"), never text from the workflow.
//   hub.describe_consultation [hub/consultations]
//                        in:  specialty, service_type (strings),
//                             session_start_ms, session_end_ms (epoch ms),
//                             each optional (empty or 0 = leave as is)
//                        out: {recorded}
//                        What ministry reports count the consultation by.
//   hub.archive_recording [hub/archive]
//                        in: media_id (string, required: Recording.provider_id),
//                             room_id, content_type, retention_days (number,
//                             default 2555 = 7 years)
//                        out: {archive_id, url, content_type, size_bytes,
//                              sha256_hex, retain_until_ms}
//                        Streams the media through the bound video instance's
//                        fetch_media into the encrypted archive.
//   hub.build_eligibility [hub/claims]
//                        in: patient_id (string, required), coverage
//                             (Coverage, required), practitioner_id, patient
//                             (PatientSummary), service_date_ms
//                        out: an EligibilityRequest for
//                             billing.check_eligibility, with the facility's
//                             billing licences (facilities.<id>.billing).
//   hub.build_claim      [hub/claims]
//                        in:  patient_id, practitioner_id (strings, required),
//                             coverage (Coverage, required), patient
//                             (PatientSummary), practitioner
//                             (PractitionerSummary), eligibility (the
//                             ClaimResponse of billing.check_eligibility),
//                             diagnosis_codes ([string]; default: the
//                             facility's diagnosis_code), encounter_id,
//                             service_start_ms, service_end_ms, service_code
//                             (default: the facility's billing service_code),
//                             items ([ClaimItem]; default: one item of
//                             service_code at the facility's price and tax),
//                             prior_auth_ref, use (default "claim")
//                        out: a Claim (types.hpp) for billing.submit_claim; the
//                             engine sets its idempotency_key at submission;
//                             raw.claim_id names the hub's claim record,
//                             which billing.submit_claim's result updates.
//   hub.build_report     [hub/reports]
//                        in:  kind ("consultation" | "aggregate", required),
//                             encounter_id, archive_id, period_start_ms,
//                             period_end_ms
//                        out: a Report (types.hpp) for reporting.submit_report;
//                             the claim outcome, if any, comes from the
//                             consultation's own record.
//   hub.attendance       [hub/attendance]
//                        in:  {} (the run's consultation)
//                        out: {participants: [EncounterParticipant],
//                              attendee_seconds, patient_joined,
//                              clinician_joined}
//                        Who attended the session and when, for
//                        ehr.create_encounter's participants; a period still
//                        open ends at the room's end (or now).
//
// - Events a wait_for step (or an event trigger) names: the SDK's normalized
//   Event types (types.hpp Event::type), each correlated on one Event field.
//   A waiting step's output is the Event's JSON form.
//
// - Provider resources: the members of a capability's input that name a
//   provider resource (a room, a participant, a recording, an EHR resource),
//   and the members of its output that create or reveal one, each with its
//   kind (ResourceKind). The engine refuses a step whose input names a
//   resource that is not the run's facility's and records the resources an
//   output names as the run's facility's (hub/workflow/resource_guard.hpp).
//
// The catalogue is immutable, built on first use; all functions are
// thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace wasl::workflow {

// A member of a capability's input or output that holds a provider
// resource id. `path` names it from the input's or output's root: members
// separated by '.', "[]" for every element of a list ("room_id",
// "[].provider_id").
struct ResourceMember {
  std::string path;
  std::string kind;  // a ResourceKind name
};

// A kind of provider resource.
struct ResourceKind {
  std::string name;  // "room", "participant", "media", "patient", …
  std::string role;  // the plugin role that holds it: "video", "ehr"
  // True when the hub itself creates or first learns every resource of the
  // kind (rooms, recordings): an id recorded for no facility is refused as
  // well. False when ids also come from outside the hub's calls (an EHR
  // appointment a hospital books): only an id recorded for other facilities
  // alone is refused.
  bool recorded_by_hub = false;
};

struct Capability {  // NOLINT(bugprone-exception-escape): a default json is null; it cannot throw
  std::string name;  // "video.create_room", "hub.set_status"
  std::string role;  // "video", "ehr", "billing", "reporting" or "hub"
  // A sample of the input's JSON form: every known member present with its
  // default. A member whose sample is null or an empty list/object accepts
  // anything below it.
  nlohmann::json input;
  nlohmann::json output;                     // likewise; null when the method returns nothing
  std::vector<std::string> required_inputs;  // members `with` must give
  // False for methods a workflow may not call directly (streaming media).
  bool callable = true;
  std::string not_callable_reason;
  // The plugin role whose binding the call needs: `role` for capability
  // methods; "video" for hub.archive_recording; empty for other hub actions.
  std::string needs_role;
  // Hub actions: the folder that implements and registers it
  // ("hub/consultations"); empty for capability methods.
  std::string implemented_in;
  // True when the output names or describes a patient or a clinician
  // (demographics, coverage, claims, reports, participants): the engine
  // audits the storing of such an output in the transaction that stores it.
  bool output_holds_phi = false;
  // The members of the input and of the output whose values are not PHI
  // (references, statuses, times, codes), as paths: "participant.identity",
  // "items.*.service_code" ("*" is any array index; a path covers everything
  // below it). Every other value a step sends or receives is PHI, whatever
  // its member is called, and so is a value an input takes from a PHI value
  // (workflow/run_timeline_mask.hpp): masked for the roles that do not read
  // PHI.
  std::vector<std::string> non_phi_inputs;
  std::vector<std::string> non_phi_outputs;
  // Input members naming provider resources, checked before the call.
  std::vector<ResourceMember> resource_inputs;
  // Output members naming provider resources, recorded as the run's
  // facility's with the result.
  std::vector<ResourceMember> resource_outputs;
};

struct EventType {
  std::string name;               // "room.ended"
  std::string correlation_field;  // the Event member matched: "room_id", "resource_id"
  std::string role;               // the role whose webhook ingress delivers it
  std::string description;
};

// The capability or hub action named, or nullptr.
const Capability* find_capability(std::string_view name);
const EventType* find_event_type(std::string_view name);
// The resource kind named, or nullptr.
const ResourceKind* find_resource_kind(std::string_view name);

// The plugin roles ("video", "ehr", "billing", "reporting"), sorted.
const std::vector<std::string>& capability_roles();
// Method names of a role ("create_room", …) or of "hub" (the actions), sorted.
std::vector<std::string> methods_of(std::string_view role);
std::vector<std::string> event_type_names();

// The JSON form of sdk::Event, the output of a wait_for step.
const nlohmann::json& event_output_sample();

// The paths of a wait_for step's output (sdk::Event), of the run's trigger
// (${trigger.…}) and of its consultation record (${consultation.…}) whose
// values are not PHI, in the form of Capability::non_phi_outputs.
const std::vector<std::string>& event_non_phi_outputs();
const std::vector<std::string>& trigger_non_phi_members();
const std::vector<std::string>& consultation_non_phi_members();

}  // namespace wasl::workflow
