// VisitSummary: what a patient is told after a completed consultation, in
// their language (Arabic or English): what was found in plain words and the
// follow-up (the signed note's assessment and plan), and each prescription
// with its instructions. Built from hub/clinical's signed records by
// build_visit_summary(); rendered by summary_html.hpp and summary_pdf.hpp.
// PHI throughout: never logged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/clinical/clinical_note.hpp"
#include "hub/clinical/prescription.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::summaries {

// One medicine as the patient reads it.
struct SummaryMedicine {
  std::string name;          // the medication as the clinician wrote it
  std::string how;           // dose, route, frequency and duration, joined
  std::string instructions;  // in the patient's language, as written
  bool operator==(const SummaryMedicine&) const = default;
};

struct VisitSummary {
  clinical::Language language = clinical::Language::kArabic;
  std::string facility_name;
  std::string visit_date;  // the consultation's day, already written for `language`
  std::string findings;    // the note's assessment
  std::string follow_up;   // the note's plan
  std::vector<SummaryMedicine> medicines;
  bool operator==(const VisitSummary&) const = default;
};

// The fixed texts of a summary in one language.
struct SummaryLabels {
  std::string_view title;
  std::string_view facility;
  std::string_view date;
  std::string_view findings;
  std::string_view medicines;
  std::string_view instructions;
  std::string_view follow_up;
  std::string_view none;  // shown for an empty section
  std::string_view closing;
};
const SummaryLabels& summary_labels(clinical::Language language);

// The summary of `note` (a signed version) and the consultation's
// `prescriptions`: signed ones only, cancelled and draft ones left out, in
// the order given. `visit_date` is written by the caller for `language`.
VisitSummary build_visit_summary(clinical::Language language, std::string facility_name,
                                 std::string visit_date, const clinical::ClinicalNote& note,
                                 const std::vector<clinical::Prescription>& prescriptions);

// The consultation's day (epoch ms) in `time_zone` as "27 November 2026" or
// "27 نوفمبر 2026"; kInvalidArgument for an unknown zone.
sdk::Result<std::string> visit_date_text(std::int64_t at_ms, std::string_view time_zone,
                                         clinical::Language language);

}  // namespace wasl::summaries
