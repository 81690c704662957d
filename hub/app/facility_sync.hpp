// Facilities are declared in the config; the facilities table mirrors them so
// rows of other tables can reference them. Syncing adds new facilities and
// updates names; it never deletes (a facility's data outlives its config).
#pragma once

#include "hub/config/config.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::app {

sdk::Status sync_facilities(storage::Store& store, const config::Config& config);

}  // namespace wasl::app
