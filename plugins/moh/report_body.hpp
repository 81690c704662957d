// The hub's report body (sdk::Report::body, built by hub.build_report; see
// hub/app/report_actions.hpp and README.md "What the hub sends"), read into
// typed values. The plugin formats these and nothing else: every figure is
// the hub's, computed from its store.
//
// Errors: kInvalidArgument (not retryable) naming the member that is missing
// or malformed, never its value (the body carries patient identifiers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::moh {

struct FacilityPart {
  std::string id;
  std::string name;
  std::string licence;          // the facility's MOH licence; may be empty
  std::string language = "en";  // "en" or "ar": the CSV's labels
  std::string time_zone;        // IANA id the period is bounded in
  // Days the facility keeps what it records (its retention); files the
  // drop wrote for the facility are deleted after it. 0 = not stated.
  std::int64_t retention_days = 0;
};

struct PeriodPart {
  std::string kind;   // "day", "month" or "custom" (aggregates), "session" (consultations)
  std::string label;  // "2025-03-01", "2025-03"; for others the start date
  std::string start;  // ISO 8601 with offset, the first second
  std::string end;    // ISO 8601 with offset, the last second (FHIR Period.end is inclusive)
  std::int64_t start_ms = 0;  // inclusive
  std::int64_t end_ms = 0;    // exclusive
  std::string start_hijri;    // Umm al-Qura "1446-09-01"; empty unless the facility asks
  std::string end_hijri;
};

struct PatientPart {
  // kind "national_id" or "iqama" only: the hub sends no other identifier.
  std::vector<std::pair<std::string, std::string>> identifiers;  // (kind, value)
  // Present only when the facility's settings ask for names.
  std::optional<std::string> name_text;
  std::string given_name;
  std::string family_name;
};

struct ConsultationReport {
  std::string report_id;  // the receiver's identifier (sdk::Report::idempotency_key)
  std::string generated_at;
  FacilityPart facility;
  PeriodPart period;
  std::string consultation_id;
  std::string consultation_type;  // "doctor_patient", …
  std::string status;             // the consultation's status
  std::string service_type;       // may be empty
  std::string specialty;          // may be empty
  std::int64_t duration_seconds = 0;
  // What took place (attendance.outcome): "held", "no_show" (the patient
  // never joined), "clinician_no_show" (no clinician joined) or "not_held";
  // empty when the hub sent none (a hub before attendance).
  std::string outcome;
  std::int64_t attendee_seconds = 0;  // every participant's time in the room, summed
  PatientPart patient;
  std::string practitioner_licence;  // may be empty
};

struct CodeCount {
  std::string code;
  std::int64_t count = 0;
};

struct AggregateReport {
  std::string report_id;
  std::string generated_at;
  FacilityPart facility;
  PeriodPart period;
  std::int64_t total = 0;
  std::int64_t completed = 0;
  std::int64_t cancelled = 0;
  std::vector<CodeCount> cancelled_by_reason;
  std::int64_t no_shows = 0;            // the patient never joined
  std::int64_t clinician_no_shows = 0;  // no clinician joined
  // Every participant's time in the room, over the attendance periods that
  // started in the period; minutes as the hub rounded them (two decimals).
  std::int64_t attendee_seconds = 0;
  double attendee_minutes = 0;
  std::vector<CodeCount> by_specialty;
  std::vector<CodeCount> by_type;
  std::int64_t sessions_timed = 0;  // sessions with a start and an end
  std::optional<double> median_duration_seconds;
  std::optional<double> p90_duration_seconds;
  // The patients' feedback answered in the period (measures.
  // patient_experience): unset when the hub sent none (a hub before
  // feedback). The means are unset when no patient answered.
  struct PatientExperience {
    std::int64_t responses = 0;
    std::optional<double> clinician_rating_mean;   // 1 to 5
    std::optional<double> connection_rating_mean;  // 1 to 5
  };
  std::optional<PatientExperience> patient_experience;
};

// Reads a report of kind "consultation" / "aggregate".
sdk::Result<ConsultationReport> read_consultation_report(const sdk::Report& report);
sdk::Result<AggregateReport> read_aggregate_report(const sdk::Report& report);

}  // namespace wasl::plugins::moh
