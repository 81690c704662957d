#include "hub/http/accept_language.hpp"

#include <gtest/gtest.h>

namespace wasl::http {
namespace {

Request asking(std::string accept_language) {
  Request request;
  if (!accept_language.empty()) request.headers.emplace("Accept-Language", accept_language);
  return request;
}

TEST(AcceptLanguage, ArabicOnlyWhenRankedFirst) {
  EXPECT_FALSE(prefers_arabic(asking("")));
  EXPECT_TRUE(prefers_arabic(asking("ar")));
  EXPECT_TRUE(prefers_arabic(asking("AR-sa")));
  EXPECT_TRUE(prefers_arabic(asking("ar-SA,ar;q=0.9,en;q=0.8")));
  EXPECT_FALSE(prefers_arabic(asking("en-US,ar;q=0.8")));
  EXPECT_TRUE(prefers_arabic(asking("en;q=0.5, ar;q=0.9")));
  EXPECT_FALSE(prefers_arabic(asking("ar;q=0, en")));
  EXPECT_FALSE(prefers_arabic(asking("fr, ar;q=0.5")));
  EXPECT_FALSE(prefers_arabic(asking("*")));
  EXPECT_FALSE(prefers_arabic(asking("arn, ar;q=0.5"))) << "Mapudungun is not Arabic";
  EXPECT_FALSE(prefers_arabic(asking("ar;q=x")));
}

}  // namespace
}  // namespace wasl::http
