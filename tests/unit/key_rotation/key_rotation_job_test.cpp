#include "hub/key_rotation/key_rotation_job.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <latch>
#include <random>
#include <sstream>
#include <stop_token>
#include <thread>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/crypto/digest.hpp"
#include "hub/crypto/stream_cipher.hpp"
#include "hub/object_store/local_object_store.hpp"
#include "hub/plugin_host/database_state_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/idempotency_store.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/records/participant_store.hpp"
#include "hub/records/recording_store.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::key_rotation::testing {
namespace {

using namespace ::wasl::records;
using namespace ::wasl::records::testing;

constexpr int kConsultations = 12;

class KeyRotationTest : public RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    old_key_ = keyring_->active_key_id();
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), keyring_->audit_key().view());
    // Objects live in a local store over scratch/recordings; the facility's
    // are in its folder there, as the archive keys them.
    objects_ = std::make_unique<object_store::ObjectStores>(
        std::make_unique<object_store::LocalObjectStore>(scratch_.path() / "recordings"));
    recordings_dir_ = scratch_.path() / "recordings" / kFacilityA;
    std::filesystem::create_directories(recordings_dir_);
    fill();
  }

  // Data under the first key in every kind of encrypted place.
  void fill() {
    ConsultationStore consultations(*cipher_);
    ParticipantStore participants(*cipher_);
    InboxStore inbox(*cipher_);
    IdempotencyStore idempotency(*cipher_);
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    for (int i = 0; i < kConsultations; ++i) {
      std::string id = "c-" + std::to_string(10 + i);
      ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityA, id, 1000 + i)));
      domain::Participant p;
      p.id = "p-" + std::to_string(10 + i);
      p.consultation_id = id;
      p.facility_id = kFacilityA;
      p.display_name = kArabicName;
      p.created_at = 1;
      ASSERT_OK(participants.insert(*tx, p));
    }
    InboxEntry e;
    e.id = "i-1";
    e.instance = "ehr.kfsh";
    e.dedupe_key = "evt-1";
    e.facility_id = kFacilityA;
    e.body = "{\"name\":\"" + kArabicName + "\"}";
    e.headers = {{"webhook-id", "evt-1"}};
    ASSERT_OK(inbox.insert(*tx, e));
    ASSERT_OK(idempotency.begin(*tx, kFacilityA, "idem:1", "h", 1));
    ASSERT_OK(idempotency.complete(*tx, kFacilityA, "idem:1", {201, "{\"ok\":true}"}));
    // The workflow engine's seam: a run trigger written through CellCipher.
    auto trigger = cipher_->encrypt("workflow_runs", "trigger_enc", "run-1", "{\"p\":1}");
    ASSERT_OK(trigger);
    ASSERT_OK(
        tx->exec("INSERT INTO workflow_runs (id, facility_id, consultation_id, workflow_name, "
                 "workflow_version, status, trigger_enc, created_at, updated_at) "
                 "VALUES ('run-1', $1, 'c-10', 'consultation', 1, 'running', $2, 1, 1)",
                 {std::string(kFacilityA), Blob{*trigger}}));
    ASSERT_OK(tx->commit());

    // A recording of a little over three segments.
    std::mt19937 rng(7);  // seeded, not the SDK's generator: the same recording every run
    recording_plain_.resize(3 * crypto::kStreamSegmentSize + 1234);
    for (auto& ch : recording_plain_) ch = static_cast<char>(rng());
    old_file_ = recordings_dir_ / "r-1.wse";
    {
      std::istringstream in(recording_plain_);
      std::ofstream out(old_file_, std::ios::binary);
      ASSERT_OK(crypto::encrypt_stream(*keyring_, in, out));
    }
    RecordingStore recordings;
    tx = begin();
    domain::Recording r;
    r.id = "r-1";
    r.consultation_id = "c-10";
    r.facility_id = kFacilityA;
    r.created_at = 1;
    ASSERT_OK(recordings.insert(*tx, r));
    ASSERT_OK(recordings.mark_archived(*tx, kFacilityA, "r-1",
                                       {old_file_.string(),
                                        static_cast<std::int64_t>(recording_plain_.size()),
                                        crypto::sha256_hex(recording_plain_),
                                        old_key_,
                                        {},
                                        {}}));
    ASSERT_OK(tx->commit());
  }

  void rotate_key() {
    auto next = crypto::add_and_activate_key(key_file_);
    ASSERT_TRUE(next.ok()) << next.error().message;
    new_key_ = *next;
    reload_keyring();
  }

  std::int64_t usage_of(const std::string& key) {
    auto usage = usage_by_key(*store_);
    EXPECT_TRUE(usage.ok()) << usage.error().message;
    if (!usage.ok()) return -1;
    auto it = usage->find(key);
    return it == usage->end() ? 0 : it->second;
  }

  // Every stored value still reads back.
  void expect_all_data_reads() {
    ConsultationStore consultations(*cipher_);
    ParticipantStore participants(*cipher_);
    InboxStore inbox(*cipher_);
    IdempotencyStore idempotency(*cipher_);
    auto tx = begin();
    for (int i = 0; i < kConsultations; ++i) {
      std::string id = "c-" + std::to_string(10 + i);
      auto c = consultations.get(*tx, kFacilityA, id);
      ASSERT_TRUE(c.ok()) << c.error().message;
      EXPECT_EQ(*c, sample_consultation(kFacilityA, id, 1000 + i));
      auto p = participants.get(*tx, kFacilityA, id, "p-" + std::to_string(10 + i));
      ASSERT_TRUE(p.ok()) << p.error().message;
      EXPECT_EQ(p->display_name, kArabicName);
    }
    ASSERT_OK_AND_ASSIGN(InboxEntry e, inbox.get(*tx, kFacilityA, "i-1"));
    EXPECT_EQ(e.body, "{\"name\":\"" + kArabicName + "\"}");
    ASSERT_OK_AND_ASSIGN(auto replay, idempotency.begin(*tx, kFacilityA, "idem:1", "h", 2));
    ASSERT_EQ(replay.outcome, IdempotencyOutcome::kReplay);
    EXPECT_EQ(replay.response->body, "{\"ok\":true}");
    Rows run = query_raw("SELECT trigger_enc FROM workflow_runs WHERE id = 'run-1'");
    ASSERT_EQ(run.size(), 1u);
    auto trigger =
        cipher_->decrypt("workflow_runs", "trigger_enc", "run-1", run[0].get_blob(0).value());
    ASSERT_OK(trigger);
    EXPECT_EQ(*trigger, "{\"p\":1}");
  }

  std::string recording_sha_now() {
    Rows rows = query_raw("SELECT storage_path, size_bytes FROM recordings WHERE id = 'r-1'");
    EXPECT_EQ(rows.size(), 1u);
    if (rows.empty()) return "";
    std::ifstream in(rows[0].get_text(0).value(), std::ios::binary);
    std::ostringstream out;
    // The file was written unbound (version 1); once re-encrypted it is
    // bound to its row, and opens only under that binding.
    auto st = crypto::decrypt_stream(keyring_, in, out,
                                     static_cast<std::uint64_t>(rows[0].get_int(1).value()),
                                     domain::recording_stream_binding(kFacilityA, "r-1"));
    EXPECT_TRUE(st.ok()) << st.error().message;
    return crypto::sha256_hex(out.str());
  }

  std::vector<std::string> files_in_recordings_dir() {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(recordings_dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string old_key_;
  std::string new_key_;
  std::unique_ptr<audit::AuditWriter> audit_;
  std::unique_ptr<object_store::ObjectStores> objects_;
  std::filesystem::path recordings_dir_;
  std::filesystem::path old_file_;
  std::string recording_plain_;
};

TEST_P(KeyRotationTest, ReencryptsEverythingAndThenAllowsRetiringTheOldKey) {
  // 12 consultations × 2 + 12 participants + inbox 2 + idempotency 1 + run 1 + 1 file.
  const std::int64_t total = kConsultations * 3 + 2 + 1 + 1 + 1;
  EXPECT_EQ(usage_of(old_key_), total);
  rotate_key();
  ASSERT_NE(new_key_, old_key_);

  auto refused = retire_unused_key(*store_, key_file_, old_key_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kFailedPrecondition);

  KeyRotationJob job(*store_, *cipher_, *audit_, *objects_);
  ASSERT_OK_AND_ASSIGN(RotationProgress progress, job.run_until_done(std::stop_token{}, 5));
  EXPECT_TRUE(progress.done);
  EXPECT_EQ(progress.to_key, new_key_);
  for (const auto& t : progress.tables) {
    EXPECT_EQ(t.state, "done") << t.table;
    EXPECT_EQ(t.rows_done, t.rows_total) << t.table;
    EXPECT_EQ(t.rows_failed, 0) << t.table;
  }
  nlohmann::json j = to_json(progress);
  EXPECT_EQ(j["tables"][0]["table"], "consultations");
  EXPECT_EQ(j["tables"][0]["rows_done"], kConsultations);

  EXPECT_EQ(usage_of(old_key_), 0);
  EXPECT_EQ(usage_of(new_key_), total);
  expect_all_data_reads();

  // The file: new name, new key, same plaintext; the old file is gone.
  EXPECT_EQ(recording_sha_now(), crypto::sha256_hex(recording_plain_));
  EXPECT_FALSE(std::filesystem::exists(old_file_));
  EXPECT_EQ(files_in_recordings_dir(), std::vector<std::string>{"r-1." + new_key_ + ".wse"});
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recording_file_cleanup"), 0);

  EXPECT_GT(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'key.rotation.batch' AND "
                   "actor = 'system'"),
            0);

  // Running again does nothing more.
  ASSERT_OK_AND_ASSIGN(RotationStep idle, job.run_once(5));
  EXPECT_TRUE(idle.done);

  ASSERT_OK(retire_unused_key(*store_, key_file_, old_key_));
  reload_keyring();
  expect_all_data_reads();
  EXPECT_EQ(recording_sha_now(), crypto::sha256_hex(recording_plain_));
}

TEST_P(KeyRotationTest, ResumesFromTheRecordedPositionAfterAStop) {
  rotate_key();
  {
    KeyRotationJob job(*store_, *cipher_, *audit_, *objects_);
    ASSERT_OK_AND_ASSIGN(RotationStep step, job.run_once(4));
    EXPECT_EQ(step.table, "consultations");
    EXPECT_EQ(step.examined, 4);
    EXPECT_EQ(step.reencrypted, 8);
    // A stop requested before the loop runs does nothing further.
    std::stop_source stop;
    stop.request_stop();
    ASSERT_OK_AND_ASSIGN(RotationProgress stopped, job.run_until_done(stop.get_token(), 4));
    EXPECT_FALSE(stopped.done);
    EXPECT_EQ(stopped.tables[0].rows_done, 4);
    EXPECT_EQ(stopped.tables[0].state, "running");
  }
  // What was committed is under the new key; the rest still under the old.
  EXPECT_EQ(usage_of(old_key_), kConsultations * 3 + 2 + 1 + 1 + 1 - 8);

  // A new process picks up where the last one stopped.
  KeyRotationJob resumed(*store_, *cipher_, *audit_, *objects_);
  ASSERT_OK_AND_ASSIGN(RotationProgress progress, resumed.run_until_done(std::stop_token{}, 4));
  EXPECT_TRUE(progress.done);
  EXPECT_EQ(progress.tables[0].rows_done, kConsultations);  // no row counted twice
  EXPECT_EQ(usage_of(old_key_), 0);
  expect_all_data_reads();
}

// Two hub processes on one database both start the job after a rotation:
// the one holding the lease re-encrypts, the other does nothing and waits;
// when the first is done, the second finds nothing left. Before the lease,
// both walked the same tables at once.
TEST_P(KeyRotationTest, OneJobAtATimeRotatesADatabase) {
  rotate_key();
  KeyRotationJob first(*store_, *cipher_, *audit_, *objects_);
  ASSERT_OK_AND_ASSIGN(RotationStep mine, first.run_once(4));
  EXPECT_FALSE(mine.waiting);
  EXPECT_EQ(mine.examined, 4);
  {
    KeyRotationJob second(*store_, *cipher_, *audit_, *objects_);
    ASSERT_OK_AND_ASSIGN(RotationStep theirs, second.run_once(4));
    EXPECT_TRUE(theirs.waiting);
    EXPECT_EQ(theirs.examined, 0);
    EXPECT_FALSE(theirs.done);
  }
  EXPECT_EQ(usage_of(old_key_), kConsultations * 3 + 2 + 1 + 1 + 1 - 8);
  ASSERT_OK_AND_ASSIGN(RotationProgress done, first.run_until_done(std::stop_token{}, 4));
  EXPECT_TRUE(done.done);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM key_rotation_lease"), 0) << "released when done";
  KeyRotationJob later(*store_, *cipher_, *audit_, *objects_);
  ASSERT_OK_AND_ASSIGN(RotationStep nothing, later.run_once(4));
  EXPECT_TRUE(nothing.done);
}

// A holder that died (its lease lapsed) is taken over.
TEST_P(KeyRotationTest, ALapsedLeaseIsTakenOver) {
  rotate_key();
  // The holder stays alive but silent, as a frozen process would.
  auto dead = std::make_unique<KeyRotationJob>(*store_, *cipher_, *audit_, *objects_);
  ASSERT_OK_AND_ASSIGN(RotationStep step, dead->run_once(4));
  EXPECT_FALSE(step.waiting);
  exec_raw("UPDATE key_rotation_lease SET expires_at = 0");  // it died long ago
  KeyRotationJob next(*store_, *cipher_, *audit_, *objects_);
  ASSERT_OK_AND_ASSIGN(RotationProgress done, next.run_until_done(std::stop_token{}, 4));
  EXPECT_TRUE(done.done);
  EXPECT_EQ(usage_of(old_key_), 0);
}

TEST_P(KeyRotationTest, AFailedBatchLeavesNothingHalfDoneAndTheNextRunCompletes) {
  rotate_key();
  // Fail the commit of any batch that would move past 4 consultation rows.
  if (GetParam() == Dialect::kSqlite) {
    exec_script_raw(
        "CREATE TRIGGER fail_rotation BEFORE UPDATE ON key_rotations "
        "WHEN NEW.done_rows > 4 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  } else {
    exec_script_raw(
        "CREATE FUNCTION fail_rotation() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
        "IF NEW.done_rows > 4 THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; "
        "END $f$; CREATE TRIGGER fail_rotation BEFORE UPDATE ON key_rotations "
        "FOR EACH ROW EXECUTE FUNCTION fail_rotation();");
  }
  KeyRotationJob job(*store_, *cipher_, *audit_, *objects_);
  ASSERT_OK(job.run_once(4));
  auto failed = job.run_once(4);
  ASSERT_FALSE(failed.ok());
  // The failed batch's re-encryptions were rolled back with its position.
  const std::int64_t after_first = kConsultations * 3 + 2 + 1 + 1 + 1 - 8;
  EXPECT_EQ(usage_of(old_key_), after_first);
  EXPECT_EQ(scalar("SELECT done_rows FROM key_rotations WHERE table_name = 'consultations'"), 4);
  expect_all_data_reads();

  exec_script_raw("DROP TRIGGER fail_rotation" +
                  std::string(GetParam() == Dialect::kSqlite ? "" : " ON key_rotations"));
  ASSERT_OK_AND_ASSIGN(RotationProgress progress, job.run_until_done(std::stop_token{}, 4));
  EXPECT_TRUE(progress.done);
  EXPECT_EQ(progress.tables[0].rows_done, kConsultations);
  EXPECT_EQ(usage_of(old_key_), 0);
  expect_all_data_reads();
}

TEST_P(KeyRotationTest, DamagedCiphertextIsCountedAndKeepsTheOldKeyFromRetiring) {
  // Flip one byte of one participant's display name ciphertext.
  Rows rows = query_raw("SELECT display_name_enc FROM participants WHERE id = 'p-11'");
  ASSERT_EQ(rows.size(), 1u);
  std::string ct = rows[0].get_blob(0).value();
  ct[ct.size() - 1] ^= 0x01;
  exec_raw("UPDATE participants SET display_name_enc = $1 WHERE id = 'p-11'", {Blob{ct}});
  rotate_key();

  KeyRotationJob job(*store_, *cipher_, *audit_, *objects_);
  ASSERT_OK_AND_ASSIGN(RotationProgress progress, job.run_until_done(std::stop_token{}, 5));
  EXPECT_TRUE(progress.done);
  EXPECT_EQ(progress.tables[1].table, "participants");
  EXPECT_EQ(progress.tables[1].rows_failed, 1);
  EXPECT_EQ(usage_of(old_key_), 1);
  EXPECT_GT(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'key.rotation.batch' AND "
                   "outcome = 'failure'"),
            0);
  auto refused = retire_unused_key(*store_, key_file_, old_key_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kFailedPrecondition);
}

TEST_P(KeyRotationTest, CleansFilesLeftByACrashedFileRotation) {
  rotate_key();
  // As if a run crashed after writing the new file but before switching the row.
  std::filesystem::path orphan = recordings_dir_ / ("r-1." + new_key_ + ".wse");
  std::ofstream(orphan) << "partial";
  std::ofstream(orphan.string() + ".tmp") << "partial";
  exec_raw(
      "INSERT INTO recording_file_cleanup (path, recording_id, created_at) "
      "VALUES ($1, 'r-1', 1)",
      {orphan.string()});
  std::filesystem::path stray = recordings_dir_ / "stray.wse";
  std::ofstream(stray) << "x";
  exec_raw(
      "INSERT INTO recording_file_cleanup (path, recording_id, created_at) "
      "VALUES ($1, 'r-1', 1)",
      {stray.string()});

  KeyRotationJob job(*store_, *cipher_, *audit_, *objects_);
  ASSERT_OK_AND_ASSIGN(RotationProgress progress, job.run_until_done(std::stop_token{}, 50));
  EXPECT_TRUE(progress.done);
  EXPECT_EQ(files_in_recordings_dir(), std::vector<std::string>{"r-1." + new_key_ + ".wse"});
  EXPECT_EQ(recording_sha_now(), crypto::sha256_hex(recording_plain_));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recording_file_cleanup"), 0);
}

TEST_P(KeyRotationTest, CellCipherRefusesColumnsOutsideTheRegistry) {
  auto refused = cipher_->encrypt("consultations", "appointment_ref", "c-1", "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInternal);
}

// `wasl keys rotate` followed by a reload swaps the key ring while the engine
// and webhook ingress encrypt and decrypt cells on other threads. Each call
// works on one key ring: a cell written before the swap still reads after it,
// and no call sees a key ring half replaced.
TEST_P(KeyRotationTest, CellsStayReadableWhileTheKeyRingIsSwapped) {
  auto before = cipher_->encrypt("inbox", "body_enc", "i-swap", "before the swap");
  ASSERT_OK(before);
  const std::string written_before = *before;
  CellCipher& cipher = *cipher_;
  std::atomic<bool> swapped{false};
  std::atomic<int> failures{0};
  constexpr int kReaders = 2;
  constexpr int kMinimumRounds = 50;
  std::latch started(kReaders + 1);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      started.arrive_and_wait();
      const std::string row = "i-reader-" + std::to_string(r);
      for (int round = 0; round < kMinimumRounds || !swapped.load(); ++round) {
        auto old_cell = cipher.decrypt("inbox", "body_enc", "i-swap", written_before);
        if (!old_cell.ok() || *old_cell != "before the swap") ++failures;
        auto cell = cipher.encrypt("inbox", "body_enc", row, "round " + std::to_string(round));
        auto back = cell.ok() ? cipher.decrypt("inbox", "body_enc", row, *cell) : cell;
        if (!back.ok() || *back != "round " + std::to_string(round)) ++failures;
        if (!cipher.blind_index(crypto::IdentifierKind::kNationalId, "1098765432").ok()) {
          ++failures;
        }
        if (cipher.active_key_id().empty()) ++failures;
      }
    });
  }
  started.arrive_and_wait();
  rotate_key();
  KeyRotationJob job(*store_, *cipher_, *audit_, *objects_);
  auto progress = job.run_until_done(std::stop_token{}, 5);
  reload_keyring();  // a second reload (SIGHUP) of the same file
  swapped = true;
  for (auto& t : readers) t.join();
  ASSERT_OK(progress);
  EXPECT_TRUE(progress->done);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(cipher_->active_key_id(), new_key_);
  EXPECT_EQ(usage_of(old_key_), 0);
  expect_all_data_reads();
}

// The plugin state store of a running hub follows the key ring a reload
// swaps into the cipher (as App wires it): after `wasl keys rotate`, SIGHUP
// and the job re-encrypting plugin_state under the new key, a plugin's state
// (a cached SMART token, a MOH receipt, a Chime meeting) still reads, and is
// ciphertext at rest.
TEST_P(KeyRotationTest, PluginStateReadsAfterRotationReloadAndReEncryption) {
  plugin_host::DatabaseStateStore state(*store_, plugin_host::DatabaseStateStore::KeyringSource(
                                                     [this] { return cipher_->keyring(); }));
  const std::string token = R"({"access_token":"smart-token-in-clear","refresh_at_ms":1})";
  ASSERT_OK(state.put("ehr.fhir-main", "smart.token", token));
  rotate_key();
  KeyRotationJob job(*store_, *cipher_, *audit_, *objects_);
  ASSERT_OK_AND_ASSIGN(RotationProgress progress, job.run_until_done(std::stop_token{}, 50));
  EXPECT_TRUE(progress.done);

  auto read = state.get("ehr.fhir-main", "smart.token");
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, token);
  ASSERT_OK(state.put("ehr.fhir-main", "smart.token", token));
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  auto rows = tx->query("SELECT value FROM plugin_state WHERE instance = 'ehr.fhir-main'", {});
  ASSERT_OK(rows);
  ASSERT_EQ(rows->size(), 1u);
  const std::string raw = *(*rows)[0].get_blob(0);
  EXPECT_EQ(raw.find("smart-token-in-clear"), std::string::npos);
  EXPECT_EQ(*crypto::CellAead::key_id_of(raw), new_key_);
}

WASL_RECORDS_INSTANTIATE(KeyRotationTest);

}  // namespace
}  // namespace wasl::key_rotation::testing
