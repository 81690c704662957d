// The glue's Host over a host table: what a plugin built with SDK 1.1 does
// when the hub is older (a table without client_certificate) or newer.
#include "abi_host.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace wasl::sdk::glue {
namespace {

using ::testing::HasSubstr;

int http_calls = 0;

char* copy(const char* s) {
  char* out = static_cast<char*>(std::malloc(std::strlen(s) + 1));
  std::strcpy(out, s);
  return out;
}

int http_request(void*, const char*, char** response_json) {
  ++http_calls;
  *response_json = copy(R"({"status":204,"headers":[]})");
  return WASL_OK;
}

int client_certificate(void*, char** out) {
  *out = copy(R"({"subject":"CN=N-F-00001","not_after_ms":4102444800000,"trust_anchors":1})");
  return WASL_OK;
}

void free_string(void*, char* s) { std::free(s); }

wasl_host_api table(std::size_t size) {
  wasl_host_api t{};
  t.struct_size = size;
  t.http_request = &http_request;
  t.free_string = &free_string;
  t.settings_json = "{}";
  t.instance_name = "billing.test";
  t.client_certificate = &client_certificate;
  return t;
}

TEST(AbiHostTest, AnOlderHubRefusesMutualTlsInsteadOfSendingWithoutTheCertificate) {
  wasl_host_api old = table(offsetof(wasl_host_api, client_certificate));
  AbiHost host(&old);
  http_calls = 0;
  HttpRequest request;
  request.url = "https://exchange.test/$process-message";
  request.mutual_tls = true;
  auto refused = host.http(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message, HasSubstr("predates plugin ABI 1.1"));
  EXPECT_EQ(http_calls, 0);
  EXPECT_EQ(host.client_certificate().error().code, ErrorCode::kFailedPrecondition);
  request.mutual_tls = false;
  EXPECT_TRUE(host.http(request).ok());  // everything else works as before
  EXPECT_EQ(http_calls, 1);
}

TEST(AbiHostTest, ACurrentHubDescribesTheCertificateAndTakesMutualTls) {
  wasl_host_api current = table(sizeof(wasl_host_api));
  AbiHost host(&current);
  http_calls = 0;
  auto certificate = host.client_certificate();
  ASSERT_TRUE(certificate.ok()) << certificate.error().message;
  EXPECT_EQ(certificate->subject, "CN=N-F-00001");
  EXPECT_EQ(certificate->trust_anchors, 1);
  HttpRequest request;
  request.url = "https://exchange.test/$process-message";
  request.mutual_tls = true;
  EXPECT_TRUE(host.http(request).ok());
  EXPECT_EQ(http_calls, 1);
}

}  // namespace
}  // namespace wasl::sdk::glue
