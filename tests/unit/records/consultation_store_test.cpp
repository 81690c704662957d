#include "hub/records/consultation_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "hub/crypto/cell_aead.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::records::testing {
namespace {

using domain::Consultation;
using domain::ConsultationStatus;

class ConsultationStoreTest : public RecordsDatabaseTest {
 protected:
  void insert(const Consultation& c) {
    ConsultationStore store(*cipher_);
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    ASSERT_OK(store.insert(*tx, c));
    ASSERT_OK(tx->commit());
  }

  sdk::Result<Consultation> get(const std::string& facility, const std::string& id) {
    ConsultationStore store(*cipher_);
    auto tx = begin();
    return store.get(*tx, facility, id);
  }

  sdk::Result<ConsultationPage> list(const std::string& facility, const ConsultationFilter& f,
                                     int limit = 50, const std::string& cursor = "") {
    ConsultationStore store(*cipher_);
    auto tx = begin();
    return store.list(*tx, facility, f, limit, cursor);
  }
};

TEST_P(ConsultationStoreTest, RoundTripsArabicTextWhileTheRawRowHoldsOnlyCiphertext) {
  Consultation c = sample_consultation(kFacilityA, "c-1");
  insert(c);

  ASSERT_OK_AND_ASSIGN(Consultation back, get(kFacilityA, "c-1"));
  EXPECT_EQ(back, c);
  EXPECT_EQ(back.patient.summary->name, kArabicName);

  std::string raw = raw_bytes("SELECT * FROM consultations WHERE id = 'c-1'");
  ASSERT_FALSE(raw.empty());
  for (const std::string& phi :
       {kArabicName, std::string("1098765432"), std::string("0501234567"),
        std::string("patient@example.sa"), std::string("J06.9"), std::string("أحمد")}) {
    EXPECT_EQ(raw.find(phi), std::string::npos) << "PHI in the raw row";
  }
  Rows rows = query_raw("SELECT patient_summary_enc FROM consultations WHERE id = 'c-1'");
  ASSERT_EQ(rows.size(), 1u);
  auto key = crypto::CellAead::key_id_of(rows[0].get_blob(0).value());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, keyring_->active_key_id());
  // The blind index rows hold no identifier either.
  std::string index_raw = raw_bytes("SELECT * FROM consultation_identifiers");
  EXPECT_EQ(index_raw.find("1098765432"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultation_identifiers WHERE consultation_id = 'c-1'"),
            3);
}

TEST_P(ConsultationStoreTest, WireJsonRoundTripsByteForByte) {
  Consultation c = sample_consultation(kFacilityA, "c-json");
  insert(c);
  ASSERT_OK_AND_ASSIGN(Consultation back, get(kFacilityA, "c-json"));
  nlohmann::json j = back;
  EXPECT_EQ(j["patient"]["summary"]["name"].get<std::string>(), kArabicName);
  EXPECT_EQ(j["type"], "follow_up");
  ASSERT_OK_AND_ASSIGN(Consultation again, domain::consultation_from_json(j));
  EXPECT_EQ(again, c);
}

TEST_P(ConsultationStoreTest, CiphertextCopiedToAnotherRowFailsToDecrypt) {
  insert(sample_consultation(kFacilityA, "c-1"));
  Consultation other = sample_consultation(kFacilityA, "c-2");
  other.patient.summary->name = "Someone Else";
  insert(other);
  exec_raw(
      "UPDATE consultations SET patient_summary_enc = (SELECT patient_summary_enc FROM "
      "consultations WHERE id = 'c-1') WHERE id = 'c-2'");
  auto got = get(kFacilityA, "c-2");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(got.error().message.find("consultations.patient_summary_enc"), std::string::npos);
  EXPECT_EQ(got.error().message.find(kArabicName), std::string::npos);
  EXPECT_OK(get(kFacilityA, "c-1"));
}

TEST_P(ConsultationStoreTest, FindsByNationalIdInArabicIndicDigitsAndByLocalPhone) {
  insert(sample_consultation(kFacilityA, "c-1"));
  Consultation other = sample_consultation(kFacilityA, "c-2");
  other.patient.summary->identifiers = {{domain::PatientIdentifierKind::kIqama, "2123456789"}};
  other.patient.summary->phone = "+966 55 999 8888";
  insert(other);
  // B has a patient with the same national ID: A's search must not see it.
  insert(sample_consultation(kFacilityB, "c-b"));

  ConsultationFilter by_id;
  by_id.patient_identifier = "١٠٩٨٧٦٥٤٣٢";  // 1098765432 in Arabic-Indic digits
  ASSERT_OK_AND_ASSIGN(ConsultationPage page, list(kFacilityA, by_id));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "c-1");

  ConsultationFilter by_phone;
  by_phone.patient_identifier = "0559998888";  // stored as +966 55 999 8888
  ASSERT_OK_AND_ASSIGN(page, list(kFacilityA, by_phone));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "c-2");

  ConsultationFilter by_mrn;
  by_mrn.patient_identifier = "  MRN-C-1 ";
  ASSERT_OK_AND_ASSIGN(page, list(kFacilityA, by_mrn));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "c-1");

  ConsultationFilter nobody;
  nobody.patient_identifier = "1000000001";
  ASSERT_OK_AND_ASSIGN(page, list(kFacilityA, nobody));
  EXPECT_TRUE(page.items.empty());

  ASSERT_OK_AND_ASSIGN(page, list(kFacilityB, by_id));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "c-b");
}

TEST_P(ConsultationStoreTest, RefusesAnInvalidNationalIdOnInsert) {
  Consultation c = sample_consultation(kFacilityA, "c-bad");
  c.patient.summary->identifiers = {{domain::PatientIdentifierKind::kNationalId, "12345"}};
  ConsultationStore store(*cipher_);
  auto tx = begin();
  auto st = store.insert(*tx, c);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.error().message.find("12345"), std::string::npos);
}

TEST_P(ConsultationStoreTest, AnotherFacilityCannotGetListOrUpdate) {
  insert(sample_consultation(kFacilityA, "c-1"));
  ConsultationStore store(*cipher_);

  auto missing = get(kFacilityA, "no-such-id");
  auto foreign = get(kFacilityB, "c-1");
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, sdk::ErrorCode::kNotFound);
  ASSERT_FALSE(missing.ok());
  // Exactly like a missing id, apart from the id itself.
  auto normalize = [](std::string m, const std::string& id) {
    auto at = m.find(id);
    if (at != std::string::npos) m.replace(at, id.size(), "ID");
    return m;
  };
  EXPECT_EQ(normalize(foreign.error().message, "c-1"),
            normalize(missing.error().message, "no-such-id"));
  EXPECT_EQ(missing.error().code, sdk::ErrorCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(ConsultationPage page, list(kFacilityB, {}));
  EXPECT_TRUE(page.items.empty());

  {
    auto tx = begin();
    auto st = store.update_status(*tx, kFacilityB, "c-1", ConsultationStatus::kCancelled, 5);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, sdk::ErrorCode::kNotFound);
    auto st2 = store.update_status(*tx, kFacilityB, "c-1", ConsultationStatus::kCancelled, 5,
                                   ConsultationStatus::kScheduled);
    EXPECT_EQ(st2.error().code, sdk::ErrorCode::kNotFound);
    auto room = store.set_room(*tx, kFacilityB, "c-1", "video.twilio", "RM1", 5);
    EXPECT_EQ(room.error().code, sdk::ErrorCode::kNotFound);
    auto wf = store.set_workflow(*tx, kFacilityB, "c-1", "other", 2, 5);
    EXPECT_EQ(wf.error().code, sdk::ErrorCode::kNotFound);
    auto appt = store.find_by_appointment(*tx, kFacilityB, "Appointment/c-1");
    ASSERT_OK(appt);
    EXPECT_FALSE(appt->has_value());
    ASSERT_OK(tx->commit());
  }
  ASSERT_OK_AND_ASSIGN(Consultation still, get(kFacilityA, "c-1"));
  EXPECT_EQ(still.status, ConsultationStatus::kScheduled);
  EXPECT_FALSE(still.video_room_id.has_value());
  EXPECT_EQ(still.workflow_name, "consultation");
}

TEST_P(ConsultationStoreTest, UpdatesStatusWithAnExpectedStatus) {
  insert(sample_consultation(kFacilityA, "c-1"));
  ConsultationStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK(store.update_status(*tx, kFacilityA, "c-1", ConsultationStatus::kInSession, 10,
                                ConsultationStatus::kScheduled));
  auto stale = store.update_status(*tx, kFacilityA, "c-1", ConsultationStatus::kCancelled, 11,
                                   ConsultationStatus::kScheduled);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, sdk::ErrorCode::kFailedPrecondition);
  ASSERT_OK(store.update_status(*tx, kFacilityA, "c-1", ConsultationStatus::kEnded, 12,
                                std::nullopt, 12));
  ASSERT_OK(store.set_room(*tx, kFacilityA, "c-1", "video.twilio-main", "RM123", 13));
  ASSERT_OK(tx->commit());
  ASSERT_OK_AND_ASSIGN(Consultation c, get(kFacilityA, "c-1"));
  EXPECT_EQ(c.status, ConsultationStatus::kEnded);
  EXPECT_EQ(c.ended_at, 12);
  EXPECT_EQ(c.updated_at, 13);
  EXPECT_EQ(c.video_room_id, "RM123");
}

TEST_P(ConsultationStoreTest, CursorPagesAreStableAndCompleteOverConcurrentInserts) {
  std::set<std::string> original;
  for (int i = 0; i < 23; ++i) {
    // Pairs share a created_at, so the id breaks ties.
    std::string id = "c-" + std::to_string(100 + i);
    insert(sample_consultation(kFacilityA, id, 1'700'000'000'000 + (i / 2) * 1000));
    original.insert(id);
  }
  std::multiset<std::string> seen;
  std::string cursor;
  int pages = 0;
  int extra = 0;
  do {
    ASSERT_OK_AND_ASSIGN(ConsultationPage page, list(kFacilityA, {}, 5, cursor));
    ASSERT_LE(page.items.size(), 5u);
    for (std::size_t i = 1; i < page.items.size(); ++i) {
      const auto& a = page.items[i - 1];
      const auto& b = page.items[i];
      EXPECT_TRUE(a.created_at > b.created_at || (a.created_at == b.created_at && a.id > b.id));
    }
    for (const auto& c : page.items) seen.insert(c.id);
    // Inserts between pages: newer rows, and one in the already-read range.
    insert(sample_consultation(kFacilityA, "new-" + std::to_string(extra++),
                               1'800'000'000'000 + pages));
    insert(sample_consultation(kFacilityA, "c-999-" + std::to_string(pages),
                               1'700'000'000'000 + 11'000));
    cursor = page.next_cursor.value_or("");
    ++pages;
    ASSERT_LT(pages, 20);
  } while (!cursor.empty());
  for (const auto& id : original) EXPECT_EQ(seen.count(id), 1u) << id;
  for (const auto& id : seen) EXPECT_EQ(seen.count(id), 1u) << id;

  auto bad = list(kFacilityA, {}, 5, "not-a-cursor!");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST_P(ConsultationStoreTest, FiltersByStatusScheduledTimeAndWorkflow) {
  for (int i = 0; i < 6; ++i) {
    insert(sample_consultation(kFacilityA, "c-" + std::to_string(i), 1'000'000 + i * 1000));
  }
  ConsultationStore store(*cipher_);
  {
    auto tx = begin();
    ASSERT_OK(store.update_status(*tx, kFacilityA, "c-2", ConsultationStatus::kCancelled, 9));
    ASSERT_OK(tx->commit());
  }
  ConsultationFilter cancelled;
  cancelled.status = ConsultationStatus::kCancelled;
  ASSERT_OK_AND_ASSIGN(ConsultationPage page, list(kFacilityA, cancelled));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "c-2");

  ConsultationFilter window;  // scheduled_at = created_at + 3,600,000
  window.scheduled_from = 1'000'000 + 3'600'000 + 1000;
  window.scheduled_to = 1'000'000 + 3'600'000 + 4000;
  ASSERT_OK_AND_ASSIGN(page, list(kFacilityA, window));
  std::vector<std::string> ids;
  for (const auto& c : page.items) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"c-3", "c-2", "c-1"}));

  {
    auto tx = begin();
    ASSERT_OK(ConsultationStore::set_workflow(*tx, kFacilityA, "c-4", "follow_up_call", 2, 10));
    ASSERT_OK(tx->commit());
  }
  ConsultationFilter follow_ups;
  follow_ups.workflow = "follow_up_call";
  ASSERT_OK_AND_ASSIGN(page, list(kFacilityA, follow_ups));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "c-4");
  ASSERT_OK_AND_ASSIGN(page, list(kFacilityB, follow_ups));
  EXPECT_TRUE(page.items.empty());
}

TEST_P(ConsultationStoreTest, ExistsAndReportedSeeOnlyTheFacilitysConsultation) {
  insert(sample_consultation(kFacilityA, "c-1"));
  auto tx = begin();
  ConsultationReportFacts facts;
  facts.specialty = "Cardiology";
  facts.session_started_at = 2000;
  facts.session_ended_at = 2600;
  ASSERT_OK(ConsultationStore::set_report_facts(*tx, kFacilityA, "c-1", facts, 3000));
  ASSERT_OK(ConsultationStore::update_status(*tx, kFacilityA, "c-1", ConsultationStatus::kEnded,
                                             3000, std::nullopt, 2700));
  EXPECT_TRUE(ConsultationStore::exists(*tx, kFacilityA, "c-1").value());
  EXPECT_FALSE(ConsultationStore::exists(*tx, kFacilityB, "c-1").value());
  EXPECT_FALSE(ConsultationStore::exists(*tx, kFacilityA, "c-2").value());
  ASSERT_OK_AND_ASSIGN(auto reported, ConsultationStore::reported(*tx, kFacilityA, "c-1"));
  ASSERT_TRUE(reported.has_value());
  EXPECT_EQ(reported->status, "ended");
  EXPECT_EQ(reported->type, "follow_up");
  EXPECT_EQ(reported->scheduled_at, sample_consultation(kFacilityA, "c-1").scheduled_at);
  EXPECT_EQ(reported->created_at, sample_consultation(kFacilityA, "c-1").created_at);
  EXPECT_EQ(reported->ended_at, 2700);
  EXPECT_EQ(reported->facts.specialty, "Cardiology");
  EXPECT_FALSE(reported->facts.service_type.has_value());
  EXPECT_EQ(reported->facts.session_started_at, 2000);
  EXPECT_EQ(reported->facts.session_ended_at, 2600);
  ASSERT_OK_AND_ASSIGN(auto other, ConsultationStore::reported(*tx, kFacilityB, "c-1"));
  EXPECT_FALSE(other.has_value());
}

TEST_P(ConsultationStoreTest, CountsAPeriodByScheduledElseCreatedTime) {
  // Scheduled at 10'000 + hour: c-1 and c-2 in [10'000, 20'000), c-3 after it;
  // c-4 has no scheduled time and counts by its creation; c-5 is another
  // facility's.
  auto at = [](const std::string& facility, const std::string& id, std::int64_t scheduled) {
    Consultation c = sample_consultation(facility, id, 1000);
    c.scheduled_at = scheduled;
    return c;
  };
  insert(at(kFacilityA, "c-1", 10'000));
  insert(at(kFacilityA, "c-2", 19'999));
  insert(at(kFacilityA, "c-3", 20'000));
  Consultation unscheduled = sample_consultation(kFacilityA, "c-4", 15'000);
  unscheduled.scheduled_at.reset();
  unscheduled.type = domain::ConsultationType::kDoctorPatient;
  insert(unscheduled);
  insert(at(kFacilityB, "c-5", 12'000));
  auto tx = begin();
  ConsultationReportFacts session;
  session.specialty = "Cardiology";
  session.session_started_at = 1000;
  session.session_ended_at = 61'000;
  ASSERT_OK(ConsultationStore::set_report_facts(*tx, kFacilityA, "c-1", session, 1));
  ConsultationReportFacts backwards;
  backwards.session_started_at = 5000;
  backwards.session_ended_at = 4000;  // ends before it starts: not a duration
  ASSERT_OK(ConsultationStore::set_report_facts(*tx, kFacilityA, "c-4", backwards, 1));
  ASSERT_OK(
      ConsultationStore::update_status(*tx, kFacilityA, "c-2", ConsultationStatus::kCancelled, 1));
  ASSERT_OK(ConsultationStore::set_cancel_reason(*tx, kFacilityA, "c-2", "no_show", 1));
  ASSERT_OK(
      ConsultationStore::update_status(*tx, kFacilityA, "c-4", ConsultationStatus::kCancelled, 1));

  ASSERT_OK_AND_ASSIGN(ConsultationPeriodCounts counted,
                       ConsultationStore::count_in_period(*tx, kFacilityA, 10'000, 20'000));
  EXPECT_EQ(counted.by_status,
            (std::map<std::string, std::int64_t>{{"cancelled", 2}, {"scheduled", 1}}));
  EXPECT_EQ(counted.by_type,
            (std::map<std::string, std::int64_t>{{"doctor_patient", 1}, {"follow_up", 2}}));
  EXPECT_EQ(counted.by_specialty,
            (std::map<std::string, std::int64_t>{{"Cardiology", 1}, {"unspecified", 2}}));
  EXPECT_EQ(counted.by_cancel_reason, (std::map<std::string, std::int64_t>{{"unspecified", 1}}));
  EXPECT_EQ(counted.no_shows, 1);
  EXPECT_EQ(counted.session_durations_ms, (std::vector<std::int64_t>{60'000}));

  ASSERT_OK_AND_ASSIGN(auto ids, ConsultationStore::ids_in_period(*tx, kFacilityA, 10'000, 20'000));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"c-1", "c-2", "c-4"}));
  ASSERT_OK_AND_ASSIGN(auto none, ConsultationStore::count_in_period(*tx, kFacilityB, 0, 1));
  EXPECT_TRUE(none.by_status.empty());
  EXPECT_EQ(none.no_shows, 0);
}

TEST_P(ConsultationStoreTest, ListsOpenVideoRoomsOfEveryFacilityInPages) {
  // Open rooms: c-1 (waiting, facility A), c-2 (in_session, B), c-3
  // (waiting_room, A). Not open: c-4 (ended), c-5 (no room), c-6 (an empty
  // room id).
  struct Room {
    const char* facility;
    const char* id;
    const char* status;
    const char* room;  // nullptr: none recorded
    std::int64_t updated_at;
  };
  const std::vector<Room> rooms = {
      {kFacilityA, "c-1", "waiting", "room-1", 300},
      {kFacilityB, "c-2", "in_session", "room-2", 100},
      {kFacilityA, "c-3", "waiting_room", "room-3", 300},
      {kFacilityA, "c-4", "ended", "room-4", 50},
      {kFacilityA, "c-5", "waiting", nullptr, 50},
      {kFacilityA, "c-6", "waiting", "", 50},
  };
  for (const Room& r : rooms) {
    insert(sample_consultation(r.facility, r.id));
    exec_raw(
        "UPDATE consultations SET status = $1, updated_at = $2, video_instance = $3, "
        "video_room_id = $4 WHERE id = $5",
        {std::string(r.status), r.updated_at,
         r.room ? Value(std::string("video.main")) : storage::null_value(),
         r.room ? Value(std::string(r.room)) : storage::null_value(), std::string(r.id)});
  }
  exec_raw("UPDATE consultations SET video_instance = NULL WHERE id = 'c-3'");

  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(auto first, ConsultationStore::open_video_rooms(*tx, std::nullopt, 2));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, "c-2");  // least recently updated first
  EXPECT_EQ(first[0].facility_id, kFacilityB);
  EXPECT_EQ(first[0].video_room_id, "room-2");
  EXPECT_EQ(first[0].video_instance, "video.main");
  EXPECT_EQ(first[0].updated_at, 100);
  EXPECT_EQ(first[1].id, "c-1");
  ASSERT_OK_AND_ASSIGN(auto second, ConsultationStore::open_video_rooms(
                                        *tx, std::make_pair(first[1].updated_at, first[1].id), 2));
  ASSERT_EQ(second.size(), 1u);  // the tie on updated_at is broken by id
  EXPECT_EQ(second[0].id, "c-3");
  EXPECT_FALSE(second[0].video_instance.has_value());

  ASSERT_OK_AND_ASSIGN(auto instances,
                       ConsultationStore::video_instances(*tx, {"c-1", "c-3", "c-5", "c-9"}));
  EXPECT_EQ(instances.size(), 3u);  // c-9 does not exist
  EXPECT_EQ(instances["c-1"], "video.main");
  EXPECT_FALSE(instances["c-3"].has_value());
  EXPECT_FALSE(instances["c-5"].has_value());
}

WASL_RECORDS_INSTANTIATE(ConsultationStoreTest);

}  // namespace
}  // namespace wasl::records::testing
