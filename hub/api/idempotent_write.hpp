// IdempotentWrite: a request that changes only the database (no outside
// effect), done in one transaction with its optional Idempotency-Key and
// its audit event: the key is claimed first (a replay gets the stored
// answer, another body under the key 422, a concurrent first request 409),
// then the work runs, then the answer is stored under the key, the audit
// event appended and everything committed together. A work that answers a
// problem commits nothing, so bad input changes nothing and leaves the key
// free.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "hub/access/principal.hpp"
#include "hub/api/api_context.hpp"
#include "hub/audit/audit_event.hpp"
#include "hub/http/exchange.hpp"
#include "hub/storage/store.hpp"

namespace wasl::api {

// What a work wrote: the answer (a JSON response, json_response()) and the
// event that audits it.
struct Written {
  http::Response response;
  audit::AuditEvent event;
  // For a 201: the created resource's URL (Location).
  std::string location;
};

using WriteWork = std::function<std::variant<Written, http::Response>(storage::Transaction& tx)>;

// Runs `work` as above. `body` is the request's JSON (the fingerprint);
// `location_prefix` + a replayed 201's id is its Location.
http::Response idempotent_write(ApiContext& ctx, const http::Request& request,
                                const access::Principal& principal, const nlohmann::json& body,
                                const std::string& location_prefix, const WriteWork& work);

}  // namespace wasl::api
