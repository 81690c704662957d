#include "hub/object_store/configured_stores.hpp"

#include "hub/object_store/local_object_store.hpp"

namespace wasl::object_store {

S3StoreOptions s3_store_options(const config::ObjectStoreConfig& config) {
  S3StoreOptions options;
  options.name = config.name;
  options.endpoint.base_url = config.endpoint;
  options.endpoint.region = config.region;
  options.endpoint.path_style = config.addressing != "virtual";
  options.credentials.kind = config.credentials;
  if (config.credentials == "static") {
    options.endpoint.credentials.access_key_id = config.access_key_id.reveal();
    options.endpoint.credentials.secret_access_key = config.secret_access_key.reveal();
    if (!config.session_token.empty()) {
      options.endpoint.credentials.session_token = config.session_token.reveal();
    }
  }
  options.credentials.instance.endpoint = config.imds_endpoint;
  sdk::aws::WebIdentityOptions& web = options.credentials.web_identity;
  web.sts_endpoint = config.sts_endpoint.empty() ? "https://sts." + config.region + ".amazonaws.com"
                                                 : config.sts_endpoint;
  web.role_arn = config.role_arn;
  web.token_file = config.web_identity_token_file;
  web.role_session_name = config.role_session_name;
  options.bucket = config.bucket;
  options.prefix = config.prefix;
  options.part_size = static_cast<std::size_t>(config.part_size);
  options.parts_in_flight = config.parts_in_flight;
  options.checksum =
      config.checksum == "md5" ? sdk::aws::S3Checksum::kMd5 : sdk::aws::S3Checksum::kSha256;
  if (config.retention_mode == "governance") options.lock_mode = sdk::aws::S3LockMode::kGovernance;
  if (config.retention_mode == "compliance") options.lock_mode = sdk::aws::S3LockMode::kCompliance;
  options.ca_file = config.ca_file;
  return options;
}

sdk::Result<std::unique_ptr<ObjectStores>> configured_stores(const config::ArchiveConfig& config,
                                                             observability::Metrics* metrics) {
  auto stores = std::make_unique<ObjectStores>(std::make_unique<LocalObjectStore>(config.root));
  for (const auto& [name, entry] : config.stores) {
    S3StoreOptions options = s3_store_options(entry);
    options.metrics = metrics;
    auto store = S3ObjectStore::create(std::move(options));
    if (!store.ok()) {
      return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                        "archive.stores." + name + ": " + store.error().message, false);
    }
    WASL_RETURN_IF_ERROR(stores->add(name, std::move(store).value()));
  }
  WASL_RETURN_IF_ERROR(stores->set_active(config.store));
  return stores;
}

}  // namespace wasl::object_store
