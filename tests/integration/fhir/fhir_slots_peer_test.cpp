// FhirEhrConnector's availability (SDK 1.10) against the FHIR R4 peer with
// its `slots` fixture: free slots of a practitioner and of a clinic
// (HealthcareService, through its practitioners' roles) in a window;
// booking one in a transaction Bundle that the peer validates as R4 and
// applies all or nothing; two concurrent bookings of one slot, exactly one
// of which succeeds; a repeat under the same key answering the first
// booking; and a Slot search answer over the reader's budget refused.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <tuple>
#include <vector>

#include "plugins/fhir/fhir_ehr_connector.hpp"
#include "plugins/fhir/slot_bundle.hpp"
#include "plugins/fhir/tests/test_settings.hpp"
#include "tests/peers/fhir/fhir_peer.hpp"
#include "tests/peers/support/loopback_host.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using wasl::testing::FhirPeer;
using wasl::testing::FhirPeerOptions;
using wasl::testing::LoopbackHost;

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

// [start of tomorrow UTC, start of the day after): the fixture's slots.
std::pair<std::int64_t, std::int64_t> tomorrow() {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::int64_t day = (now / kDayMs + 1) * kDayMs;
  return {day, day + kDayMs};
}

class FhirSlotsPeerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    FhirPeerOptions options;
    options.seed = {};
    auto peer = FhirPeer::start(options);
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(peer).value().release();
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(peer_, nullptr);
    ASSERT_TRUE(peer_->reset().ok());
    ASSERT_TRUE(peer_->seed({"demo", "slots"}).ok());
    host_ = std::make_unique<LoopbackHost>(
        testing::with_schema({{"base_url", peer_->base_url()}, {"auth", "none"}}), "ehr.slots");
    auto parsed = parse_settings(host_->settings(), *host_);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ehr_ = std::make_unique<FhirEhrConnector>(*host_, *parsed);
  }

  sdk::SlotSearch search(std::string practitioner, std::string service) const {
    sdk::SlotSearch s;
    s.practitioner_id = std::move(practitioner);
    s.service_id = std::move(service);
    std::tie(s.from_ms, s.to_ms) = tomorrow();
    return s;
  }
  static std::vector<std::string> ids(const sdk::FreeSlots& slots) {
    std::vector<std::string> out;
    for (const auto& s : slots.slots) out.push_back(s.id);
    return out;
  }
  sdk::SlotBooking booking(const std::string& slot, const std::string& key) const {
    sdk::SlotBooking b;
    b.slot_id = slot;
    b.patient_id = "fatimah-alzahrani";
    b.idempotency_key = key;
    return b;
  }

  static FhirPeer* peer_;
  std::unique_ptr<LoopbackHost> host_;
  std::unique_ptr<FhirEhrConnector> ehr_;
};
FhirPeer* FhirSlotsPeerTest::peer_ = nullptr;

TEST_F(FhirSlotsPeerTest, FindsAPractitionersFreeSlotsInTheWindowEarliestFirst) {
  auto found = ehr_->find_free_slots(search("khalid-alharbi", ""));
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(ids(*found), (std::vector<std::string>{"khalid-0900", "khalid-0930"}));
  EXPECT_FALSE(found->truncated);
  EXPECT_EQ(found->slots[0].practitioner_id, "khalid-alharbi");
  EXPECT_EQ(found->slots[0].schedule_id, "khalid-telehealth");
  EXPECT_EQ(found->slots[0].end_ms - found->slots[0].start_ms, 30 * 60 * 1000);

  // A window that ends before 09:30 leaves that slot out; one a day later is empty.
  auto narrow = search("khalid-alharbi", "");
  narrow.to_ms = narrow.from_ms + (9 * 60 + 30) * 60 * 1000;
  found = ehr_->find_free_slots(narrow);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(ids(*found), (std::vector<std::string>{"khalid-0900"}));
  auto later = search("khalid-alharbi", "");
  later.from_ms += kDayMs;
  later.to_ms += kDayMs;
  found = ehr_->find_free_slots(later);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_TRUE(found->slots.empty());
}

TEST_F(FhirSlotsPeerTest, FindsAClinicsFreeSlotsAcrossItsPractitioners) {
  auto found = ehr_->find_free_slots(search("", "telehealth-clinic"));
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(ids(*found), (std::vector<std::string>{"sara-0845", "khalid-0900", "khalid-0930"}));
  EXPECT_EQ(found->slots[0].practitioner_id, "sara-alqahtani");
  EXPECT_EQ(found->slots[0].service_id, "telehealth-clinic");

  auto limited = search("", "telehealth-clinic");
  limited.limit = 1;
  found = ehr_->find_free_slots(limited);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(ids(*found), (std::vector<std::string>{"sara-0845"}));
  EXPECT_TRUE(found->truncated);
}

TEST_F(FhirSlotsPeerTest, RefusesASearchNamingNeitherOrBothOrAnEmptyWindow) {
  EXPECT_EQ(ehr_->find_free_slots(search("", "")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ehr_->find_free_slots(search("khalid-alharbi", "telehealth-clinic")).error().code,
            ErrorCode::kInvalidArgument);
  auto empty = search("khalid-alharbi", "");
  empty.to_ms = empty.from_ms;
  EXPECT_EQ(ehr_->find_free_slots(empty).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(FhirSlotsPeerTest, BooksASlotAsAValidAppointmentAndMarksItBusy) {
  auto booked = ehr_->book_slot(booking("khalid-0930", "wasl-booking-1"));
  ASSERT_TRUE(booked.ok()) << booked.error().message;
  EXPECT_TRUE(booked->created);
  EXPECT_EQ(booked->slot_id, "khalid-0930");
  EXPECT_EQ(booked->practitioner_id, "khalid-alharbi");
  auto appointment = peer_->read("Appointment/" + booked->appointment_id);
  ASSERT_TRUE(appointment.ok()) << appointment.error().message;
  EXPECT_EQ((*appointment)["status"], "booked");
  EXPECT_EQ((*appointment)["slot"][0]["reference"], "Slot/khalid-0930");
  auto slot = peer_->read("Slot/khalid-0930");
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ((*slot)["status"], "busy");
  EXPECT_EQ(booked->start_ms, tomorrow().first + (9 * 60 + 30) * 60 * 1000);

  // The same key again (the first answer lost): the first booking, no second.
  auto again = ehr_->book_slot(booking("khalid-0930", "wasl-booking-1"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->appointment_id, booked->appointment_id);
  // Another key: the slot is taken.
  auto other = ehr_->book_slot(booking("khalid-0930", "wasl-booking-2"));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(other.error().retryable);
  // And it is no longer among the free ones.
  auto found = ehr_->find_free_slots(search("khalid-alharbi", ""));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(ids(*found), (std::vector<std::string>{"khalid-0900"}));
}

TEST_F(FhirSlotsPeerTest, OfTwoConcurrentBookingsOfOneSlotExactlyOneSucceeds) {
  auto before = peer_->resources("Appointment");
  ASSERT_TRUE(before.ok());
  // Both read the slot free before either writes: the second transaction's
  // If-Match fails.
  constexpr int kBookers = 4;
  std::atomic<int> ready{0};
  std::vector<sdk::Result<sdk::BookedSlot>> results(kBookers,
                                                    sdk::Error(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kBookers; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kBookers) std::this_thread::yield();
      results[i] = ehr_->book_slot(booking("khalid-0900", "race-" + std::to_string(i)));
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0;
  int conflicts = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++ok;
    } else if (r.error().code == ErrorCode::kConflict) {
      ++conflicts;
    } else {
      ADD_FAILURE() << r.error().message;
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(conflicts, kBookers - 1);
  auto after = peer_->resources("Appointment");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), before->size() + 1) << "a refused transaction left nothing behind";
}

TEST_F(FhirSlotsPeerTest, AnUnknownSlotIsNotFoundAndABusyOneAConflict) {
  EXPECT_EQ(ehr_->book_slot(booking("no-such-slot", "k-1")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ehr_->book_slot(booking("khalid-1000", "k-2")).error().code, ErrorCode::kConflict);
}

TEST(SlotBundleTest, ReadsOnlyFreeWellFormedSlotsAndBoundsThePage) {
  json bundle = {{"resourceType", "Bundle"},
                 {"type", "searchset"},
                 {"link", {{{"relation", "next"}, {"url", "https://ehr.example/fhir/Slot?p=2"}}}},
                 {"entry",
                  {{{"resource",
                     {{"resourceType", "Slot"},
                      {"id", "a"},
                      {"status", "free"},
                      {"schedule", {{"reference", "Schedule/s"}}},
                      {"start", "2026-12-01T09:00:00Z"},
                      {"end", "2026-12-01T09:30:00Z"},
                      {"meta", {{"versionId", "3"}}}}}},
                   {{"resource",
                     {{"resourceType", "Slot"},
                      {"id", "b"},
                      {"status", "busy"},
                      {"schedule", {{"reference", "Schedule/s"}}},
                      {"start", "2026-12-01T09:00:00Z"},
                      {"end", "2026-12-01T09:30:00Z"}}}},
                   {{"resource",
                     {{"resourceType", "Slot"},
                      {"id", "c"},
                      {"status", "free"},
                      {"schedule", {{"reference", "Schedule/s"}}},
                      {"start", "2026-12-01T10:00:00Z"},
                      {"end", "2026-12-01T09:30:00Z"}}}},
                   {{"resource", 7}}}}};
  auto page = read_slot_page(bundle.dump());
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->slots.size(), 1u);
  EXPECT_EQ(page->slots[0].id, "a");
  EXPECT_EQ(page->slots[0].version_id, "3");
  EXPECT_EQ(page->next_url, "https://ehr.example/fhir/Slot?p=2");

  std::string deep =
      R"({"resourceType":"Bundle","entry":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(read_slot_page(deep).error().code, ErrorCode::kFailedPrecondition);
  json many = {{"resourceType", "Bundle"}, {"entry", json::array()}};
  for (std::size_t i = 0; i <= kMaxSlotPageEntries; ++i) many["entry"].push_back(json::object());
  EXPECT_EQ(read_slot_page(many.dump()).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(read_slot_page(std::string(kMaxSlotPageBytes + 1, ' ')).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(read_slot_page("[]").error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace wasl::plugins::fhir
