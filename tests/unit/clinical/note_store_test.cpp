#include "hub/clinical/note_store.hpp"

#include <gtest/gtest.h>

#include "tests/unit/records/records_database.hpp"

namespace wasl::clinical {
namespace {

using records::testing::kFacilityA;
using records::testing::kFacilityB;
using records::testing::RecordsDatabaseTest;

class NoteStoreTest : public RecordsDatabaseTest {
 protected:
  static ClinicalNote draft(const std::string& id, const std::string& facility = kFacilityA) {
    ClinicalNote n;
    n.id = id;
    n.facility_id = facility;
    n.consultation_id = "c-1";
    n.language = Language::kEnglish;
    n.content.assessment = "Tension headache";
    n.content.text = "ألم في الرأس";
    n.author = {"apikey:k1", "Practitioner/3"};
    n.created_at = 10;
    n.updated_at = 10;
    return n;
  }
};

TEST_P(NoteStoreTest, AnotherFacilitysNoteIsNotFound) {
  NoteStore notes(*cipher_);
  auto tx = begin();
  ASSERT_TRUE(notes.insert(*tx, draft("n-1")).ok());
  auto mine = notes.get(*tx, kFacilityA, "c-1", "n-1");
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  EXPECT_EQ(mine->content, draft("n-1").content);
  EXPECT_EQ(notes.get(*tx, kFacilityB, "c-1", "n-1").error().code, sdk::ErrorCode::kNotFound);
  EXPECT_TRUE(notes.list(*tx, kFacilityB, "c-1")->empty());
  EXPECT_EQ(notes.sign(*tx, kFacilityB, "c-1", "n-1", 20).error().code, sdk::ErrorCode::kNotFound);
  EXPECT_EQ(
      notes.update_draft(*tx, kFacilityB, "c-1", "n-1", Language::kArabic, {}, 20).error().code,
      sdk::ErrorCode::kNotFound);
  EXPECT_EQ(notes.get(*tx, kFacilityA, "c-1", "n-1")->status, RecordStatus::kDraft);
}

TEST_P(NoteStoreTest, ASignedNoteRefusesEveryChangeAndIsAmendedOnce) {
  NoteStore notes(*cipher_);
  auto tx = begin();
  ASSERT_TRUE(notes.insert(*tx, draft("n-1")).ok());
  NoteContent changed;
  changed.plan = "Rest";
  auto updated = notes.update_draft(*tx, kFacilityA, "c-1", "n-1", Language::kArabic, changed, 15);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->content, changed);
  EXPECT_EQ(updated->language, Language::kArabic);
  auto signed_note = notes.sign(*tx, kFacilityA, "c-1", "n-1", 20);
  ASSERT_TRUE(signed_note.ok());
  EXPECT_EQ(signed_note->signed_at, 20);
  EXPECT_EQ(notes.sign(*tx, kFacilityA, "c-1", "n-1", 30).error().code,
            sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(
      notes.update_draft(*tx, kFacilityA, "c-1", "n-1", Language::kArabic, {}, 30).error().code,
      sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(notes.get(*tx, kFacilityA, "c-1", "n-1")->content, changed);

  ClinicalNote v2 = draft("n-2");
  v2.version = 2;
  v2.amends = "n-1";
  ASSERT_TRUE(notes.insert(*tx, v2).ok());
  EXPECT_EQ(notes.amended_by(*tx, kFacilityA, "n-1")->value_or(""), "n-2");
  ClinicalNote fork = draft("n-3");
  fork.version = 2;
  fork.amends = "n-1";
  EXPECT_EQ(notes.insert(*tx, fork).error().code, sdk::ErrorCode::kAlreadyExists);
  auto all = notes.list(*tx, kFacilityA, "c-1");
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].amends, "n-1");
}

TEST_P(NoteStoreTest, TheTextIsBoundToItsRow) {
  NoteStore notes(*cipher_);
  {
    auto tx = begin();
    ASSERT_TRUE(notes.insert(*tx, draft("n-1")).ok());
    ClinicalNote other = draft("n-2");
    other.content.text = "other";
    ASSERT_TRUE(notes.insert(*tx, other).ok());
    ASSERT_TRUE(tx->commit().ok());
  }
  // Someone with database access moves one note's ciphertext onto another.
  exec_raw(
      "UPDATE clinical_notes SET content_enc = (SELECT content_enc FROM clinical_notes WHERE id "
      "= 'n-1') WHERE id = 'n-2'");
  auto tx = begin();
  EXPECT_TRUE(notes.get(*tx, kFacilityA, "c-1", "n-1").ok());
  EXPECT_FALSE(notes.get(*tx, kFacilityA, "c-1", "n-2").ok());
}

WASL_RECORDS_INSTANTIATE(NoteStoreTest);

}  // namespace
}  // namespace wasl::clinical
