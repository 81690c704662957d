// The relying party's JOSE reader (hub/signin/jose.hpp): a provider's key set
// and the tokens it signs. The first input byte picks what the rest is:
//   0  a JWKS document, through KeySet::parse and a lookup of every key;
//   1  a compact token, read and checked (algorithm, key, signature with
//      cjose) against a fixed key set of one RSA key;
//   2  a JWKS document, a newline, then a token checked against that set.
// A token whose signature cjose accepts must have a payload that is a JSON
// object, and the fixed key's kid must be found for RS256.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hub/signin/jose.hpp"

namespace {

using wasl::signin::KeySet;

// The public half of the key that signed seeds/jose/token-*.
constexpr std::string_view kFixedKeySet =
    R"({"keys":[{"kty":"RSA","kid":"fuzz-1","use":"sig","alg":"RS256","n":"ozjrDb5nkozjaNeqHTyi_3gC6b6l0uWS8w79zHdXiSNJtRVwUyLTvx5rPKQB6yqzr2lnRVW6DS5dtp4e5T1TfIf2QJi37Pz1HvKJ2bw8A1LX8DUyXh-SgEvcIvKLYAPcE28_mVGa83gA4hynj9nCIlEEljUJZ9wFWzU_1ilQhWFvuUI5BxmP75uzYMLPaW44EV_kICE6UekCSI8dfcQKPbk_GT6mr3fZQeubJZyhfiv4W1nevwGflDvTbvS27RnPFGmkHm7WBZtBkQ0BbqtGDcpaYAoFGgruJggwSod7o9A2pcG9NMngr9jzcn5bDNhK7vDGRNm7ymmOJo1hEjnv3w","e":"AQAB"}]})";

void check_token(std::string_view token, const KeySet& set) {
  auto header = wasl::signin::read_jws_header(token);
  if (!header.ok()) return;
  const wasl::signin::PublicKey* key = set.find(header->kid, header->alg);
  if (key == nullptr) return;
  auto payload = wasl::signin::verified_payload(token, *key);
  if (payload.ok() && !payload->is_object()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const KeySet fixed = [] {
    auto set = KeySet::parse(kFixedKeySet);
    if (!set.ok() || set->find("fuzz-1", "RS256") == nullptr) std::abort();
    return std::move(set).value();
  }();
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto set = KeySet::parse(rest);
      if (set.ok()) {
        for (const auto alg : wasl::signin::kAcceptedAlgorithms) (void)set->find("", alg);
      }
      break;
    }
    case 1: check_token(rest, fixed); break;
    default: {
      const auto newline = rest.find('\n');
      if (newline == std::string_view::npos) return 0;
      auto set = KeySet::parse(rest.substr(0, newline));
      if (set.ok()) check_token(rest.substr(newline + 1), *set);
      break;
    }
  }
  return 0;
}
