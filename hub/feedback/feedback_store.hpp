// FeedbackStore: the patients' answers to the feedback questionnaire
// (feedback_responses), one per consultation, written once and never
// changed. The ratings are kept in the clear, so they can be summed; the
// QuestionnaireResponse as kept, with the free text, is encrypted
// (response_enc, records::CellCipher).
//
// The caller's transaction and the caller's facility in every statement:
// another facility's answer is kNotFound, exactly like a missing one. The
// caller checks that the consultation is the facility's and appends the
// audit event in the same transaction. Thread-safe; the cipher is borrowed
// and outlives the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/feedback/questionnaire.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::feedback {

struct FeedbackRecord {
  std::string id;
  std::string facility_id;
  std::string consultation_id;
  std::optional<std::string> practitioner_ref;  // "Practitioner/3"
  FeedbackAnswer answer;                        // comment as written (PHI)
  nlohmann::json resource;                      // the QuestionnaireResponse kept
  std::int64_t answered_at = 0;                 // ms since the epoch
  // Its write to the facility's EHR: kEhrPending, … (set_ehr_state).
  std::string ehr_state = "pending";
  std::optional<std::string> ehr_document_id;  // the DocumentReference's id
  std::optional<std::string> ehr_error;        // an error code
};

// What became of an answer's write to the EHR (feedback_responses.ehr_state).
inline constexpr std::string_view kEhrPending = "pending";
inline constexpr std::string_view kEhrWritten = "written";
inline constexpr std::string_view kEhrNotSupported = "not_supported";    // the plugin lacks it
inline constexpr std::string_view kEhrNotConfigured = "not_configured";  // no ehr binding
inline constexpr std::string_view kEhrFailed = "failed";                 // refused, or gave up

// Ratings summed over a group of answers.
struct RatingSummary {
  std::optional<std::string> practitioner_ref;  // unset: the facility's total, or no practitioner
  std::int64_t responses = 0;
  std::int64_t clinician_rating_sum = 0;
  std::int64_t connection_rating_sum = 0;
  std::int64_t comments = 0;  // answers with free text
};

// sum / responses rounded to two decimals, as summaries and reports show a
// mean rating; nullopt when there are no responses.
std::optional<double> mean_rating(std::int64_t sum, std::int64_t responses);

struct FeedbackSummary {
  RatingSummary facility;
  std::vector<RatingSummary> practitioners;  // ordered by practitioner, none last
};

class FeedbackStore {
 public:
  explicit FeedbackStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  // Stores `r`; false (nothing written) when the consultation has an answer
  // already.
  sdk::Result<bool> insert(storage::Transaction& tx, const FeedbackRecord& r) const;

  // The consultation's answer, decrypted; kNotFound when it has none.
  sdk::Result<FeedbackRecord> get(storage::Transaction& tx, std::string_view facility_id,
                                  std::string_view consultation_id) const;

  // Records what became of the answer's write to the EHR.
  static sdk::Status set_ehr_state(storage::Transaction& tx, std::string_view facility_id,
                                   std::string_view consultation_id, std::string_view state,
                                   const std::optional<std::string>& document_id,
                                   const std::optional<std::string>& error);

  // The facility's answers given in [from_ms, to_ms), summed for the
  // facility and per practitioner. Reads no encrypted column.
  static sdk::Result<FeedbackSummary> summary(storage::Transaction& tx,
                                              std::string_view facility_id, std::int64_t from_ms,
                                              std::int64_t to_ms);

 private:
  const records::CellCipher& cipher_;
};

}  // namespace wasl::feedback
