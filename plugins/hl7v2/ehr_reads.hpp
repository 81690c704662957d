// EhrReads: the EHR reads of the HL7 v2 plugin, answered from what the HIS
// feed kept in the instance state (StateRecords). v2 is a push protocol:
// there is nothing to ask the HIS, so a resource the feed has not delivered
// is kNotFound ("the HIS feed has not delivered appointment X"), never a
// retryable error. A patient id merged into another (ADT^A40) reads as the
// patient it was merged into, and so does an appointment's patient_id.
// An error of the host's state store is passed on. Thread-safe.
#pragma once

#include "plugins/hl7v2/state_records.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::hl7v2 {

class EhrReads {
 public:
  // `host` outlives the object.
  explicit EhrReads(sdk::Host& host) : host_(host), records_(host) {}

  sdk::Result<sdk::PatientSummary> read_patient(const sdk::ResourceRef& patient);
  sdk::Result<sdk::PractitionerSummary> read_practitioner(const sdk::ResourceRef& practitioner);
  sdk::Result<sdk::Appointment> read_appointment(const sdk::ResourceRef& appointment);
  // The coverage named (of the patient named, when given), or the patient's
  // first coverage whose period has not ended by the host's clock.
  sdk::Result<sdk::Coverage> read_coverage(const sdk::CoverageRequest& request);

  // Records the status on the stored appointment (the HIS owns the schedule:
  // nothing is sent to it) and answers the appointment; a later message from
  // the HIS about it overwrites the status again.
  sdk::Result<sdk::Appointment> update_appointment_status(
      const sdk::AppointmentStatusUpdate& update);

  // The patient id `id` now stands for, following merged/ links.
  sdk::Result<std::string> resolve_patient_id(const std::string& id);

 private:
  sdk::Host& host_;
  StateRecords records_;
};

}  // namespace wasl::plugins::hl7v2
