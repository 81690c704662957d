#include "hub/api/idempotent_write.hpp"

#include <utility>

#include "hub/api/api_problem.hpp"
#include "hub/api/idempotent_request.hpp"
#include "hub/records/idempotency_store.hpp"

namespace wasl::api {

http::Response idempotent_write(ApiContext& ctx, const http::Request& request,
                                const access::Principal& principal, const nlohmann::json& body,
                                const std::string& location_prefix, const WriteWork& work) {
  std::optional<std::string> key;
  if (auto problem = read_idempotency_key(request, /*required=*/false, key)) return *problem;
  records::IdempotencyStore idempotency(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (key) {
    auto begun = idempotency.begin(**tx, principal.facility_id, *key,
                                   request_fingerprint(request, body), ctx.now_ms());
    if (!begun.ok()) return error_response(request, begun.error());
    if (auto answer = idempotency_answer(request, *begun, location_prefix)) return *answer;
  }
  auto done = work(**tx);
  if (auto* problem = std::get_if<http::Response>(&done)) return std::move(*problem);
  Written& written = std::get<Written>(done);
  http::Response response = std::move(written.response);
  if (key) {
    auto completed =
        idempotency.complete(**tx, principal.facility_id, *key, {response.status, response.body});
    if (!completed.ok()) return error_response(request, completed.error());
  }
  if (auto appended = ctx.audit->append(**tx, written.event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  if (!written.location.empty()) response.set_header("Location", written.location);
  return response;
}

}  // namespace wasl::api
