#include "hub/workflow/definition_store.hpp"

#include <chrono>
#include <set>

#include "hub/workflow/language/workflow_file.hpp"

namespace wasl::workflow {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using storage::Params;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<DeployedVersion> read_version(const storage::Row& row) {
  DeployedVersion v;
  WASL_ASSIGN_OR_RETURN(v.name, row.get_text("name"));
  WASL_ASSIGN_OR_RETURN(auto version, row.get_int("version"));
  v.version = static_cast<int>(version);
  WASL_ASSIGN_OR_RETURN(v.checksum, row.get_text("checksum"));
  WASL_ASSIGN_OR_RETURN(v.deployed_at_ms, row.get_int("deployed_at"));
  if (!row.is_null("deployed_by")) {
    WASL_ASSIGN_OR_RETURN(v.deployed_by, row.get_text("deployed_by"));
  }
  WASL_ASSIGN_OR_RETURN(v.facility_id, row.get_text("facility_id"));
  return v;
}

constexpr const char* kVersionColumns =
    "SELECT name, version, checksum, deployed_at, deployed_by, facility_id "
    "FROM workflow_definitions ";

Error not_deployed(const std::string& name) {
  return Error(ErrorCode::kNotFound, "workflow '" + name + "' is not deployed", false);
}

// The highest version of `name` owned by `owner`, if any.
Result<std::optional<int>> owned_latest(storage::Transaction& tx, const std::string& name,
                                        const std::string& owner) {
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT MAX(version) FROM workflow_definitions "
                                            "WHERE name = $1 AND facility_id = $2",
                                            Params{name, owner}));
  if (rows.empty() || rows[0].is_null(0)) return std::optional<int>();
  WASL_ASSIGN_OR_RETURN(auto version, rows[0].get_int(0));
  return std::optional<int>(static_cast<int>(version));
}

}  // namespace

DefinitionStore::DefinitionStore(storage::Store& store) : store_(store) {}

Result<DeployedVersion> DefinitionStore::deploy(const WorkflowDefinition& definition,
                                                const std::string& source_text,
                                                const std::string& deployed_by,
                                                const std::string& facility_id,
                                                const DeployHook& in_transaction) {
  for (int round = 0;; ++round) {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
    WASL_ASSIGN_OR_RETURN(
        auto rows, tx->query(std::string(kVersionColumns) + "WHERE name = $1 AND facility_id = $2 "
                                                            "ORDER BY version DESC LIMIT 1",
                             Params{definition.name, facility_id}));
    if (!rows.empty()) {
      WASL_ASSIGN_OR_RETURN(auto latest, read_version(rows[0]));
      if (latest.checksum == definition.checksum) {
        if (!in_transaction) return latest;
        WASL_RETURN_IF_ERROR(in_transaction(*tx, latest));
        WASL_RETURN_IF_ERROR(tx->commit());
        return latest;
      }
    }
    // Versions are numbered per name across owners: (name, version) stays the
    // key every run refers to.
    WASL_ASSIGN_OR_RETURN(auto highest, tx->query("SELECT MAX(version) FROM workflow_definitions "
                                                  "WHERE name = $1",
                                                  Params{definition.name}));
    int next = std::max(definition.version, 1);
    if (!highest.empty() && !highest[0].is_null(0)) {
      WASL_ASSIGN_OR_RETURN(auto top, highest[0].get_int(0));
      next = std::max(next, static_cast<int>(top) + 1);
    }
    DeployedVersion v{definition.name, next, definition.checksum, now_ms(), deployed_by,
                      facility_id,     true};
    auto inserted = tx->exec(
        "INSERT INTO workflow_definitions (name, version, source_text, checksum, deployed_at, "
        "deployed_by, facility_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        Params{v.name, static_cast<std::int64_t>(v.version), source_text, v.checksum,
               v.deployed_at_ms,
               deployed_by.empty() ? storage::null_value() : storage::Value(deployed_by),
               facility_id});
    sdk::Status committed = inserted.ok() ? sdk::Status() : sdk::Status(inserted.error());
    if (committed.ok() && in_transaction) {
      sdk::Status hooked = in_transaction(*tx, v);
      if (!hooked.ok()) return std::move(hooked).error();
    }
    if (committed.ok()) committed = tx->commit();
    if (committed.ok()) return v;
    bool lost_race = committed.error().code == ErrorCode::kAlreadyExists ||
                     committed.error().code == ErrorCode::kConflict;
    if (!lost_race || round >= 5) {
      return Error(committed.error().code, "deploying workflow '" + definition.name +
                                               "' failed: " + committed.error().message);
    }
  }
}

Result<DeployedVersion> DefinitionStore::deploy_source(const std::string& source_text,
                                                       const std::string& file_name,
                                                       const std::string& deployed_by,
                                                       const std::string& facility_id) {
  WASL_ASSIGN_OR_RETURN(auto definition, load_workflow(source_text, file_name));
  return deploy(definition, source_text, deployed_by, facility_id);
}

Result<int> DefinitionStore::resolve_version(storage::Transaction& tx, const std::string& name,
                                             const std::string& facility_id,
                                             std::optional<int> version) {
  if (version) {
    WASL_ASSIGN_OR_RETURN(auto rows,
                          tx.query("SELECT facility_id FROM workflow_definitions "
                                   "WHERE name = $1 AND version = $2 AND "
                                   "(facility_id = $3 OR facility_id = '')",
                                   Params{name, static_cast<std::int64_t>(*version), facility_id}));
    if (rows.empty()) {
      return Error(
          ErrorCode::kNotFound,
          "workflow '" + name + "' version " + std::to_string(*version) + " is not deployed",
          false);
    }
    return *version;
  }
  if (!facility_id.empty()) {
    WASL_ASSIGN_OR_RETURN(auto own, owned_latest(tx, name, facility_id));
    if (own) return *own;
  }
  WASL_ASSIGN_OR_RETURN(auto platform, owned_latest(tx, name, ""));
  if (platform) return *platform;
  return not_deployed(name);
}

Result<std::optional<StoredSource>> DefinitionStore::source(storage::Transaction& tx,
                                                            const std::string& name, int version,
                                                            const std::string& owner) {
  WASL_ASSIGN_OR_RETURN(auto rows,
                        tx.query("SELECT source_text, checksum FROM "
                                 "workflow_definitions WHERE name = $1 AND "
                                 "version = $2 AND facility_id = $3",
                                 Params{name, static_cast<std::int64_t>(version), owner}));
  if (rows.empty()) return std::optional<StoredSource>();
  StoredSource stored;
  WASL_ASSIGN_OR_RETURN(stored.source_text, rows[0].get_text("source_text"));
  WASL_ASSIGN_OR_RETURN(stored.checksum, rows[0].get_text("checksum"));
  return std::optional<StoredSource>(std::move(stored));
}

Result<std::shared_ptr<const WorkflowDefinition>> DefinitionStore::latest(
    const std::string& name, const std::string& facility_id) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(int version, resolve_version(*tx, name, facility_id));
  return load(*tx, name, version);
}

Result<std::shared_ptr<const WorkflowDefinition>> DefinitionStore::get(const std::string& name,
                                                                       int version,
                                                                       storage::Transaction* tx) {
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find({name, version});
    if (it != cache_.end()) return it->second;
  }
  if (tx != nullptr) return load(*tx, name, version);
  WASL_ASSIGN_OR_RETURN(auto own, store_.begin(storage::TxMode::kReadOnly));
  return load(*own, name, version);
}

Result<std::shared_ptr<const WorkflowDefinition>> DefinitionStore::load(storage::Transaction& tx,
                                                                        const std::string& name,
                                                                        int version) {
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find({name, version});
    if (it != cache_.end()) return it->second;
  }
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT source_text FROM workflow_definitions "
                                            "WHERE name = $1 AND version = $2",
                                            Params{name, static_cast<std::int64_t>(version)}));
  if (rows.empty()) {
    return Error(ErrorCode::kNotFound,
                 "workflow '" + name + "' version " + std::to_string(version) + " is not deployed",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(auto source, rows[0].get_text(0));
  auto parsed = load_workflow(source, name + " v" + std::to_string(version));
  if (!parsed.ok()) {
    return Error(ErrorCode::kInternal, "stored workflow '" + name + "' version " +
                                           std::to_string(version) +
                                           " no longer validates: " + parsed.error().message);
  }
  auto definition = std::make_shared<const WorkflowDefinition>(std::move(parsed).value());
  std::lock_guard lock(mutex_);
  cache_.emplace(std::make_pair(name, version), definition);
  return definition;
}

Result<std::vector<DeployedVersion>> DefinitionStore::list() {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(auto rows,
                        tx->query(std::string(kVersionColumns) + "ORDER BY name, version"));
  std::vector<DeployedVersion> out;
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(auto v, read_version(row));
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<DeployedVersion>> DefinitionStore::list_for(const std::string& facility_id,
                                                               storage::Transaction* tx) {
  std::unique_ptr<storage::Transaction> own;
  if (tx == nullptr) {
    WASL_ASSIGN_OR_RETURN(own, store_.begin(storage::TxMode::kReadOnly));
    tx = own.get();
  }
  WASL_ASSIGN_OR_RETURN(auto rows, tx->query(std::string(kVersionColumns) +
                                                 "WHERE facility_id = $1 OR facility_id = '' "
                                                 "ORDER BY name, version",
                                             Params{facility_id}));
  std::vector<DeployedVersion> all;
  std::set<std::string> owned;
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(auto v, read_version(row));
    if (!v.facility_id.empty()) owned.insert(v.name);
    all.push_back(std::move(v));
  }
  std::vector<DeployedVersion> out;
  for (auto& v : all) {
    // A name the facility deployed itself hides the platform's versions of it.
    if (v.facility_id.empty() && owned.contains(v.name)) continue;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace wasl::workflow
