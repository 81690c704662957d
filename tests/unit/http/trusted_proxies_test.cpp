#include "hub/http/trusted_proxies.hpp"

#include <gtest/gtest.h>

namespace wasl::http {
namespace {

TEST(TrustedProxiesTest, ParsesAddressesAndRangesAndNamesABadEntry) {
  auto ok = TrustedProxies::parse({"10.0.0.0/8", "192.0.2.1", "2001:db8::/32", " ::1 "});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->contains("10.200.3.4"));
  EXPECT_TRUE(ok->contains("192.0.2.1"));
  EXPECT_FALSE(ok->contains("192.0.2.2"));
  EXPECT_TRUE(ok->contains("2001:db8:1::5"));
  EXPECT_TRUE(ok->contains("::1"));
  EXPECT_FALSE(ok->contains("11.0.0.1"));
  EXPECT_FALSE(ok->contains("not an address"));
  for (const char* bad : {"10.0.0.0/33", "proxy.example.org", "10.0.0.0/", "::/129", "1.2.3.4/x"}) {
    auto r = TrustedProxies::parse({bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find(bad), std::string::npos);
  }
}

TEST(TrustedProxiesTest, OnlyATrustedPeerNamesTheClient) {
  auto proxies = *TrustedProxies::parse({"10.0.0.0/8"});
  // Not a proxy: its header is ignored.
  EXPECT_EQ(proxies.client_address("198.51.100.7", {"203.0.113.5"}), "198.51.100.7");
  // A proxy: the rightmost hop that is not a proxy, across repeated headers;
  // what the client wrote to the left proves nothing.
  EXPECT_EQ(proxies.client_address("10.1.1.1", {"1.1.1.1, 203.0.113.5"}), "203.0.113.5");
  EXPECT_EQ(proxies.client_address("10.1.1.1", {"1.1.1.1", "203.0.113.5, 10.2.2.2"}),
            "203.0.113.5");
  // No header, only proxies, or garbage: the peer.
  EXPECT_EQ(proxies.client_address("10.1.1.1", {}), "10.1.1.1");
  EXPECT_EQ(proxies.client_address("10.1.1.1", {"10.3.3.3"}), "10.1.1.1");
  EXPECT_EQ(proxies.client_address("10.1.1.1", {"203.0.113.5, evil"}), "10.1.1.1");
  // None configured: never read.
  EXPECT_EQ(TrustedProxies().client_address("10.1.1.1", {"203.0.113.5"}), "10.1.1.1");
}

}  // namespace
}  // namespace wasl::http
