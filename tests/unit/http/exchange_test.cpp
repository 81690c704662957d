#include "hub/http/exchange.hpp"

#include <gtest/gtest.h>

namespace wasl::http {
namespace {

TEST(MessageTest, HeadersAreCaseInsensitive) {
  Request req;
  req.headers.emplace("Content-Type", "application/json");
  EXPECT_EQ(req.header("content-type").value(), "application/json");
  EXPECT_EQ(req.header("CONTENT-TYPE").value(), "application/json");
  EXPECT_FALSE(req.header("Accept").has_value());
}

TEST(MessageTest, SetHeaderReplacesAnyCase) {
  Response r = Response::json(201, "{}");
  r.set_header("content-type", "application/fhir+json");
  EXPECT_EQ(r.headers.count("Content-Type"), 1u);
  EXPECT_EQ(r.headers.find("CONTENT-TYPE")->second, "application/fhir+json");
  EXPECT_EQ(r.status, 201);
}

TEST(MessageTest, Helpers) {
  Response t = Response::text(200, "ok");
  EXPECT_EQ(t.headers.find("Content-Type")->second, "text/plain; charset=utf-8");
  EXPECT_EQ(t.body, "ok");
  Response e = Response::empty(204);
  EXPECT_EQ(e.status, 204);
  EXPECT_TRUE(e.body.empty());
  EXPECT_TRUE(e.headers.empty());
}

}  // namespace
}  // namespace wasl::http
