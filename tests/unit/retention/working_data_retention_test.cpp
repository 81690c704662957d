// WorkingDataRetention on both stores: a facility's dispatched webhook
// events, unmatched workflow events, finished runs' data, finished runs and
// idempotency keys go once its retention has passed, another facility's
// only after its own; received, unmatched and parked entries, failed or
// unfinished runs, runs with queued work and runs of a consultation with an
// open claim or a held recording stay. Each batch is audited with counts.
#include "hub/retention/working_data_retention.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "hub/audit/audit_writer.hpp"
#include "hub/records/consultation_store.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::retention {
namespace {

using records::testing::kFacilityA;
using records::testing::kFacilityB;
using storage::Blob;
using namespace std::chrono_literals;

constexpr std::int64_t kDay = 24LL * 3600 * 1000;
constexpr std::int64_t kNow = 1'800'000'000'000;

class WorkingDataRetentionTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), keyring_->audit_key().view());
    facilities_[kFacilityA] = config::FacilityRetentionConfig{};  // 30d, 90d, 365d, 30d
    config::FacilityRetentionConfig longer;
    longer.inbox = std::chrono::hours(24 * 60);
    longer.idempotency_keys = std::chrono::hours(24 * 60);
    facilities_[kFacilityB] = longer;
  }

  WorkingDataRetention retention(int batch = 500, int max_batches = 100) {
    WorkingDataOptions options;
    options.batch = batch;
    options.max_batches = max_batches;
    options.clock = [] {
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(kNow));
    };
    return WorkingDataRetention(*store_, *audit_, facilities_, options);
  }

  void consultation(const std::string& facility, const std::string& id) {
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    ASSERT_OK(records::ConsultationStore(*cipher_).insert(*tx, sample_consultation(facility, id)));
    ASSERT_OK(tx->commit());
  }

  void inbox(const std::string& id, const std::optional<std::string>& facility,
             const std::string& state, std::int64_t age_days) {
    exec_raw(
        "INSERT INTO inbox (id, instance, dedupe_key, facility_id, received_at, body_enc, state) "
        "VALUES ($1, 'ehr.main', $1, $2, $3, $4, $5)",
        {id, facility ? storage::Value(*facility) : storage::Value(std::monostate{}),
         kNow - age_days * kDay, Blob{"{\"resourceType\":\"Appointment\"}"}, state});
  }

  // A run with a step, an event it received and a note; finished `age_days`
  // ago (never, when negative).
  void run(const std::string& id, const std::string& facility,
           const std::optional<std::string>& consultation_id, const std::string& status,
           std::int64_t age_days) {
    const storage::Value finished =
        age_days < 0 ? storage::Value(std::monostate{}) : storage::Value(kNow - age_days * kDay);
    exec_raw(
        "INSERT INTO workflow_runs (id, facility_id, consultation_id, workflow_name, "
        "workflow_version, status, trigger_enc, created_at, updated_at, finished_at) VALUES ($1, "
        "$2, $3, 'consultation', 1, $4, $5, 1, 1, $6)",
        {id, facility,
         consultation_id ? storage::Value(*consultation_id) : storage::Value(std::monostate{}),
         status, Blob{"trigger"}, finished});
    exec_raw(
        "INSERT INTO workflow_steps (id, run_id, step_id, attempt, status, output_enc) VALUES "
        "($1, $2, 'patient', 1, 'succeeded', $3)",
        {id + "-s", id, Blob{"output"}});
    exec_raw(
        "INSERT INTO workflow_events (id, facility_id, type, correlation, dedupe_key, "
        "payload_enc, received_at, run_id, step_id, matched_at) VALUES ($1, $2, 'room.ended', "
        "'r', $1, $3, 1, $4, 'wait', 1)",
        {id + "-e", facility, Blob{"payload"}, id});
    exec_raw(
        "INSERT INTO workflow_notes (id, run_id, facility_id, step_id, type, created_at) VALUES "
        "($1, $2, $3, 'wait', 'note', 1)",
        {id + "-n", id, facility});
  }

  void idempotency_key(const std::string& facility, const std::string& key, std::int64_t age_days) {
    exec_raw(
        "INSERT INTO idempotency_keys (facility_id, key, request_hash, response_status, "
        "created_at) VALUES ($1, $2, 'h', 201, $3)",
        {facility, key, kNow - age_days * kDay});
  }

  std::int64_t count(const std::string& table, const std::string& where,
                     const storage::Params& params = {}) {
    return scalar("SELECT COUNT(*) FROM " + table + " WHERE " + where, params);
  }

  std::unique_ptr<audit::AuditWriter> audit_;
  std::map<std::string, config::FacilityRetentionConfig> facilities_;
};

TEST_P(WorkingDataRetentionTest, InboxEntriesGoAfterTheirFacilitysRetentionOnlyWhenDispatched) {
  inbox("a-old", kFacilityA, "dispatched", 31);
  inbox("a-young", kFacilityA, "dispatched", 29);
  inbox("a-received", kFacilityA, "received", 100);
  inbox("a-unmatched", kFacilityA, "unmatched", 100);
  inbox("a-parked", kFacilityA, "parked", 100);
  inbox("b-old", kFacilityB, "dispatched", 31);  // B keeps 60 days
  inbox("b-older", kFacilityB, "dispatched", 61);
  inbox("shared-45", std::nullopt, "dispatched", 45);  // the longest: 60 days
  inbox("shared-61", std::nullopt, "dispatched", 61);
  exec_raw(
      "INSERT INTO workflow_events (id, facility_id, type, correlation, dedupe_key, payload_enc, "
      "received_at) VALUES ('ev-a', $1, 'room.ended', 'r', 'ev-a', $2, $3), "
      "('ev-b', $4, 'room.ended', 'r', 'ev-b', $2, $3)",
      {std::string(kFacilityA), Blob{"payload"}, kNow - 31 * kDay, std::string(kFacilityB)});

  auto pass = retention().run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->inbox, 3);
  EXPECT_EQ(pass->unmatched_events, 1);
  std::set<std::string> left;
  for (const auto& row : query_raw("SELECT id FROM inbox")) left.insert(*row.get_text(0));
  EXPECT_EQ(left, (std::set<std::string>{"a-young", "a-received", "a-unmatched", "a-parked",
                                         "b-old", "shared-45"}));
  EXPECT_EQ(count("workflow_events", "id = 'ev-a'"), 0);
  EXPECT_EQ(count("workflow_events", "id = 'ev-b'"), 1);
}

TEST_P(WorkingDataRetentionTest, FinishedRunsLoseTheirDataThenGoUnlessStillNeeded) {
  for (const char* c : {"c-data", "c-old", "c-failed", "c-open", "c-paid", "c-held", "c-job"}) {
    consultation(kFacilityA, c);
  }
  consultation(kFacilityB, "c-b");
  run("data", kFacilityA, "c-data", "succeeded", 100);  // past step_data (90d), not runs
  run("old", kFacilityA, "c-old", "cancelled", 400);
  run("failed", kFacilityA, "c-failed", "failed", 400);
  run("running", kFacilityA, std::nullopt, "running", -1);
  run("open", kFacilityA, "c-open", "succeeded", 400);
  run("paid", kFacilityA, "c-paid", "succeeded", 400);
  run("held", kFacilityA, "c-held", "succeeded", 400);
  run("job", kFacilityA, "c-job", "succeeded", 400);
  run("b", kFacilityB, "c-b", "succeeded", 400);
  facilities_[kFacilityB].runs = std::chrono::hours(24 * 500);
  facilities_[kFacilityB].step_data = std::chrono::hours(24 * 500);
  exec_raw(
      "INSERT INTO claims (id, consultation_id, facility_id, state, created_at) VALUES "
      "('cl-open', 'c-open', $1, 'queued', 1), ('cl-paid', 'c-paid', $1, 'paid', 1)",
      {std::string(kFacilityA)});
  exec_raw(
      "INSERT INTO recordings (id, consultation_id, facility_id, legal_hold, state, created_at) "
      "VALUES ('rec', 'c-held', $1, 1, 'archived', 1)",
      {std::string(kFacilityA)});
  exec_raw(
      "INSERT INTO jobs (id, kind, run_id, run_at, created_at) VALUES ('j', 'task.test', 'job', "
      "1, 1)");

  auto pass = retention().run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  // Cleared: every finished run past step_data that may lose its data
  // ("data", and "old" and "paid" before they are deleted).
  EXPECT_EQ(pass->runs_cleared, 3);
  EXPECT_EQ(pass->runs_deleted, 2);  // "old" and "paid"
  EXPECT_EQ(pass->runs_kept, 3);     // "open", "held", "job"

  std::set<std::string> runs;
  for (const auto& row : query_raw("SELECT id FROM workflow_runs")) runs.insert(*row.get_text(0));
  EXPECT_EQ(runs, (std::set<std::string>{"data", "failed", "running", "open", "held", "job", "b"}));
  for (const char* table : {"workflow_steps", "workflow_events", "workflow_notes"}) {
    EXPECT_EQ(count(table, "run_id IN ('old', 'paid')"), 0) << table;
    EXPECT_EQ(count(table, "run_id NOT IN ('old', 'paid')"), 7) << table;
  }
  // "data" keeps its rows without their content; every other run keeps both.
  EXPECT_EQ(count("workflow_runs", "trigger_enc IS NULL"), 1);
  EXPECT_EQ(count("workflow_runs", "id = 'data' AND trigger_enc IS NULL"), 1);
  EXPECT_EQ(count("workflow_steps", "output_enc IS NULL"), 1);
  EXPECT_EQ(count("workflow_steps", "run_id = 'data' AND output_enc IS NULL"), 1);
  EXPECT_EQ(count("workflow_events", "payload_enc IS NULL"), 1);
  EXPECT_EQ(count("workflow_events", "run_id = 'data' AND payload_enc IS NULL"), 1);
  // The records stay.
  EXPECT_EQ(count("consultations", "1 = 1"), 8);
  EXPECT_EQ(count("claims", "1 = 1"), 2);

  // Once the claim is paid and the hold lifted, the next pass takes them.
  exec_raw("UPDATE claims SET state = 'paid' WHERE id = 'cl-open'");
  exec_raw("UPDATE recordings SET legal_hold = 0 WHERE id = 'rec'");
  auto again = retention().run_once();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->runs_cleared, 2);
  EXPECT_EQ(again->runs_deleted, 2);
  EXPECT_EQ(again->runs_kept, 1);  // "job"
}

TEST_P(WorkingDataRetentionTest, IdempotencyKeysAreForgottenPerFacility) {
  idempotency_key(kFacilityA, "a-31", 31);
  idempotency_key(kFacilityA, "a-29", 29);
  idempotency_key(kFacilityB, "b-31", 31);  // B keeps 60 days
  auto pass = retention().run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->idempotency_keys, 1);
  std::set<std::string> left;
  for (const auto& row : query_raw("SELECT key FROM idempotency_keys")) {
    left.insert(*row.get_text(0));
  }
  EXPECT_EQ(left, (std::set<std::string>{"a-29", "b-31"}));
}

TEST_P(WorkingDataRetentionTest, EachBatchIsAuditedWithCountsAndAPassIsBounded) {
  for (int i = 0; i < 5; ++i) inbox("a-" + std::to_string(i), kFacilityA, "dispatched", 40);
  // Batches of 2, at most 2 a pass: 4 entries this pass, the last one next.
  auto first = retention(2, 2).run_once();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->inbox, 4);
  EXPECT_EQ(count("inbox", "1 = 1"), 1);
  auto second = retention(2, 2).run_once();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->inbox, 1);
  auto third = retention(2, 2).run_once();
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_EQ(third->inbox, 0);

  auto rows = query_raw(
      "SELECT actor, facility_id, entity_type, entity_id, detail FROM audit_events WHERE action = "
      "'working_data.purge' ORDER BY seq");
  ASSERT_EQ(rows.size(), 3u) << "one event per batch that removed rows";
  std::int64_t audited = 0;
  for (const auto& row : rows) {
    EXPECT_EQ(*row.get_text(0), "system");
    EXPECT_EQ(*row.get_text(1), kFacilityA);
    EXPECT_EQ(*row.get_text(2), "facility");
    EXPECT_EQ(*row.get_text(3), kFacilityA);
    const auto detail = nlohmann::json::parse(*row.get_text(4));
    EXPECT_EQ(detail.at("kind"), "inbox");
    EXPECT_EQ(detail.at("before"), kNow - 30 * kDay);
    EXPECT_EQ(detail.size(), 3u) << detail.dump();
    audited += detail.at("rows").get<std::int64_t>();
  }
  EXPECT_EQ(audited, 5);
}

WASL_RECORDS_INSTANTIATE(WorkingDataRetentionTest);

}  // namespace
}  // namespace wasl::retention
