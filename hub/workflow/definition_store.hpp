// DefinitionStore: deployed workflow versions in workflow_definitions.
//
// Every version is owned by one facility (facility_id) or by the platform
// (facility_id ""; the files of workflows_dir, deployed by no facility key).
// A facility uses a name's versions of its own when it has any, else the
// platform's: one facility's deployment never changes what another runs.
// Version numbers are unique per name across owners, so (name, version)
// names one stored definition; a run records the version it started with and
// is executed on that version to the end.
//
// deploy() stores a new version only when the source's checksum differs from
// the owner's latest version's; stored versions increase (the file's own
// `version` when it is higher than every stored one, else highest + 1).
// Parsed definitions are cached by (name, version) (a stored version never
// changes). Thread-safe; the Store must outlive this object.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hub/storage/store.hpp"
#include "hub/workflow/language/definition.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

struct DeployedVersion {
  std::string name;
  int version = 0;
  std::string checksum;
  std::int64_t deployed_at_ms = 0;
  std::string deployed_by;
  std::string facility_id;  // the owner; "" = the platform
  bool created = false;     // deploy(): false when the latest version already had this source
};

// One stored version's source, as deployed.
struct StoredSource {
  std::string source_text;
  std::string checksum;
};

// Runs inside deploy()'s transaction just before it commits, with what the
// deploy stored (created) or found (not created); an error rolls the deploy
// back and is deploy()'s error. The API appends its audit event here.
using DeployHook =
    std::function<sdk::Status(storage::Transaction& tx, const DeployedVersion& version)>;

class DefinitionStore {
 public:
  explicit DefinitionStore(storage::Store& store);

  // Stores `source_text` (which must parse into `definition`) as the next
  // version of definition.name owned by `facility_id` ("" = the platform),
  // unless that owner's latest version has the same checksum. Concurrent
  // deploys of one name (two hub processes starting) are safe: a lost race
  // re-reads and retries. `in_transaction`, when set, runs in the deploying
  // transaction (see DeployHook).
  sdk::Result<DeployedVersion> deploy(const WorkflowDefinition& definition,
                                      const std::string& source_text,
                                      const std::string& deployed_by,
                                      const std::string& facility_id,
                                      const DeployHook& in_transaction = {});
  // Parses and deploys `source_text` (`file_name` for messages) for
  // `facility_id` ("" = the platform).
  sdk::Result<DeployedVersion> deploy_source(const std::string& source_text,
                                             const std::string& file_name,
                                             const std::string& deployed_by,
                                             const std::string& facility_id = "");

  // The latest version of `name` that `facility_id` uses (its own, else the
  // platform's; "" = the platform's only); kNotFound when there is none.
  sdk::Result<std::shared_ptr<const WorkflowDefinition>> latest(const std::string& name,
                                                                const std::string& facility_id);
  // The version a run of `name` for `facility_id` starts on, read through
  // `tx`: `version` when given and owned by the facility or the platform,
  // else the latest the facility uses. kNotFound when there is none (another
  // facility's version is not found either).
  static sdk::Result<int> resolve_version(storage::Transaction& tx, const std::string& name,
                                          const std::string& facility_id,
                                          std::optional<int> version = std::nullopt);
  // The source of version `version` of `name` that `owner` deployed ("" =
  // the platform), read through `tx`; nullopt when that owner has no such
  // version.
  static sdk::Result<std::optional<StoredSource>> source(storage::Transaction& tx,
                                                         const std::string& name, int version,
                                                         const std::string& owner);
  // One version; kNotFound when it does not exist. Reads through `tx` when
  // given (inside a caller's transaction), else in a transaction of its own.
  sdk::Result<std::shared_ptr<const WorkflowDefinition>> get(const std::string& name, int version,
                                                             storage::Transaction* tx = nullptr);
  // Every stored version of every owner (name, version order), without
  // source text: for the platform's own jobs, never for a facility key.
  sdk::Result<std::vector<DeployedVersion>> list();
  // The versions `facility_id` uses: per name, its own when it has any, else
  // the platform's (name, version order). Reads through `tx` when given.
  sdk::Result<std::vector<DeployedVersion>> list_for(const std::string& facility_id,
                                                     storage::Transaction* tx = nullptr);

 private:
  sdk::Result<std::shared_ptr<const WorkflowDefinition>> load(storage::Transaction& tx,
                                                              const std::string& name, int version);

  storage::Store& store_;
  std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::shared_ptr<const WorkflowDefinition>> cache_;
};

}  // namespace wasl::workflow
