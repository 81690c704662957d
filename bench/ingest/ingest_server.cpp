// wasl_ingest_server: webhook ingress under load, for bench/ingest/run.
//
//   wasl_ingest_server --backend sqlite|postgres --dir DIR [--postgres-url-file FILE]
//                      [--secret whsec_…] [--writers N] [--max-batch N] [--linger-us N]
//                      [--log-level info]
//
// Serves on 127.0.0.1 (a free port, printed as "listening <port>" on stdout):
//   POST /v1/webhooks/hospital.bench   the real ingress (Standard Webhooks
//                                      verifier, InboxWriter group commit,
//                                      encrypted inbox rows)
//   GET  /static                       204, no work: the server's own ceiling
//   GET  /metrics                      the Prometheus text (the writer's queue
//                                      wait and commit time histograms)
//   GET  /bench/stats                  {"accepted","duplicates","rejected","other",
//                                       "inbox_rows","transactions","largest_batch",
//                                       "durability"}
// SQLite lives in DIR/ingest.db (WAL + synchronous=FULL); PostgreSQL is the
// server named by the URL file, at its default durability (synchronous_commit
// on). The key ring is generated in DIR, the log (with its access lines) is
// DIR/hub.log. Stops on SIGINT or SIGTERM.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/http/server.hpp"
#include "hub/observability/logging.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/storage/migrator.hpp"
#include "hub/webhooks/configured_webhook_sources.hpp"
#include "hub/webhooks/hospital_secret_source.hpp"
#include "hub/webhooks/inbox_writer.hpp"
#include "hub/webhooks/webhook_routes.hpp"

namespace {

using namespace wasl;

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "wasl_ingest_server: " << message << "\n";
  std::exit(1);
}

template <typename T>
T must(sdk::Result<T> r, const std::string& what) {
  if (!r.ok()) fail(what + ": " + r.error().message);
  return std::move(r).value();
}

void must(sdk::Status s, const std::string& what) {
  if (!s.ok()) fail(what + ": " + s.error().message);
}

struct Counters {
  std::atomic<std::int64_t> accepted{0}, duplicates{0}, rejected{0}, other{0};
};

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{{"--backend", "sqlite"},
                                          {"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
                                          {"--writers", "2"},
                                          {"--max-batch", "256"},
                                          {"--linger-us", "1000"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (!args.count("--dir")) fail("--dir DIR is required");
  const std::string dir = args["--dir"];

  // Logs (one access line per request, as in production) go to DIR/hub.log.
  observability::LogOptions log;
  log.level = args.count("--log-level") ? args["--log-level"] : "info";
  log.file = dir + "/hub.log";
  must(observability::init_logging(log), "start logging");

  // Signals are taken by sigwait() below; every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<storage::Store> store;
  std::string durability;
  if (args["--backend"] == "sqlite") {
    storage::SqliteOptions o;
    o.path = dir + "/ingest.db";
    o.pool_size = 4;
    o.synchronous_full = true;
    store = must(storage::open_sqlite(o), "open SQLite");
  } else if (args["--backend"] == "postgres") {
    std::ifstream in(args["--postgres-url-file"]);
    std::string url;
    std::getline(in, url);
    if (url.empty()) fail("--postgres-url-file names no readable libpq URL");
    storage::PostgresOptions o;
    o.url = url;
    o.pool_size = 8;
    store = must(storage::open_postgres(o), "open PostgreSQL");
  } else {
    fail("--backend must be sqlite or postgres");
  }
  must(storage::migrate(*store, storage::embedded_migrations(store->dialect())), "migrate");
  {
    auto tx = must(store->begin(), "begin");
    if (store->dialect() == storage::Dialect::kSqlite) {
      auto rows = must(tx->query("PRAGMA journal_mode"), "journal_mode");
      auto sync = must(tx->query("PRAGMA synchronous"), "synchronous");
      durability = "journal_mode=" + rows[0].get_text(0).value_or("?") +
                   " synchronous=" + (sync[0].get_int(0).value_or(-1) == 2 ? "FULL" : "NOT FULL");
    } else {
      auto sc = must(tx->query("SHOW synchronous_commit"), "synchronous_commit");
      auto fs = must(tx->query("SHOW fsync"), "fsync");
      durability = "synchronous_commit=" + sc[0].get_text(0).value_or("?") +
                   " fsync=" + fs[0].get_text(0).value_or("?");
    }
    must(tx->exec("INSERT INTO facilities (id, name, created_at, updated_at) "
                  "VALUES ('bench', 'Bench', 0, 0) ON CONFLICT (id) DO NOTHING"),
         "insert facility");
    must(tx->commit(), "commit");
  }

  const std::string key_file = dir + "/keys.json";
  must(crypto::generate_key_file(key_file), "generate key file");
  auto keyring = must(crypto::load_keyring(key_file), "load key ring");
  records::CellCipher cipher(keyring);
  records::InboxStore inbox(cipher);
  audit::AuditWriter audit(store->dialect(), keyring->audit_key().view());
  observability::Metrics metrics;

  config::Config config;
  config::FacilityConfig facility;
  facility.id = "bench";
  facility.name = "Bench";
  config.facilities["bench"] = facility;
  webhooks::StaticHospitalSecrets secrets({{"bench", config::Secret(args["--secret"])}});
  auto sources =
      must(webhooks::ConfiguredWebhookSources::create(config, nullptr, secrets), "webhook sources");

  webhooks::InboxWriterOptions writer_options;
  writer_options.writers = std::stoi(args["--writers"]);
  writer_options.max_batch = std::stoi(args["--max-batch"]);
  writer_options.linger = std::chrono::microseconds(std::stoi(args["--linger-us"]));
  webhooks::InboxWriter writer(*store, cipher, writer_options, &metrics);

  config::ServerConfig server_config;
  server_config.public_url = "http://127.0.0.1";
  http::ServerSettings server_settings;
  server_settings.host = "127.0.0.1";
  server_settings.port = 0;
  server_settings.max_threads = 256;

  webhooks::WebhookContext context;
  context.server = &server_config;
  context.sources = sources.get();
  context.store = store.get();
  context.inbox = &inbox;
  context.writer = &writer;
  context.audit = &audit;
  context.metrics = &metrics;

  // The webhook routes, each wrapped to count its answers.
  Counters counters;
  http::Router webhook_routes;
  webhooks::add_webhook_routes(webhook_routes, context);
  http::Router router;
  for (const auto& route : webhook_routes.routes()) {
    router.add(
        route.method, route.path_template,
        [handler = route.handler, &counters](http::Request& r) {
          http::Response response = handler(r);
          switch (response.status) {
            case 202: ++counters.accepted; break;
            case 200: ++counters.duplicates; break;
            case 401: ++counters.rejected; break;
            default: ++counters.other; break;
          }
          return response;
        },
        route.options);
  }
  router.add("GET", "/static", [](http::Request&) { return http::Response::empty(204); });
  router.add("GET", "/metrics", [&](http::Request&) {
    return http::Response::text(200, metrics.render(), "text/plain; version=0.0.4");
  });
  router.add("GET", "/bench/stats", [&](http::Request&) {
    std::int64_t rows = -1;
    if (auto tx = store->begin(storage::TxMode::kReadOnly); tx.ok()) {
      if (auto r = (*tx)->query("SELECT COUNT(*) FROM inbox"); r.ok() && !r->empty()) {
        rows = (*r)[0].get_int(0).value_or(-1);
      }
    }
    auto stats = writer.stats();
    nlohmann::json body{{"accepted", counters.accepted.load()},
                        {"duplicates", counters.duplicates.load()},
                        {"rejected", counters.rejected.load()},
                        {"other", counters.other.load()},
                        {"inbox_rows", rows},
                        {"transactions", stats.transactions},
                        {"largest_batch", stats.largest_batch},
                        {"fallbacks", stats.fallbacks},
                        {"durability", durability}};
    return http::Response::json(200, body.dump());
  });

  http::Server server(server_settings, router, metrics);
  must(server.start(), "start the server");
  std::cout << "listening " << server.port() << std::endl;
  std::cerr << "wasl_ingest_server: " << args["--backend"] << " (" << durability << ")"
            << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  server.stop();
  writer.stop();
  return 0;
}
