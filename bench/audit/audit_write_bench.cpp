// Audited writes per second versus the same writes without audit.
//
//   wasl_bench_audit --sqlite FILE | --postgres URL [--writes N]
//
// Migrates the database, then times N single-row transactions inserting a
// consultation (plain) and N that also append its audit event in the same
// transaction (audited), alternating which goes first by the parity of the
// process id. Prints one line: "<plain writes/s> <audited writes/s>".
// Exit 1 with a sentence on any storage error.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include "hub/audit/audit_writer.hpp"
#include "hub/storage/migrator.hpp"
#include "hub/storage/store.hpp"

namespace {

using wasl::sdk::Status;
namespace storage = wasl::storage;
namespace audit = wasl::audit;

int fail(const std::string& what) {
  std::fprintf(stderr, "wasl_bench_audit: %s\n", what.c_str());
  return 1;
}

Status one_write(storage::Store& store, const audit::AuditWriter* writer, const std::string& id) {
  WASL_ASSIGN_OR_RETURN(auto tx, store.begin());
  WASL_RETURN_IF_ERROR(
      tx->exec("INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
               "updated_at) VALUES ($1, 'bench-facility', 'scheduled', 'video', $2, $2)",
               {id, audit::now_epoch_ms()}));
  if (writer != nullptr) {
    audit::AuditEvent e;
    e.actor = "apikey:bench";
    e.facility_id = "bench-facility";
    e.action = "consultation.create";
    e.entity_type = "consultation";
    e.entity_id = id;
    e.outcome = std::string(audit::kOutcomeSuccess);
    e.request_id = "req-" + id;
    e.source_address = "127.0.0.1";
    WASL_RETURN_IF_ERROR(writer->append(*tx, e));
  }
  return tx->commit();
}

// Writes per second over `writes` transactions.
wasl::sdk::Result<double> timed(storage::Store& store, const audit::AuditWriter* writer,
                                const std::string& tag, int writes) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < writes; ++i) {
    WASL_RETURN_IF_ERROR(one_write(store, writer, tag + std::to_string(i)));
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  return writes / elapsed.count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string sqlite_path;
  std::string postgres_url;
  int writes = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--sqlite" && i + 1 < argc) {
      sqlite_path = argv[++i];
    } else if (arg == "--postgres" && i + 1 < argc) {
      postgres_url = argv[++i];
    } else if (arg == "--writes" && i + 1 < argc) {
      writes = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: wasl_bench_audit --sqlite FILE | --postgres URL [--writes N]\n");
      return 2;
    }
  }
  if (sqlite_path.empty() == postgres_url.empty() || writes <= 0) {
    std::fprintf(stderr, "usage: wasl_bench_audit --sqlite FILE | --postgres URL [--writes N]\n");
    return 2;
  }

  std::unique_ptr<storage::Store> store;
  if (!sqlite_path.empty()) {
    storage::SqliteOptions o;
    o.path = sqlite_path;
    auto s = storage::open_sqlite(o);
    if (!s.ok()) return fail(s.error().message);
    store = std::move(s).value();
  } else {
    storage::PostgresOptions o;
    o.url = postgres_url;
    auto s = storage::open_postgres(o);
    if (!s.ok()) return fail(s.error().message);
    store = std::move(s).value();
  }
  auto migrated = storage::migrate(*store, storage::embedded_migrations(store->dialect()));
  if (!migrated.ok()) return fail(migrated.error().message);
  {
    auto tx = store->begin();
    if (!tx.ok()) return fail(tx.error().message);
    auto rows = (*tx)->query("SELECT id FROM facilities WHERE id = 'bench-facility'");
    if (!rows.ok()) return fail(rows.error().message);
    if (rows->empty()) {
      auto ins = (*tx)->exec(
          "INSERT INTO facilities (id, name, created_at, updated_at) "
          "VALUES ('bench-facility', 'Bench', 1, 1)");
      if (!ins.ok()) return fail(ins.error().message);
    }
    auto c = (*tx)->commit();
    if (!c.ok()) return fail(c.error().message);
  }

  const audit::AuditWriter writer(store->dialect(), std::string(32, 'b'));
  std::random_device rd;
  const std::string tag = std::to_string(rd()) + "-";
  // Warm-up: connections, statement caches, file growth.
  auto warm = timed(*store, &writer, tag + "w", std::max(10, writes / 10));
  if (!warm.ok()) return fail(warm.error().message);

  const bool audited_first = (getpid() % 2) == 0;
  double plain = 0;
  double audited = 0;
  for (int pass = 0; pass < 2; ++pass) {
    const bool do_audited = (pass == 0) == audited_first;
    auto r = timed(*store, do_audited ? &writer : nullptr, tag + (do_audited ? "a" : "p"), writes);
    if (!r.ok()) return fail(r.error().message);
    (do_audited ? audited : plain) = *r;
  }
  std::printf("%.1f %.1f\n", plain, audited);
  return 0;
}
