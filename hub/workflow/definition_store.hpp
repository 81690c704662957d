// DefinitionStore: deployed workflow versions in workflow_definitions.
//
// deploy() stores a new version only when the source's checksum differs from
// the latest version's; stored versions increase (the file's own `version`
// when it is higher than the latest, else latest + 1). A run records the
// version it started with and is executed on that version to the end.
// Parsed definitions are cached by (name, version) (a stored version never
// changes). Thread-safe; the Store must outlive this object.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "hub/storage/store.hpp"
#include "hub/workflow/definition.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

struct DeployedVersion {
  std::string name;
  int version = 0;
  std::string checksum;
  std::int64_t deployed_at_ms = 0;
  std::string deployed_by;
  bool created = false;  // deploy(): false when the latest version already had this source
};

class DefinitionStore {
 public:
  explicit DefinitionStore(storage::Store& store);

  // Stores `source_text` (which must parse into `definition`) as the next
  // version of definition.name, unless the latest version has the same
  // checksum. Concurrent deploys of one name (two hub processes starting) are
  // safe: a lost race re-reads and retries.
  sdk::Result<DeployedVersion> deploy(const WorkflowDefinition& definition,
                                      const std::string& source_text,
                                      const std::string& deployed_by);
  // Parses and deploys `source_text` (`file_name` for messages).
  sdk::Result<DeployedVersion> deploy_source(const std::string& source_text,
                                             const std::string& file_name,
                                             const std::string& deployed_by);

  // The latest version of `name`; kNotFound when none is deployed.
  sdk::Result<std::shared_ptr<const WorkflowDefinition>> latest(const std::string& name);
  // One version; kNotFound when it does not exist. Reads through `tx` when
  // given (inside a caller's transaction), else in a transaction of its own.
  sdk::Result<std::shared_ptr<const WorkflowDefinition>> get(const std::string& name, int version,
                                                             storage::Transaction* tx = nullptr);
  // Every stored version (name, version order), without source text.
  sdk::Result<std::vector<DeployedVersion>> list();

 private:
  sdk::Result<std::shared_ptr<const WorkflowDefinition>> load(storage::Transaction& tx,
                                                              const std::string& name,
                                                              int version);

  storage::Store& store_;
  std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::shared_ptr<const WorkflowDefinition>> cache_;
};

}  // namespace wasl::workflow
