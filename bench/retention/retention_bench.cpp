// The working data of N consultations, seeded and then pruned: the half of
// bench/retention/run inside the hub's code (the run script measures the
// database's size around it, with VACUUM FULL through psql).
//
//   wasl_bench_retention --postgres URL --key-file FILE --seed N
//   wasl_bench_retention --postgres URL --key-file FILE --prune
//
// --seed migrates the database and adds the facility when missing, then
// writes the working data of N consultations as the hub stores it, every
// PHI cell encrypted under the key file's data key by records::CellCipher:
// six dispatched webhook events (a 1.2 KB body and its headers), a finished
// run (its trigger), fourteen step outputs, four received events and a
// note, and an Idempotency-Key with its stored answer, all 400 days old;
// 500 consultations a transaction. Prints "<seconds>".
// --prune runs WorkingDataRetention once with the facility's default
// retention (WorkingDataOptions' batches, as many as it takes). Prints
// "<seconds> <rows removed or cleared>".
// Exit 1 with a sentence on any error.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/retention/working_data_retention.hpp"
#include "hub/storage/bind.hpp"
#include "hub/storage/migrator.hpp"
#include "hub/storage/store.hpp"

namespace {

namespace storage = wasl::storage;
namespace records = wasl::records;
using wasl::sdk::Result;
using wasl::sdk::Status;

constexpr const char* kFacility = "bench-facility";
constexpr std::int64_t kDay = 24LL * 3600 * 1000;

int fail(const std::string& what) {
  std::fprintf(stderr, "wasl_bench_retention: %s\n", what.c_str());
  return 1;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `n` characters of JSON-ish text that differ per row (so nothing
// compresses better than the hub's own payloads would).
std::string payload(const std::string& id, std::size_t n) {
  std::string out = "{\"id\":\"" + id + "\",\"text\":\"";
  std::uint64_t x = std::hash<std::string>{}(id) | 1;
  while (out.size() + 2 < n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out += static_cast<char>('a' + static_cast<int>(x % 26));
  }
  return out + "\"}";
}

class Seeder {
 public:
  Seeder(storage::Store& store, const records::CellCipher& cipher, std::int64_t at)
      : store_(store), cipher_(cipher), at_(at) {}

  // Consultations [first, first + count) in one transaction.
  Status seed(int first, int count) {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
    std::vector<std::vector<storage::Value>> inbox, runs, steps, events, notes, keys;
    for (int c = first; c < first + count; ++c) {
      const std::string run = "run-" + std::to_string(c);
      for (int i = 0; i < 6; ++i) {
        const std::string id = "in-" + std::to_string(c) + "-" + std::to_string(i);
        WASL_ASSIGN_OR_RETURN(auto body,
                              cipher_.encrypt("inbox", "body_enc", id, payload(id, 1200)));
        WASL_ASSIGN_OR_RETURN(auto headers,
                              cipher_.encrypt("inbox", "headers_enc", id, payload(id + "h", 150)));
        inbox.push_back({id, id, std::string(kFacility), at_, storage::Blob{std::move(body)},
                         storage::Blob{std::move(headers)}});
      }
      WASL_ASSIGN_OR_RETURN(
          auto trigger, cipher_.encrypt("workflow_runs", "trigger_enc", run, payload(run, 400)));
      runs.push_back({run, std::string(kFacility), storage::Blob{std::move(trigger)}, at_});
      for (int i = 0; i < 14; ++i) {
        const std::string id = run + "-s" + std::to_string(i);
        WASL_ASSIGN_OR_RETURN(
            auto out, cipher_.encrypt("workflow_steps", "output_enc", id, payload(id, 300)));
        steps.push_back(
            {id, run, "step-" + std::to_string(i), "k-" + id, storage::Blob{std::move(out)}, at_});
      }
      for (int i = 0; i < 4; ++i) {
        const std::string id = run + "-e" + std::to_string(i);
        WASL_ASSIGN_OR_RETURN(
            auto body, cipher_.encrypt("workflow_events", "payload_enc", id, payload(id, 400)));
        events.push_back(
            {id, std::string(kFacility), run, storage::Blob{std::move(body)}, at_, id});
      }
      notes.push_back({run + "-n", run, std::string(kFacility), at_});
      const std::string key = "idem-" + std::to_string(c);
      WASL_ASSIGN_OR_RETURN(auto answer,
                            cipher_.encrypt("idempotency_keys", "response_enc",
                                            std::string(kFacility) + ":" + key, payload(key, 600)));
      keys.push_back({std::string(kFacility), key, storage::Blob{std::move(answer)}, at_});
    }
    WASL_RETURN_IF_ERROR(insert(*tx,
                                "INSERT INTO inbox (id, dedupe_key, facility_id, received_at, "
                                "body_enc, headers_enc, instance, state) VALUES ",
                                ", 'ehr.main', 'dispatched')", inbox));
    WASL_RETURN_IF_ERROR(insert(*tx,
                                "INSERT INTO workflow_runs (id, facility_id, trigger_enc, "
                                "finished_at, workflow_name, workflow_version, status, created_at, "
                                "updated_at) VALUES ",
                                ", 'consultation', 1, 'succeeded', 1, 1)", runs));
    WASL_RETURN_IF_ERROR(insert(*tx,
                                "INSERT INTO workflow_steps (id, run_id, step_id, "
                                "idempotency_key, output_enc, finished_at, attempt, status) "
                                "VALUES ",
                                ", 1, 'succeeded')", steps));
    WASL_RETURN_IF_ERROR(insert(*tx,
                                "INSERT INTO workflow_events (id, facility_id, run_id, "
                                "payload_enc, received_at, dedupe_key, type, correlation) VALUES ",
                                ", 'room.ended', 'r')", events));
    WASL_RETURN_IF_ERROR(insert(*tx,
                                "INSERT INTO workflow_notes (id, run_id, facility_id, created_at, "
                                "step_id, type) VALUES ",
                                ", 'wait', 'note')", notes));
    WASL_RETURN_IF_ERROR(insert(*tx,
                                "INSERT INTO idempotency_keys (facility_id, key, response_enc, "
                                "created_at, request_hash, response_status) VALUES ",
                                ", 'h', 201)", keys));
    return tx->commit();
  }

 private:
  // One multi-row INSERT per 200 rows: each row's values bound, then `tail`
  // (its constant columns and the closing parenthesis).
  static Status insert(storage::Transaction& tx, const std::string& head, const std::string& tail,
                       const std::vector<std::vector<storage::Value>>& rows) {
    for (std::size_t from = 0; from < rows.size(); from += 200) {
      storage::Params params;
      std::string sql = head;
      for (std::size_t r = from; r < std::min(rows.size(), from + 200); ++r) {
        sql += (r > from ? ", (" : "(") + storage::bind_all(params, rows[r]) + tail;
      }
      WASL_RETURN_IF_ERROR(tx.exec(sql, params));
    }
    return {};
  }

  storage::Store& store_;
  const records::CellCipher& cipher_;
  std::int64_t at_;
};

int usage() {
  std::fprintf(stderr,
               "usage: wasl_bench_retention --postgres URL --key-file FILE (--seed N | --prune)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  std::string key_file;
  int seed = 0;
  bool prune = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--postgres" && i + 1 < argc) {
      url = argv[++i];
    } else if (arg == "--key-file" && i + 1 < argc) {
      key_file = argv[++i];
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = std::atoi(argv[++i]);
    } else if (arg == "--prune") {
      prune = true;
    } else {
      return usage();
    }
  }
  if (url.empty() || key_file.empty() || (seed > 0) == prune) return usage();

  storage::PostgresOptions o;
  o.url = url;
  auto opened = storage::open_postgres(o);
  if (!opened.ok()) return fail(opened.error().message);
  std::unique_ptr<storage::Store> store = std::move(opened).value();
  auto keyring = wasl::crypto::load_keyring(key_file);
  if (!keyring.ok()) return fail(keyring.error().message);
  const auto started = std::chrono::steady_clock::now();
  auto seconds = [&started] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };

  if (seed > 0) {
    auto migrated = storage::migrate(*store, storage::embedded_migrations(store->dialect()));
    if (!migrated.ok()) return fail(migrated.error().message);
    {
      auto tx = store->begin();
      if (!tx.ok()) return fail(tx.error().message);
      auto added = (*tx)->exec(
          "INSERT INTO facilities (id, name, created_at, updated_at) VALUES ($1, 'Bench', 1, 1) "
          "ON CONFLICT (id) DO NOTHING",
          {std::string(kFacility)});
      if (!added.ok()) return fail(added.error().message);
      auto committed = (*tx)->commit();
      if (!committed.ok()) return fail(committed.error().message);
    }
    records::CellCipher cipher(*keyring);
    Seeder seeder(*store, cipher, now_ms() - 400 * kDay);
    for (int first = 0; first < seed; first += 500) {
      auto seeded = seeder.seed(first, std::min(500, seed - first));
      if (!seeded.ok()) return fail(seeded.error().message);
    }
    std::printf("%.3f\n", seconds());
    return 0;
  }

  const wasl::audit::AuditWriter audit(store->dialect(), (*keyring)->audit_key().view());
  wasl::retention::WorkingDataOptions options;
  options.max_batches = 1 << 30;
  wasl::retention::WorkingDataRetention retention(
      *store, audit, {{kFacility, wasl::config::FacilityRetentionConfig{}}}, options);
  auto pass = retention.run_once();
  if (!pass.ok()) return fail(pass.error().message);
  std::printf("%.3f %lld\n", seconds(),
              static_cast<long long>(pass->inbox + pass->unmatched_events + pass->runs_deleted +
                                     pass->idempotency_keys));
  return 0;
}
