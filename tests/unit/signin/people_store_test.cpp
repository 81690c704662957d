#include "hub/signin/people_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/signin/signin_database.hpp"

namespace wasl::signin {
namespace {

using ::testing::HasSubstr;
using testing::kNow;
using ::testing::Not;

class PeopleStoreTest : public testing::SigninDatabaseTest {
 protected:
  PersonRecord sign_in(const std::string& subject, const std::string& name, std::int64_t now = kNow,
                       const std::string& provider = "hospital",
                       const std::string& issuer = "https://idp.example") {
    auto tx = begin();
    auto person = PeopleStore(*cipher_).sign_in(*tx, provider, issuer, subject, name, now);
    EXPECT_TRUE(person.ok()) << person.error().message;
    EXPECT_OK(tx->commit());
    return person.ok() ? *person : PersonRecord{};
  }
};

TEST_P(PeopleStoreTest, APersonIsMadeOnceAndRenamedAtTheirNextSignIn) {
  const PersonRecord first = sign_in("user-7", "Layla Hassan");
  EXPECT_THAT(first.id, ::testing::MatchesRegex("psn_[0-9a-f]{32}"));
  const PersonRecord again = sign_in("user-7", "ليلى حسن", kNow + 1000);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.created_at, kNow);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM signin_people"), 1);
  EXPECT_EQ(scalar("SELECT last_signin_at FROM signin_people"), kNow + 1000);

  auto tx = begin();
  auto names = PeopleStore(*cipher_).display_names(*tx, {first.id, "psn_unknown"});
  ASSERT_TRUE(names.ok()) << names.error().message;
  ASSERT_EQ(names->size(), 1u);
  EXPECT_EQ(names->at(first.id), "ليلى حسن");
}

TEST_P(PeopleStoreTest, TheSubjectAndNameAreStoredOnlyEncrypted) {
  sign_in("subject-of-layla", "Layla Hassan");
  const std::string raw = raw_bytes("SELECT * FROM signin_people");
  EXPECT_THAT(raw, Not(HasSubstr("subject-of-layla")));
  EXPECT_THAT(raw, Not(HasSubstr("Layla")));
}

TEST_P(PeopleStoreTest, ProvidersIssuersAndSubjectsAreKeptApart) {
  const std::string a = sign_in("u1", "A").id;
  EXPECT_NE(sign_in("u1", "A", kNow, "other").id, a);
  EXPECT_NE(sign_in("u1", "A", kNow, "hospital", "https://other.example").id, a);
  EXPECT_NE(sign_in("U1", "A").id, a);
  auto tx = begin();
  auto found = PeopleStore(*cipher_).find_id(*tx, "hospital", "https://idp.example", "u1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->value_or(""), a);
  auto missing = PeopleStore(*cipher_).find_id(*tx, "hospital", "https://idp.example", "u2");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(PeopleStore(*cipher_)
                .sign_in(*tx, "hospital", "https://idp.example", "", "x", kNow)
                .error()
                .code,
            sdk::ErrorCode::kInvalidArgument);
}

WASL_RECORDS_INSTANTIATE(PeopleStoreTest);

}  // namespace
}  // namespace wasl::signin
