// ProviderResourceStore: which facility each provider resource the hub
// created or learned belongs to (the provider_resources table): a video
// room, a participant, a recording or composition (its provider id or
// s3:// URI), an EHR resource read or booked for a consultation.
//
// A resource is the facility's once recorded for it; several facilities may
// each hold the same resource (a patient of an EHR a hospital group shares),
// one row each. Nothing here decides what a caller may do with that answer:
// the workflow's resource guard (hub/workflow/resource_guard.hpp) does.
//
// Works in the caller's transaction, so a resource is recorded in the
// transaction that records the result that created or learned it.
// Thread-safe: stateless.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::records {

struct ProviderResource {
  std::string facility_id;
  std::string instance;         // the plugin instance that holds it: "video.twilio-main"
  std::string kind;             // "room", "participant", "media", "patient", …
  std::string resource_id;      // the provider's id, as the plugin names it
  std::int64_t created_at = 0;  // epoch ms
};

// Whose a resource is, as far as the records say.
enum class Ownership {
  kOwned,    // recorded for the facility asked about (others may hold it too)
  kForeign,  // recorded only for other facilities
  kUnknown,  // recorded for nobody
};

class ProviderResourceStore {
 public:
  // Records `resource` for its facility; recording it again changes nothing.
  // kInvalidArgument when a field is empty.
  static sdk::Status record(storage::Transaction& tx, const ProviderResource& resource);

  // Whose the resource `resource_id` of `kind` is, on any instance, seen
  // from `facility_id`.
  static sdk::Result<Ownership> ownership(storage::Transaction& tx, std::string_view facility_id,
                                          std::string_view kind, std::string_view resource_id);
};

}  // namespace wasl::records
