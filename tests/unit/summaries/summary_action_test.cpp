#include "hub/summaries/summary_action.hpp"

#include <gtest/gtest.h>

#include "hub/clinical/note_store.hpp"
#include "hub/clinical/prescription_store.hpp"
#include "hub/notifications/message_kind.hpp"
#include "hub/summaries/summary_store.hpp"
#include "tests/unit/notifications/notifications_database.hpp"

namespace wasl::summaries {
namespace {

using notifications::testing::kDay;
using notifications::testing::kFacilityA;
using notifications::testing::kFacilityB;
using notifications::testing::kHour;
using notifications::testing::kNow;
using notifications::testing::NotificationsDatabaseTest;

class SummaryActionTest : public NotificationsDatabaseTest {
 protected:
  void SetUp() override {
    NotificationsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    add_consultation("c-1", kNow - 2 * kHour);
  }

  SummaryServices services() const { return {&config_, cipher_.get(), audit_.get()}; }

  void write_note(bool sign) {
    clinical::ClinicalNote note;
    note.id = "n-1";
    note.facility_id = kFacilityA;
    note.consultation_id = "c-1";
    note.language = clinical::Language::kArabic;
    note.content.subjective = "ألم في الحلق منذ يومين";
    note.content.assessment = "التهاب في الحلق سببه فيروس، وليس خطيرا.";
    note.content.plan = "راجع العيادة بعد أسبوع إذا استمرت الحرارة.";
    note.author = {"apikey:c1", "Practitioner/3"};
    note.created_at = kNow - kHour;
    note.updated_at = kNow - kHour;
    clinical::NoteStore notes(*cipher_);
    auto tx = begin();
    ASSERT_OK(notes.insert(*tx, note));
    if (sign) ASSERT_TRUE(notes.sign(*tx, kFacilityA, "c-1", "n-1", kNow - kHour).ok());
    ASSERT_OK(tx->commit());
  }

  void write_prescription(const std::string& id, const std::string& medication, bool cancel) {
    clinical::Prescription p;
    p.id = id;
    p.facility_id = kFacilityA;
    p.consultation_id = "c-1";
    p.details.medication_system = "http://www.nlm.nih.gov/research/umls/rxnorm";
    p.details.medication_code = "161";
    p.details.medication_text = medication;
    p.details.dose = "500 mg";
    p.details.route = "فموي";
    p.details.frequency = "كل 8 ساعات";
    p.details.duration = "5 أيام";
    p.details.quantity = 15;
    p.details.quantity_unit = "tablet";
    p.details.instructions = "تناول قرصا بعد الأكل عند الحاجة.";
    p.author = {"apikey:c1", "Practitioner/3"};
    p.created_at = kNow - kHour;
    p.updated_at = kNow - kHour;
    clinical::PrescriptionStore prescriptions(*cipher_);
    auto tx = begin();
    ASSERT_OK(prescriptions.insert(*tx, p));
    ASSERT_TRUE(prescriptions.sign(*tx, kFacilityA, "c-1", id, kNow - kHour).ok());
    if (cancel) {
      ASSERT_TRUE(
          prescriptions.cancel(*tx, kFacilityA, "c-1", id, "apikey:c1", "خطأ", kNow - kHour).ok());
    }
    ASSERT_OK(tx->commit());
  }

  sdk::Result<nlohmann::json> build(const nlohmann::json& input,
                                    const std::string& facility = kFacilityA,
                                    std::int64_t now = kNow) {
    auto tx = begin();
    workflow::HubActionContext ctx;
    ctx.run_id = "run-1";
    ctx.facility_id = facility;
    ctx.consultation_id = "c-1";
    ctx.step_id = "visit_summary";
    ctx.now_ms = now;
    ctx.tx = tx.get();
    ctx.store = store_.get();
    auto out = build_visit_summary_step(ctx, input, services());
    if (out.ok()) {
      EXPECT_OK(tx->commit());
    } else {
      tx->rollback();
    }
    return out;
  }
};

TEST_P(SummaryActionTest, BuildsOnceAuditedAndTheMessageCarriesAWorkingLink) {
  write_note(true);
  write_prescription("p-1", "Paracetamol", false);
  write_prescription("p-2", "Ibuprofen", true);
  auto out = build(nlohmann::json::object());
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ((*out)["language"], "ar");
  EXPECT_EQ((*out)["content_type"], "application/pdf");
  EXPECT_EQ((*out)["url"], "https://hub.example.sa/v1/consultations/c-1/summary?format=pdf");
  EXPECT_EQ((*out)["title"], "ملخص زيارتك");
  EXPECT_EQ((*out)["link_expires_at_ms"], kNow + 14 * kDay);
  EXPECT_EQ((*out)["queued"], 2);  // e-mail and SMS
  const std::string id = (*out)["summary_id"];

  {
    auto tx = begin();
    auto stored = SummaryStore(*cipher_).get(*tx, kFacilityA, "c-1", true);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    EXPECT_EQ(stored->note_id, "n-1");
    EXPECT_EQ((*out)["size_bytes"], stored->pdf_size);
    EXPECT_EQ((*out)["sha256_hex"], stored->pdf_sha256);
    EXPECT_EQ(stored->pdf.rfind("%PDF-", 0), 0u);
    EXPECT_NE(stored->html.find("التهاب في الحلق سببه فيروس"), std::string::npos);
    EXPECT_NE(stored->html.find("Paracetamol"), std::string::npos);
    EXPECT_EQ(stored->html.find("Ibuprofen"), std::string::npos) << "a cancelled prescription";
    EXPECT_EQ(stored->html.find("ألم في الحلق"), std::string::npos) << "the note's subjective";
    tx->rollback();
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'visit_summary.create' AND "
                  "entity_id = $1 AND facility_id = $2",
                  {id, std::string(kFacilityA)}),
            1);

  // Again (the step retried): the same summary, nothing queued twice.
  auto again = build(nlohmann::json::object());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["summary_id"], id);
  EXPECT_EQ(count("SELECT COUNT(*) FROM visit_summaries"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_outbox WHERE kind = 'visit_summary'"), 2);

  // The sender mints the link into each message, after the consultation's end.
  notifications::NotificationSenderDeps d = deps();
  d.summary_link = [this](storage::Transaction& tx, std::string_view facility,
                          std::string_view consultation, std::int64_t now) {
    return mint_patient_link(tx, config_, *cipher_, facility, consultation, now);
  };
  notifications::NotificationSender sender(d);
  EXPECT_EQ(sender.tick(kNow), 2);
  const auto sent = notifier_->messages();
  ASSERT_EQ(sent.size(), 2u);
  const std::string prefix = "https://hub.example.sa/summary/";
  for (const auto& m : sent) {
    EXPECT_NE(m.body.find("ملخص زيارتك المرئية مع مستشفى الواحة"), std::string::npos) << m.body;
    const std::size_t at = m.body.find(prefix);
    ASSERT_NE(at, std::string::npos) << m.body;
    const std::string code = m.body.substr(at + prefix.size(), 43);
    auto tx = begin();
    auto link = SummaryStore::resolve_link(*tx, code);
    ASSERT_TRUE(link.ok());
    ASSERT_TRUE(link->has_value()) << code;
    EXPECT_EQ((*link)->summary_id, id);
    EXPECT_EQ((*link)->expires_at, kNow + 14 * kDay);
    tx->rollback();
  }

  // Past the summary's link lifetime no new link is minted.
  auto tx = begin();
  auto late = mint_patient_link(*tx, config_, *cipher_, kFacilityA, "c-1", kNow + 14 * kDay);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->has_value());
  auto early = mint_patient_link(*tx, config_, *cipher_, kFacilityA, "c-1", kNow + kDay);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->has_value());
  auto other = mint_patient_link(*tx, config_, *cipher_, kFacilityB, "c-1", kNow);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  tx->rollback();
}

TEST_P(SummaryActionTest, InTheLanguageTheStepAsksFor) {
  write_note(true);
  auto out = build({{"language", "en"}, {"link_valid_days", 2}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ((*out)["language"], "en");
  EXPECT_EQ((*out)["title"], "Your visit summary");
  EXPECT_EQ((*out)["link_expires_at_ms"], kNow + 2 * kDay);
  auto tx = begin();
  auto stored = SummaryStore(*cipher_).get(*tx, kFacilityA, "c-1", true);
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(stored->html.find("<html lang=\"en\" dir=\"ltr\">"), std::string::npos);
  EXPECT_NE(stored->html.find("What the doctor found"), std::string::npos);
  tx->rollback();
}

TEST_P(SummaryActionTest, RefusedWithoutASignedNoteOrOutsideItsFacilityChangingNothing) {
  write_note(false);
  auto unsigned_note = build(nlohmann::json::object());
  ASSERT_FALSE(unsigned_note.ok());
  EXPECT_EQ(unsigned_note.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(unsigned_note.error().retryable);
  for (const nlohmann::json& bad :
       {nlohmann::json{{"language", "fr"}}, nlohmann::json{{"link_valid_days", 0}},
        nlohmann::json{{"link_valid_days", 91}}, nlohmann::json{{"link_valid_days", "2"}}}) {
    auto refused = build(bad);
    ASSERT_FALSE(refused.ok()) << bad.dump();
    EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument) << bad.dump();
  }
  {
    clinical::NoteStore notes(*cipher_);
    auto tx = begin();
    ASSERT_TRUE(notes.sign(*tx, kFacilityA, "c-1", "n-1", kNow).ok());
    ASSERT_OK(tx->commit());
  }
  auto elsewhere = build(nlohmann::json::object(), kFacilityB);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code, sdk::ErrorCode::kNotFound);
  EXPECT_EQ(count("SELECT COUNT(*) FROM visit_summaries"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_outbox"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'visit_summary.create'"), 0);
}

WASL_RECORDS_INSTANTIATE(SummaryActionTest);

}  // namespace
}  // namespace wasl::summaries
