#include "hub/storage/connection_pool.hpp"

#include <gtest/gtest.h>

#include "status_matchers.hpp"

namespace wasl::storage {
namespace {

using sdk::ErrorCode;

struct FakeConnection {
  int serial = 0;
};

class ConnectionPoolTest : public ::testing::Test {
 protected:
  sdk::Result<std::unique_ptr<FakeConnection>> open() {
    if (refuse_) return sdk::Error(ErrorCode::kUnavailable, "refused", true);
    return std::make_unique<FakeConnection>(FakeConnection{++opened_});
  }

  int opened_ = 0;
  bool refuse_ = false;
  ConnectionPool<FakeConnection> pool_{2, std::chrono::milliseconds(50), [this] { return open(); }};
};

TEST_F(ConnectionPoolTest, OpensLazilyAndReusesIdleConnections) {
  EXPECT_EQ(pool_.stats().open, 0);
  ASSERT_OK_AND_ASSIGN(auto a, pool_.acquire());
  EXPECT_EQ(a->serial, 1);
  pool_.release(std::move(a), true);
  ASSERT_OK_AND_ASSIGN(auto b, pool_.acquire());
  EXPECT_EQ(b->serial, 1);
  EXPECT_EQ(opened_, 1);
  pool_.release(std::move(b), true);
  EXPECT_EQ(pool_.stats().open, 1);
}

TEST_F(ConnectionPoolTest, FailedOpenFreesTheSlot) {
  refuse_ = true;
  auto a = pool_.acquire();
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "refused");
  PoolStats s = pool_.stats();
  EXPECT_EQ(s.open, 0);
  EXPECT_EQ(s.in_use, 0);
  refuse_ = false;
  ASSERT_OK_AND_ASSIGN(auto b, pool_.acquire());
  ASSERT_OK_AND_ASSIGN(auto c, pool_.acquire());
  auto d = pool_.acquire();
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ErrorCode::kUnavailable);
  pool_.release(std::move(b), true);
  pool_.release(std::move(c), true);
}

TEST_F(ConnectionPoolTest, UnhealthyReleaseClosesAndReplaceCounts) {
  ASSERT_OK_AND_ASSIGN(auto a, pool_.acquire());
  pool_.release(std::move(a), false);
  EXPECT_EQ(pool_.stats().open, 0);

  ASSERT_OK_AND_ASSIGN(auto b, pool_.acquire());
  ASSERT_OK_AND_ASSIGN(auto fresh, pool_.replace(std::move(b)));
  EXPECT_EQ(fresh->serial, 3);
  PoolStats s = pool_.stats();
  EXPECT_EQ(s.replaced, 1);
  EXPECT_EQ(s.open, 1);
  EXPECT_EQ(s.in_use, 1);

  refuse_ = true;
  auto gone = pool_.replace(std::move(fresh));
  ASSERT_FALSE(gone.ok());
  s = pool_.stats();
  EXPECT_EQ(s.replaced, 2);
  EXPECT_EQ(s.open, 0);
  EXPECT_EQ(s.in_use, 0);
}

}  // namespace
}  // namespace wasl::storage
