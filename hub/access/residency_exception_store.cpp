#include "hub/access/residency_exception_store.hpp"

#include <nlohmann/json.hpp>

namespace wasl::access {

sdk::Result<bool> ResidencyExceptionStore::record_start(storage::Transaction& tx,
                                                        const audit::AuditWriter& audit,
                                                        const ResidencyExceptionRecord& exception,
                                                        std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t inserted,
      tx.exec("INSERT INTO residency_exceptions (facility_id, instance, reference, approved_on, "
              "residency, first_started_at) VALUES ($1, $2, $3, $4, $5, $6) "
              "ON CONFLICT (facility_id, instance, reference) DO NOTHING",
              {exception.facility_id, exception.instance, exception.reference,
               exception.approved_on, exception.residency, now_ms}));
  if (inserted == 0) return false;
  audit::AuditEvent event;
  event.occurred_at = now_ms;
  event.actor = "system";
  event.facility_id = exception.facility_id;
  event.action = "residency_exception.in_force";
  event.entity_type = "instance";
  event.entity_id = exception.instance;
  event.outcome = std::string(audit::kOutcomeSuccess);
  event.detail = nlohmann::json{{"reference", exception.reference},
                                {"approved", exception.approved_on},
                                {"residency", exception.residency}}
                     .dump();
  WASL_RETURN_IF_ERROR(audit.append(tx, event));
  return true;
}

sdk::Result<std::vector<ResidencyExceptionRecord>> ResidencyExceptionStore::list(
    storage::Transaction& tx, std::string_view facility_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT instance, reference, approved_on, residency, first_started_at "
               "FROM residency_exceptions WHERE facility_id = $1 ORDER BY instance, reference",
               {std::string(facility_id)}));
  std::vector<ResidencyExceptionRecord> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    ResidencyExceptionRecord r;
    r.facility_id = std::string(facility_id);
    WASL_ASSIGN_OR_RETURN(r.instance, row.get_text(0));
    WASL_ASSIGN_OR_RETURN(r.reference, row.get_text(1));
    WASL_ASSIGN_OR_RETURN(r.approved_on, row.get_text(2));
    WASL_ASSIGN_OR_RETURN(r.residency, row.get_text(3));
    WASL_ASSIGN_OR_RETURN(r.first_started_at, row.get_int(4));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace wasl::access
