#include "hub/records/provider_resource_store.hpp"

namespace wasl::records {

using sdk::Error;
using sdk::ErrorCode;

sdk::Status ProviderResourceStore::record(storage::Transaction& tx,
                                          const ProviderResource& resource) {
  if (resource.facility_id.empty() || resource.instance.empty() || resource.kind.empty() ||
      resource.resource_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a provider resource needs its facility, instance, kind and id", false);
  }
  WASL_ASSIGN_OR_RETURN(
      std::int64_t inserted,
      tx.exec("INSERT INTO provider_resources (resource_id, kind, instance, facility_id, "
              "created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
              {resource.resource_id, resource.kind, resource.instance, resource.facility_id,
               resource.created_at}));
  (void)inserted;
  return {};
}

sdk::Result<Ownership> ProviderResourceStore::ownership(storage::Transaction& tx,
                                                        std::string_view facility_id,
                                                        std::string_view kind,
                                                        std::string_view resource_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT COALESCE(MAX(CASE WHEN facility_id = $3 THEN 1 ELSE 0 END), -1) "
               "FROM provider_resources WHERE resource_id = $1 AND kind = $2",
               {std::string(resource_id), std::string(kind), std::string(facility_id)}));
  std::int64_t found = -1;
  if (!rows.empty()) {
    WASL_ASSIGN_OR_RETURN(found, rows[0].get_int(0));
  }
  if (found == 1) return Ownership::kOwned;
  if (found == 0) return Ownership::kForeign;
  return Ownership::kUnknown;
}

}  // namespace wasl::records
