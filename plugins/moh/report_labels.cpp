#include "plugins/moh/report_labels.hpp"

#include <array>

namespace wasl::plugins::moh {
namespace {

struct Label {
  std::string_view code;
  std::string_view english;
  std::string_view arabic;
};

constexpr std::array kMeasures{
    Label{"total", "Consultations", "إجمالي الاستشارات"},
    Label{"completed", "Consultations completed", "الاستشارات المكتملة"},
    Label{"cancelled", "Consultations cancelled", "الاستشارات الملغاة"},
    Label{"no_shows", "No-shows", "عدم الحضور"},
    Label{"clinician_no_shows", "Clinician no-shows", "عدم حضور الطبيب"},
    Label{"by_specialty", "Consultations by specialty", "الاستشارات حسب التخصص"},
    Label{"by_consultation_type", "Consultations by type", "الاستشارات حسب النوع"},
    Label{"session_duration_median_seconds", "Median session duration (seconds)",
          "الوسيط لمدة الجلسة (ثانية)"},
    Label{"session_duration_p90_seconds", "90th percentile session duration (seconds)",
          "المئين التسعون لمدة الجلسة (ثانية)"},
    Label{"attendee_seconds", "Attendee time (seconds)", "وقت الحضور (ثانية)"},
    Label{"attendee_minutes", "Attendee-minutes", "دقائق الحضور"},
    Label{"patient_experience_responses", "Patient feedback responses", "عدد ردود تقييم المرضى"},
    Label{"patient_experience_clinician_rating_mean", "Mean clinician rating (1-5)",
          "متوسط تقييم الطبيب (١-٥)"},
    Label{"patient_experience_connection_rating_mean", "Mean connection rating (1-5)",
          "متوسط تقييم الاتصال (١-٥)"},
};

constexpr std::array kCategories{
    // Cancel reasons (hub.set_status reason, POST /v1/consultations/{id}/cancel).
    Label{"patient_request", "Patient request", "بطلب المريض"},
    Label{"clinician_request", "Clinician request", "بطلب الطبيب"},
    Label{"facility_request", "Facility request", "بطلب المنشأة"},
    Label{"no_show", "No-show", "عدم الحضور"},
    Label{"session_not_completed", "Session not completed", "لم تكتمل الجلسة"},
    Label{"technical_failure", "Technical failure", "خلل تقني"},
    Label{"unspecified", "Unspecified", "غير محدد"},
    // Consultation types.
    Label{"doctor_patient", "Doctor and patient", "طبيب ومريض"},
    Label{"medical_team", "Medical team", "فريق طبي"},
    Label{"family", "With family", "مع العائلة"},
    Label{"second_opinion", "Second opinion", "رأي طبي ثان"},
    Label{"emergency", "Emergency", "طوارئ"},
    Label{"follow_up", "Follow-up", "متابعة"},
    Label{"remote_monitoring", "Remote monitoring", "مراقبة عن بعد"},
    Label{"training", "Training", "تدريب"},
};

constexpr std::array kColumns{
    Label{"facility_id", "facility_id", "رمز المنشأة"},
    Label{"facility_licence", "facility_licence", "ترخيص المنشأة"},
    Label{"period", "period", "الفترة"},
    Label{"period_start", "period_start", "بداية الفترة"},
    Label{"period_end", "period_end", "نهاية الفترة"},
    Label{"period_start_hijri", "period_start_hijri", "بداية الفترة (هجري)"},
    Label{"period_end_hijri", "period_end_hijri", "نهاية الفترة (هجري)"},
    Label{"measure", "measure", "رمز المؤشر"},
    Label{"measure_label", "measure_label", "المؤشر"},
    Label{"category", "category", "رمز الفئة"},
    Label{"category_label", "category_label", "الفئة"},
    Label{"value", "value", "القيمة"},
};

template <std::size_t N>
std::string find_label(const std::array<Label, N>& labels, std::string_view code,
                       LabelLanguage language) {
  for (const Label& l : labels) {
    if (l.code == code) {
      return std::string(language == LabelLanguage::kArabic ? l.arabic : l.english);
    }
  }
  return std::string(code);
}

}  // namespace

LabelLanguage label_language(std::string_view facility_language) {
  return facility_language == "ar" ? LabelLanguage::kArabic : LabelLanguage::kEnglish;
}

std::string measure_label(std::string_view measure, LabelLanguage language) {
  return find_label(kMeasures, measure, language);
}

std::string category_label(std::string_view code, LabelLanguage language) {
  return find_label(kCategories, code, language);
}

std::string column_label(std::string_view column, LabelLanguage language) {
  return find_label(kColumns, column, language);
}

}  // namespace wasl::plugins::moh
