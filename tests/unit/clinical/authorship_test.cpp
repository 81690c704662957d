#include "hub/clinical/authorship.hpp"

#include <gtest/gtest.h>

namespace wasl::clinical {
namespace {

access::Principal clinician(std::string key, std::optional<std::string> practitioner) {
  access::Principal p;
  p.key_id = std::move(key);
  p.facility_id = "fac-a";
  p.role = access::Role::kClinician;
  p.practitioner = std::move(practitioner);
  return p;
}

TEST(AuthorshipTest, TheSamePractitionerOrElseTheSameKeyIsTheAuthor) {
  const Author author = author_of(clinician("k1", "Practitioner/3"));
  EXPECT_EQ(author.actor, "apikey:k1");
  EXPECT_EQ(author.practitioner, "Practitioner/3");
  EXPECT_TRUE(is_author(author, clinician("k1", "Practitioner/3")));
  // Another key of the same clinician.
  EXPECT_TRUE(is_author(author, clinician("k2", "Practitioner/3")));
  EXPECT_FALSE(is_author(author, clinician("k1", "Practitioner/9")));
  EXPECT_FALSE(is_author(author, clinician("k2", "Practitioner/9")));
  // A key without a practitioner goes by the key.
  const Author keyed = author_of(clinician("k3", std::nullopt));
  EXPECT_TRUE(is_author(keyed, clinician("k3", std::nullopt)));
  EXPECT_TRUE(is_author(keyed, clinician("k3", "Practitioner/3")));
  EXPECT_FALSE(is_author(keyed, clinician("k4", std::nullopt)));
}

}  // namespace
}  // namespace wasl::clinical
