// The deployment's object stores as the configuration declares them
// (archive.root, archive.stores, archive.store): the local store, every S3
// store, and the active one. Nothing is contacted; `wasl check` probes the
// stores (S3ObjectStore::probe).
#pragma once

#include <memory>

#include "hub/config/config.hpp"
#include "hub/object_store/object_stores.hpp"
#include "hub/object_store/s3_object_store.hpp"

namespace wasl::object_store {

// The S3 store options of one archive.stores entry.
S3StoreOptions s3_store_options(const config::ObjectStoreConfig& config);

// Errors: kInvalidArgument naming the store whose settings cannot work.
// `metrics` (may be null; must outlive the stores) counts every S3 store's
// requests (StoreMonitor).
sdk::Result<std::unique_ptr<ObjectStores>> configured_stores(
    const config::ArchiveConfig& config, observability::Metrics* metrics = nullptr);

}  // namespace wasl::object_store
