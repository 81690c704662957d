#include "hub/feedback/questionnaire.hpp"

#include <cmath>
#include <set>
#include <utility>

namespace wasl::feedback {
namespace {

using nlohmann::json;

constexpr std::string_view kTranslation = "http://hl7.org/fhir/StructureDefinition/translation";
constexpr std::string_view kMinValue = "http://hl7.org/fhir/StructureDefinition/minValue";
constexpr std::string_view kMaxValue = "http://hl7.org/fhir/StructureDefinition/maxValue";

// `text` with its Arabic translation, as FHIR writes a translated string.
void translated(json& item, std::string_view member, std::string_view en, std::string_view ar) {
  item[std::string(member)] = std::string(en);
  item["_" + std::string(member)] = {
      {"extension",
       json::array({{{"url", std::string(kTranslation)},
                     {"extension",
                      json::array({{{"url", "lang"}, {"valueCode", "ar"}},
                                   {{"url", "content"}, {"valueString", std::string(ar)}}})}}})}};
}

json rating_item(std::string_view link_id, std::string_view en, std::string_view ar) {
  json item = {{"linkId", std::string(link_id)}, {"type", "integer"}, {"required", true}};
  translated(item, "text", en, ar);
  item["extension"] =
      json::array({{{"url", std::string(kMinValue)}, {"valueInteger", kMinRating}},
                   {{"url", std::string(kMaxValue)}, {"valueInteger", kMaxRating}}});
  return item;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// The items the questionnaire has; a response holding more is refused after
// reading one past them.
constexpr std::size_t kItems = 3;

std::string item_path(std::size_t i) { return "item[" + std::to_string(i) + "]"; }

}  // namespace

json questionnaire() {
  json q = {
      {"resourceType", "Questionnaire"},        {"id", "consultation-feedback"},
      {"url", std::string(kQuestionnaireUrl)},  {"version", std::string(kQuestionnaireVersion)},
      {"name", "ConsultationFeedback"},         {"status", "active"},
      {"subjectType", json::array({"Patient"})}};
  translated(q, "title", "How was your video consultation?", "كيف كانت استشارتك المرئية؟");
  json comment = {{"linkId", std::string(kCommentItem)},
                  {"type", "text"},
                  {"required", false},
                  {"maxLength", kMaxCommentChars}};
  translated(comment, "text", "Anything else you would like to tell us?", "هل لديك ما تود إضافته؟");
  q["item"] = json::array(
      {rating_item(kClinicianItem,
                   "How would you rate your clinician, from 1 (poor) to 5 "
                   "(excellent)?",
                   "كيف تقيّم الطبيب من ١ (ضعيف) إلى ٥ (ممتاز)؟"),
       rating_item(kConnectionItem,
                   "How would you rate the video and sound, from 1 (poor) to 5 (excellent)?",
                   "كيف تقيّم جودة الصوت والصورة من ١ (ضعيف) إلى ٥ (ممتاز)؟"),
       std::move(comment)});
  return q;
}

CheckedResponse check_response(const json& response) {
  CheckedResponse out;
  auto problem = [&out](std::string field, std::string code, std::string message) {
    out.problems.push_back({std::move(field), std::move(code), std::move(message)});
  };
  if (!response.is_object()) {
    problem("", "wrong_type", "must be a FHIR QuestionnaireResponse object");
    return out;
  }
  static const std::set<std::string> known = {"resourceType",  "id",     "meta",     "language",
                                              "questionnaire", "status", "authored", "item"};
  for (const auto& [name, value] : response.items()) {
    if (!known.contains(name)) problem(name, "unknown_member", "is not a member this form takes");
  }
  const auto type = response.find("resourceType");
  if (type == response.end() || *type != "QuestionnaireResponse") {
    problem("resourceType", "unknown_value", "must be \"QuestionnaireResponse\"");
  }
  const std::string url(kQuestionnaireUrl);
  if (const auto q = response.find("questionnaire"); q != response.end()) {
    const std::string versioned = url + "|" + std::string(kQuestionnaireVersion);
    if (!q->is_string() || (*q != url && *q != versioned)) {
      problem("questionnaire", "unknown_value", "must be " + versioned);
    }
  }
  const auto status = response.find("status");
  if (status == response.end()) {
    problem("status", "required", "must be \"completed\"");
  } else if (*status != "completed") {
    problem("status", "unknown_value", "must be \"completed\"");
  }
  const auto items = response.find("item");
  if (items == response.end() || !items->is_array()) {
    problem("item", items == response.end() ? "required" : "wrong_type",
            "must be the list of answered items");
    return out;
  }
  FeedbackAnswer answer;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items->size() && i <= kItems; ++i) {
    const json& item = (*items)[i];
    const std::string at = item_path(i);
    if (!item.is_object() || !item.contains("linkId") || !item["linkId"].is_string()) {
      problem(at + ".linkId", "required", "each item names its linkId");
      continue;
    }
    const std::string link_id = item["linkId"];
    if (link_id != kClinicianItem && link_id != kConnectionItem && link_id != kCommentItem) {
      problem(at + ".linkId", "unknown_value", "must be clinician, connection or comment");
      continue;
    }
    if (!seen.insert(link_id).second) {
      problem(at + ".linkId", "duplicate", "is answered twice");
      continue;
    }
    for (const auto& [name, value] : item.items()) {
      if (name != "linkId" && name != "text" && name != "answer") {
        problem(at + "." + name, "unknown_member", "is not a member this form takes");
      }
    }
    const auto answers = item.find("answer");
    if (answers == item.end() || !answers->is_array() || answers->size() != 1 ||
        !(*answers)[0].is_object()) {
      problem(at + ".answer", "wrong_type", "must hold exactly one answer");
      continue;
    }
    const json& a = (*answers)[0];
    const std::string value_at = at + ".answer[0]";
    if (link_id == kCommentItem) {
      const auto v = a.find("valueString");
      if (v == a.end() || !v->is_string() || a.size() != 1) {
        problem(value_at + ".valueString", "wrong_type", "must be text (valueString)");
        continue;
      }
      const std::string& text = v->get_ref<const std::string&>();
      if (code_points(text) > kMaxCommentChars) {
        problem(value_at + ".valueString", "too_long",
                "must be at most " + std::to_string(kMaxCommentChars) + " characters");
        continue;
      }
      if (!blank(text)) answer.comment = text;
      continue;
    }
    const auto v = a.find("valueInteger");
    if (v == a.end() || !v->is_number() || a.size() != 1 ||
        (v->is_number_float() && std::floor(v->get<double>()) != v->get<double>())) {
      problem(value_at + ".valueInteger", "wrong_type", "must be a whole number (valueInteger)");
      continue;
    }
    const double rating = v->get<double>();
    if (rating < kMinRating || rating > kMaxRating) {
      problem(value_at + ".valueInteger", "out_of_range", "must be from 1 to 5");
      continue;
    }
    (link_id == kClinicianItem ? answer.clinician_rating : answer.connection_rating) =
        static_cast<int>(rating);
  }
  if (items->size() > kItems) problem("item", "too_long", "holds at most three items");
  for (std::string_view required : {kClinicianItem, kConnectionItem}) {
    if (!seen.contains(std::string(required))) {
      problem("item", "required", "must answer " + std::string(required));
    }
  }
  if (out.problems.empty()) out.answer = std::move(answer);
  return out;
}

json response_resource(const FeedbackAnswer& answer, std::string_view authored) {
  json items =
      json::array({{{"linkId", std::string(kClinicianItem)},
                    {"answer", json::array({{{"valueInteger", answer.clinician_rating}}})}},
                   {{"linkId", std::string(kConnectionItem)},
                    {"answer", json::array({{{"valueInteger", answer.connection_rating}}})}}});
  if (answer.comment) {
    items.push_back({{"linkId", std::string(kCommentItem)},
                     {"answer", json::array({{{"valueString", *answer.comment}}})}});
  }
  return {
      {"resourceType", "QuestionnaireResponse"},
      {"questionnaire", std::string(kQuestionnaireUrl) + "|" + std::string(kQuestionnaireVersion)},
      {"status", "completed"},
      {"authored", std::string(authored)},
      {"item", std::move(items)}};
}

}  // namespace wasl::feedback
