#include "wasl/sdk/url_origin.hpp"

#include <gtest/gtest.h>

namespace wasl::sdk {
namespace {

TEST(UrlOrigin, SchemeHostAndPortWithDefaults) {
  EXPECT_EQ(url_origin("https://EHR.example/fhir"), (UrlOrigin{"https", "ehr.example", 443}));
  EXPECT_EQ(url_origin("http://127.0.0.1:4568/fhir/R4"), (UrlOrigin{"http", "127.0.0.1", 4568}));
  EXPECT_EQ(url_origin("http://[::1]:8080/x?y#z"), (UrlOrigin{"http", "::1", 8080}));
  EXPECT_EQ(url_origin("https://user@host.example:8443"),
            (UrlOrigin{"https", "host.example", 8443}));
  EXPECT_FALSE(url_origin("ftp://host/x"));
  EXPECT_FALSE(url_origin("https:///x"));
  EXPECT_FALSE(url_origin("https://host:99999/"));
  EXPECT_FALSE(url_origin("https://host:8a/"));
  EXPECT_FALSE(url_origin("/relative"));
  EXPECT_NE(url_origin("https://ehr.example/a"), url_origin("https://ehr.example:8443/a"));
  EXPECT_NE(url_origin("https://ehr.example/a"), url_origin("http://ehr.example/a"));
}

TEST(UrlOrigin, LoopbackIs127Slash8IPv6OneAndLocalhost) {
  for (const char* host : {"127.0.0.1", "127.255.0.9", "::1", "localhost"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (const char* host : {"128.0.0.1", "127.0.0", "127.0.0.1.5", "127.0.0.256", "10.0.0.1",
                           "localhost.example", "127.0.0.1.nip.io", "::2", ""}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(UrlOrigin, HttpsOrLoopbackIsTheTransportRule) {
  EXPECT_TRUE(is_https_or_loopback("https://ehr.example/fhir"));
  EXPECT_TRUE(is_https_or_loopback("http://127.0.0.1:4568/fhir"));
  EXPECT_TRUE(is_https_or_loopback("http://localhost/fhir"));
  EXPECT_TRUE(is_https_or_loopback("http://[::1]/fhir"));
  EXPECT_FALSE(is_https_or_loopback("http://ehr.example/fhir"));
  EXPECT_FALSE(is_https_or_loopback("http://127.0.0.1@ehr.example/fhir"));
  EXPECT_FALSE(is_https_or_loopback("ftp://127.0.0.1/"));
}

}  // namespace
}  // namespace wasl::sdk
