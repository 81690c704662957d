// FeedbackEhrWrite: the task (task.feedback_ehr) that writes a patient's
// feedback to the facility's EHR once the answer has committed.
//
// The answer's transaction requests the task (request_ehr_write). The task
// runs outside any transaction: it reads the answer and the consultation's
// patient, then asks the facility's `ehr` instance to attach a
// DocumentReference to the patient whose attachment is the
// QuestionnaireResponse itself (application/fhir+json, inline, with its
// SHA-256), through sdk::EhrConnector::attach_document with the key
// "wasl-feedback-<answer id>", so a task run again after a crash finds the
// first DocumentReference (the plugin's conditional create). What became of
// it is recorded on the answer (FeedbackStore::set_ehr_state) in the
// transaction that settles the task: written (with the document's id),
// not_configured (the facility binds no ehr), not_supported (the plugin has
// no such write: kUnimplemented), or, once the task gives up on a refusal
// or after its attempts, failed with the error's code. A retryable error is
// tried again by the task runner.
//
// Thread-safe: the collaborators are borrowed and must outlive the handler.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hub/config/config.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::feedback {

inline constexpr std::string_view kFeedbackEhrTask = "task.feedback_ehr";

// The ehr instance named (plugin_host::PluginHost::ehr).
using EhrOf =
    std::function<sdk::Result<std::shared_ptr<sdk::EhrConnector>>(const std::string& instance)>;

// Requests the write of the consultation's answer, in the transaction that
// stores it.
sdk::Status request_ehr_write(storage::Transaction& tx, std::string_view facility_id,
                              std::string_view consultation_id, std::int64_t now_ms);

// The idempotency key of answer `id`'s write.
std::string ehr_write_key(std::string_view id);

class FeedbackEhrWrite final : public jobs::TaskHandler {
 public:
  FeedbackEhrWrite(storage::Store& store, const config::Config& config,
                   const records::CellCipher& cipher, EhrOf ehr_of);

  sdk::Result<jobs::TaskSettlement> run(const jobs::Task& task) override;
  sdk::Status give_up(storage::Transaction& tx, const jobs::Task& task,
                      const sdk::Error& error) override;
  // The task's facility's `ehr` instance (from the configuration, not the
  // payload), so the task runner holds it to that instance's share of its
  // threads; empty when the facility or its binding is unknown.
  std::string instance(const jobs::Task& task) const override;

 private:
  storage::Store& store_;
  const config::Config& config_;
  const records::CellCipher& cipher_;
  EhrOf ehr_of_;
};

}  // namespace wasl::feedback
