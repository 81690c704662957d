#include "hub/http/peer_key.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace wasl::http {

std::string peer_key(std::string_view address) {
  if (address.find(':') == std::string_view::npos || address.size() >= INET6_ADDRSTRLEN) {
    return std::string(address);
  }
  std::string text(address);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return text;
  static constexpr std::array<unsigned char, 12> kMapped = {0, 0, 0, 0, 0,    0,
                                                            0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), bytes.begin())) {
    std::array<char, INET_ADDRSTRLEN> out{};
    inet_ntop(AF_INET, bytes.data() + 12, out.data(), out.size());
    return out.data();
  }
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  std::array<char, INET6_ADDRSTRLEN> out{};
  inet_ntop(AF_INET6, bytes.data(), out.data(), out.size());
  return std::string(out.data()) + "/64";
}

}  // namespace wasl::http
