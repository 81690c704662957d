#include "hub/summaries/summary_store.hpp"

#include <gtest/gtest.h>

#include "tests/unit/records/records_database.hpp"

namespace wasl::summaries {
namespace {

using records::testing::kFacilityA;
using records::testing::kFacilityB;
using records::testing::RecordsDatabaseTest;

class SummaryStoreTest : public RecordsDatabaseTest {
 protected:
  static StoredSummary sample(const std::string& id, const std::string& consultation) {
    StoredSummary s;
    s.id = id;
    s.facility_id = kFacilityA;
    s.consultation_id = consultation;
    s.note_id = "n-1";
    s.language = "ar";
    s.html = "<p>التهاب في الحلق</p>";
    s.pdf = "%PDF-1.5 التهاب في الحلق";
    s.link_expires_at = 5000;
    s.created_at = 100;
    return s;
  }
};

TEST_P(SummaryStoreTest, KeptEncryptedInItsFacilityOncePerConsultation) {
  SummaryStore summaries(*cipher_);
  auto tx = begin();
  ASSERT_OK(summaries.insert(*tx, sample("s-1", "c-1")));
  EXPECT_EQ(summaries.insert(*tx, sample("s-2", "c-1")).error().code,
            sdk::ErrorCode::kAlreadyExists);
  auto got = summaries.get(*tx, kFacilityA, "c-1", true);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->id, "s-1");
  EXPECT_EQ(got->html, sample("s-1", "c-1").html);
  EXPECT_EQ(got->pdf, sample("s-1", "c-1").pdf);
  EXPECT_EQ(got->pdf_size, static_cast<std::int64_t>(sample("s-1", "c-1").pdf.size()));
  EXPECT_EQ(got->pdf_sha256.size(), 64u);
  EXPECT_EQ(got->link_expires_at, 5000);
  auto bare = summaries.get(*tx, kFacilityA, "c-1", false);
  ASSERT_TRUE(bare.ok());
  EXPECT_TRUE(bare->html.empty());
  EXPECT_TRUE(bare->pdf.empty());
  EXPECT_EQ(bare->pdf_sha256, got->pdf_sha256);
  EXPECT_EQ(summaries.get(*tx, kFacilityB, "c-1", true).error().code, sdk::ErrorCode::kNotFound);
  EXPECT_EQ(summaries.get(*tx, kFacilityA, "c-2", true).error().code, sdk::ErrorCode::kNotFound);
  auto rows = tx->query("SELECT html_enc, pdf_enc FROM visit_summaries WHERE id = $1", {"s-1"});
  ASSERT_TRUE(rows.ok());
  for (int column : {0, 1}) {
    auto sealed = rows->front().get_blob(column);
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(sealed->find("التهاب"), std::string::npos);
  }
  ASSERT_OK(tx->commit());
}

TEST_P(SummaryStoreTest, ALinkIsKeptOnlyAsItsHashAndNamesItsSummary) {
  auto tx = begin();
  ASSERT_OK(SummaryStore(*cipher_).insert(*tx, sample("s-1", "c-1")));
  auto code = SummaryStore::mint_link(*tx, {kFacilityA, "c-1", "s-1", 5000}, 100);
  ASSERT_TRUE(code.ok()) << code.error().message;
  EXPECT_EQ(code->size(), 43u);  // 32 bytes, base64url without padding
  auto other = SummaryStore::mint_link(*tx, {kFacilityA, "c-1", "s-1", 5000}, 100);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*code, *other);
  auto link = SummaryStore::resolve_link(*tx, *code);
  ASSERT_TRUE(link.ok());
  ASSERT_TRUE(link->has_value());
  EXPECT_EQ((*link)->facility_id, kFacilityA);
  EXPECT_EQ((*link)->summary_id, "s-1");
  EXPECT_EQ((*link)->expires_at, 5000);
  EXPECT_FALSE(SummaryStore::resolve_link(*tx, "not-a-code")->has_value());
  EXPECT_FALSE(SummaryStore::resolve_link(*tx, std::string(65, 'a'))->has_value());
  EXPECT_FALSE(SummaryStore::resolve_link(*tx, "")->has_value());
  auto stored = tx->query("SELECT code_hash FROM visit_summary_links", {});
  ASSERT_TRUE(stored.ok());
  for (const auto& row : *stored) EXPECT_NE(*row.get_text(0), *code);
  ASSERT_OK(tx->commit());
}

WASL_RECORDS_INSTANTIATE(SummaryStoreTest);

}  // namespace
}  // namespace wasl::summaries
