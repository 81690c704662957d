// Makes a bucket on the test cluster's gateway (ceph_gateway.hpp) with one
// SigV4-signed PUT sent by the hub's HTTP client: the stores under test never
// create buckets. GoogleTest assertions; a caller in SetUp() checks
// HasFatalFailure() after it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "hub/plugin_host/http_client.hpp"
#include "tests/peers/ceph/ceph_gateway.hpp"
#include "wasl/sdk/aws/sigv4.hpp"

namespace wasl::testing {

inline void make_bucket(const CephGateway& gateway, const std::string& bucket) {
  sdk::aws::SigningRequest request;
  request.method = "PUT";
  request.host = gateway.endpoint.substr(gateway.endpoint.find("://") + 3);
  request.path = "/" + bucket;
  request.payload = "";
  auto signed_request =
      sdk::aws::sign_request(request, {gateway.access_key, gateway.secret_key, std::nullopt},
                             {gateway.region, "s3", std::chrono::system_clock::now()});
  ASSERT_TRUE(signed_request.ok()) << signed_request.error().message;
  plugin_host::HttpClient client({});
  plugin_host::HttpRequest put;
  put.method = "PUT";
  put.url = gateway.endpoint + "/" + bucket;
  for (const auto& header : signed_request->headers_to_add) {
    put.headers.emplace_back(header.name, header.value);
  }
  auto answer = client.send(put);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  ASSERT_EQ(answer->status, 200) << answer->body;
}

}  // namespace wasl::testing
