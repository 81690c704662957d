// DocumentAttachment (task.document_attach): a shared document attached to
// the patient's record as a DocumentReference, through the facility's EHR
// (ehr.attach_document, the capability the recording's DocumentReference
// goes through).
//
// The upload's transaction requests the task (request()), so the
// document's row and the promise to attach it commit together; the task
// runner then, outside any transaction, reads the document and its
// consultation, and asks the EHR bound to the facility's `ehr` role for a
// DocumentReference of the consultation's patient whose attachment is the
// document's URL on the hub (<public_url>/v1/consultations/{id}/documents/
// {doc}/content, readable with a hospital or clinician key), its media
// type, size and SHA-256. The call's idempotency key is derived from the
// document ("wasl-document-<id>"), so a task run again after a crash
// finds the DocumentReference it made. The settlement records the EHR's id
// on the row and the audit event "document.attach".
//
// A facility with no `ehr` binding, or a consultation with no patient
// reference, has nothing to attach to: the task ends without a call,
// audited as "document.attach" with outcome failure and the reason. An EHR
// whose plugin does not implement attach_document (kUnimplemented) likewise.
// A retryable error from the EHR is retried by the runner; give_up()
// audits the last error.
//
// Thread-safe: runs share only the database and the plugins.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::clinical {

inline constexpr const char* kDocumentAttachTask = "task.document_attach";

// LOINC 55188-7, "Patient data Document": what the patient or the
// clinician shared during the consultation.
inline constexpr const char* kSharedDocumentTypeCode = "55188-7";

// The EHR instance named; an error when it is not loaded.
using EhrOf =
    std::function<sdk::Result<std::shared_ptr<sdk::EhrConnector>>(const std::string& instance)>;

class DocumentAttachment final : public jobs::TaskHandler {
 public:
  // All borrowed; they outlive the task runner.
  DocumentAttachment(storage::Store& store, const config::Config& config,
                     const records::CellCipher& cipher, const audit::AuditWriter& audit,
                     EhrOf ehr_of);

  // Asks, in the upload's transaction, for the document to be attached.
  static sdk::Status request(storage::Transaction& tx, const std::string& facility_id,
                             const std::string& document_id, std::int64_t now_ms);

  sdk::Result<jobs::TaskSettlement> run(const jobs::Task& task) override;
  sdk::Status give_up(storage::Transaction& tx, const jobs::Task& task,
                      const sdk::Error& error) override;
  // The task's facility's `ehr` instance (from the configuration, not the
  // payload), so the task runner holds it to that instance's share of its
  // threads; empty when the facility or its binding is unknown.
  std::string instance(const jobs::Task& task) const override;

 private:
  jobs::TaskSettlement not_attached(const jobs::Task& task, std::string reason) const;

  storage::Store& store_;
  const config::Config& config_;
  const records::CellCipher& cipher_;
  const audit::AuditWriter& audit_;
  EhrOf ehr_of_;
};

}  // namespace wasl::clinical
