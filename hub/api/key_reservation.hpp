// KeyReservation: an Idempotency-Key reserved by a request with an outside
// effect (records/idempotency_store.hpp: begin() and commit, the provider
// call, then complete() in the transaction that records the effect), freed
// again unless keep() is called, so a request that fails after reserving its
// key leaves it usable. Declare it before the transaction that completes the
// key, so that transaction has ended when the key is freed.
//
// Not thread-safe; one per request. The context must outlive it.
#pragma once

#include <optional>
#include <string>

#include "hub/api/api_context.hpp"

namespace wasl::api {

class KeyReservation {
 public:
  // Nothing to free when `key` is empty (the request sent none).
  KeyReservation(const ApiContext& ctx, std::string facility_id, std::optional<std::string> key);
  KeyReservation(const KeyReservation&) = delete;
  KeyReservation& operator=(const KeyReservation&) = delete;
  // Frees the key unless kept; a failure to free it is ignored (the key
  // then answers "in progress" until the idempotency records are purged).
  ~KeyReservation();

  // The request's answer was stored under the key: it stays.
  void keep() { kept_ = true; }

 private:
  const ApiContext& ctx_;
  std::string facility_id_;
  std::optional<std::string> key_;
  bool kept_ = false;
};

}  // namespace wasl::api
