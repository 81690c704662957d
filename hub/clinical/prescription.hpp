// Prescription: a medication a clinician prescribes in a consultation, and
// its JSON form. A draft until its author signs it; a draft or a signed one
// may be cancelled with a reason, which is recorded (never deleted).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/clinical/clinical_note.hpp"

namespace wasl::clinical {

// What is prescribed and how. PHI: stored encrypted
// (prescriptions.details_enc), never logged.
struct PrescriptionDetails {
  std::string medication_system;  // the facility's code system (clinical.medication_system)
  std::string medication_code;    // the code in that system
  std::string medication_text;    // the medication as the clinician wrote it
  std::string dose;               // "500 mg"
  std::string route;              // "oral"
  std::string frequency;          // "every 8 hours"
  std::string duration;           // "7 days"
  std::int64_t quantity = 0;      // units dispensed, > 0
  std::string quantity_unit;      // "tablet"
  std::int64_t refills = 0;       // 0-12
  std::string instructions;       // in the patient's language (Prescription::language)
  bool operator==(const PrescriptionDetails&) const = default;
};

struct Prescription {
  std::string id;
  std::string facility_id;
  std::string consultation_id;
  RecordStatus status = RecordStatus::kDraft;
  Language language = Language::kArabic;  // the instructions' language
  PrescriptionDetails details;
  Author author;
  std::int64_t created_at = 0;  // epoch ms
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> signed_at;
  std::optional<std::int64_t> cancelled_at;
  std::optional<std::string> cancelled_by;   // audit actor
  std::optional<std::string> cancel_reason;  // PHI: stored encrypted
};

// The prescription's JSON form. `with_details` false leaves out what is
// prescribed and why it was cancelled (a role that may know a prescription
// exists, not what it says).
nlohmann::json prescription_json(const Prescription& p, bool with_details);

}  // namespace wasl::clinical
