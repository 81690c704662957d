// Assertions on sdk::Result / sdk::Status for the storage tests.
#pragma once

#include <gtest/gtest.h>

#define WASL_TEST_CONCAT_INNER_(a, b) a##b
#define WASL_TEST_CONCAT_(a, b) WASL_TEST_CONCAT_INNER_(a, b)

#define ASSERT_OK(expr)                                                    \
  do {                                                                     \
    auto&& wasl_r_ = (expr);                                               \
    ASSERT_TRUE(wasl_r_.ok()) << #expr << ": " << wasl_r_.error().message; \
  } while (false)

#define EXPECT_OK(expr)                                                    \
  do {                                                                     \
    auto&& wasl_r_ = (expr);                                               \
    EXPECT_TRUE(wasl_r_.ok()) << #expr << ": " << wasl_r_.error().message; \
  } while (false)

#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)               \
  auto tmp = (expr);                                             \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.error().message; \
  lhs = std::move(tmp).value()

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(WASL_TEST_CONCAT_(wasl_test_r_, __LINE__), lhs, expr)
