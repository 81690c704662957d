#include "hub/http/trusted_proxies.hpp"

#include <Poco/Exception.h>

namespace wasl::http {
namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_address(std::string_view text, Poco::Net::IPAddress& out) {
  return Poco::Net::IPAddress::tryParse(std::string(text), out);
}

}  // namespace

sdk::Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& entries) {
  TrustedProxies proxies;
  for (const auto& entry : entries) {
    std::string_view text = trim_spaces(entry);
    std::string_view address = text;
    int prefix = -1;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
      address = text.substr(0, slash);
      std::string_view digits = text.substr(slash + 1);
      prefix = 0;
      for (char c : digits) {
        if (c < '0' || c > '9' || prefix > 128) {
          prefix = 999;
          break;
        }
        prefix = prefix * 10 + (c - '0');
      }
      if (digits.empty()) prefix = 999;
    }
    Poco::Net::IPAddress ip;
    const bool ok = parse_address(address, ip);
    const int bits = ok && ip.family() == Poco::Net::AddressFamily::IPv6 ? 128 : 32;
    if (!ok || prefix > bits) {
      return sdk::Error(
          sdk::ErrorCode::kInvalidArgument,
          "trusted proxy '" + entry + "' is not an IP address or CIDR range (such as 10.0.0.0/8)");
    }
    if (prefix < 0) prefix = bits;
    try {
      Poco::Net::IPAddress mask(static_cast<unsigned>(prefix), ip.family());
      proxies.ranges_.push_back(Range{ip & mask, mask});
    } catch (const Poco::Exception&) {
      return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                        "trusted proxy '" + entry + "' has a prefix its address cannot take");
    }
  }
  return proxies;
}

bool TrustedProxies::contains(std::string_view address) const {
  Poco::Net::IPAddress ip;
  if (!parse_address(trim_spaces(address), ip)) return false;
  for (const auto& r : ranges_) {
    if (r.network.family() == ip.family() && (ip & r.mask) == r.network) return true;
  }
  return false;
}

std::string TrustedProxies::client_address(std::string_view peer_host,
                                           const std::vector<std::string>& forwarded) const {
  if (ranges_.empty() || !contains(peer_host)) return std::string(peer_host);
  // Every hop, left to right, across repeated headers.
  std::vector<std::string_view> hops;
  for (const auto& value : forwarded) {
    std::string_view rest = value;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      hops.push_back(trim_spaces(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    Poco::Net::IPAddress ip;
    if (!parse_address(*it, ip)) return std::string(peer_host);  // garbage: trust nothing
    if (!contains(*it)) return ip.toString();
  }
  return std::string(peer_host);
}

}  // namespace wasl::http
