// GET /v1/availability and POST /v1/consultations naming a slot or a
// service, with the real FHIR plugin (libwasl_fhir.so loaded by the plugin
// host, SDK 1.10's ehr.find_free_slots and ehr.book_slot through the ABI)
// against the FHIR R4 peer seeded with its `slots` fixture, on SQLite and
// PostgreSQL: free slots of a practitioner and of a clinic, the window's
// checks, the short cache, booking a named slot and a clinic's first free
// one, two concurrent bookings of one slot (exactly one 201, the other 409
// and no consultation), the role matrix and another facility's 404.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "tests/peers/fhir/fhir_peer.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using wasl::testing::FhirPeer;
using wasl::testing::FhirPeerOptions;

constexpr const char* kInstance = "ehr.fhir-slots";
constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
constexpr std::int64_t kMinuteMs = 60 * 1000;

class NoSecrets final : public plugin_host::SecretSource {
 public:
  sdk::Result<std::optional<std::string>> lookup(std::string_view, std::string_view) override {
    return std::optional<std::string>();
  }
};

class AvailabilityTest : public ApiFixture {
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
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NE(peer_, nullptr);
    ASSERT_TRUE(peer_->reset().ok());
    ASSERT_TRUE(peer_->seed({"demo", "slots"}).ok());
    config_.plugins.files.push_back({"fhir", WASL_FHIR_PLUGIN_FILE, "", 1});
    config::InstanceConfig instance;
    instance.name = kInstance;
    instance.plugin = "fhir";
    instance.settings = {{"base_url", peer_->base_url()}, {"auth", "none"}};
    config_.instances[kInstance] = instance;
    config_.facilities[kFacilityA].bindings["ehr"] = kInstance;
    plugin_host::PluginHostOptions options;
    options.state = &state_;
    options.secrets = &secrets_;
    auto loaded = plugin_host::PluginHost::load(config_, metrics_, options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    plugins_ = std::move(loaded).value();
    context_.plugins = plugins_.get();
    // The slots are tomorrow (UTC) by the real clock; the hub's clock here
    // starts at the real now and moves only when a test moves it.
    now_ = std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
    day_ = (now_ / kDayMs + 1) * kDayMs;
    context_.options.clock = [this] { return now_.load(); };
  }

  std::string window(std::int64_t from, std::int64_t to) const {
    return "&from=" + iso(from) + "&to=" + iso(to);
  }
  std::string tomorrow() const { return window(day_, day_ + kDayMs); }

  static std::vector<std::string> slots_of(const http::Response& r) {
    std::vector<std::string> out;
    const nlohmann::json body = body_of(r);
    for (const auto& item : body["items"]) out.push_back(item["slot"].get<std::string>());
    return out;
  }

  nlohmann::json booking_of(const std::string& member, const std::string& value) const {
    return {{"type", "doctor_patient"},
            {member, value},
            {"patient", {{"id", "fatimah-alzahrani"}, {"name", kArabicName}}}};
  }

  std::int64_t consultations_count() { return scalar("SELECT COUNT(*) FROM consultations"); }

  static FhirPeer* peer_;
  plugin_host::InMemoryStateStore state_;
  NoSecrets secrets_;
  std::unique_ptr<plugin_host::PluginHost> plugins_;
  std::atomic<std::int64_t> now_{0};
  std::int64_t day_ = 0;
};
FhirPeer* AvailabilityTest::peer_ = nullptr;

TEST_P(AvailabilityTest, ListsThePractitionersAndTheClinicsFreeSlotsEarliestFirst) {
  http::Response r =
      send({"GET", "/v1/availability?practitioner=khalid-alharbi" + tomorrow()}, Role::kHospital);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(slots_of(r), (std::vector<std::string>{"khalid-0900", "khalid-0930"}));
  const nlohmann::json first = body_of(r)["items"][0];
  EXPECT_EQ(first["start"], iso(day_ + 9 * 60 * kMinuteMs));
  EXPECT_EQ(first["end"], iso(day_ + (9 * 60 + 30) * kMinuteMs));
  EXPECT_EQ(first["practitioner"], "khalid-alharbi");
  EXPECT_EQ(body_of(r)["truncated"], false);

  r = send({"GET", "/v1/availability?service=telehealth-clinic" + tomorrow() + "&limit=2"},
           Role::kClinician);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(slots_of(r), (std::vector<std::string>{"sara-0845", "khalid-0900"}));
  EXPECT_EQ(body_of(r)["items"][0]["practitioner"], "sara-alqahtani");
  EXPECT_EQ(body_of(r)["items"][0]["service"], "telehealth-clinic");
  EXPECT_EQ(body_of(r)["truncated"], true);
}

TEST_P(AvailabilityTest, AWindowOrASearchThatIsNotOneIsRefusedBeforeTheEhrIsAsked) {
  const std::vector<std::string> bad = {
      "/v1/availability?practitioner=khalid-alharbi",                           // no window
      "/v1/availability?practitioner=khalid-alharbi&from=" + iso(day_),         // no to
      "/v1/availability?practitioner=khalid-alharbi" + window(day_, day_),      // empty
      "/v1/availability?practitioner=khalid-alharbi" + window(day_ + 1, day_),  // reversed
      "/v1/availability?practitioner=khalid-alharbi" + window(day_, day_ + 32 * kDayMs),
      "/v1/availability?practitioner=khalid-alharbi&from=tomorrow&to=" + iso(day_),
      "/v1/availability" + tomorrow().replace(0, 1, "?"),  // neither
      "/v1/availability?practitioner=khalid-alharbi&service=telehealth-clinic" + tomorrow(),
      "/v1/availability?practitioner=khalid/alharbi" + tomorrow(),
      "/v1/availability?practitioner=khalid-alharbi&limit=0" + tomorrow(),
      "/v1/availability?practitioner=khalid-alharbi&patient=7" + tomorrow(),
  };
  auto before = peer_->effects();
  ASSERT_TRUE(before.ok());
  for (const std::string& target : bad) {
    SCOPED_TRACE(target);
    http::Response r = send({"GET", target}, Role::kHospital);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.headers.find("Content-Type")->second, "application/problem+json");
  }
  auto after = peer_->effects();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)["requests"], (*before)["requests"]) << "the EHR was asked";
  // At most 31 days is fine.
  http::Response wide = send(
      {"GET", "/v1/availability?practitioner=khalid-alharbi" + window(day_, day_ + 31 * kDayMs)},
      Role::kHospital);
  EXPECT_EQ(wide.status, 200) << wide.body;
}

TEST_P(AvailabilityTest, AnswersFromTheCacheForAFewSecondsAndABookingForgetsIt) {
  const std::string target = "/v1/availability?practitioner=khalid-alharbi" + tomorrow();
  ASSERT_EQ(slots_of(send({"GET", target}, Role::kHospital)),
            (std::vector<std::string>{"khalid-0900", "khalid-0930"}));
  // Booked at the EHR by someone else: the cached answer still shows it…
  auto busy = peer_->read("Slot/khalid-0930");
  ASSERT_TRUE(busy.ok());
  (*busy)["status"] = "busy";
  (*busy).erase("meta");
  ASSERT_TRUE(peer_->seed({}, nlohmann::json::array({*busy})).ok());
  now_ += 4000;
  EXPECT_EQ(slots_of(send({"GET", target}, Role::kHospital)),
            (std::vector<std::string>{"khalid-0900", "khalid-0930"}));
  // …until its time is up.
  now_ += 1001;
  EXPECT_EQ(slots_of(send({"GET", target}, Role::kHospital)),
            (std::vector<std::string>{"khalid-0900"}));
  // A booking through the hub forgets the facility's answers at once.
  ASSERT_EQ(create(booking_of("slot", "khalid-0900"), "cache-book").status, 201);
  EXPECT_TRUE(slots_of(send({"GET", target}, Role::kHospital)).empty());
}

TEST_P(AvailabilityTest, BookingANamedSlotMakesTheAppointmentAndTheConsultation) {
  auto before = peer_->resources("Appointment");
  ASSERT_TRUE(before.ok());
  http::Response r = create(booking_of("slot", "khalid-0930"), "book-1");
  ASSERT_EQ(r.status, 201) << r.body;
  nlohmann::json c = body_of(r);
  EXPECT_EQ(c["scheduled_at"], iso(day_ + (9 * 60 + 30) * kMinuteMs));
  const std::string appointment = c["appointment_ref"];
  ASSERT_EQ(appointment.rfind("Appointment/", 0), 0u) << r.body;
  auto stored = peer_->read(appointment);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ((*stored)["status"], "booked");
  EXPECT_EQ((*stored)["slot"][0]["reference"], "Slot/khalid-0930");
  EXPECT_EQ((*peer_->read("Slot/khalid-0930"))["status"], "busy");
  EXPECT_EQ(audit_count("consultation.create"), 1);

  // The same request again: the stored answer, no second booking.
  http::Response again = create(booking_of("slot", "khalid-0930"), "book-1");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(body_of(again)["id"], c["id"]);
  auto after = peer_->resources("Appointment");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), before->size() + 1);

  // Another key for the taken slot: 409, no consultation.
  http::Response taken = create(booking_of("slot", "khalid-0930"), "book-2");
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(taken.headers.find("Content-Type")->second, "application/problem+json");
  EXPECT_NE(body_of(taken)["detail"].get<std::string>().find("khalid-0930"), std::string::npos);
  EXPECT_EQ(consultations_count(), 1);
  // A busy slot and an unknown one: 409 and 404, nothing made.
  EXPECT_EQ(create(booking_of("slot", "khalid-1000"), "book-3").status, 409);
  EXPECT_EQ(create(booking_of("slot", "no-such-slot"), "book-4").status, 404);
  EXPECT_EQ(consultations_count(), 1);
}

TEST_P(AvailabilityTest, OfTwoConcurrentBookingsOfOneSlotExactlyOneIsCreated) {
  constexpr int kClients = 2;
  std::vector<http::Response> answers(kClients, http::Response::empty(0));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kClients) std::this_thread::yield();
      answers[i] = create(booking_of("slot", "khalid-0900"), "race-" + std::to_string(i));
    });
  }
  for (auto& t : threads) t.join();
  int created = 0;
  int conflicts = 0;
  for (const auto& a : answers) {
    if (a.status == 201) ++created;
    if (a.status == 409) {
      ++conflicts;
      EXPECT_EQ(a.headers.find("Content-Type")->second, "application/problem+json");
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(conflicts, 1);
  EXPECT_EQ(consultations_count(), 1);
  auto appointments = peer_->resources("Appointment");
  ASSERT_TRUE(appointments.ok());
  int for_slot = 0;
  for (const auto& a : *appointments) {
    if (a.contains("slot") && a["slot"][0]["reference"] == "Slot/khalid-0900") ++for_slot;
  }
  EXPECT_EQ(for_slot, 1);
}

TEST_P(AvailabilityTest, BookingWithAClinicTakesItsFirstFreeSlotAmongItsPractitioners) {
  http::Response first = create(booking_of("service", "telehealth-clinic"), "clinic-1");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(body_of(first)["scheduled_at"], iso(day_ + (8 * 60 + 45) * kMinuteMs));
  EXPECT_EQ(body_of(first)["practitioner"]["reference"], "Practitioner/sara-alqahtani")
      << first.body;
  http::Response second = create(booking_of("service", "telehealth-clinic"), "clinic-2");
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(body_of(second)["scheduled_at"], iso(day_ + 9 * 60 * kMinuteMs));
  EXPECT_EQ(body_of(second)["practitioner"]["reference"], "Practitioner/khalid-alharbi");
  // Not before scheduled_at: from 09:15 the next free one is 09:30.
  nlohmann::json later = booking_of("service", "telehealth-clinic");
  later["scheduled_at"] = iso(day_ + (9 * 60 + 15) * kMinuteMs);
  http::Response third = create(later, "clinic-3");
  ASSERT_EQ(third.status, 201) << third.body;
  EXPECT_EQ(body_of(third)["scheduled_at"], iso(day_ + (9 * 60 + 30) * kMinuteMs));
  // None left: 409 naming the clinic, no consultation.
  http::Response none = create(booking_of("service", "telehealth-clinic"), "clinic-4");
  EXPECT_EQ(none.status, 409) << none.body;
  EXPECT_EQ(consultations_count(), 3);
}

TEST_P(AvailabilityTest, ABookingBodyThatIsNotOneIsRefusedAndBooksNothing) {
  nlohmann::json both = booking_of("slot", "khalid-0900");
  both["service"] = "telehealth-clinic";
  nlohmann::json with_appointment = booking_of("slot", "khalid-0900");
  with_appointment["appointment_id"] = "42";
  nlohmann::json with_time = booking_of("slot", "khalid-0900");
  with_time["scheduled_at"] = iso(day_);
  nlohmann::json no_patient_id = booking_of("slot", "khalid-0900");
  no_patient_id["patient"].erase("id");
  nlohmann::json bad_id = booking_of("slot", "khalid 0900");
  int i = 0;
  for (const auto& body : {both, with_appointment, with_time, no_patient_id, bad_id}) {
    SCOPED_TRACE(body.dump());
    EXPECT_EQ(create(body, "refused-" + std::to_string(++i)).status, 422);
  }
  EXPECT_EQ((*peer_->read("Slot/khalid-0900"))["status"], "free");
  EXPECT_EQ(consultations_count(), 0);
}

TEST_P(AvailabilityTest, RoleMatrixAndAnotherFacility) {
  const std::string target = "/v1/availability?practitioner=khalid-alharbi" + tomorrow();
  for (Role role : {Role::kAdmin, Role::kIntegrator, Role::kHospital, Role::kClinician}) {
    SCOPED_TRACE(std::string(access::to_string(role)));
    EXPECT_EQ(send({"GET", target}, role).status, 200);
  }
  EXPECT_EQ(send({"GET", target}, Role::kAuditor).status, 403);
  EXPECT_EQ(send({"GET", target}, std::nullopt).status, 401);
  for (Role role : {Role::kClinician, Role::kAuditor}) {
    SCOPED_TRACE(std::string(access::to_string(role)));
    EXPECT_EQ(create(booking_of("slot", "khalid-0900"),
                     "role-" + std::string(access::to_string(role)), role)
                  .status,
              403);
  }
  EXPECT_EQ((*peer_->read("Slot/khalid-0900"))["status"], "free");

  // Facility B binds no EHR: its keys see no availability and book nothing.
  http::Response none = send({"GET", target}, Role::kHospital, /*facility_b=*/true);
  EXPECT_EQ(none.status, 409) << none.body;
  EXPECT_EQ(create(booking_of("slot", "khalid-0900"), "b-1", Role::kHospital, true).status, 409);
  // A consultation booked by facility A is 404 to facility B.
  http::Response booked = create(booking_of("slot", "khalid-0900"), "a-1");
  ASSERT_EQ(booked.status, 201) << booked.body;
  const std::string id = body_of(booked)["id"];
  for (Role role : {Role::kAdmin, Role::kHospital, Role::kClinician}) {
    SCOPED_TRACE(std::string(access::to_string(role)));
    EXPECT_EQ(send({"GET", "/v1/consultations/" + id}, role, true).status, 404);
  }
  EXPECT_EQ(send({"GET", "/v1/consultations/" + id}, Role::kHospital).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, AvailabilityTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
