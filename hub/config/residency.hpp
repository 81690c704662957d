// Residency: the country where a plugin instance or an archive store
// processes PHI and media, and whether that meets a facility's requirement
// (facilities.<id>.residency). An instance's `residency:` declares it;
// without one it is derived where the settings say it (Chime's region,
// Twilio's region, an Amazon S3 store's region), else it is unknown, which
// meets no requirement. The loader refuses a facility bound outside its
// requirement unless an approved exception names the instance; the hub
// audits each exception at its first start with it, and GET /v1/residency
// shows the whole picture.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hub/config/config.hpp"

namespace wasl::config {

// The country of a residency that is not known.
inline constexpr std::string_view kUnknownResidency = "unknown";

struct Residency {
  std::string country;  // ISO 3166-1 alpha-2 code, or kUnknownResidency
  // How it is known, for messages and GET /v1/residency: "declared",
  // "settings.region us-east-1", or why it is unknown.
  std::string basis;

  bool known() const { return country != kUnknownResidency; }
};

// Whether `code` is an assigned ISO 3166-1 alpha-2 code ("SA", "AE").
bool is_country_code(std::string_view code);

// The country of an AWS Region ("me-central-1" -> "AE", "us-east-1" ->
// "US"); empty for a region this table does not know.
std::string aws_region_country(std::string_view region);

// Where `instance` processes data: its declared residency, else what its
// plugin's settings say (plugins chime and twilio), else unknown.
Residency instance_residency(const InstanceConfig& instance);

// Where an S3 store keeps recordings: declared, else its region's country
// when the endpoint is Amazon S3's, else unknown.
Residency store_residency(const ObjectStoreConfig& store);

// Where new recordings go: the active store (archive.store), the local one
// being archive.residency (unknown when not declared).
Residency archive_residency(const ArchiveConfig& archive);

// Whether `residency` is one of `required` (an empty requirement is met by
// anything, unknown included).
bool meets(const std::vector<std::string>& required, const Residency& residency);

// One way a facility's data leaves the hub: the kind of data, where the
// binding is written in the config ("bindings.video",
// "notifications.email") and the instance it names. The recordings'
// archive is not one of these: it is the same for every facility
// (archive_residency()).
struct DataPath {
  std::string kind;      // video, ehr, billing, reporting, notify
  std::string key;       // under facilities.<id>
  std::string instance;  // may name no declared instance (the loader says so)
};

// Every instance the facility's data goes to: its role bindings, then its
// notification channels.
std::vector<DataPath> facility_data_paths(const FacilityConfig& facility);

// The name an exception gives the archive's active store: "archive.<store>"
// ("archive.local" for archive.root).
std::string archive_exception_name(const ArchiveConfig& archive);

// The facility's exception for `instance` (or archive_exception_name()), or
// nullptr.
const FacilityResidencyExceptionConfig* residency_exception(const FacilityConfig& facility,
                                                            std::string_view instance);

}  // namespace wasl::config
