#include "hub/notifications/message_texts.hpp"

#include <array>

#include "hub/calendar/civil_time.hpp"
#include "hub/calendar/hijri_date.hpp"
#include "hub/notifications/message_kind.hpp"
#include "hub/text/message_template.hpp"

namespace wasl::notifications {
namespace {

struct BuiltIn {
  std::string_view kind;
  MessageText ar;
  MessageText en;
};

// The built-in texts: short enough for an SMS of a few parts, polite, and
// saying only what the variables say.
const std::array<BuiltIn, 8>& builtins() {
  static const std::array<BuiltIn, 8> texts = {{
      {kInvitation,
       {"موعد استشارتك المرئية مع {{facility_name}}",
        "تم حجز استشارتك المرئية مع {{facility_name}} يوم {{weekday}} {{date}} "
        "({{hijri_date}}) الساعة {{time}}. للدخول في موعدك: {{join_link}}"},
       {"Your video consultation with {{facility_name}}",
        "Your video consultation with {{facility_name}} is booked for {{weekday}} {{date}} at "
        "{{time}}. Join at that time here: {{join_link}}"}},
      {kReminder24h,
       {"تذكير بموعد استشارتك المرئية",
        "تذكير: موعد استشارتك المرئية مع {{facility_name}} يوم {{weekday}} {{date}} الساعة "
        "{{time}}. للدخول في موعدك: {{join_link}}"},
       {"Reminder: your video consultation",
        "Reminder: your video consultation with {{facility_name}} is on {{weekday}} {{date}} at "
        "{{time}}. Join here: {{join_link}}"}},
      {kReminder1h,
       {"استشارتك المرئية بعد قليل",
        "تبدأ استشارتك المرئية مع {{facility_name}} الساعة {{time}}. للدخول في موعدك: "
        "{{join_link}}"},
       {"Your video consultation starts soon",
        "Your video consultation with {{facility_name}} starts at {{time}}. Join here: "
        "{{join_link}}"}},
      {kClinicianReady,
       {"الطبيب بانتظارك الآن",
        "الطبيب في {{facility_name}} جاهز لاستشارتك المرئية وبانتظارك الآن. انضم من هنا: "
        "{{join_link}}"},
       {"Your clinician is ready for you",
        "Your clinician at {{facility_name}} is ready for your video consultation. Join now: "
        "{{join_link}}"}},
      {kCancellation,
       {"إلغاء موعد استشارتك المرئية",
        "نعتذر، تم إلغاء موعد استشارتك المرئية مع {{facility_name}} يوم {{weekday}} {{date}} "
        "الساعة {{time}}. لحجز موعد جديد يرجى التواصل مع {{facility_name}}."},
       {"Your video consultation is cancelled",
        "We are sorry: your video consultation with {{facility_name}} on {{weekday}} {{date}} "
        "at {{time}} is cancelled. Please contact {{facility_name}} to book a new one."}},
      {kReschedule,
       {"موعد جديد لاستشارتك المرئية",
        "تم تغيير موعد استشارتك المرئية مع {{facility_name}} إلى يوم {{weekday}} {{date}} "
        "({{hijri_date}}) الساعة {{time}}. للدخول في موعدك: {{join_link}}"},
       {"A new time for your video consultation",
        "Your video consultation with {{facility_name}} has moved to {{weekday}} {{date}} at "
        "{{time}}. Join at that time here: {{join_link}}"}},
      {kVisitSummary,
       {"ملخص زيارتك",
        "ملخص زيارتك المرئية مع {{facility_name}} يوم {{weekday}} {{date}} جاهز، وفيه ما "
        "وجده الطبيب والأدوية الموصوفة والمتابعة: {{summary_link}}"},
       {"Your visit summary",
        "The summary of your video consultation with {{facility_name}} on {{weekday}} {{date}} "
        "is ready: what the doctor found, your medicines and the follow-up: {{summary_link}}"}},
      {kFeedback,
       {"كيف كانت استشارتك المرئية؟",
        "شكراً لاستشارتك المرئية مع {{facility_name}} يوم {{weekday}} {{date}}. نرجو تقييم "
        "الطبيب وجودة الاتصال في سؤالين قصيرين (الرابط صالح لإجابة واحدة): {{feedback_link}}"},
       {"How was your video consultation?",
        "Thank you for your video consultation with {{facility_name}} on {{weekday}} {{date}}. "
        "Please rate your clinician and the connection in two short questions (the link works "
        "once): {{feedback_link}}"}},
  }};
  return texts;
}

constexpr std::array<std::string_view, 7> kWeekdaysEn = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 7> kWeekdaysAr = {
    "الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"};
constexpr std::array<std::string_view, 12> kMonthsEn = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 12> kMonthsAr = {"يناير",  "فبراير", "مارس",   "أبريل",
                                                        "مايو",   "يونيو",  "يوليو",  "أغسطس",
                                                        "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"};
constexpr std::array<std::string_view, 12> kHijriMonthsEn = {
    "Muharram", "Safar",  "Rabi al-Awwal", "Rabi al-Thani", "Jumada al-Ula", "Jumada al-Akhirah",
    "Rajab",    "Shaban", "Ramadan",       "Shawwal",       "Dhu al-Qadah",  "Dhu al-Hijjah"};
constexpr std::array<std::string_view, 12> kHijriMonthsAr = {
    "محرم", "صفر",   "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة",
    "رجب",  "شعبان", "رمضان",      "شوال",       "ذو القعدة",    "ذو الحجة"};

std::string two_digits(int n) {
  return std::string(1, static_cast<char>('0' + n / 10)) + static_cast<char>('0' + n % 10);
}

}  // namespace

std::string message_language(std::string_view patient_language, std::string_view fallback) {
  auto starts = [&](std::string_view code) {
    if (patient_language.size() < 2) return false;
    for (std::size_t i = 0; i < 2; ++i) {
      char c = patient_language[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != code[i]) return false;
    }
    return patient_language.size() == 2 || patient_language[2] == '-' || patient_language[2] == '_';
  };
  if (starts("ar")) return "ar";
  if (starts("en")) return "en";
  return std::string(fallback);
}

sdk::Result<MessageText> builtin_text(std::string_view kind, std::string_view language) {
  for (const BuiltIn& b : builtins()) {
    if (b.kind != kind) continue;
    if (language == "ar") return b.ar;
    if (language == "en") return b.en;
  }
  return sdk::Error(sdk::ErrorCode::kNotFound,
                    "no built-in text for " + std::string(kind) + " in " + std::string(language),
                    false);
}

std::string arabic_indic_digits(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      out += '\xD9';  // U+0660..U+0669 are D9 A0..D9 A9
      out += static_cast<char>(0xA0 + (c - '0'));
    } else {
      out += c;
    }
  }
  return out;
}

sdk::Result<std::map<std::string, std::string>> message_values(const MessageFacts& facts) {
  WASL_ASSIGN_OR_RETURN(calendar::CivilTime at,
                        calendar::civil_time(facts.start_ms, facts.time_zone));
  WASL_ASSIGN_OR_RETURN(calendar::HijriDate hijri,
                        calendar::umm_al_qura_date(facts.start_ms, facts.time_zone));
  const bool ar = facts.language == "ar";
  const int hour12 = at.hour % 12 == 0 ? 12 : at.hour % 12;
  const bool pm = at.hour >= 12;
  std::string date = std::to_string(at.day) + " " +
                     std::string((ar ? kMonthsAr : kMonthsEn)[(at.month - 1) % 12]) + " " +
                     std::to_string(at.year);
  std::string time = std::to_string(hour12) + ":" + two_digits(at.minute) + " " +
                     (ar ? (pm ? "م" : "ص") : (pm ? "PM" : "AM"));
  std::string hijri_text;
  if (hijri.month >= 1 && hijri.month <= 12) {
    hijri_text = std::to_string(hijri.day) + " " +
                 std::string((ar ? kHijriMonthsAr : kHijriMonthsEn)[hijri.month - 1]) + " " +
                 std::to_string(hijri.year) + (ar ? " هـ" : " AH");
  }
  if (ar && facts.arabic_digits) {
    date = arabic_indic_digits(date);
    time = arabic_indic_digits(time);
    hijri_text = arabic_indic_digits(hijri_text);
  }
  return std::map<std::string, std::string>{
      {"facility_name", facts.facility_name},
      {"weekday", std::string((ar ? kWeekdaysAr : kWeekdaysEn)[at.weekday % 7])},
      {"date", std::move(date)},
      {"time", std::move(time)},
      {"hijri_date", std::move(hijri_text)},
      {"join_link", facts.join_link},
      {"summary_link", facts.summary_link},
      {"feedback_link", facts.feedback_link},
  };
}

sdk::Result<MessageText> render_message(const config::FacilityNotificationsConfig* settings,
                                        std::string_view kind, std::string_view language,
                                        const std::map<std::string, std::string>& values) {
  WASL_ASSIGN_OR_RETURN(MessageText chosen, builtin_text(kind, language));
  if (settings != nullptr) {
    if (const config::NotificationMessageConfig* own = settings->messages.find(kind)) {
      const auto& written = language == "ar" ? own->ar : own->en;
      if (written) {
        if (!written->subject.empty()) chosen.subject = written->subject;
        chosen.body = written->body;
      }
    }
  }
  MessageText out;
  WASL_ASSIGN_OR_RETURN(auto subject, text::MessageTemplate::parse(chosen.subject));
  WASL_ASSIGN_OR_RETURN(out.subject, subject.render(values));
  WASL_ASSIGN_OR_RETURN(auto body, text::MessageTemplate::parse(chosen.body));
  WASL_ASSIGN_OR_RETURN(out.body, body.render(values));
  return out;
}

}  // namespace wasl::notifications
