#include "hub/clinical/clinical.hpp"

#include <memory>

namespace wasl::clinical {

sdk::Status add_clinical(jobs::TaskRunner& tasks, const ClinicalServices& services) {
  if (services.store == nullptr || services.config == nullptr || services.cipher == nullptr ||
      services.audit == nullptr || !services.ehr_of) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "the clinical feature needs a store, the config, a cipher, an audit writer "
                      "and the EHR lookup");
  }
  return tasks.handle(kDocumentAttachTask, std::make_shared<DocumentAttachment>(
                                               *services.store, *services.config, *services.cipher,
                                               *services.audit, services.ehr_of));
}

}  // namespace wasl::clinical
