#include "plugins/hl7v2/ehr_reads.hpp"

#include <chrono>
#include <set>

#include "plugins/hl7v2/mapping.hpp"

namespace wasl::plugins::hl7v2 {

namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

// Merges chained longer than this are a loop or a broken feed.
constexpr int kMaxMergeHops = 16;

Error not_delivered(std::string_view what, const std::string& id) {
  return Error(ErrorCode::kNotFound,
               "the HIS feed has not delivered " + std::string(what) + " " + id, false);
}

Error invalid_id(std::string_view what) {
  return Error(ErrorCode::kInvalidArgument,
               std::string(what) + " id must be letters, digits, '-' or '.' (at most 64)", false);
}

// The stored value under `key` as T; std::nullopt when there is none.
template <typename T>
Result<std::optional<T>> read_as(StateRecords& records, const std::string& key) {
  WASL_ASSIGN_OR_RETURN(std::optional<json> value, records.get(key));
  if (!value) return std::optional<T>();
  try {
    return std::optional<T>(value->get<T>());
  } catch (const json::exception&) {
    return Error(ErrorCode::kInternal, "the stored record " + key + " cannot be read", false);
  }
}

}  // namespace

Result<std::string> EhrReads::resolve_patient_id(const std::string& id) {
  std::string current = id;
  for (int hop = 0; hop < kMaxMergeHops; ++hop) {
    WASL_ASSIGN_OR_RETURN(std::optional<std::string> into,
                          read_as<std::string>(records_, "merged/" + current));
    if (!into || *into == current) return current;
    current = *into;
  }
  return Error(ErrorCode::kInternal, "the patient merges starting at " + id + " form a loop",
               false);
}

Result<sdk::PatientSummary> EhrReads::read_patient(const sdk::ResourceRef& patient) {
  if (!is_resource_id(patient.id)) return invalid_id("the patient");
  WASL_ASSIGN_OR_RETURN(std::string id, resolve_patient_id(patient.id));
  WASL_ASSIGN_OR_RETURN(auto found, read_as<sdk::PatientSummary>(records_, "patient/" + id));
  if (!found) return not_delivered("patient", patient.id);
  return std::move(*found);
}

Result<sdk::PractitionerSummary> EhrReads::read_practitioner(const sdk::ResourceRef& practitioner) {
  if (!is_resource_id(practitioner.id)) return invalid_id("the practitioner");
  WASL_ASSIGN_OR_RETURN(
      auto found, read_as<sdk::PractitionerSummary>(records_, "practitioner/" + practitioner.id));
  if (!found) return not_delivered("practitioner", practitioner.id);
  return std::move(*found);
}

Result<sdk::Appointment> EhrReads::read_appointment(const sdk::ResourceRef& appointment) {
  if (!is_resource_id(appointment.id)) return invalid_id("the appointment");
  WASL_ASSIGN_OR_RETURN(auto found,
                        read_as<sdk::Appointment>(records_, "appointment/" + appointment.id));
  if (!found) return not_delivered("appointment", appointment.id);
  if (!found->patient_id.empty()) {
    WASL_ASSIGN_OR_RETURN(found->patient_id, resolve_patient_id(found->patient_id));
  }
  return std::move(*found);
}

Result<sdk::Coverage> EhrReads::read_coverage(const sdk::CoverageRequest& request) {
  std::string patient = request.patient_id;
  if (patient.empty() && !request.coverage_id.empty()) {
    if (!is_resource_id(request.coverage_id)) return invalid_id("the coverage");
    WASL_ASSIGN_OR_RETURN(auto owner,
                          read_as<std::string>(records_, "coverage-id/" + request.coverage_id));
    if (!owner) return not_delivered("coverage", request.coverage_id);
    patient = *owner;
  }
  if (!is_resource_id(patient)) return invalid_id("the patient");
  WASL_ASSIGN_OR_RETURN(patient, resolve_patient_id(patient));
  WASL_ASSIGN_OR_RETURN(auto coverages,
                        read_as<std::vector<sdk::Coverage>>(records_, "coverage/" + patient));
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch()).count();
  for (auto& coverage : coverages.value_or(std::vector<sdk::Coverage>())) {
    coverage.status = coverage_status(coverage, now_ms);
    coverage.patient_id = patient;
    if (!request.coverage_id.empty()) {
      if (coverage.id == request.coverage_id) return std::move(coverage);
    } else if (coverage.status == "active") {
      return std::move(coverage);
    }
  }
  if (!request.coverage_id.empty()) return not_delivered("coverage", request.coverage_id);
  return Error(ErrorCode::kNotFound,
               "the HIS feed has delivered no active coverage for patient " + request.patient_id,
               false);
}

Result<sdk::Appointment> EhrReads::update_appointment_status(
    const sdk::AppointmentStatusUpdate& update) {
  if (!is_resource_id(update.appointment_id)) return invalid_id("the appointment");
  if (update.status.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the appointment status is empty", false);
  }
  WASL_ASSIGN_OR_RETURN(bool updated,
                        records_.update("appointment/" + update.appointment_id, [&](json value) {
                          value["status"] = update.status;
                          return value;
                        }));
  if (!updated) return not_delivered("appointment", update.appointment_id);
  return read_appointment(sdk::ResourceRef{update.appointment_id});
}

}  // namespace wasl::plugins::hl7v2
