#include "hub/api/key_reservation.hpp"

#include <utility>

#include "hub/records/idempotency_store.hpp"

namespace wasl::api {

KeyReservation::KeyReservation(const ApiContext& ctx, std::string facility_id,
                               std::optional<std::string> key)
    : ctx_(ctx), facility_id_(std::move(facility_id)), key_(std::move(key)) {}

KeyReservation::~KeyReservation() {
  if (!key_ || kept_) return;
  auto tx = ctx_.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return;
  records::IdempotencyStore idempotency(*ctx_.cipher);
  if (idempotency.release(**tx, facility_id_, *key_).ok()) (void)(*tx)->commit();
}

}  // namespace wasl::api
