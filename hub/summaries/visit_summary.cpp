#include "hub/summaries/visit_summary.hpp"

#include <array>
#include <utility>

#include "hub/calendar/civil_time.hpp"

namespace wasl::summaries {
namespace {

constexpr std::array<std::string_view, 12> kMonthsEn = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 12> kMonthsAr = {"يناير",  "فبراير", "مارس",   "أبريل",
                                                        "مايو",   "يونيو",  "يوليو",  "أغسطس",
                                                        "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"};

void append_part(std::string& out, const std::string& part, std::string_view separator) {
  if (part.empty()) return;
  if (!out.empty()) out += separator;
  out += part;
}

}  // namespace

const SummaryLabels& summary_labels(clinical::Language language) {
  static const SummaryLabels ar{
      "ملخص زيارتك",
      "المنشأة",
      "تاريخ الزيارة",
      "ما وجده الطبيب",
      "الأدوية الموصوفة",
      "التعليمات",
      "المتابعة",
      "لا يوجد",
      "هذا الملخص لك. راجع طبيبك إذا ساءت حالتك أو كان لديك سؤال.",
  };
  static const SummaryLabels en{
      "Your visit summary",
      "Facility",
      "Date of visit",
      "What the doctor found",
      "Medicines prescribed",
      "Instructions",
      "Follow-up",
      "None",
      "This summary is for you. Contact your doctor if you feel worse or have a question.",
  };
  return language == clinical::Language::kArabic ? ar : en;
}

VisitSummary build_visit_summary(clinical::Language language, std::string facility_name,
                                 std::string visit_date, const clinical::ClinicalNote& note,
                                 const std::vector<clinical::Prescription>& prescriptions) {
  VisitSummary s;
  s.language = language;
  s.facility_name = std::move(facility_name);
  s.visit_date = std::move(visit_date);
  s.findings = note.content.assessment;
  s.follow_up = note.content.plan;
  const std::string_view separator = language == clinical::Language::kArabic ? "، " : ", ";
  for (const clinical::Prescription& p : prescriptions) {
    if (p.status != clinical::RecordStatus::kSigned) continue;
    SummaryMedicine m;
    m.name = p.details.medication_text;
    append_part(m.how, p.details.dose, separator);
    append_part(m.how, p.details.route, separator);
    append_part(m.how, p.details.frequency, separator);
    append_part(m.how, p.details.duration, separator);
    m.instructions = p.details.instructions;
    s.medicines.push_back(std::move(m));
  }
  return s;
}

sdk::Result<std::string> visit_date_text(std::int64_t at_ms, std::string_view time_zone,
                                         clinical::Language language) {
  WASL_ASSIGN_OR_RETURN(calendar::CivilTime at, calendar::civil_time(at_ms, time_zone));
  const auto& months = language == clinical::Language::kArabic ? kMonthsAr : kMonthsEn;
  return std::to_string(at.day) + " " + std::string(months[(at.month + 11) % 12]) + " " +
         std::to_string(at.year);
}

}  // namespace wasl::summaries
