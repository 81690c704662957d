#include "hub/audit/head_signature.hpp"

#include "hub/crypto/hex.hpp"
#include "hub/crypto/hmac.hpp"

namespace wasl::audit {

sdk::Result<std::string> head_key(std::string_view audit_key) {
  return crypto::hmac_sha256(audit_key, "wasl.audit.head-key.v1");
}

sdk::Result<std::string> head_mac(std::string_view head_key, std::int64_t seq,
                                  std::string_view hash) {
  std::string text = "wasl.audit.head.v1\n";
  text += std::to_string(seq);
  text += '\n';
  text += hash;
  text += '\n';
  WASL_ASSIGN_OR_RETURN(std::string mac, crypto::hmac_sha256(head_key, text));
  return crypto::to_hex(mac);
}

bool head_mac_valid(std::string_view head_key, std::int64_t seq, std::string_view hash,
                    std::string_view mac) {
  auto expected = head_mac(head_key, seq, hash);
  if (!expected.ok()) return false;
  return crypto::constant_time_equal(*expected, mac);
}

HeadPads head_pads(std::string_view head_key) {
  constexpr std::size_t kBlock = 64;  // SHA-256's block size
  HeadPads pads{std::string(kBlock, '\x36'), std::string(kBlock, '\x5c')};
  for (std::size_t i = 0; i < head_key.size() && i < kBlock; ++i) {
    pads.inner[i] = static_cast<char>(pads.inner[i] ^ head_key[i]);
    pads.outer[i] = static_cast<char>(pads.outer[i] ^ head_key[i]);
  }
  return pads;
}

}  // namespace wasl::audit
