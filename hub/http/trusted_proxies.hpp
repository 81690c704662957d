#pragma once

// TrustedProxies: which peers may say who the client is. A request from a
// trusted proxy (an address or CIDR range in server.trusted_proxies) names
// its client in X-Forwarded-For; the client is the rightmost address of that
// header that is not itself a trusted proxy (entries to its left were written
// by the client and prove nothing). A request from any other peer is its own
// client, whatever it sends. With no trusted proxies (the default) the header
// is never read.
//
// Immutable after parse(); thread-safe.

#include <Poco/Net/IPAddress.h>

#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;

  // Each entry is an IPv4 or IPv6 address, or one with "/prefix".
  // kInvalidArgument names the first entry that is neither.
  static sdk::Result<TrustedProxies> parse(const std::vector<std::string>& entries);

  bool empty() const { return ranges_.empty(); }
  bool contains(std::string_view address) const;

  // The client's address for a request whose peer is `peer_host` (no port)
  // and whose X-Forwarded-For values (all of them, in order) are `forwarded`.
  std::string client_address(std::string_view peer_host,
                             const std::vector<std::string>& forwarded) const;

 private:
  struct Range {
    Poco::Net::IPAddress network;
    Poco::Net::IPAddress mask;
  };
  std::vector<Range> ranges_;
};

}  // namespace wasl::http
