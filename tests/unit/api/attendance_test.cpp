// GET /v1/consultations/{id}/attendance and GET /v1/usage on both backends:
// a facility's recorded joins, leaves and room ends (late, repeated, out of
// order) answered as merged periods; usage computed here independently
// from the periods the attendance route answers, for every grouping, equal
// to the API's JSON and CSV exactly; another facility's rows never in it;
// problem+json for bad parameters; roles; the consultation's timeline
// listing the joins and leaves.
#include "hub/api/attendance.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "hub/attendance/attendance_store.hpp"
#include "plugins/moh/tests/csv_rows.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using attendance::AttendanceEvent;
using attendance::AttendanceMark;
using nlohmann::json;
using plugins::moh::testing::csv_rows;

// 2026-03-01T00:00:00+03:00 (Riyadh, the facilities' reporting zone by
// default: UTC+3 all year).
constexpr std::int64_t kDay0 = 1'772'312'400'000;
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kRiyadhOffsetMs = 3 * 3'600'000;

struct Visit {
  std::string facility;
  std::string id;
  std::string instance;
  std::string room;
  std::string practitioner;  // "" for none
};

// The civil date at UTC+3 of `ms`, by the days-from-civil inverse
// (H. Hinnant's algorithm): independent of the hub's ICU calendar.
std::string riyadh_date(std::int64_t ms) {
  std::int64_t z = (ms + kRiyadhOffsetMs) / kDayMs + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char text[16];
  std::snprintf(text, sizeof text, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return text;
}

class AttendanceApiTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    visits_ = {{kFacilityA, "ca-1", "video.twilio-a", "RM-a1", "Practitioner/3"},
               {kFacilityA, "ca-2", "video.twilio-a", "RM-a2", "Practitioner/9"},
               {kFacilityA, "ca-3", "video.chime-a", "RM-a3", "Practitioner/3"},
               {kFacilityA, "ca-4", "video.chime-a", "RM-a4", ""},
               {kFacilityB, "cb-1", "video.twilio-b", "RM-b1", "Practitioner/3"},
               {kFacilityB, "cb-2", "video.twilio-a", "RM-b2", "Practitioner/9"}};
    for (const Visit& v : visits_) {
      exec(
          "INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
          "updated_at, video_instance, video_room_id, practitioner_ref) VALUES ($1, $2, "
          "'in_session', 'standard', 1, 1, $3, $4, $5)",
          {v.id, v.facility, v.instance, v.room,
           v.practitioner.empty() ? storage::null_value() : storage::Value(v.practitioner)});
    }
  }

  void record(const Visit& v, AttendanceMark mark, const std::string& provider_id,
              std::int64_t at_ms, const std::string& key, const std::string& role = "patient") {
    AttendanceEvent e;
    e.facility_id = v.facility;
    e.consultation_id = v.id;
    e.video_instance = v.instance;
    e.room_id = v.room;
    e.mark = mark;
    e.provider_participant_id = provider_id;
    e.role = role;
    e.occurred_at_ms = at_ms;
    e.dedupe_key = key;
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto stored = attendance::AttendanceStore(*cipher_).record(**tx, e, kNow);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    ASSERT_TRUE((*tx)->commit().ok());
  }

  // Every visit gets three participants, each with a few periods spread over
  // four days (some across a civil midnight, one still open in a room that
  // never ended, one room ended with someone in it), recorded in a shuffled
  // order with repeats under new keys.
  void record_sessions() {
    std::mt19937_64 random(40);
    std::uniform_int_distribution<std::int64_t> gap(1, 9 * 3'600'000);
    std::uniform_int_distribution<std::int64_t> stay(1, 40 * 60'000);
    int key = 0;
    for (std::size_t vi = 0; vi < visits_.size(); ++vi) {
      const Visit& v = visits_[vi];
      struct Pending {
        AttendanceMark mark;
        std::string who;
        std::int64_t at;
        std::string role;
      };
      std::vector<Pending> pending;
      std::int64_t last_end = 0;
      const char* roles[] = {"patient", "clinician", "guest"};
      for (int p = 0; p < 3; ++p) {
        const std::string who = v.id + "-att-" + std::to_string(p);
        std::int64_t at = kDay0 - kDayMs / 2 + gap(random) + static_cast<std::int64_t>(vi) * 5000;
        for (int period = 0; period < 4; ++period) {
          const std::int64_t end = at + stay(random);
          pending.push_back({AttendanceMark::kJoin, who, at, roles[p]});
          pending.push_back({AttendanceMark::kLeave, who, end, roles[p]});
          last_end = std::max(last_end, end);
          at = end + gap(random) * 2;
        }
        if (p == 2 && vi % 2 == 0) {
          pending.push_back({AttendanceMark::kJoin, who, at, roles[p]});  // no leave
        }
      }
      if (vi == 2) {
        // The room ends while the third participant is still in it.
        pending.push_back({AttendanceMark::kRoomEnd, "", last_end + 7'654'321, ""});
      }
      std::shuffle(pending.begin(), pending.end(), random);
      for (std::size_t i = 0; i < pending.size(); ++i) {
        const Pending& e = pending[i];
        record(v, e.mark, e.who, e.at, "k" + std::to_string(++key), e.role);
        if (i % 5 == 0) record(v, e.mark, e.who, e.at, "k" + std::to_string(++key), e.role);
      }
    }
  }

  json attendance_of(const std::string& id) {
    http::Response r = send({"GET", "/v1/consultations/" + id + "/attendance"}, Role::kHospital);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }

  using Group = std::tuple<std::string, std::string, std::string, std::string>;
  struct Sum {
    std::int64_t seconds = 0;
    std::int64_t periods = 0;
  };

  // Usage computed from the attendance route's periods of facility A's
  // visits, with the day read at UTC+3 by arithmetic.
  std::map<Group, Sum> expected_usage(std::int64_t from, std::int64_t to,
                                      const std::vector<std::string>& group_by) {
    auto has = [&group_by](const char* g) {
      return std::find(group_by.begin(), group_by.end(), g) != group_by.end();
    };
    std::map<Group, Sum> out;
    for (const Visit& v : visits_) {
      if (v.facility != kFacilityA) continue;
      json a = attendance_of(v.id);
      for (const json& p : a["participants"]) {
        for (const json& period : p["periods"]) {
          if (!period.contains("end_ms")) continue;  // still open: not counted
          const std::int64_t start = period["start_ms"];
          const std::int64_t end = period["end_ms"];
          if (start < from || start >= to) continue;
          const std::string day = has("day") ? riyadh_date(start) : std::string();
          Group g{has("facility") ? v.facility : "", has("instance") ? v.instance : "",
                  has("practitioner") ? v.practitioner : "", day};
          out[g].seconds += (end - start) / 1000;
          out[g].periods += 1;
        }
      }
    }
    return out;
  }

  static std::string minutes(std::int64_t seconds) {
    const std::int64_t hundredths = (seconds * 100 + 30) / 60;
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%02lld", static_cast<long long>(hundredths / 100),
                  static_cast<long long>(hundredths % 100));
    return text;
  }

  std::vector<Visit> visits_;
};

TEST_P(AttendanceApiTest, AConsultationsPeriodsAreMergedAndItsSecondsTheirSum) {
  const Visit& v = visits_[0];
  // Out of order and twice: the patient drops and comes back; the doctor
  // stays; a guest the hub does not know joins for 30 s.
  record(v, AttendanceMark::kLeave, "PA-patient", kDay0 + 61'000, "l1");
  record(v, AttendanceMark::kJoin, "PA-doctor", kDay0 + 500, "d1", "clinician");
  record(v, AttendanceMark::kJoin, "PA-patient", kDay0 + 121'000, "j2");
  record(v, AttendanceMark::kJoin, "PA-patient", kDay0 + 1'000, "j1");
  record(v, AttendanceMark::kJoin, "PA-patient", kDay0 + 1'000, "j1-copy");
  record(v, AttendanceMark::kLeave, "PA-patient", kDay0 + 181'500, "l2");
  record(v, AttendanceMark::kJoin, "PA-guest", kDay0 + 2'000, "g1", "guest");
  record(v, AttendanceMark::kLeave, "PA-guest", kDay0 + 32'999, "g2", "guest");
  const std::int64_t audited = audit_count("consultation.attendance_read");
  http::Response r = send({"GET", "/v1/consultations/ca-1/attendance"}, Role::kClinician);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(audit_count("consultation.attendance_read"), audited + 1);
  json a = body_of(r);
  EXPECT_EQ(a["consultation_id"], "ca-1");
  ASSERT_EQ(a["participants"].size(), 3u) << a.dump();
  const json& doctor = a["participants"][0];
  EXPECT_EQ(doctor["role"], "clinician");
  EXPECT_EQ(doctor["provider_participant_id"], "PA-doctor");
  EXPECT_EQ(doctor["periods"],
            (json{{{"start_ms", kDay0 + 500}, {"start", iso(kDay0 + 500)}}}));  // still in
  EXPECT_EQ(doctor["seconds"], 0);
  const json& patient = a["participants"][1];
  EXPECT_EQ(patient["role"], "patient");
  EXPECT_EQ(patient["periods"], (json{{{"start_ms", kDay0 + 1'000},
                                       {"start", iso(kDay0 + 1'000)},
                                       {"end_ms", kDay0 + 61'000},
                                       {"end", iso(kDay0 + 61'000)},
                                       {"seconds", 60}},
                                      {{"start_ms", kDay0 + 121'000},
                                       {"start", iso(kDay0 + 121'000)},
                                       {"end_ms", kDay0 + 181'500},
                                       {"end", iso(kDay0 + 181'500)},
                                       {"seconds", 60}}}));
  EXPECT_EQ(patient["seconds"], 120);
  const json& guest = a["participants"][2];
  EXPECT_EQ(guest["role"], "guest");
  EXPECT_EQ(guest["seconds"], 30);
  EXPECT_TRUE(a["patient_joined"].get<bool>());
  EXPECT_TRUE(a["clinician_joined"].get<bool>());
  EXPECT_EQ(a["attendee_seconds"], 150);
  EXPECT_EQ(a["attendee_minutes"], 2.5);
  EXPECT_FALSE(a.contains("room_ended_at_ms"));
}

TEST_P(AttendanceApiTest, AnotherFacilitysKeyGetsNotFoundAndRolesAreChecked) {
  record(visits_[0], AttendanceMark::kJoin, "PA-patient", kDay0, "j1");
  http::Response other = send({"GET", "/v1/consultations/ca-1/attendance"}, Role::kAdmin, true);
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(other.headers.find("Content-Type")->second, "application/problem+json");
  EXPECT_EQ(send({"GET", "/v1/consultations/no-such/attendance"}, Role::kAdmin).status, 404);
  // B's own consultation, read with A's key.
  EXPECT_EQ(send({"GET", "/v1/consultations/cb-1/attendance"}, Role::kAdmin).status, 404);
  for (Role role : {Role::kAdmin, Role::kIntegrator, Role::kHospital, Role::kClinician}) {
    EXPECT_EQ(send({"GET", "/v1/consultations/ca-1/attendance"}, role).status, 200);
  }
  EXPECT_EQ(send({"GET", "/v1/consultations/ca-1/attendance"}, Role::kAuditor).status, 403);
  const std::string usage = "/v1/usage?from=2026-03-01&to=2026-03-02";
  for (Role role : {Role::kAdmin, Role::kIntegrator, Role::kHospital}) {
    EXPECT_EQ(send({"GET", usage}, role).status, 200);
  }
  for (Role role : {Role::kClinician, Role::kAuditor}) {
    EXPECT_EQ(send({"GET", usage}, role).status, 403);
  }
}

TEST_P(AttendanceApiTest, UsageEqualsTheSumOfThePeriodsForEveryGrouping) {
  record_sessions();
  const std::int64_t from = kDay0 - kDayMs;  // 2026-02-28, Riyadh
  const std::int64_t to = kDay0 + 2 * kDayMs;
  const std::vector<std::vector<std::string>> groupings = {
      {},
      {"facility"},
      {"instance"},
      {"practitioner"},
      {"day"},
      {"instance", "day"},
      {"day", "practitioner"},
      {"facility", "instance", "practitioner", "day"}};
  std::int64_t everything = -1;
  for (const auto& group_by : groupings) {
    std::string joined;
    for (const auto& g : group_by) joined += (joined.empty() ? "" : ",") + g;
    const std::string target =
        "/v1/usage?from=" + iso(from) + "&to=" + iso(to) + "&group_by=" + joined;
    http::Response r = send({"GET", target}, Role::kHospital);
    ASSERT_EQ(r.status, 200) << target << ": " << r.body;
    json body = body_of(r);
    std::map<Group, Sum> expected = expected_usage(from, to, group_by);
    ASSERT_FALSE(expected.empty());
    std::map<Group, Sum> answered;
    Sum total;
    for (const json& item : body["items"]) {
      Group g{item.value("facility_id", ""), item.value("instance", ""),
              item.value("practitioner", ""), item.value("day", "")};
      EXPECT_EQ(answered.count(g), 0u) << "a group answered twice: " << item.dump();
      answered[g] = {item["attendee_seconds"].get<std::int64_t>(),
                     item["periods"].get<std::int64_t>()};
      EXPECT_NEAR(item["attendee_minutes"].get<double>(),
                  std::stod(minutes(item["attendee_seconds"].get<std::int64_t>())), 1e-9);
      total.seconds += answered[g].seconds;
      total.periods += answered[g].periods;
      // Nothing of facility B, ever.
      EXPECT_NE(item.value("facility_id", ""), kFacilityB);
      EXPECT_NE(item.value("instance", ""), "video.twilio-b");
    }
    ASSERT_EQ(answered.size(), expected.size()) << target << ": " << body.dump();
    for (const auto& [g, sum] : expected) {
      ASSERT_EQ(answered.count(g), 1u) << std::get<1>(g) << " " << std::get<3>(g);
      EXPECT_EQ(answered[g].seconds, sum.seconds) << target;
      EXPECT_EQ(answered[g].periods, sum.periods) << target;
    }
    EXPECT_EQ(body["total"]["attendee_seconds"], total.seconds);
    EXPECT_EQ(body["total"]["periods"], total.periods);
    if (everything < 0) everything = total.seconds;
    EXPECT_EQ(total.seconds, everything) << "every grouping sums to the same total";

    // The same as CSV, by Accept and by format=csv.
    for (const Call& call :
         {Call("GET", target, "", {{"Accept", "text/csv"}}), Call("GET", target + "&format=csv")}) {
      http::Response csv = send(call, Role::kHospital);
      ASSERT_EQ(csv.status, 200) << csv.body;
      EXPECT_EQ(csv.headers.find("Content-Type")->second, "text/csv; charset=utf-8");
      auto rows = csv_rows(csv.body);
      ASSERT_EQ(rows.size(), expected.size() + 1);
      std::vector<std::string> header;
      for (const auto& g : group_by) header.push_back(g == "facility" ? "facility_id" : g);
      for (const char* c : {"periods", "attendee_seconds", "attendee_minutes"}) header.push_back(c);
      EXPECT_EQ(rows[0], header);
      for (std::size_t i = 1; i < rows.size(); ++i) {
        std::map<std::string, std::string> cells;
        for (std::size_t c = 0; c < header.size(); ++c) cells[header[c]] = rows[i][c];
        Group g{cells["facility_id"], cells["instance"], cells["practitioner"], cells["day"]};
        ASSERT_EQ(expected.count(g), 1u) << csv.body;
        EXPECT_EQ(cells["attendee_seconds"], std::to_string(expected[g].seconds));
        EXPECT_EQ(cells["periods"], std::to_string(expected[g].periods));
        EXPECT_EQ(cells["attendee_minutes"], minutes(expected[g].seconds));
      }
    }
  }
  // Facility B's own usage holds its own periods only.
  http::Response b = send(
      {"GET", "/v1/usage?from=" + iso(from) + "&to=" + iso(to) + "&group_by=facility,instance"},
      Role::kAdmin, true);
  ASSERT_EQ(b.status, 200) << b.body;
  const json b_usage = body_of(b);
  for (const json& item : b_usage["items"]) EXPECT_EQ(item["facility_id"], kFacilityB);
}

TEST_P(AttendanceApiTest, DatesAreTheFacilitysCivilDaysAndToIncludesItsDay) {
  const Visit& v = visits_[0];
  // 23:59:00 on 1 March in Riyadh (20:59 UTC), and 00:00:30 on 2 March.
  record(v, AttendanceMark::kJoin, "PA-1", kDay0 + kDayMs - 60'000, "j1");
  record(v, AttendanceMark::kLeave, "PA-1", kDay0 + kDayMs - 30'000, "l1");
  record(v, AttendanceMark::kJoin, "PA-2", kDay0 + kDayMs + 30'000, "j2");
  record(v, AttendanceMark::kLeave, "PA-2", kDay0 + kDayMs + 90'000, "l2");
  json one = body_of(send({"GET", "/v1/usage?from=2026-03-01&to=2026-03-01&group_by=day"}));
  EXPECT_EQ(one["items"], (json{{{"day", "2026-03-01"},
                                 {"periods", 1},
                                 {"attendee_seconds", 30},
                                 {"attendee_minutes", 0.5}}}))
      << one.dump();
  EXPECT_EQ(one["from"], iso(kDay0));
  EXPECT_EQ(one["to"], iso(kDay0 + kDayMs));
  EXPECT_EQ(one["time_zone"], "Asia/Riyadh");
  json two = body_of(send({"GET", "/v1/usage?from=2026-03-01&to=2026-03-02&group_by=day"}));
  ASSERT_EQ(two["items"].size(), 2u) << two.dump();
  EXPECT_EQ(two["items"][1]["day"], "2026-03-02");
  EXPECT_EQ(two["total"]["attendee_seconds"], 90);
  // No grouping: one total row.
  json all = body_of(send({"GET", "/v1/usage?from=2026-03-01&to=2026-03-02"}));
  EXPECT_EQ(all["items"],
            (json{{{"periods", 2}, {"attendee_seconds", 90}, {"attendee_minutes", 1.5}}}));
  // Nothing in the window: no rows, a zero total.
  json none = body_of(send({"GET", "/v1/usage?from=2026-04-01&to=2026-04-02"}));
  EXPECT_EQ(none["items"], json::array());
  EXPECT_EQ(none["total"]["attendee_seconds"], 0);
}

TEST_P(AttendanceApiTest, BadParametersAreProblemsAndChangeNothing) {
  const std::int64_t audited = audit_count("usage.read");
  for (const std::string& query :
       {std::string("from=2026-03-01"), std::string("to=2026-03-01"),
        std::string("from=yesterday&to=2026-03-01"), std::string("from=2026-02-30&to=2026-03-01"),
        std::string("from=2026-03-02&to=2026-03-01"),
        std::string("from=2026-03-01T10:00:00Z&to=2026-03-01T10:00:00Z"),
        std::string("from=2025-01-01&to=2026-03-01"),
        std::string("from=2026-03-01&to=2026-03-02&group_by=patient"),
        std::string("from=2026-03-01&to=2026-03-02&group_by=day,day"),
        std::string("from=2026-03-01&to=2026-03-02&group_by=day,"),
        std::string("from=2026-03-01&to=2026-03-02&format=xml"),
        std::string("from=2026-03-01&to=2026-03-02&limit=5")}) {
    http::Response r = send({"GET", "/v1/usage?" + query});
    EXPECT_EQ(r.status, 400) << query << ": " << r.body;
    EXPECT_EQ(r.headers.find("Content-Type")->second, "application/problem+json") << query;
    json problem = body_of(r);
    EXPECT_FALSE(problem["errors"].empty()) << query << ": " << r.body;
  }
  EXPECT_EQ(audit_count("usage.read"), audited);
}

TEST_P(AttendanceApiTest, TheConsultationsTimelineListsItsJoinsAndLeaves) {
  ASSERT_TRUE(engine_->start().ok());
  const std::string id = create_id("timeline-attendance");
  open_room(id);
  Visit v{kFacilityA, id, "video.fake", "RM-1", ""};
  record(v, AttendanceMark::kLeave, "PA-patient", kDay0 + 61'000, "t-l1");
  record(v, AttendanceMark::kJoin, "PA-patient", kDay0 + 1'000, "t-j1");
  record(v, AttendanceMark::kRoomEnd, "", kDay0 + 90'000, "t-end", "");
  http::Response r = send({"GET", "/v1/consultations/" + id + "/timeline"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["attendance"], (json{{{"mark", "join"},
                                             {"at_ms", kDay0 + 1'000},
                                             {"provider_participant_id", "PA-patient"},
                                             {"role", "patient"}},
                                            {{"mark", "leave"},
                                             {"at_ms", kDay0 + 61'000},
                                             {"provider_participant_id", "PA-patient"},
                                             {"role", "patient"}},
                                            {{"mark", "room_end"}, {"at_ms", kDay0 + 90'000}}}))
      << r.body;
  // Another facility's consultation is not in it.
  EXPECT_EQ(send({"GET", "/v1/consultations/" + id + "/timeline"}, Role::kAdmin, true).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, AttendanceApiTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
