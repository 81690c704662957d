#include "wasl/sdk/http_wire.hpp"

#include <gtest/gtest.h>

namespace wasl::sdk {
namespace {

TEST(HttpWireTest, TextBodyTravelsAsTextAndBinaryAsBase64) {
  HttpRequest request;
  request.method = "POST";
  request.url = "https://video.twilio.com/v1/Rooms";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = "UniqueName=run-1";
  request.timeout = std::chrono::milliseconds(2500);
  auto j = http_request_to_json(request);
  EXPECT_EQ(j["body"], "UniqueName=run-1");
  EXPECT_EQ(j["timeout_ms"], 2500);
  auto back = http_request_from_json(j);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->body, request.body);
  EXPECT_EQ(back->headers, request.headers);
  EXPECT_EQ(back->timeout, request.timeout);

  HttpResponse response;
  response.status = 200;
  response.body = std::string("\xff\xd8\xff\x00", 4);  // JPEG magic: not UTF-8
  auto rj = http_response_to_json(response);
  EXPECT_FALSE(rj.contains("body"));
  EXPECT_EQ(rj["body_base64"], "/9j/AA==");
  auto rback = http_response_from_json(rj);
  ASSERT_TRUE(rback.ok());
  EXPECT_EQ(rback->body, response.body);
}

TEST(HttpWireTest, MutualTlsTravelsOnlyWhenAskedFor) {
  HttpRequest plain;
  plain.url = "https://exchange.test/";
  EXPECT_FALSE(http_request_to_json(plain).contains("mutual_tls"));
  HttpRequest mutual = plain;
  mutual.mutual_tls = true;
  nlohmann::json wire = http_request_to_json(mutual);
  EXPECT_EQ(wire["mutual_tls"], true);
  auto back = http_request_from_json(wire);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->mutual_tls);
}

TEST(HttpWireTest, HeaderLookupIgnoresCase) {
  HttpResponse response;
  response.headers = {{"Retry-After", "3"}};
  EXPECT_EQ(response.header("retry-after"), "3");
  EXPECT_EQ(response.header("etag"), "");
}

TEST(HttpWireTest, RequestWithoutUrlIsRefused) {
  auto r = http_request_from_json({{"method", "GET"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace wasl::sdk
