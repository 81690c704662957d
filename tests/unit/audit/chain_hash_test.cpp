#include "hub/audit/chain_hash.hpp"

#include <gtest/gtest.h>

#include "hub/crypto/digest.hpp"
#include "hub/crypto/hex.hpp"

namespace wasl::audit {
namespace {

AuditEvent event() {
  AuditEvent e;
  e.occurred_at = 1700000000123;
  e.actor = "system";
  e.action = "consultation.create";
  e.outcome = "success";
  e.detail = R"({"a":1})";
  return e;
}

TEST(CanonicalFormTest, IsLengthPrefixedInFixedOrder) {
  EXPECT_EQ(canonical_form(42, event()),
            "wasl.audit.v1\n"
            "2:42\n"
            "13:1700000000123\n"
            "6:system\n"
            "0:\n"
            "19:consultation.create\n"
            "0:\n"
            "0:\n"
            "7:success\n"
            "0:\n"
            "0:\n"
            "7:{\"a\":1}\n");
}

TEST(CanonicalFormTest, TailIsEverythingAfterTheSeqField) {
  EXPECT_EQ(canonical_form(12345, event()), "wasl.audit.v1\n5:12345\n" + canonical_tail(event()));
}

TEST(CanonicalFormTest, MovingTextBetweenFieldsChangesTheForm) {
  AuditEvent a = event();
  a.entity_type = "consultation";
  a.entity_id = "";
  AuditEvent b = event();
  b.entity_type = "";
  b.entity_id = "consultation";
  EXPECT_NE(canonical_form(1, a), canonical_form(1, b));
  AuditEvent c = event();
  c.actor = "sys";
  c.facility_id = "tem";
  AuditEvent d = event();
  d.actor = "system";
  EXPECT_NE(canonical_form(1, c), canonical_form(1, d));
}

TEST(CanonicalFormTest, SessionIsAnEleventhFieldOnlyWhenSet) {
  AuditEvent e = event();
  const std::string without = canonical_form(42, e);
  e.session = "ses_0123456789abcdef01234567";
  EXPECT_EQ(canonical_form(42, e), without + "28:ses_0123456789abcdef01234567\n");
  EXPECT_EQ(canonical_form(42, e), "wasl.audit.v1\n2:42\n" + canonical_tail(e));
  // The field is length-prefixed like the others: text moved from the detail
  // into the session makes another form.
  AuditEvent moved = event();
  moved.detail = R"({"a":1})"
                 "\n4:ses_";
  AuditEvent with_session = event();
  with_session.session = "ses_";
  EXPECT_NE(canonical_form(1, moved), canonical_form(1, with_session));
}

TEST(ChainHashTest, IsSha256OfPreviousHashBytesAndCanonicalForm) {
  const std::string prev = crypto::sha256_hex("previous");
  auto h = chain_hash(prev, 7, event());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, crypto::sha256_hex(crypto::from_hex(prev).value() + canonical_form(7, event())));
  EXPECT_EQ(h->size(), 64u);
}

TEST(ChainHashTest, DependsOnSeqAndPrevious) {
  auto a = chain_hash(kGenesisHash, 1, event());
  auto b = chain_hash(kGenesisHash, 2, event());
  auto c = chain_hash(crypto::sha256_hex("x"), 1, event());
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, *c);
}

// Every field set, as a request by a signed-in person writes it, but no
// session. The hash was computed by the code before the session field
// existed: an event without a session must hash exactly as it always has,
// or every chain written before would stop verifying.
TEST(ChainHashTest, EventWithoutSessionHashesAsBeforeTheSessionField) {
  AuditEvent e;
  e.occurred_at = 1700000000123;
  e.actor = "person:psn_00112233445566778899aabbccddeeff";
  e.facility_id = "fac-a";
  e.action = "consultation.read";
  e.entity_type = "consultation";
  e.entity_id = "c_1";
  e.outcome = "success";
  e.request_id = "req-1";
  e.source_address = "10.0.0.7";
  e.detail = R"({"count":1})";
  auto h = chain_hash(kGenesisHash, 1, e);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, "15effed90202c5d140151002d5a4be0439409e23894efdfc1075fdd0821da6ca");

  e.session = "ses_0123456789abcdef01234567";
  auto with_session = chain_hash(kGenesisHash, 1, e);
  ASSERT_TRUE(with_session.ok());
  EXPECT_NE(*with_session, *h);
}

TEST(ChainHashTest, RejectsMalformedPreviousHash) {
  EXPECT_FALSE(chain_hash("abc", 1, event()).ok());
  EXPECT_FALSE(chain_hash(std::string(64, 'z'), 1, event()).ok());
}

}  // namespace
}  // namespace wasl::audit
