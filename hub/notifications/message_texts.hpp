// MessageTexts: what a message to a patient says. Each kind has a built-in
// Arabic and English text (subject and body); a facility may replace either
// (facilities.<id>.notifications.messages.<kind>.<ar|en>). Both are message
// templates (hub/text/message_template.hpp) over the variables the
// configuration allows a kind (config::notification_variables), every one
// of them about the consultation and none PHI:
//
//   facility_name  the facility's name (its id when it has none)
//   weekday        the start's day of the week: "Sunday", "الأحد"
//   date           the start's civil date: "1 March 2026", "١ مارس ٢٠٢٦"
//   time           the start's wall-clock time: "9:30 AM", "٩:٣٠ ص"
//   hijri_date     the start's Umm al-Qura date: "12 Ramadan 1447 AH",
//                  "١٢ رمضان ١٤٤٧ هـ"
//   join_link      the link the patient joins by (not in a cancellation, a
//                  visit summary's message nor a feedback message)
//   summary_link   the link to the visit's summary (its message only)
//   feedback_link  the one-use link to the feedback questionnaire (a
//                  feedback message only)
//
// all read on the facility's clock (reporting.time_zone). No template can
// name the patient, an identifier, a diagnosis or the clinician: the
// variables do not exist. Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "hub/config/config.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

struct MessageText {
  std::string subject;  // the e-mail's subject; an SMS has none
  std::string body;
};

// "ar" or "en" for a patient whose BCP 47 language is Arabic or English
// ("ar-SA", "en", "EN-gb"); `fallback` for any other or none.
std::string message_language(std::string_view patient_language, std::string_view fallback);

// The built-in text of `kind` in `language` ("ar" or "en"); kNotFound for
// another kind or language.
sdk::Result<MessageText> builtin_text(std::string_view kind, std::string_view language);

// What the variables are made of.
struct MessageFacts {
  std::string facility_name;
  std::int64_t start_ms = 0;  // the consultation's start (epoch ms)
  std::string time_zone;      // the facility's IANA zone
  std::string language;       // "ar" or "en"
  bool arabic_digits = true;  // an Arabic text writes numbers in Arabic-Indic digits
  std::string join_link;      // empty when the message has none
  std::string summary_link;   // empty when the message has none
  std::string feedback_link;  // empty but in a feedback message
};

// The variables' values; kInvalidArgument for an unknown zone.
sdk::Result<std::map<std::string, std::string>> message_values(const MessageFacts& facts);

// `kind` in `language` rendered with `values`: the facility's own text when
// `settings` has one (its empty subject: the built-in subject), else the
// built-in one. kInvalidArgument when a template names a variable `values`
// lacks (the configuration refuses such a template at load).
sdk::Result<MessageText> render_message(const config::FacilityNotificationsConfig* settings,
                                        std::string_view kind, std::string_view language,
                                        const std::map<std::string, std::string>& values);

// `text` with its ASCII digits as Arabic-Indic digits (U+0660..U+0669).
std::string arabic_indic_digits(std::string_view text);

}  // namespace wasl::notifications
