#include "plugins/chime/client_request_token.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace wasl::plugins::chime {
namespace {

TEST(ClientRequestTokenTest, IsTheHexSha256OfTheKeyAndFitsTheModel) {
  auto token = client_request_token("abc");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // botocore: ClientRequestToken min 2, max 64, pattern [-_a-zA-Z0-9]*
  EXPECT_TRUE(std::regex_match(*token, std::regex("[-_a-zA-Z0-9]{2,64}")));
}

TEST(ClientRequestTokenTest, IsStableAndDiffersPerGeneration) {
  const std::string key = "run-7/step:create_room/مريض";  // any bytes are fine
  auto a = client_request_token(key);
  auto b = client_request_token(key);
  auto second = client_request_token(key, 2);
  ASSERT_TRUE(a.ok() && b.ok() && second.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *second);
  EXPECT_EQ(*second, *client_request_token(key + ":2"));
  EXPECT_EQ(second->size(), 64u);
}

TEST(ClientRequestTokenTest, RefusesAnEmptyKey) {
  auto token = client_request_token("");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(client_request_token("k", 0).ok());
}

}  // namespace
}  // namespace wasl::plugins::chime
