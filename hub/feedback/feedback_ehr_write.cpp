#include "hub/feedback/feedback_ehr_write.hpp"

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "hub/crypto/digest.hpp"
#include "hub/feedback/feedback_store.hpp"
#include "hub/jobs/job_queue.hpp"
#include "hub/records/consultation_store.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::feedback {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kPatientPrefix = "Patient/";

struct Target {
  std::string facility_id;
  std::string consultation_id;
};

Target target_of(const nlohmann::json& payload) {
  return {payload.value("facility_id", ""), payload.value("consultation_id", "")};
}

jobs::TaskSettlement record(Target t, std::string_view state,
                            std::optional<std::string> document_id = std::nullopt,
                            std::optional<std::string> error = std::nullopt) {
  return [t = std::move(t), state = std::string(state), document_id = std::move(document_id),
          error = std::move(error)](storage::Transaction& tx) {
    return FeedbackStore::set_ehr_state(tx, t.facility_id, t.consultation_id, state, document_id,
                                        error);
  };
}

}  // namespace

Status request_ehr_write(storage::Transaction& tx, std::string_view facility_id,
                         std::string_view consultation_id, std::int64_t now_ms) {
  const nlohmann::json payload = {{"facility_id", std::string(facility_id)},
                                  {"consultation_id", std::string(consultation_id)}};
  return jobs::JobQueue::request_task(tx, std::string(kFeedbackEhrTask),
                                      std::string(kFeedbackEhrTask) + "/" +
                                          std::string(facility_id) + "/" +
                                          std::string(consultation_id),
                                      payload, now_ms, now_ms);
}

std::string ehr_write_key(std::string_view id) { return "wasl-feedback-" + std::string(id); }

FeedbackEhrWrite::FeedbackEhrWrite(storage::Store& store, const config::Config& config,
                                   const records::CellCipher& cipher, EhrOf ehr_of)
    : store_(store), config_(config), cipher_(cipher), ehr_of_(std::move(ehr_of)) {}

std::string FeedbackEhrWrite::instance(const jobs::Task& task) const {
  const auto facility = config_.facilities.find(target_of(task.payload).facility_id);
  if (facility == config_.facilities.end()) return {};
  const auto binding = facility->second.bindings.find("ehr");
  return binding == facility->second.bindings.end() ? std::string() : binding->second;
}

Result<jobs::TaskSettlement> FeedbackEhrWrite::run(const jobs::Task& task) {
  Target t = target_of(task.payload);
  const std::string instance = this->instance(task);
  if (instance.empty()) return record(std::move(t), kEhrNotConfigured);

  // The answer and the patient, read in a transaction of their own.
  std::optional<FeedbackRecord> answer;
  std::optional<std::string> patient;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
    FeedbackStore answers(cipher_);
    auto found = answers.get(*tx, t.facility_id, t.consultation_id);
    if (!found.ok()) {
      if (found.error().code == ErrorCode::kNotFound) return jobs::TaskSettlement();
      return std::move(found).error();
    }
    answer = std::move(found).value();
    records::ConsultationStore consultations(cipher_);
    WASL_ASSIGN_OR_RETURN(domain::Consultation c,
                          consultations.get(*tx, t.facility_id, t.consultation_id));
    if (c.patient.reference && c.patient.reference->starts_with(kPatientPrefix)) {
      patient = c.patient.reference->substr(kPatientPrefix.size());
    }
    tx->rollback();
  }
  if (!patient) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the consultation names no patient of the EHR to attach the feedback to", false);
  }

  const std::string body = answer->resource.dump();
  sdk::DocumentRequest request;
  request.idempotency_key = ehr_write_key(answer->id);
  request.patient_id = *patient;
  request.title = "Patient feedback on the video consultation (FHIR QuestionnaireResponse)";
  request.content_type = "application/fhir+json";
  request.data_base64 = sdk::base64_encode(body);
  request.size_bytes = static_cast<std::int64_t>(body.size());
  request.sha256_hex = crypto::sha256_hex(body);

  // The plugin call, outside any transaction.
  WASL_ASSIGN_OR_RETURN(auto ehr, ehr_of_(instance));
  auto written = ehr->attach_document(request);
  if (!written.ok()) {
    if (written.error().code == ErrorCode::kUnimplemented) {
      return record(std::move(t), kEhrNotSupported);
    }
    Error error = std::move(written).error();
    error.message = "writing the feedback to " + instance + ": " + error.message;
    return error;
  }
  return record(std::move(t), kEhrWritten, written->id);
}

Status FeedbackEhrWrite::give_up(storage::Transaction& tx, const jobs::Task& task,
                                 const Error& error) {
  const Target t = target_of(task.payload);
  return FeedbackStore::set_ehr_state(tx, t.facility_id, t.consultation_id, kEhrFailed,
                                      std::nullopt, std::string(sdk::to_string(error.code)));
}

}  // namespace wasl::feedback
