// The texts of patients' messages: the built-in Arabic and English ones,
// the values of their variables on the facility's clock (Arabic-Indic
// digits, Umm al-Qura dates), a facility's own text, and the language a
// patient is written to in.
#include "hub/notifications/message_texts.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/calendar/hijri_date.hpp"
#include "hub/config/schema.hpp"
#include "hub/text/message_template.hpp"

namespace wasl::notifications {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// 2026-03-01T06:30:00Z: Sunday 09:30 in Riyadh.
constexpr std::int64_t kStart = 1'772'346'600'000;

MessageFacts facts(const std::string& language, bool arabic_digits = true) {
  MessageFacts f;
  f.facility_name = "مستشفى الواحة";
  f.start_ms = kStart;
  f.time_zone = "Asia/Riyadh";
  f.language = language;
  f.arabic_digits = arabic_digits;
  f.join_link = "https://hub.example.sa/join/abc";
  f.feedback_link = "https://hub.example.sa/feedback/xyz";
  return f;
}

TEST(MessageTexts, ValuesReadTheStartOnTheFacilityClock) {
  auto en = message_values(facts("en"));
  ASSERT_TRUE(en.ok()) << en.error().message;
  EXPECT_EQ(en->at("weekday"), "Sunday");
  EXPECT_EQ(en->at("date"), "1 March 2026");
  EXPECT_EQ(en->at("time"), "9:30 AM");
  auto hijri = calendar::umm_al_qura_date(kStart, "Asia/Riyadh");
  ASSERT_TRUE(hijri.ok());
  EXPECT_EQ(hijri->month, 9);  // Ramadan 1447
  EXPECT_EQ(en->at("hijri_date"), std::to_string(hijri->day) + " Ramadan 1447 AH");

  auto ar = message_values(facts("ar"));
  ASSERT_TRUE(ar.ok());
  EXPECT_EQ(ar->at("weekday"), "الأحد");
  EXPECT_EQ(ar->at("date"), "١ مارس ٢٠٢٦");
  EXPECT_EQ(ar->at("time"), "٩:٣٠ ص");
  EXPECT_EQ(ar->at("hijri_date"),
            arabic_indic_digits(std::to_string(hijri->day)) + " رمضان ١٤٤٧ هـ");
  EXPECT_EQ(ar->at("join_link"), "https://hub.example.sa/join/abc");  // links keep ASCII digits

  auto latin = message_values(facts("ar", /*arabic_digits=*/false));
  ASSERT_TRUE(latin.ok());
  EXPECT_EQ(latin->at("date"), "1 مارس 2026");
  EXPECT_EQ(latin->at("time"), "9:30 ص");

  // The same instant on another clock is another day and time.
  MessageFacts ny = facts("en");
  ny.time_zone = "America/New_York";
  auto there = message_values(ny);
  ASSERT_TRUE(there.ok());
  EXPECT_EQ(there->at("weekday"), "Sunday");
  EXPECT_EQ(there->at("time"), "1:30 AM");
  MessageFacts bad = facts("en");
  bad.time_zone = "Mars/Olympus";
  EXPECT_EQ(message_values(bad).error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST(MessageTexts, EveryBuiltInTextRendersInBothLanguagesWithOnlyItsVariables) {
  for (const std::string& kind : config::notification_message_kinds()) {
    const std::vector<std::string> allowed = config::notification_variables(kind);
    for (const char* language : {"ar", "en"}) {
      auto builtin = builtin_text(kind, language);
      ASSERT_TRUE(builtin.ok()) << kind << " " << language;
      for (const std::string* part : {&builtin->subject, &builtin->body}) {
        auto parsed = text::MessageTemplate::parse(*part);
        ASSERT_TRUE(parsed.ok()) << kind << " " << language << ": " << parsed.error().message;
        for (const std::string& name : parsed->variables()) {
          EXPECT_NE(std::find(allowed.begin(), allowed.end(), name), allowed.end())
              << kind << " " << language << " names {{" << name << "}}";
        }
      }
      auto values = message_values(facts(language));
      ASSERT_TRUE(values.ok());
      auto rendered = render_message(nullptr, kind, language, *values);
      ASSERT_TRUE(rendered.ok()) << rendered.error().message;
      EXPECT_THAT(rendered->body, Not(HasSubstr("{{")));
      EXPECT_THAT(rendered->body, HasSubstr("مستشفى الواحة"));
      EXPECT_FALSE(rendered->subject.empty());
      if (kind == "feedback") {
        EXPECT_THAT(rendered->body, HasSubstr(values->at("feedback_link")));
        EXPECT_THAT(rendered->body, Not(HasSubstr(values->at("join_link"))));
      } else if (kind != "cancellation") {
        EXPECT_THAT(rendered->body, HasSubstr(values->at("join_link")));
      }
      if (std::string(language) == "ar") {
        EXPECT_THAT(rendered->body, Not(::testing::ContainsRegex("[0-9]:[0-9]")))
            << "Arabic times use Arabic-Indic digits: " << rendered->body;
      }
    }
  }
  EXPECT_EQ(builtin_text("birthday", "en").error().code, sdk::ErrorCode::kNotFound);
  EXPECT_EQ(builtin_text("invitation", "fr").error().code, sdk::ErrorCode::kNotFound);
}

TEST(MessageTexts, AFacilityTextReplacesTheBuiltInOne) {
  config::FacilityNotificationsConfig settings;
  settings.messages.reminder_1h.en =
      config::NotificationTemplateConfig{"", "{{facility_name}} at {{time}}: {{join_link}}"};
  settings.messages.reminder_1h.ar =
      config::NotificationTemplateConfig{"تذكير", "موعدك الساعة {{time}}"};
  auto values = message_values(facts("en"));
  ASSERT_TRUE(values.ok());
  auto en = render_message(&settings, "reminder_1h", "en", *values);
  ASSERT_TRUE(en.ok());
  EXPECT_EQ(en->body, "مستشفى الواحة at 9:30 AM: https://hub.example.sa/join/abc");
  EXPECT_EQ(en->subject, builtin_text("reminder_1h", "en")->subject);  // empty: the built-in one
  auto ar_values = message_values(facts("ar"));
  ASSERT_TRUE(ar_values.ok());
  auto ar = render_message(&settings, "reminder_1h", "ar", *ar_values);
  ASSERT_TRUE(ar.ok());
  EXPECT_EQ(ar->subject, "تذكير");
  EXPECT_EQ(ar->body, "موعدك الساعة ٩:٣٠ ص");
  // Other kinds keep theirs.
  auto other = render_message(&settings, "reminder_24h", "en", *values);
  ASSERT_TRUE(other.ok());
  EXPECT_THAT(other->body, HasSubstr("Reminder: your video consultation"));
}

TEST(MessageTexts, TheLanguageIsThePatientsWhenArabicOrEnglish) {
  EXPECT_EQ(message_language("ar", "en"), "ar");
  EXPECT_EQ(message_language("ar-SA", "en"), "ar");
  EXPECT_EQ(message_language("EN-gb", "ar"), "en");
  EXPECT_EQ(message_language("en_US", "ar"), "en");
  EXPECT_EQ(message_language("fr", "ar"), "ar");
  EXPECT_EQ(message_language("", "en"), "en");
  EXPECT_EQ(message_language("arn", "en"), "en");  // Mapudungun is not Arabic
}

}  // namespace
}  // namespace wasl::notifications
