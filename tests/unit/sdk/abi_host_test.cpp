// The glue's Host over a host table: what a plugin built with SDK 1.1 does
// when the hub is older (a table without client_certificate) or newer.
#include "abi_host.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

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

std::string last_process_request;

int run_process(void*, const char* request_json, char** result_json) {
  last_process_request = request_json;
  *result_json = copy(
      R"({"exited":true,"exit_code":3,"signal":0,"timed_out":false,"stdout_base64":"AP8=",)"
      R"("stdout_truncated":true,"stderr":"bad input","stderr_truncated":false,"elapsed_ms":12})");
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
  t.run_process = &run_process;
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

TEST(AbiHostTest, RunProcessCrossesTheTableBothWays) {
  wasl_host_api current = table(sizeof(wasl_host_api));
  AbiHost host(&current);
  ProcessRequest request;
  request.executable = "/usr/bin/ffmpeg";
  request.arguments = {"-i", "a; $(b)"};
  request.environment = {{"LANG", "C"}};
  request.working_directory = "/srv/rec";
  request.timeout = std::chrono::seconds(5);
  auto result = host.run_process(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_FALSE(result->succeeded());
  EXPECT_EQ(result->stdout_data, std::string("\0\xff", 2));  // binary output travels as base64
  EXPECT_TRUE(result->stdout_truncated);
  EXPECT_EQ(result->stderr_data, "bad input");
  auto sent = process_request_from_json(nlohmann::json::parse(last_process_request));
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->arguments, request.arguments);
  EXPECT_EQ(sent->environment, request.environment);
  EXPECT_EQ(sent->timeout, std::chrono::seconds(5));
}

TEST(AbiHostTest, AHubOlderThan18RunsNoProcess) {
  wasl_host_api old = table(offsetof(wasl_host_api, run_process));
  AbiHost host(&old);
  auto refused = host.run_process(ProcessRequest{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnimplemented);
  EXPECT_THAT(refused.error().message, HasSubstr("predates plugin ABI 1.9"));
}

}  // namespace
}  // namespace wasl::sdk::glue
