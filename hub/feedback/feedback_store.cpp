#include "hub/feedback/feedback_store.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace wasl::feedback {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

constexpr std::string_view kTable = "feedback_responses";
constexpr std::string_view kResponseColumn = "response_enc";

}  // namespace

std::optional<double> mean_rating(std::int64_t sum, std::int64_t responses) {
  if (responses <= 0) return std::nullopt;
  return std::round(static_cast<double>(sum) * 100.0 / static_cast<double>(responses)) / 100.0;
}

Result<bool> FeedbackStore::insert(storage::Transaction& tx, const FeedbackRecord& r) const {
  if (r.id.empty() || r.facility_id.empty() || r.consultation_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "an answer needs an id, a facility id and a consultation id");
  }
  WASL_ASSIGN_OR_RETURN(std::string sealed,
                        cipher_.encrypt(kTable, kResponseColumn, r.id, r.resource.dump()));
  WASL_ASSIGN_OR_RETURN(
      std::int64_t written,
      tx.exec("INSERT INTO feedback_responses (id, facility_id, consultation_id, "
              "practitioner_ref, clinician_rating, connection_rating, has_comment, response_enc, "
              "answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
              "ON CONFLICT (facility_id, consultation_id) DO NOTHING",
              {r.id, r.facility_id, r.consultation_id,
               r.practitioner_ref ? storage::Value{*r.practitioner_ref} : storage::null_value(),
               std::int64_t{r.answer.clinician_rating}, std::int64_t{r.answer.connection_rating},
               std::int64_t{r.answer.comment ? 1 : 0}, storage::Blob{std::move(sealed)},
               r.answered_at}));
  return written > 0;
}

Result<FeedbackRecord> FeedbackStore::get(storage::Transaction& tx, std::string_view facility_id,
                                          std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id, practitioner_ref, clinician_rating, connection_rating, response_enc, "
               "answered_at, ehr_state, ehr_document_id, ehr_error FROM feedback_responses "
               "WHERE facility_id = $1 AND consultation_id = $2",
               {std::string(facility_id), std::string(consultation_id)}));
  if (rows.empty()) {
    return Error(ErrorCode::kNotFound,
                 "consultation " + std::string(consultation_id) + " has no feedback");
  }
  const storage::Row& row = rows.front();
  FeedbackRecord r;
  r.facility_id = std::string(facility_id);
  r.consultation_id = std::string(consultation_id);
  WASL_ASSIGN_OR_RETURN(r.id, row.get_text("id"));
  if (!row.is_null("practitioner_ref")) {
    WASL_ASSIGN_OR_RETURN(std::string practitioner, row.get_text("practitioner_ref"));
    r.practitioner_ref = std::move(practitioner);
  }
  WASL_ASSIGN_OR_RETURN(std::int64_t clinician, row.get_int("clinician_rating"));
  WASL_ASSIGN_OR_RETURN(std::int64_t connection, row.get_int("connection_rating"));
  r.answer.clinician_rating = static_cast<int>(clinician);
  r.answer.connection_rating = static_cast<int>(connection);
  WASL_ASSIGN_OR_RETURN(std::string sealed, row.get_blob("response_enc"));
  WASL_ASSIGN_OR_RETURN(std::string plain, cipher_.decrypt(kTable, kResponseColumn, r.id, sealed));
  r.resource = nlohmann::json::parse(plain, nullptr, false);
  if (!r.resource.is_object()) {
    return Error(ErrorCode::kInternal, "feedback " + r.id + " holds a response that is not JSON");
  }
  for (const auto& item : r.resource.value("item", nlohmann::json::array())) {
    if (item.value("linkId", "") != kCommentItem) continue;
    const auto& answers = item.value("answer", nlohmann::json::array());
    if (!answers.empty() && answers[0].contains("valueString")) {
      r.answer.comment = answers[0]["valueString"].get<std::string>();
    }
  }
  WASL_ASSIGN_OR_RETURN(r.answered_at, row.get_int("answered_at"));
  WASL_ASSIGN_OR_RETURN(r.ehr_state, row.get_text("ehr_state"));
  for (const auto& [column, target] :
       {std::pair{"ehr_document_id", &r.ehr_document_id}, std::pair{"ehr_error", &r.ehr_error}}) {
    if (row.is_null(column)) continue;
    WASL_ASSIGN_OR_RETURN(std::string value, row.get_text(column));
    *target = std::move(value);
  }
  return r;
}

sdk::Status FeedbackStore::set_ehr_state(storage::Transaction& tx, std::string_view facility_id,
                                         std::string_view consultation_id, std::string_view state,
                                         const std::optional<std::string>& document_id,
                                         const std::optional<std::string>& error) {
  auto text_or_null = [](const std::optional<std::string>& v) {
    return v ? storage::Value{*v} : storage::null_value();
  };
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE feedback_responses SET ehr_state = $1, ehr_document_id = $2, ehr_error = $3 "
              "WHERE facility_id = $4 AND consultation_id = $5",
              {std::string(state), text_or_null(document_id), text_or_null(error),
               std::string(facility_id), std::string(consultation_id)}));
  return {};
}

Result<FeedbackSummary> FeedbackStore::summary(storage::Transaction& tx,
                                               std::string_view facility_id, std::int64_t from_ms,
                                               std::int64_t to_ms) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT practitioner_ref, COUNT(*) AS responses, "
               "SUM(clinician_rating) AS clinician_sum, SUM(connection_rating) AS connection_sum, "
               "SUM(has_comment) AS comments FROM feedback_responses "
               "WHERE facility_id = $1 AND answered_at >= $2 AND answered_at < $3 "
               "GROUP BY practitioner_ref",
               {std::string(facility_id), from_ms, to_ms}));
  FeedbackSummary out;
  for (const storage::Row& row : rows) {
    RatingSummary s;
    if (!row.is_null("practitioner_ref")) {
      WASL_ASSIGN_OR_RETURN(std::string practitioner, row.get_text("practitioner_ref"));
      s.practitioner_ref = std::move(practitioner);
    }
    WASL_ASSIGN_OR_RETURN(s.responses, row.get_int("responses"));
    WASL_ASSIGN_OR_RETURN(s.clinician_rating_sum, row.get_int("clinician_sum"));
    WASL_ASSIGN_OR_RETURN(s.connection_rating_sum, row.get_int("connection_sum"));
    WASL_ASSIGN_OR_RETURN(s.comments, row.get_int("comments"));
    out.facility.responses += s.responses;
    out.facility.clinician_rating_sum += s.clinician_rating_sum;
    out.facility.connection_rating_sum += s.connection_rating_sum;
    out.facility.comments += s.comments;
    out.practitioners.push_back(std::move(s));
  }
  // The two databases order NULL differently: sorted here, none last.
  std::sort(out.practitioners.begin(), out.practitioners.end(),
            [](const RatingSummary& a, const RatingSummary& b) {
              if (a.practitioner_ref.has_value() != b.practitioner_ref.has_value()) {
                return a.practitioner_ref.has_value();
              }
              return a.practitioner_ref.value_or("") < b.practitioner_ref.value_or("");
            });
  return out;
}

}  // namespace wasl::feedback
