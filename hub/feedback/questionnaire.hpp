// The feedback questionnaire a patient answers after a consultation: a FHIR
// R4 Questionnaire of three items, in Arabic and English, and the check of
// a patient's QuestionnaireResponse to it.
//
//   clinician   integer 1-5, required: how the patient rates the clinician
//   connection  integer 1-5, required: how the patient rates the connection
//   comment     string, optional, at most kMaxCommentChars characters
//
// check_response() reads outside input (the patient's browser or app):
// bounded by the request's size, it reads each member once and keeps
// nothing it does not know. Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace wasl::feedback {

// The questionnaire's canonical URL and version; a response names
// "<url>" or "<url>|<version>".
inline constexpr std::string_view kQuestionnaireUrl =
    "urn:wasl:questionnaire:consultation-feedback";
inline constexpr std::string_view kQuestionnaireVersion = "1";
inline constexpr std::string_view kClinicianItem = "clinician";
inline constexpr std::string_view kConnectionItem = "connection";
inline constexpr std::string_view kCommentItem = "comment";
inline constexpr int kMinRating = 1;
inline constexpr int kMaxRating = 5;
// Characters (code points) of free text a response may carry.
inline constexpr std::size_t kMaxCommentChars = 2000;

// What a valid response says.
struct FeedbackAnswer {
  int clinician_rating = 0;
  int connection_rating = 0;
  std::optional<std::string> comment;  // absent or blank: nullopt
};

// One thing wrong with a response: the member's path
// ("item[0].answer[0].valueInteger"), a code (required, wrong_type,
// out_of_range, unknown_value, too_long, duplicate) and a sentence.
struct ResponseProblem {
  std::string field;
  std::string code;
  std::string message;
};

// The Questionnaire resource (status active), item texts in English with
// their Arabic translations (the FHIR translation extension).
nlohmann::json questionnaire();

// The answer `response` gives, or every problem it has (never both).
struct CheckedResponse {
  std::optional<FeedbackAnswer> answer;
  std::vector<ResponseProblem> problems;
};
CheckedResponse check_response(const nlohmann::json& response);

// The QuestionnaireResponse the hub keeps and writes to the EHR: status
// completed, the questionnaire's canonical URL with its version, `authored`
// (RFC 3339), the answers as given.
nlohmann::json response_resource(const FeedbackAnswer& answer, std::string_view authored);

}  // namespace wasl::feedback
