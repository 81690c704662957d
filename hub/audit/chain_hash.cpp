#include "hub/audit/chain_hash.hpp"

#include "hub/crypto/digest.hpp"
#include "hub/crypto/hex.hpp"

namespace wasl::audit {

const std::string kGenesisHash(64, '0');

namespace {

void append_field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

}  // namespace

std::string canonical_form(std::int64_t seq, const AuditEvent& event) {
  std::string out = "wasl.audit.v1\n";
  append_field(out, std::to_string(seq));
  out += canonical_tail(event);
  return out;
}

std::string canonical_tail(const AuditEvent& event) {
  std::string out;
  append_field(out, std::to_string(event.occurred_at));
  append_field(out, event.actor);
  append_field(out, event.facility_id);
  append_field(out, event.action);
  append_field(out, event.entity_type);
  append_field(out, event.entity_id);
  append_field(out, event.outcome);
  append_field(out, event.request_id);
  append_field(out, event.source_address);
  append_field(out, event.detail);
  if (!event.session.empty()) append_field(out, event.session);
  return out;
}

sdk::Result<std::string> chain_hash(std::string_view prev_hash_hex, std::int64_t seq,
                                    const AuditEvent& event) {
  if (prev_hash_hex.size() != 64) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "audit prev_hash must be 64 hex characters");
  }
  WASL_ASSIGN_OR_RETURN(std::string prev, crypto::from_hex(prev_hash_hex));
  return crypto::sha256_hex(prev + canonical_form(seq, event));
}

}  // namespace wasl::audit
