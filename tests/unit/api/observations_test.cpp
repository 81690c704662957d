// Vital signs through the router, on SQLite and PostgreSQL: the role matrix
// of every route, every kind with a good value, a unit not allowed for its
// code and an impossible value (422 naming the field), who reported it, the
// time it was taken, the values encrypted in the database and every read
// and write audited.
#include "hub/api/observations.hpp"

#include <set>

#include <gtest/gtest.h>

#include "tests/unit/api/clinical_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class ObservationsTest : public ClinicalFixture {
 protected:
  std::string path(const std::string& suffix = "") {
    return "/v1/consultations/" + consultation_ + "/observations" + suffix;
  }

  static nlohmann::json temperature(double value = 38.2, const std::string& unit = "Cel") {
    return {{"kind", "body_temperature"}, {"value", value}, {"unit", unit}};
  }

  std::string report(const Caller& as = kClinicianCaller,
                     const nlohmann::json& body = temperature()) {
    http::Response r = call("POST", path(), as, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r).value("id", std::string());
  }

  // The fields a 422 names.
  static std::set<std::string> fields_of(const http::Response& r) {
    std::set<std::string> out;
    const nlohmann::json problem = body_of(r);
    for (const auto& e : problem.value("errors", nlohmann::json::array())) out.insert(e["field"]);
    return out;
  }
};

TEST_P(ObservationsTest, ClinicianAndHospitalReportWhoseMeasurementItIs) {
  http::Response by_clinician = call("POST", path(), kClinicianCaller, temperature());
  ASSERT_EQ(by_clinician.status, 201) << by_clinician.body;
  nlohmann::json o = body_of(by_clinician);
  EXPECT_EQ(o["kind"], "body_temperature");
  EXPECT_EQ(o["code"], "8310-5");
  EXPECT_EQ(o["system"], "http://loinc.org");
  EXPECT_EQ(o["value"], 38.2);
  EXPECT_EQ(o["unit"], "Cel");
  EXPECT_EQ(o["reported_by"], "clinician");
  EXPECT_EQ(o["posted_by_practitioner"], "Practitioner/3");
  EXPECT_EQ(o["effective_at"], iso(kNow));
  EXPECT_EQ(by_clinician.headers.find("Location")->second, path("/" + o["id"].get<std::string>()));

  // The clinician enters what the patient reports on her behalf.
  nlohmann::json for_patient = temperature();
  for_patient["reported_by"] = "patient";
  http::Response entered = call("POST", path(), kClinicianCaller, for_patient);
  ASSERT_EQ(entered.status, 201) << entered.body;
  EXPECT_EQ(body_of(entered)["reported_by"], "patient");

  // The hospital's system relays the patient's own reading, never a
  // clinician's.
  http::Response relayed = call("POST", path(), kHospitalCaller, temperature());
  ASSERT_EQ(relayed.status, 201) << relayed.body;
  EXPECT_EQ(body_of(relayed)["reported_by"], "patient");
  EXPECT_TRUE(body_of(relayed)["posted_by_practitioner"].is_null());
  nlohmann::json as_clinician = temperature();
  as_clinician["reported_by"] = "clinician";
  http::Response refused = call("POST", path(), kHospitalCaller, as_clinician);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(fields_of(refused), (std::set<std::string>{"reported_by"}));

  EXPECT_EQ(call("POST", path(), kOtherClinicianCaller, temperature()).status, 201);
  for (const Caller& as : {kIntegratorCaller, kAdminCaller, kAuditorCaller}) {
    http::Response r = call("POST", path(), as, temperature());
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_TRUE(is_problem(r));
  }
  for (const Caller& as : {kOtherFacilityClinician, kOtherFacilityHospital}) {
    http::Response r = call("POST", path(), as, temperature());
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_TRUE(is_problem(r));
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM vital_observations"), 4);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM vital_observations WHERE reported_by = 'patient'"), 2);
  EXPECT_EQ(audit_count("observation.create"), 4);
}

TEST_P(ObservationsTest, ReadersSeeTheValueOrOnlyThatAVitalWasReported) {
  const std::string oid = report();
  for (const Caller& as : {kClinicianCaller, kOtherClinicianCaller, kHospitalCaller}) {
    http::Response one = call("GET", path("/" + oid), as);
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(body_of(one)["value"], 38.2);
    http::Response all = call("GET", path(), as);
    ASSERT_EQ(all.status, 200);
    EXPECT_EQ(body_of(all)["items"][0]["unit"], "Cel");
  }
  for (const Caller& as : {kIntegratorCaller, kAdminCaller}) {
    http::Response one = call("GET", path("/" + oid), as);
    ASSERT_EQ(one.status, 200) << one.body;
    nlohmann::json o = body_of(one);
    EXPECT_EQ(o["id"], oid);
    EXPECT_EQ(o["kind"], "body_temperature");
    EXPECT_EQ(o["effective_at"], iso(kNow));
    for (const char* hidden : {"value", "unit", "systolic", "diastolic"}) {
      EXPECT_FALSE(o.contains(hidden)) << hidden;
    }
    http::Response all = call("GET", path(), as);
    ASSERT_EQ(all.status, 200);
    EXPECT_EQ(all.body.find("38.2"), std::string::npos);
    EXPECT_EQ(body_of(all)["items"].size(), 1u);
  }
  for (const std::string& target : {path(), path("/" + oid)}) {
    EXPECT_EQ(call("GET", target, kAuditorCaller).status, 403);
    EXPECT_EQ(call("GET", target, kOtherFacilityClinician).status, 404);
    EXPECT_EQ(call("GET", target, kOtherFacilityHospital).status, 404);
  }
  EXPECT_EQ(call("GET", path("/no-such"), kClinicianCaller).status, 404);
  EXPECT_EQ(audit_count("observation.read"), 5);
  EXPECT_EQ(audit_count("observation.list"), 5);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'observation.read' AND "
                   "detail LIKE '%\"content\":false%'"),
            2);
}

// One row per kind: a good body, the same with a unit its code does not
// take, and the same with a value no patient can have.
struct KindCase {
  nlohmann::json good;
  std::string code;
  std::string wrong_unit;
  nlohmann::json impossible;  // members replacing the good ones
  std::string impossible_field;
};

TEST_P(ObservationsTest, EveryKindChecksItsUnitAndItsValue) {
  const std::vector<KindCase> cases = {
      {{{"kind", "blood_pressure"}, {"systolic", 128}, {"diastolic", 84}, {"unit", "mm[Hg]"}},
       "85354-9",
       "kPa",
       {{"systolic", 70}, {"diastolic", 90}},
       "systolic"},
      {{{"kind", "heart_rate"}, {"value", 88}, {"unit", "/min"}},
       "8867-4",
       "Hz",
       {{"value", -60}},
       "value"},
      {{{"kind", "body_temperature"}, {"value", 101.1}, {"unit", "[degF]"}},
       "8310-5",
       "K",
       {{"value", 390}, {"unit", "Cel"}},
       "value"},
      {{{"kind", "oxygen_saturation"}, {"value", 96}, {"unit", "%"}},
       "59408-5",
       "1",
       {{"value", 140}},
       "value"},
      {{{"kind", "respiratory_rate"}, {"value", 18}, {"unit", "/min"}},
       "9279-1",
       "/s",
       {{"value", 0}},
       "value"},
      {{{"kind", "body_weight"}, {"value", 165}, {"unit", "[lb_av]"}},
       "29463-7",
       "g",
       {{"value", 1500}, {"unit", "kg"}},
       "value"},
      {{{"kind", "blood_glucose"}, {"value", 6.1}, {"unit", "mmol/L"}},
       "2339-0",
       "mg/L",
       {{"value", 500}},
       "value"},
  };
  int written = 0;
  for (const KindCase& c : cases) {
    const std::string kind = c.good["kind"];
    http::Response good = call("POST", path(), kClinicianCaller, c.good);
    ASSERT_EQ(good.status, 201) << kind << ": " << good.body;
    ++written;
    EXPECT_EQ(body_of(good)["code"], c.code) << kind;
    EXPECT_EQ(body_of(good)["unit"], c.good["unit"]) << kind;

    // Named by its LOINC code instead of its kind.
    nlohmann::json by_code = c.good;
    by_code.erase("kind");
    by_code["code"] = c.code;
    http::Response coded = call("POST", path(), kHospitalCaller, by_code);
    ASSERT_EQ(coded.status, 201) << kind << ": " << coded.body;
    ++written;
    EXPECT_EQ(body_of(coded)["kind"], kind);

    nlohmann::json wrong = c.good;
    wrong["unit"] = c.wrong_unit;
    http::Response wrong_unit = call("POST", path(), kClinicianCaller, wrong);
    EXPECT_EQ(wrong_unit.status, 422) << kind;
    EXPECT_TRUE(is_problem(wrong_unit));
    EXPECT_EQ(fields_of(wrong_unit), (std::set<std::string>{"unit"})) << kind << wrong_unit.body;

    nlohmann::json impossible = c.good;
    impossible.update(c.impossible);
    http::Response refused = call("POST", path(), kClinicianCaller, impossible);
    EXPECT_EQ(refused.status, 422) << kind;
    EXPECT_EQ(fields_of(refused), (std::set<std::string>{c.impossible_field}))
        << kind << refused.body;
  }
  // SpO2 in arterial blood keeps its own code.
  http::Response arterial =
      call("POST", path(), kClinicianCaller, {{"code", "2708-6"}, {"value", 94}, {"unit", "%"}});
  ASSERT_EQ(arterial.status, 201) << arterial.body;
  ++written;
  EXPECT_EQ(body_of(arterial)["kind"], "oxygen_saturation");
  EXPECT_EQ(body_of(arterial)["code"], "2708-6");
  // A code of another kind than the one named, or no vital's code at all.
  EXPECT_EQ(fields_of(call(
                "POST", path(), kClinicianCaller,
                {{"kind", "heart_rate"}, {"code", "8310-5"}, {"value", 70}, {"unit", "/min"}})),
            (std::set<std::string>{"code"}));
  EXPECT_EQ(fields_of(call("POST", path(), kClinicianCaller,
                           {{"code", "1234-5"}, {"value", 70}, {"unit", "/min"}})),
            (std::set<std::string>{"code"}));
  EXPECT_EQ(fields_of(call("POST", path(), kClinicianCaller, {{"value", 70}, {"unit", "/min"}})),
            (std::set<std::string>{"kind"}));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM vital_observations"), written);
  EXPECT_EQ(audit_count("observation.create"), written);
}

TEST_P(ObservationsTest, TheTimeTakenIsKeptAndNeverInTheFuture) {
  nlohmann::json earlier = temperature();
  earlier["effective_at"] = iso(kNow - 20 * 60 * 1000);
  http::Response r = call("POST", path(), kHospitalCaller, earlier);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["effective_at"], iso(kNow - 20 * 60 * 1000));
  EXPECT_EQ(body_of(r)["created_at"], iso(kNow));
  // A device clock a little ahead is accepted; further is refused.
  nlohmann::json skewed = temperature();
  skewed["effective_at"] = iso(kNow + kEffectiveSkewMs);
  EXPECT_EQ(call("POST", path(), kHospitalCaller, skewed).status, 201);
  nlohmann::json future = temperature();
  future["effective_at"] = iso(kNow + kEffectiveSkewMs + 1000);
  http::Response refused = call("POST", path(), kHospitalCaller, future);
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(fields_of(refused), (std::set<std::string>{"effective_at"}));
  // Listed in the order taken, not the order posted.
  http::Response all = call("GET", path(), kHospitalCaller);
  ASSERT_EQ(all.status, 200);
  nlohmann::json items = body_of(all)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["effective_at"], iso(kNow - 20 * 60 * 1000));
}

TEST_P(ObservationsTest, TheValuesAreEncryptedInTheDatabase) {
  const std::string oid = report(kClinicianCaller, temperature(37.654321));
  const std::string bp = report(
      kHospitalCaller,
      {{"kind", "blood_pressure"}, {"systolic", 141.25}, {"diastolic", 93.75}, {"unit", "mm[Hg]"}});
  {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    ASSERT_TRUE(tx.ok());
    auto rows = (*tx)->query("SELECT value_enc FROM vital_observations WHERE facility_id = $1",
                             {std::string(kFacilityA)});
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    ASSERT_EQ(rows->size(), 2u);
    for (const storage::Row& row : *rows) {
      auto sealed = row.get_blob(0);
      ASSERT_TRUE(sealed.ok());
      for (const char* plain : {"37.654321", "141.25", "93.75", "Cel", "mm[Hg]"}) {
        EXPECT_EQ(sealed->find(plain), std::string::npos) << plain;
      }
    }
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%37.654321%' OR "
                   "detail LIKE '%141.25%'"),
            0);
  EXPECT_EQ(body_of(call("GET", path("/" + oid), kHospitalCaller))["value"], 37.654321);
  EXPECT_EQ(body_of(call("GET", path("/" + bp), kClinicianCaller))["systolic"], 141.25);
  if (GetParam() == storage::Dialect::kSqlite) {
    const std::string bytes = sqlite_bytes();
    ASSERT_FALSE(bytes.empty());
    EXPECT_NE(bytes.find(oid), std::string::npos);
    EXPECT_EQ(bytes.find("37.654321"), std::string::npos);
    EXPECT_EQ(bytes.find("141.25"), std::string::npos);
  }
}

TEST_P(ObservationsTest, BadInputChangesNothing) {
  http::Response r = call("POST", path(), kClinicianCaller,
                          {{"kind", "heart_rate"},
                           {"value", "fast"},
                           {"unit", "/min"},
                           {"reported_by", "nurse"},
                           {"colour", "red"}});
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(fields_of(r), (std::set<std::string>{"value", "reported_by", "colour"}));
  EXPECT_EQ(call("POST", path(), kClinicianCaller, {{"kind", "heart_rate"}, {"value", 70}}).status,
            422);
  EXPECT_EQ(call("POST", "/v1/consultations/no-such/observations", kClinicianCaller, temperature())
                .status,
            404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM vital_observations"), 0);
  EXPECT_EQ(audit_count("observation.create"), 0);
}

TEST_P(ObservationsTest, AnIdempotencyKeyReplaysTheFirstAnswer) {
  const std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "vital-1"}};
  http::Response first = call("POST", path(), kHospitalCaller, temperature(), key);
  ASSERT_EQ(first.status, 201) << first.body;
  http::Response again = call("POST", path(), kHospitalCaller, temperature(), key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers.find("Idempotent-Replayed")->second, "true");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM vital_observations"), 1);
}

TEST_P(ObservationsTest, TheTimelineListsTheVitalsWithTheValueForHospitalKeysOnly) {
  ASSERT_TRUE(engine_->start().ok());
  const std::string oid = report(kClinicianCaller, temperature(39.4));
  const std::string timeline = "/v1/consultations/" + consultation_ + "/timeline";
  http::Response hospital = call("GET", timeline, kHospitalCaller);
  ASSERT_EQ(hospital.status, 200) << hospital.body;
  nlohmann::json seen = body_of(hospital)["observations"];
  ASSERT_EQ(seen.size(), 1u) << hospital.body;
  EXPECT_EQ(seen[0]["id"], oid);
  EXPECT_EQ(seen[0]["kind"], "body_temperature");
  EXPECT_EQ(seen[0]["reported_by"], "clinician");
  EXPECT_EQ(seen[0]["value"], 39.4);
  for (const Caller& as : {kIntegratorCaller, kAdminCaller}) {
    http::Response r = call("GET", timeline, as);
    ASSERT_EQ(r.status, 200) << r.body;
    nlohmann::json masked = body_of(r)["observations"];
    ASSERT_EQ(masked.size(), 1u);
    EXPECT_EQ(masked[0]["kind"], "body_temperature");
    EXPECT_EQ(masked[0]["effective_at"], iso(kNow));
    EXPECT_FALSE(masked[0].contains("value"));
    EXPECT_EQ(r.body.find("39.4"), std::string::npos);
  }
  EXPECT_EQ(call("GET", timeline, kOtherFacilityHospital).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, ObservationsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
