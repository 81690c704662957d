// The clinical feature's registration call: the task that attaches shared
// documents to the patient's record (document_attachment.hpp).
#pragma once

#include "hub/audit/audit_writer.hpp"
#include "hub/clinical/document_attachment.hpp"
#include "hub/config/config.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::clinical {

// All borrowed; they outlive the TaskRunner registered with.
struct ClinicalServices {
  storage::Store* store = nullptr;
  const config::Config* config = nullptr;
  const records::CellCipher* cipher = nullptr;
  const audit::AuditWriter* audit = nullptr;
  EhrOf ehr_of;
};

// Registers task.document_attach. Errors: kInvalidArgument when a service
// is missing; a second registration (kAlreadyExists).
sdk::Status add_clinical(jobs::TaskRunner& tasks, const ClinicalServices& services);

}  // namespace wasl::clinical
