// What the HIS feed said, kept in the instance state (Host::state_get/put)
// as records {"stamp": {...}, "value": ...}, so that the EHR reads can answer
// from it. A record's stamp is the message it came from: MSH-7 as Unix ms
// and MSH-10. A record is written only when the message is newer than the
// one that wrote the stored record: a later MSH-7, or the same MSH-7 and a
// control id not yet applied at that time (the record remembers the control
// ids applied at its MSH-7, at most kMaxControlIds). So a message delivered
// twice, or an older one delivered late, never overwrites a newer record.
//
// Keys: "patient/<id>", "appointment/<id>", "practitioner/<id>",
// "coverage/<patient id>" (every coverage of the patient's latest IN1s),
// "coverage-id/<coverage id>" (its patient id), "merged/<prior patient id>"
// (the patient it was merged into).
//
// Thread-safe: every read-compare-write runs under one lock shared by all
// StateRecords of the process (the feed and the EHR reads of an instance are
// separate objects over one state). Two hub processes feeding one instance
// could still interleave; the hub's listener gives an instance one process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::hl7v2 {

struct Stamp {
  std::int64_t time_ms = 0;  // MSH-7
  std::string control_id;    // MSH-10
};

class StateRecords {
 public:
  static constexpr std::size_t kMaxControlIds = 32;

  // `host` outlives the object.
  explicit StateRecords(sdk::Host& host) : host_(host) {}

  // Stores `value` under `key` stamped `stamp` unless the stored record is as
  // new or newer; `merge(stored value)`, when given, is called with the value
  // being replaced (to keep what the new message leaves out) and answers the
  // value to store. Answers whether it wrote; an error of the host's state.
  using Merge = std::function<nlohmann::json(const nlohmann::json& stored, nlohmann::json value)>;
  sdk::Result<bool> put_if_newer(const std::string& key, const Stamp& stamp, nlohmann::json value,
                                 const Merge& merge = nullptr);

  // The value stored under `key`; std::nullopt when none.
  sdk::Result<std::optional<nlohmann::json>> get(const std::string& key);

  // Replaces the value stored under `key` with `change(value)`, keeping its
  // stamp, so a message newer than that stamp still overwrites it. false
  // (nothing written) when there is no record.
  sdk::Result<bool> update(const std::string& key,
                           const std::function<nlohmann::json(nlohmann::json)>& change);

 private:
  sdk::Host& host_;
};

}  // namespace wasl::plugins::hl7v2
