// Facilities are declared in the config; the facilities table mirrors them so
// rows of other tables can reference them. Syncing adds new facilities and
// updates names; it never deletes (a facility's data outlives its config).
#pragma once

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::app {

sdk::Status sync_facilities(storage::Store& store, const config::Config& config);

// Records every approved residency exception of the config
// (facilities.<id>.residency_exceptions) the hub starts with, and audits
// the ones it starts with for the first time
// (access::ResidencyExceptionStore), all in one transaction.
sdk::Status record_residency_exceptions(storage::Store& store, const audit::AuditWriter& audit,
                                        const config::Config& config);

}  // namespace wasl::app
