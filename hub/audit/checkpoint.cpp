#include "hub/audit/checkpoint.hpp"

#include "hub/crypto/hex.hpp"
#include "hub/crypto/hmac.hpp"

namespace wasl::audit {

sdk::Result<std::string> checkpoint_mac(std::string_view audit_key, std::int64_t seq,
                                        std::string_view head_hash, std::int64_t created_at) {
  std::string text = "wasl.audit.checkpoint.v1\n";
  text += std::to_string(seq);
  text += '\n';
  text += head_hash;
  text += '\n';
  text += std::to_string(created_at);
  text += '\n';
  WASL_ASSIGN_OR_RETURN(std::string mac, crypto::hmac_sha256(audit_key, text));
  return crypto::to_hex(mac);
}

bool checkpoint_mac_valid(std::string_view audit_key, const Checkpoint& checkpoint) {
  auto expected =
      checkpoint_mac(audit_key, checkpoint.seq, checkpoint.head_hash, checkpoint.created_at);
  if (!expected.ok()) return false;
  return crypto::constant_time_equal(*expected, checkpoint.mac);
}

}  // namespace wasl::audit
