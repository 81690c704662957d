// recorded_answer(): how the sandbox answers one call of an effectful method,
// given what StateFile::record_effect recorded for it.
//
// - the record's error, as is;
// - with fail_first_attempt, the first call of a (method, key) — its effect is
//   already applied and stored — answers a retryable kUnavailable (a lost
//   response), so the hub's retry with the same key gets the stored answer;
// - otherwise the stored answer, decoded as T. A ResourceCreated answered to a
//   repeat says created = false, as a conditional create finding the first
//   resource would.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "plugins/sandbox/state_file.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::sandbox {

template <typename T>
sdk::Result<T> recorded_answer(sdk::Result<EffectRecord> record, bool fail_first_attempt,
                               std::string_view method) {
  if (!record.ok()) return std::move(record).error();
  if (fail_first_attempt && record->calls == 1) {
    return sdk::Error(sdk::ErrorCode::kUnavailable,
                      "sandbox: fail_first_attempt: " + std::string(method) +
                          " was applied and its answer dropped; retry with the same "
                          "idempotency key",
                      true);
  }
  T value = record->result.template get<T>();
  if constexpr (std::is_same_v<T, sdk::ResourceCreated>) {
    if (record->calls > 1) value.created = false;
  }
  return value;
}

// kInvalidArgument when an effectful call carries no idempotency key.
inline sdk::Status require_idempotency_key(const std::string& key, std::string_view method) {
  if (!key.empty()) return {};
  return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                    "sandbox: " + std::string(method) + " needs an idempotency key", false);
}

}  // namespace wasl::plugins::sandbox
