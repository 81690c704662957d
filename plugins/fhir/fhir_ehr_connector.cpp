#include "plugins/fhir/fhir_ehr_connector.hpp"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "plugins/fhir/clinical_writes.hpp"
#include "plugins/fhir/resource_mapping.hpp"
#include "plugins/fhir/slot_bundle.hpp"
#include "plugins/fhir/writes.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/percent_encoding.hpp"
#include "wasl/sdk/timestamp.hpp"
#include "wasl/sdk/uuid.hpp"

namespace wasl::plugins::fhir {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

FhirEhrConnector::FhirEhrConnector(sdk::Host& host, FhirSettings settings)
    : host_(host), client_(host, std::move(settings)) {}

Result<sdk::PublicKeySet> FhirEhrConnector::public_keys() {
  return client_.settings().published_keys;
}

Result<sdk::PatientSummary> FhirEhrConnector::read_patient(const sdk::ResourceRef& patient) {
  WASL_ASSIGN_OR_RETURN(json resource, client_.read("Patient", patient.id));
  return to_patient(resource);
}

Result<sdk::PractitionerSummary> FhirEhrConnector::read_practitioner(
    const sdk::ResourceRef& practitioner) {
  WASL_ASSIGN_OR_RETURN(json resource, client_.read("Practitioner", practitioner.id));
  return to_practitioner(resource);
}

Result<sdk::Appointment> FhirEhrConnector::read_appointment(const sdk::ResourceRef& appointment) {
  WASL_ASSIGN_OR_RETURN(json resource, client_.read("Appointment", appointment.id));
  return to_appointment(resource);
}

Result<sdk::Coverage> FhirEhrConnector::read_coverage(const sdk::CoverageRequest& request) {
  if (!request.coverage_id.empty()) {
    WASL_ASSIGN_OR_RETURN(json resource, client_.read("Coverage", request.coverage_id));
    return to_coverage(resource);
  }
  if (!is_fhir_id(request.patient_id)) {
    return Error(ErrorCode::kInvalidArgument,
                 host_.instance_name() + ": read_coverage needs a coverage id or a patient id",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(
      auto found,
      client_.search("Coverage",
                     "beneficiary=" + sdk::percent_encode("Patient/" + request.patient_id) +
                         "&status=active"));
  if (found.empty()) {
    return Error(ErrorCode::kNotFound,
                 host_.instance_name() + ": the patient has no active Coverage", false);
  }
  return to_coverage(found.front());
}

Result<sdk::Appointment> FhirEhrConnector::update_appointment_status(
    const sdk::AppointmentStatusUpdate& update) {
  if (!is_appointment_status(update.status)) {
    return Error(ErrorCode::kInvalidArgument,
                 host_.instance_name() + ": '" + update.status + "' is not an R4 AppointmentStatus",
                 false);
  }
  // Read, then PUT with If-Match on the version read; on 412 (changed in
  // between) read once more and try once more.
  for (int attempt = 0;; ++attempt) {
    WASL_ASSIGN_OR_RETURN(json resource, client_.read("Appointment", update.appointment_id));
    WASL_ASSIGN_OR_RETURN(sdk::Appointment current, to_appointment(resource));
    if (current.status == update.status) return current;
    resource["status"] = update.status;
    auto written =
        client_.update_if_match("Appointment", update.appointment_id, resource, current.version_id);
    if (!written.ok()) {
      if (written.error().code == ErrorCode::kConflict && attempt == 0) continue;
      return std::move(written).error();
    }
    if (written->resource.is_object()) return to_appointment(written->resource);
    current.status = update.status;
    current.version_id = written->version_id;
    current.raw = std::move(resource);
    return current;
  }
}

Result<sdk::ResourceCreated> FhirEhrConnector::create_encounter(
    const sdk::EncounterRequest& request) {
  auto resource = encounter_resource(request, client_.settings());
  if (!resource.ok()) return named(std::move(resource).error());
  return create(*resource, request.idempotency_key);
}

Result<sdk::ResourceCreated> FhirEhrConnector::attach_document(
    const sdk::DocumentRequest& request) {
  auto resource = document_reference_resource(request, client_.settings());
  if (!resource.ok()) return named(std::move(resource).error());
  return create(*resource, request.idempotency_key);
}

Result<sdk::ResourceCreated> FhirEhrConnector::write_note(const sdk::NoteWrite& note) {
  auto resource = client_.settings().note_resource == NoteResource::kComposition
                      ? note_composition(note, client_.settings())
                      : note_document_reference(note, client_.settings());
  if (!resource.ok()) return named(std::move(resource).error());
  return create(*resource, note.idempotency_key);
}

Result<sdk::ResourceCreated> FhirEhrConnector::write_medication_request(
    const sdk::MedicationRequestWrite& request) {
  auto resource = medication_request_resource(request, client_.settings());
  if (!resource.ok()) return named(std::move(resource).error());
  if (request.status != "cancelled") return create(*resource, request.idempotency_key);
  // Read the one written with this key, then PUT its status with If-Match;
  // on 412 (changed in between) once more.
  const std::string query =
      "identifier=" +
      sdk::percent_encode(client_.settings().identifier_system + "|" + request.idempotency_key);
  for (int attempt = 0;; ++attempt) {
    WASL_ASSIGN_OR_RETURN(auto found, client_.search("MedicationRequest", query));
    if (found.empty()) {
      return Error(ErrorCode::kNotFound,
                   host_.instance_name() + ": no MedicationRequest was written with this key",
                   false);
    }
    json current = std::move(found.front());
    const std::string id = sdk::string_member(current, "id");
    const std::string version =
        current.contains("meta") ? sdk::string_member(current["meta"], "versionId") : "";
    if (sdk::string_member(current, "status") == "cancelled") {
      return sdk::ResourceCreated{id, version, false, "MedicationRequest"};
    }
    current["status"] = "cancelled";
    auto written = client_.update_if_match("MedicationRequest", id, current, version);
    if (!written.ok()) {
      if (written.error().code == ErrorCode::kConflict && attempt == 0) continue;
      return std::move(written).error();
    }
    return sdk::ResourceCreated{id, written->version_id, false, "MedicationRequest"};
  }
}

Result<sdk::ResourceCreated> FhirEhrConnector::write_vital_signs(const sdk::VitalSignWrite& vital) {
  auto resource = vital_sign_observation(vital, client_.settings());
  if (!resource.ok()) return named(std::move(resource).error());
  return create(*resource, vital.idempotency_key);
}

sdk::Status FhirEhrConnector::check_fhir_version() {
  WASL_ASSIGN_OR_RETURN(json capabilities, client_.capabilities());
  const std::string version =
      capabilities.contains("fhirVersion") && capabilities["fhirVersion"].is_string()
          ? capabilities["fhirVersion"].get<std::string>()
          : std::string();
  if (sdk::string_member(capabilities, "resourceType") == "CapabilityStatement" &&
      version.rfind("4.0.", 0) == 0) {
    return {};
  }
  std::string shown = version.substr(0, 20);
  return Error(ErrorCode::kFailedPrecondition,
               host_.instance_name() + ": the server at " + client_.settings().base_url +
                   (shown.empty() ? " declares no FHIR version in its CapabilityStatement"
                                  : " speaks FHIR " + shown) +
                   "; this plugin speaks FHIR R4 (4.0.x) only",
               false);
}

Result<sdk::ResourceCreated> FhirEhrConnector::create(const json& resource,
                                                      const std::string& idempotency_key) {
  WASL_ASSIGN_OR_RETURN(auto written, client_.create_if_none_exist(
                                          resource.at("resourceType").get<std::string>(), resource,
                                          client_.settings().identifier_system, idempotency_key));
  return sdk::ResourceCreated{written.id, written.version_id, written.created,
                              resource.at("resourceType").get<std::string>()};
}

namespace {

// The schedules asked for in one Slot search, so its URL stays short.
constexpr std::size_t kSchedulesPerSearch = 20;

// The first reference to `type` among Schedule.actor.
std::string actor_of(const json& schedule, std::string_view type) {
  auto actors = schedule.find("actor");
  if (actors == schedule.end() || !actors->is_array()) return {};
  for (const json& actor : *actors) {
    std::string id = reference_id(actor, type);
    if (is_fhir_id(id)) return id;
  }
  return {};
}

std::string fhir_instant(std::int64_t ms) { return sdk::format_iso8601(ms); }

}  // namespace

sdk::Status FhirEhrConnector::add_schedules(const std::string& actor,
                                            std::map<std::string, sdk::FreeSlot>& into) {
  WASL_ASSIGN_OR_RETURN(auto schedules,
                        client_.search("Schedule", "actor=" + sdk::percent_encode(actor)));
  for (const json& schedule : schedules) {
    if (schedule.contains("active") && schedule["active"] == false) continue;
    std::string id = sdk::string_member(schedule, "id");
    if (!is_fhir_id(id) || into.count(id) != 0) continue;
    if (into.size() == kMaxSchedules) break;
    sdk::FreeSlot owner;
    owner.schedule_id = id;
    owner.practitioner_id = actor_of(schedule, "Practitioner");
    owner.service_id = actor_of(schedule, "HealthcareService");
    into.emplace(id, std::move(owner));
  }
  return {};
}

Result<sdk::FreeSlots> FhirEhrConnector::find_free_slots(const sdk::SlotSearch& search) {
  const bool by_practitioner = !search.practitioner_id.empty();
  if (by_practitioner == !search.service_id.empty()) {
    return named(Error(ErrorCode::kInvalidArgument,
                       "find_free_slots needs a practitioner or a service, not both", false));
  }
  const std::string& who = by_practitioner ? search.practitioner_id : search.service_id;
  if (!is_fhir_id(who)) {
    return named(Error(ErrorCode::kInvalidArgument,
                       "find_free_slots: the practitioner or service is not a FHIR id", false));
  }
  if (search.from_ms >= search.to_ms) {
    return named(Error(ErrorCode::kInvalidArgument,
                       "find_free_slots: the window's start is not before its end", false));
  }
  const std::size_t limit =
      static_cast<std::size_t>(std::clamp(search.limit, 1, static_cast<int>(kMaxSlotsRead)));

  std::map<std::string, sdk::FreeSlot> schedules;
  if (by_practitioner) {
    WASL_RETURN_IF_ERROR(add_schedules("Practitioner/" + who, schedules));
  } else {
    WASL_RETURN_IF_ERROR(add_schedules("HealthcareService/" + who, schedules));
    WASL_ASSIGN_OR_RETURN(
        auto roles, client_.search("PractitionerRole",
                                   "service=" + sdk::percent_encode("HealthcareService/" + who)));
    for (const json& role : roles) {
      if (role.contains("active") && role["active"] == false) continue;
      auto practitioner = role.find("practitioner");
      if (practitioner == role.end()) continue;
      std::string id = reference_id(*practitioner, "Practitioner");
      if (!is_fhir_id(id)) continue;
      if (schedules.size() == kMaxSchedules) break;
      WASL_RETURN_IF_ERROR(add_schedules("Practitioner/" + id, schedules));
    }
  }

  sdk::FreeSlots out;
  std::vector<std::string> ids;
  ids.reserve(schedules.size());
  for (const auto& [id, owner] : schedules) ids.push_back(id);
  std::size_t read = 0;
  for (std::size_t at = 0; at < ids.size() && !out.truncated; at += kSchedulesPerSearch) {
    std::string list;
    for (std::size_t i = at; i < std::min(ids.size(), at + kSchedulesPerSearch); ++i) {
      if (!list.empty()) list += ",";
      list += "Schedule/" + ids[i];
    }
    std::string url = client_.settings().base_url + "/Slot?schedule=" + sdk::percent_encode(list) +
                      "&status=free&start=ge" + sdk::percent_encode(fhir_instant(search.from_ms)) +
                      "&start=lt" + sdk::percent_encode(fhir_instant(search.to_ms)) +
                      "&_sort=start&_count=" + std::to_string(client_.settings().page_size);
    for (int page = 0; !url.empty(); ++page) {
      if (page == client_.settings().max_pages) {
        out.truncated = true;
        break;
      }
      WASL_ASSIGN_OR_RETURN(std::string body, client_.get_text(url, "search Slot"));
      auto slots = read_slot_page(body);
      if (!slots.ok()) return named(std::move(slots).error());
      for (sdk::FreeSlot& slot : slots->slots) {
        if (read == kMaxSlotsRead) {
          out.truncated = true;
          break;
        }
        ++read;
        auto owner = schedules.find(slot.schedule_id);
        // The server's filters are checked again: an EHR that ignores one
        // does not widen the answer.
        if (owner == schedules.end() || slot.start_ms < search.from_ms ||
            slot.start_ms >= search.to_ms) {
          continue;
        }
        slot.practitioner_id = owner->second.practitioner_id;
        slot.service_id =
            owner->second.service_id.empty() && !by_practitioner ? who : owner->second.service_id;
        out.slots.push_back(std::move(slot));
      }
      if (out.truncated) break;
      url = std::move(slots->next_url);
    }
  }
  std::sort(out.slots.begin(), out.slots.end(), [](const sdk::FreeSlot& a, const sdk::FreeSlot& b) {
    return a.start_ms != b.start_ms ? a.start_ms < b.start_ms : a.id < b.id;
  });
  if (out.slots.size() > limit) {
    out.slots.resize(limit);
    out.truncated = true;
  }
  return out;
}

Result<sdk::BookedSlot> FhirEhrConnector::book_slot(const sdk::SlotBooking& booking) {
  if (!is_fhir_id(booking.slot_id) || !is_fhir_id(booking.patient_id) ||
      (!booking.practitioner_id.empty() && !is_fhir_id(booking.practitioner_id)) ||
      booking.idempotency_key.empty()) {
    return named(Error(ErrorCode::kInvalidArgument,
                       "book_slot needs a slot, a patient (FHIR ids) and an idempotency key",
                       false));
  }
  const std::string& system = client_.settings().identifier_system;
  const std::string condition =
      "identifier=" + sdk::percent_encode(system + "|" + booking.idempotency_key);
  auto answer = [&](const json& appointment, bool created) -> Result<sdk::BookedSlot> {
    WASL_ASSIGN_OR_RETURN(sdk::Appointment read, to_appointment(appointment));
    sdk::BookedSlot out;
    out.appointment_id = read.id;
    out.appointment_version_id = read.version_id;
    out.slot_id = booking.slot_id;
    out.practitioner_id = read.practitioner_id;
    out.start_ms = read.start_ms;
    out.end_ms = read.end_ms;
    out.created = created;
    return out;
  };
  // A repeat (the first answer was lost, or the hub stopped after it).
  WASL_ASSIGN_OR_RETURN(auto earlier, client_.search("Appointment", condition));
  if (!earlier.empty()) return answer(earlier.front(), false);

  WASL_ASSIGN_OR_RETURN(json slot, client_.read("Slot", booking.slot_id));
  auto taken = [&] {
    return named(Error(ErrorCode::kConflict, "Slot/" + booking.slot_id + " is not free", false));
  };
  sdk::FreeSlot free;
  if (!read_free_slot(slot, free)) return taken();
  std::string practitioner = booking.practitioner_id;
  if (practitioner.empty()) {
    auto schedule = client_.read("Schedule", free.schedule_id);
    if (schedule.ok()) practitioner = actor_of(*schedule, "Practitioner");
  }

  json participants = json::array({{{"actor", {{"reference", "Patient/" + booking.patient_id}}},
                                    {"required", "required"},
                                    {"status", "accepted"}}});
  if (!practitioner.empty()) {
    participants.push_back({{"actor", {{"reference", "Practitioner/" + practitioner}}},
                            {"required", "required"},
                            {"status", "accepted"}});
  }
  json appointment = {
      {"resourceType", "Appointment"},
      {"identifier", {{{"system", system}, {"value", booking.idempotency_key}}}},
      {"status", "booked"},
      {"slot", {{{"reference", "Slot/" + booking.slot_id}}}},
      {"start", fhir_instant(free.start_ms)},
      {"end", fhir_instant(free.end_ms)},
      {"created", sdk::format_iso8601_date(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               host_.now().time_since_epoch())
                                               .count())},
      {"participant", std::move(participants)}};
  if (!booking.description.empty()) appointment["description"] = booking.description;
  if (auto types = slot.find("serviceType"); types != slot.end() && types->is_array()) {
    appointment["serviceType"] = *types;
  }
  WASL_ASSIGN_OR_RETURN(std::string placeholder, sdk::random_uuid());
  json busy = slot;
  busy["status"] = "busy";
  json bundle = {
      {"resourceType", "Bundle"},
      {"type", "transaction"},
      {"entry",
       {{{"fullUrl", "urn:uuid:" + placeholder},
         {"resource", appointment},
         {"request", {{"method", "POST"}, {"url", "Appointment"}, {"ifNoneExist", condition}}}},
        {{"fullUrl", client_.settings().base_url + "/Slot/" + booking.slot_id},
         {"resource", busy},
         {"request",
          {{"method", "PUT"},
           {"url", "Slot/" + booking.slot_id},
           {"ifMatch", "W/\"" + free.version_id + "\""}}}}}}};
  auto done = client_.transaction(bundle);
  if (!done.ok()) {
    if (done.error().code == ErrorCode::kConflict) return taken();
    return std::move(done).error();
  }
  const json* entries = nullptr;
  if (auto found = done->find("entry"); found != done->end() && found->is_array())
    entries = &*found;
  if (entries != nullptr && !entries->empty() && (*entries)[0].is_object()) {
    const json& first = (*entries)[0];
    if (auto resource = first.find("resource");
        resource != first.end() && resource->is_object() &&
        sdk::string_member(*resource, "resourceType") == "Appointment") {
      return answer(*resource, true);
    }
  }
  // An answer without the resource: read the booking back by its identifier.
  WASL_ASSIGN_OR_RETURN(auto booked, client_.search("Appointment", condition));
  if (booked.empty()) {
    return named(
        Error(ErrorCode::kUnavailable, "the booking transaction answered no Appointment", true));
  }
  return answer(booked.front(), true);
}

Error FhirEhrConnector::named(Error error) const {
  error.message = host_.instance_name() + ": " + error.message;
  return error;
}

}  // namespace wasl::plugins::fhir
