#include "hub/http/peer_key.hpp"

#include <gtest/gtest.h>

namespace wasl::http {
namespace {

// One host holds a whole IPv6 /64: every address in it is one peer for the
// connection cap. IPv4 peers count per address.
TEST(PeerKeyTest, Ipv6CountsPerSlash64AndIpv4PerAddress) {
  EXPECT_EQ(peer_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(peer_key("2001:db8:1:2:bbbb:cccc:dddd:7"), "2001:db8:1:2::/64");
  EXPECT_NE(peer_key("2001:db8:1:3::1"), peer_key("2001:db8:1:2::1"));
  EXPECT_EQ(peer_key("::1"), "::/64");
  EXPECT_EQ(peer_key("::ffff:192.0.2.5"), "192.0.2.5");
  EXPECT_EQ(peer_key("192.0.2.5"), "192.0.2.5");
  EXPECT_NE(peer_key("192.0.2.5"), peer_key("192.0.2.6"));
  EXPECT_EQ(peer_key("not an address"), "not an address");
}

}  // namespace
}  // namespace wasl::http
