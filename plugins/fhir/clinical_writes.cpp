#include "plugins/fhir/clinical_writes.hpp"

#include <cmath>
#include <string>

#include "plugins/fhir/writes.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

Error invalid_clinical(std::string_view resource, std::string message) {
  return Error(ErrorCode::kInvalidArgument,
               "cannot write the " + std::string(resource) + ": " + std::move(message), false);
}

json identifier(std::string_view key, const FhirSettings& settings) {
  return json::array(
      {{{"use", "official"}, {"system", settings.identifier_system}, {"value", std::string(key)}}});
}

json clinical_reference(std::string_view type, std::string_view id) {
  return {{"reference", std::string(type) + "/" + std::string(id)}};
}

json loinc(std::string_view code, std::string_view display) {
  json coding = {{"system", kLoincSystem}, {"code", std::string(code)}};
  if (!display.empty()) coding["display"] = std::string(display);
  return {{"coding", json::array({coding})}};
}

// Checks the members every write shares; `what` names the resource.
Result<json> subject_of(std::string_view what, std::string_view key, std::string_view patient_id,
                        std::string_view encounter_id) {
  if (key.empty()) return invalid_clinical(what, "no idempotency key");
  if (!is_fhir_id(patient_id)) return invalid_clinical(what, "patient_id is not a FHIR id");
  if (!encounter_id.empty() && !is_fhir_id(encounter_id)) {
    return invalid_clinical(what, "encounter_id is not a FHIR id");
  }
  return clinical_reference("Patient", patient_id);
}

bool language_ok(std::string_view language) {
  return language.empty() || language == "ar" || language == "en";
}

// `text` as the XHTML of a Narrative: escaped, each line a paragraph break.
std::string narrative_div(std::string_view text) {
  std::string out = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>";
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\r': break;
      case '\n': out += "<br/>"; break;
      default: out += c;
    }
  }
  out += "</p></div>";
  return out;
}

json quantity(double value, std::string_view unit) {
  return {{"value", value},
          {"unit", std::string(unit)},
          {"system", kUcumSystem},
          {"code", std::string(unit)}};
}

}  // namespace

Result<json> note_document_reference(const sdk::NoteWrite& note, const FhirSettings& settings) {
  constexpr std::string_view kWhat = "DocumentReference";
  WASL_ASSIGN_OR_RETURN(
      json subject, subject_of(kWhat, note.idempotency_key, note.patient_id, note.encounter_id));
  if (note.text.empty()) return invalid_clinical(kWhat, "the note has no text");
  if (!language_ok(note.language)) return invalid_clinical(kWhat, "language is not ar or en");
  json attachment = {{"contentType", "text/plain; charset=utf-8"},
                     {"data", sdk::base64_encode(note.text)}};
  if (!note.language.empty()) attachment["language"] = note.language;
  if (!note.title.empty()) attachment["title"] = note.title;
  if (note.signed_at_ms > 0) attachment["creation"] = sdk::format_iso8601(note.signed_at_ms);
  json document = {{"resourceType", "DocumentReference"},
                   {"identifier", identifier(note.idempotency_key, settings)},
                   {"status", "current"},
                   {"docStatus", note.version > 1 ? "amended" : "final"},
                   {"type", loinc(kConsultNoteLoinc, "Consult note")},
                   {"subject", std::move(subject)},
                   {"content", json::array({{{"attachment", std::move(attachment)}}})}};
  if (note.signed_at_ms > 0) document["date"] = sdk::format_iso8601(note.signed_at_ms);
  if (!note.practitioner_id.empty()) {
    if (!is_fhir_id(note.practitioner_id)) {
      return invalid_clinical(kWhat, "practitioner_id is not a FHIR id");
    }
    document["author"] = json::array({clinical_reference("Practitioner", note.practitioner_id)});
  }
  if (!note.title.empty()) document["description"] = note.title;
  if (!note.replaces_id.empty()) {
    if (!is_fhir_id(note.replaces_id))
      return invalid_clinical(kWhat, "replaces_id is not a FHIR id");
    document["relatesTo"] =
        json::array({{{"code", "replaces"},
                      {"target", clinical_reference("DocumentReference", note.replaces_id)}}});
  }
  if (!note.encounter_id.empty()) {
    document["context"] = {
        {"encounter", json::array({clinical_reference("Encounter", note.encounter_id)})}};
  }
  return document;
}

Result<json> note_composition(const sdk::NoteWrite& note, const FhirSettings& settings) {
  constexpr std::string_view kWhat = "Composition";
  WASL_ASSIGN_OR_RETURN(
      json subject, subject_of(kWhat, note.idempotency_key, note.patient_id, note.encounter_id));
  if (note.text.empty()) return invalid_clinical(kWhat, "the note has no text");
  if (!language_ok(note.language)) return invalid_clinical(kWhat, "language is not ar or en");
  if (note.signed_at_ms <= 0) return invalid_clinical(kWhat, "the note has no signing time");
  json author;
  if (!note.practitioner_id.empty()) {
    if (!is_fhir_id(note.practitioner_id)) {
      return invalid_clinical(kWhat, "practitioner_id is not a FHIR id");
    }
    author = clinical_reference("Practitioner", note.practitioner_id);
  } else if (!settings.service_provider.empty()) {
    author = clinical_reference("Organization", settings.service_provider);
  } else {
    return invalid_clinical(
        kWhat, "no author: the note names no practitioner and service_provider is unset");
  }
  const std::string title = note.title.empty() ? std::string("Consultation note") : note.title;
  json composition = {
      {"resourceType", "Composition"},
      {"identifier", identifier(note.idempotency_key, settings).at(0)},
      {"status", note.version > 1 ? "amended" : "final"},
      {"type", loinc(kConsultNoteLoinc, "Consult note")},
      {"subject", std::move(subject)},
      {"date", sdk::format_iso8601(note.signed_at_ms)},
      {"author", json::array({std::move(author)})},
      {"title", title},
      {"section",
       json::array({{{"title", title},
                     {"text", {{"status", "generated"}, {"div", narrative_div(note.text)}}}}})}};
  if (!note.language.empty()) composition["language"] = note.language;
  if (!note.encounter_id.empty())
    composition["encounter"] = clinical_reference("Encounter", note.encounter_id);
  if (!note.replaces_id.empty()) {
    if (!is_fhir_id(note.replaces_id))
      return invalid_clinical(kWhat, "replaces_id is not a FHIR id");
    composition["relatesTo"] =
        json::array({{{"code", "replaces"},
                      {"targetReference", clinical_reference("Composition", note.replaces_id)}}});
  }
  return composition;
}

Result<json> medication_request_resource(const sdk::MedicationRequestWrite& request,
                                         const FhirSettings& settings) {
  constexpr std::string_view kWhat = "MedicationRequest";
  WASL_ASSIGN_OR_RETURN(json subject, subject_of(kWhat, request.idempotency_key, request.patient_id,
                                                 request.encounter_id));
  if (request.status != "active" && request.status != "cancelled") {
    return invalid_clinical(kWhat, "status is not active or cancelled");
  }
  if (request.medication_code.empty() && request.medication_text.empty()) {
    return invalid_clinical(kWhat, "no medication code or text");
  }
  if (request.quantity < 0 || request.refills < 0) {
    return invalid_clinical(kWhat, "quantity or refills is negative");
  }
  if (!language_ok(request.language)) return invalid_clinical(kWhat, "language is not ar or en");
  json medication = json::object();
  if (!request.medication_code.empty()) {
    json coding = {{"code", request.medication_code}};
    if (!request.medication_system.empty()) coding["system"] = request.medication_system;
    medication["coding"] = json::array({std::move(coding)});
  }
  if (!request.medication_text.empty()) medication["text"] = request.medication_text;
  std::string how;
  for (const std::string* part :
       {&request.dose, &request.route, &request.frequency, &request.duration}) {
    if (part->empty()) continue;
    if (!how.empty()) how += ", ";
    how += *part;
  }
  json dosage = json::object();
  dosage["sequence"] = 1;
  if (!how.empty()) dosage["text"] = how;
  if (!request.instructions.empty()) dosage["patientInstruction"] = request.instructions;
  if (!request.route.empty()) dosage["route"] = {{"text", request.route}};
  json resource = {{"resourceType", "MedicationRequest"},
                   {"identifier", identifier(request.idempotency_key, settings)},
                   {"status", request.status},
                   {"intent", "order"},
                   {"medicationCodeableConcept", std::move(medication)},
                   {"subject", std::move(subject)},
                   {"dosageInstruction", json::array({std::move(dosage)})}};
  if (!request.encounter_id.empty()) {
    resource["encounter"] = clinical_reference("Encounter", request.encounter_id);
  }
  if (!request.practitioner_id.empty()) {
    if (!is_fhir_id(request.practitioner_id)) {
      return invalid_clinical(kWhat, "practitioner_id is not a FHIR id");
    }
    resource["requester"] = clinical_reference("Practitioner", request.practitioner_id);
  }
  if (request.authored_at_ms > 0) {
    resource["authoredOn"] = sdk::format_iso8601(request.authored_at_ms);
  }
  json dispense = json::object();
  if (request.quantity > 0) {
    dispense["quantity"] = {{"value", request.quantity}};
    if (!request.quantity_unit.empty()) dispense["quantity"]["unit"] = request.quantity_unit;
  }
  if (request.refills > 0) dispense["numberOfRepeatsAllowed"] = request.refills;
  if (!dispense.empty()) resource["dispenseRequest"] = std::move(dispense);
  return resource;
}

Result<json> vital_sign_observation(const sdk::VitalSignWrite& vital,
                                    const FhirSettings& settings) {
  constexpr std::string_view kWhat = "Observation";
  WASL_ASSIGN_OR_RETURN(
      json subject, subject_of(kWhat, vital.idempotency_key, vital.patient_id, vital.encounter_id));
  if (vital.code.empty()) return invalid_clinical(kWhat, "no LOINC code");
  if (vital.unit.empty()) return invalid_clinical(kWhat, "no UCUM unit");
  if (vital.effective_ms <= 0) return invalid_clinical(kWhat, "no measurement time");
  json observation = {
      {"resourceType", "Observation"},
      {"meta", {{"profile", json::array({kVitalSignsProfile})}}},
      {"identifier", identifier(vital.idempotency_key, settings)},
      {"status", "final"},
      {"category", json::array({{{"coding", json::array({{{"system", kObservationCategorySystem},
                                                          {"code", "vital-signs"},
                                                          {"display", "Vital Signs"}}})},
                                 {"text", "Vital Signs"}}})},
      {"code", loinc(vital.code, vital.display)},
      {"subject", subject},
      {"effectiveDateTime", sdk::format_iso8601(vital.effective_ms)}};
  if (!vital.encounter_id.empty()) {
    observation["encounter"] = clinical_reference("Encounter", vital.encounter_id);
  }
  if (vital.performer == "patient") {
    observation["performer"] = json::array({subject});
  } else if (vital.performer == "clinician") {
    if (!vital.practitioner_id.empty()) {
      if (!is_fhir_id(vital.practitioner_id)) {
        return invalid_clinical(kWhat, "practitioner_id is not a FHIR id");
      }
      observation["performer"] =
          json::array({clinical_reference("Practitioner", vital.practitioner_id)});
    }
  } else if (!vital.performer.empty()) {
    return invalid_clinical(kWhat, "performer is not patient or clinician");
  }
  if (vital.code == kBloodPressureLoinc) {
    if (!std::isfinite(vital.systolic) || !std::isfinite(vital.diastolic) || vital.systolic <= 0 ||
        vital.diastolic <= 0) {
      return invalid_clinical(kWhat, "blood pressure needs systolic and diastolic");
    }
    observation["component"] =
        json::array({{{"code", loinc(kSystolicLoinc, "Systolic blood pressure")},
                      {"valueQuantity", quantity(vital.systolic, vital.unit)}},
                     {{"code", loinc(kDiastolicLoinc, "Diastolic blood pressure")},
                      {"valueQuantity", quantity(vital.diastolic, vital.unit)}}});
  } else {
    if (!std::isfinite(vital.value)) return invalid_clinical(kWhat, "the value is not a number");
    observation["valueQuantity"] = quantity(vital.value, vital.unit);
  }
  return observation;
}

}  // namespace wasl::plugins::fhir
