// GET /v1/consultations with a ReadAuditWindow: a key repeating a read with
// the same answer is audited once; a changed answer, another query or
// another key is audited again.
#include "hub/api/read_audit_window.hpp"

#include <gtest/gtest.h>

#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

TEST(ReadAuditWindowTest, RemembersOneAnswerPerKeyAndQueryForTheWindow) {
  ReadAuditWindow window(std::chrono::milliseconds(1000), 2);
  EXPECT_FALSE(window.repeats("a", "/q", "d1", 0));
  window.remember("a", "/q", "d1", 0);
  EXPECT_TRUE(window.repeats("a", "/q", "d1", 999));
  EXPECT_FALSE(window.repeats("a", "/q", "d1", 1000));  // the window has passed
  EXPECT_FALSE(window.repeats("a", "/q", "d2", 10));    // another answer
  EXPECT_FALSE(window.repeats("b", "/q", "d1", 10));    // another key
  EXPECT_FALSE(window.repeats("a", "/q?x", "d1", 10));  // another query
  window.remember("b", "/q", "d1", 0);
  window.remember("c", "/q", "d1", 0);  // at most two remembered: a's goes
  EXPECT_FALSE(window.repeats("a", "/q", "d1", 10));
  EXPECT_TRUE(window.repeats("c", "/q", "d1", 10));
}

class ReadAuditTest : public ApiFixture {
 protected:
  ReadAuditWindow window_;
};

TEST_P(ReadAuditTest, ARefreshedListIsAuditedOncePerAnswer) {
  context_.read_audits = &window_;
  create_id("k1");
  const std::int64_t before = audit_count("consultation.list");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(send({"GET", "/v1/consultations"}, Role::kHospital).status, 200);
  }
  EXPECT_EQ(audit_count("consultation.list"), before + 1);
  // Another query and another key are reads of their own.
  ASSERT_EQ(send({"GET", "/v1/consultations?limit=5"}, Role::kHospital).status, 200);
  ASSERT_EQ(send({"GET", "/v1/consultations"}, Role::kAdmin).status, 200);
  EXPECT_EQ(audit_count("consultation.list"), before + 3);
  // A new consultation changes the answer: audited again.
  create_id("k2", false, booking("43"));
  ASSERT_EQ(send({"GET", "/v1/consultations"}, Role::kHospital).status, 200);
  EXPECT_EQ(audit_count("consultation.list"), before + 4);
  context_.read_audits = nullptr;
  ASSERT_EQ(send({"GET", "/v1/consultations"}, Role::kHospital).status, 200);
  EXPECT_EQ(audit_count("consultation.list"), before + 5);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReadAuditTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
