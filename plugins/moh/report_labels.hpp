// Labels of the aggregate report's measures, of their categories (cancel
// reasons, consultation types) and of the CSV's columns, in English and
// Arabic. A code without a label is shown as the code itself (specialties
// are free text from the EHR and are shown as they are).
#pragma once

#include <string>
#include <string_view>

namespace wasl::plugins::moh {

enum class LabelLanguage { kEnglish, kArabic };
LabelLanguage label_language(std::string_view facility_language);  // "ar" -> kArabic

// Measure codes: total, completed, cancelled, no_shows, by_specialty,
// by_consultation_type, session_duration_median_seconds,
// session_duration_p90_seconds.
std::string measure_label(std::string_view measure, LabelLanguage language);

// A cancel reason or consultation type code; anything else as given.
std::string category_label(std::string_view code, LabelLanguage language);

// CSV column codes: facility_id, facility_licence, period, period_start,
// period_end, period_start_hijri, period_end_hijri, measure, measure_label,
// category, category_label, value. English labels are the codes themselves.
std::string column_label(std::string_view column, LabelLanguage language);

}  // namespace wasl::plugins::moh
