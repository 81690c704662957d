// wasl_bench_dispatch: webhooks into waiting runs, end to end, for
// bench/dispatch/run.
//
//   wasl_bench_dispatch --backend sqlite|postgres --dir DIR [--postgres-url URL]
//                       [--events N] [--clients C] [--dispatch-workers W] [--batch B]
//
// --batch 0 (the default) leaves the dispatcher's batch to the hub's default
// for the store, as `wasl serve` runs it.
//
// In one process, configured as `wasl serve` runs it: the real HTTP server
// with the webhook routes (Standard Webhooks verifier, InboxWriter group
// commit, encrypted inbox), the webhook dispatcher, and the workflow engine
// with its payloads encrypted by the records' CellCipher. It starts N runs of
// a workflow that waits for `appointment.updated` on its own correlation,
// waits until all N wait, then C client threads post N signed webhooks (one per run, keep-alive
// connections) as fast as they are answered. It waits until every run has
// advanced past its wait (the dispatch commit settles the wait; the workflow
// then ends) and prints one JSON line:
//   events             N
//   ingest_per_s       N / (last 202 - first POST)
//   dispatch_per_s     N / (last run advanced - first POST): events into runs
//   backlog_p50_ms, backlog_p99_ms  per event, its dispatch time (the event's
//                      engine timestamp) minus its acceptance (the inbox row's):
//                      how long accepted events waited while ingest ran
//   non_202            answers other than 202 (must be 0)
//   twice              events the engine stored twice (must be 0)
//   dispatched_here    events this process's dispatcher delivered to a run
//   dispatched_second  with --hubs 2: those the second hub process delivered
//   process_cpu_s      CPU seconds (user + system, every thread) this process
//                      used from the first POST until every run had advanced:
//                      the HTTP server, verifier, inbox writer, dispatcher,
//                      engine and the posting clients together. The lines
//                      "wasl_bench_dispatch: measuring" and "... measured" on
//                      standard error mark that span, so a script can sample
//                      the database server's CPU at the same moments.
// SQLite lives in DIR/dispatch.db (WAL, synchronous=FULL); PostgreSQL is the
// database of --postgres-url, expected empty (synchronous_commit on).
//
// --hubs 2 (PostgreSQL only) starts a second hub process on the same
// database once the runs wait: this binary again with --second-hub, its own
// engine and dispatcher on the same key ring, no HTTP server (a hub's
// dispatcher is woken by the webhooks it accepts itself; the second finds
// rows by its poll). Both dispatch from one inbox; `twice` shows that no
// event was delivered twice. The second process stops when its standard
// input closes and prints {"dispatched": n}.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <nlohmann/json.hpp>

#include "bench/common/process_cpu.hpp"
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
#include "hub/webhooks/standard_webhook_signature.hpp"
#include "hub/webhooks/webhook_dispatcher.hpp"
#include "hub/webhooks/webhook_routes.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/hub_actions.hpp"

namespace {

using namespace wasl;
using Clock = std::chrono::steady_clock;

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kWorkflow = R"(name: waiter
version: 1
trigger:
  kind: api
steps:
  - id: updated
    wait_for: appointment.updated
    correlation: ${trigger.appointment}
    timeout: 1h
)";

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "wasl_bench_dispatch: " << message << "\n";
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

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The workflow engine's answer to "nothing to call": the bench workflow has
// no call steps.
class NoCalls final : public workflow::CapabilityInvoker {
 public:
  sdk::Result<nlohmann::json> invoke(const std::string&, const std::string&, const nlohmann::json&,
                                     const std::string&) override {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "the bench workflow calls nothing", false);
  }
};

struct SignedPost {
  std::string id;
  std::string body;
  std::string signature;
  std::int64_t timestamp;
};

double quantile(std::vector<std::int64_t> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return static_cast<double>(v[std::min(i, v.size() - 1)]);
}

// Events a dispatcher delivered to a run, read from its metrics.
long dispatched_of(const observability::Metrics& metrics) {
  std::istringstream text(metrics.render());
  const std::string prefix = "wasl_webhook_dispatch_total{outcome=\"dispatched\"} ";
  for (std::string line; std::getline(text, line);) {
    if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
  }
  return 0;
}

std::unique_ptr<storage::Store> open_store(std::map<std::string, std::string>& args,
                                           const std::string& dir) {
  if (args["--backend"] == "sqlite") {
    storage::SqliteOptions o;
    o.path = dir + "/dispatch.db";
    o.pool_size = 4;
    o.synchronous_full = true;
    return must(storage::open_sqlite(o), "open SQLite");
  }
  if (args["--backend"] != "postgres") fail("--backend must be sqlite or postgres");
  if (args["--postgres-url"].empty()) fail("--postgres-url URL is required for postgres");
  storage::PostgresOptions o;
  o.url = args["--postgres-url"];
  o.pool_size = 16;
  return must(storage::open_postgres(o), "open PostgreSQL");
}

// What a hub process runs to turn inbox rows into advanced runs, configured
// as `wasl serve` configures it.
struct DispatchingHub {
  DispatchingHub(storage::Store& store, const std::string& key_file,
                 webhooks::WebhookDispatcherOptions dispatch_options)
      : keyring(must(crypto::load_keyring(key_file), "load key ring")),
        cipher(keyring),
        inbox(cipher),
        audit(store.dialect(), keyring->audit_key().view()),
        definitions(store) {
    must(workflow::add_builtin_hub_actions(actions), "register the hub actions");
    workflow::EngineOptions engine_options;
    engine_options.workers = 2;
    engine = std::make_unique<workflow::Engine>(store, definitions, std::make_shared<NoCalls>(),
                                                actions, metrics, engine_options, &cipher);
    config::FacilityConfig facility;
    facility.id = "bench";
    facility.name = "Bench";
    config.facilities["bench"] = facility;
    sources = must(webhooks::ConfiguredWebhookSources::create(config, nullptr, secrets), "sources");
    dispatcher = std::make_unique<webhooks::WebhookDispatcher>(
        store, inbox, *sources, webhooks::to_engine(*engine), dispatch_options, &metrics, &audit);
  }

  std::shared_ptr<const crypto::Keyring> keyring;
  records::CellCipher cipher;
  records::InboxStore inbox;
  audit::AuditWriter audit;
  observability::Metrics metrics;
  workflow::DefinitionStore definitions;
  workflow::HubActions actions;
  std::unique_ptr<workflow::Engine> engine;
  config::Config config;
  webhooks::StaticHospitalSecrets secrets{{{"bench", config::Secret(kSecret)}}};
  std::unique_ptr<webhooks::ConfiguredWebhookSources> sources;
  std::unique_ptr<webhooks::WebhookDispatcher> dispatcher;
};

// --second-hub: dispatches beside the first process until stdin closes.
int second_hub(std::map<std::string, std::string>& args, const std::string& dir,
               webhooks::WebhookDispatcherOptions dispatch_options) {
  auto store = open_store(args, dir);
  DispatchingHub hub(*store, args["--key-file"], dispatch_options);
  must(hub.engine->start(), "start the second hub's engine");
  must(hub.dispatcher->start(), "start the second hub's dispatcher");
  std::cout << "ready" << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
  }
  hub.dispatcher->stop();
  hub.engine->stop();
  std::cout << nlohmann::json{{"dispatched", dispatched_of(hub.metrics)}}.dump() << std::endl;
  return 0;
}

// The second hub process: its pid, the pipe to its stdin, its stdout.
struct SecondHub {
  pid_t pid = -1;
  int in = -1;
  FILE* out = nullptr;
};

SecondHub spawn_second_hub(std::map<std::string, std::string>& args, const std::string& dir,
                           const std::string& key_file) {
  int to_child[2];
  int from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) fail("pipe for the second hub");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  posix_spawn_file_actions_addclose(&actions, to_child[1]);
  posix_spawn_file_actions_addclose(&actions, from_child[0]);
  std::vector<std::string> argv_text{"wasl_bench_dispatch",
                                     "--second-hub",
                                     "1",
                                     "--backend",
                                     args["--backend"],
                                     "--postgres-url",
                                     args["--postgres-url"],
                                     "--dir",
                                     dir,
                                     "--key-file",
                                     key_file,
                                     "--dispatch-workers",
                                     args["--dispatch-workers"],
                                     "--batch",
                                     args["--batch"]};
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  SecondHub hub;
  int rc = posix_spawn(&hub.pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  if (rc != 0) fail("start the second hub process: " + std::string(std::strerror(rc)));
  hub.in = to_child[1];
  hub.out = fdopen(from_child[0], "r");
  char line[256] = {0};
  if (hub.out == nullptr || std::fgets(line, sizeof line, hub.out) == nullptr ||
      std::string(line) != "ready\n") {
    fail("the second hub process did not start (see " + dir + "/hub.log)");
  }
  return hub;
}

// Closes the second hub's stdin, reads its count and waits for it.
long stop_second_hub(SecondHub& hub) {
  close(hub.in);
  char line[256] = {0};
  long dispatched = -1;
  if (std::fgets(line, sizeof line, hub.out) != nullptr) {
    dispatched = nlohmann::json::parse(line, nullptr, false).value("dispatched", -1L);
  }
  std::fclose(hub.out);
  int status = 0;
  waitpid(hub.pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("the second hub process failed");
  return dispatched;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{{"--backend", "sqlite"},
                                          {"--events", "20000"},
                                          {"--clients", "8"},
                                          {"--dispatch-workers", "2"},
                                          {"--batch", "0"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (!args.count("--dir")) fail("--dir DIR is required");
  const std::string dir = args["--dir"];
  const int events = std::stoi(args["--events"]);
  const int clients = std::max(1, std::stoi(args["--clients"]));

  observability::LogOptions log;
  log.level = "warn";
  log.file = dir + "/hub.log";
  must(observability::init_logging(log), "start logging");

  webhooks::WebhookDispatcherOptions dispatch_options;
  dispatch_options.workers = std::stoi(args["--dispatch-workers"]);
  dispatch_options.batch = std::stoi(args["--batch"]);
  if (args["--second-hub"] == "1") return second_hub(args, dir, dispatch_options);
  const int hubs = std::stoi(args.count("--hubs") ? args["--hubs"] : "1");
  if (hubs != 1 && (hubs != 2 || args["--backend"] != "postgres")) {
    fail("--hubs is 1, or 2 with --backend postgres");
  }

  auto store = open_store(args, dir);
  must(storage::migrate(*store, storage::embedded_migrations(store->dialect())), "migrate");
  {
    auto tx = must(store->begin(), "begin");
    must(tx->exec("INSERT INTO facilities (id, name, created_at, updated_at) "
                  "VALUES ('bench', 'Bench', 0, 0) ON CONFLICT (id) DO NOTHING"),
         "insert facility");
    must(tx->commit(), "commit");
  }

  const std::string key_file = dir + "/keys.json";
  must(crypto::generate_key_file(key_file), "generate key file");
  // The engine as serve builds it: payloads encrypted through the cipher.
  DispatchingHub hub(*store, key_file, dispatch_options);
  must(hub.definitions.deploy_source(kWorkflow, "waiter.yaml", "bench"), "deploy the workflow");
  workflow::Engine& engine = *hub.engine;
  must(engine.start(), "start the engine");

  // N runs waiting, 500 per transaction.
  for (int start = 0; start < events; start += 500) {
    auto tx = must(store->begin(), "begin");
    for (int i = start; i < std::min(events, start + 500); ++i) {
      workflow::StartRunRequest request;
      request.workflow = "waiter";
      request.facility_id = "bench";
      request.trigger = {{"appointment", "Appointment/" + std::to_string(i)}};
      must(engine.start_run(*tx, request), "start a run");
    }
    must(tx->commit(), "commit the runs");
  }
  // The engine's workers take each run to its wait; the clock starts once
  // every run waits, so the webhooks measured wake waiting runs and the
  // runs' first steps are not counted in the dispatch.
  {
    auto deadline = Clock::now() + std::chrono::minutes(5);
    std::int64_t waiting = 0;
    while (waiting < events) {
      if (Clock::now() > deadline) fail("the runs did not all reach their wait in 5 minutes");
      auto tx = must(store->begin(storage::TxMode::kReadOnly), "begin");
      auto rows = must(tx->query("SELECT COUNT(*) FROM workflow_runs WHERE status = 'waiting'"),
                       "count waiting runs");
      waiting = rows[0].get_int(0).value_or(0);
      if (waiting < events) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  SecondHub second;
  if (hubs == 2) {
    std::filesystem::create_directories(dir + "/second");
    second = spawn_second_hub(args, dir + "/second", key_file);
  }
  records::InboxStore& inbox = hub.inbox;
  observability::Metrics& metrics = hub.metrics;
  webhooks::InboxWriter writer(*store, hub.cipher, webhooks::InboxWriterOptions{}, &metrics);
  webhooks::WebhookDispatcher& dispatcher = *hub.dispatcher;
  auto& sources = hub.sources;
  auto& audit = hub.audit;
  must(dispatcher.start(), "start the dispatcher");

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
  context.dispatcher = &dispatcher;
  http::Router router;
  webhooks::add_webhook_routes(router, context);
  http::Server server(server_settings, router, metrics);
  must(server.start(), "start the server");

  // Signed requests, made before the clock starts.
  auto signer = must(webhooks::StandardWebhookSignature::from_secret(kSecret), "secret");
  std::vector<SignedPost> posts(static_cast<std::size_t>(events));
  std::int64_t now_s = epoch_ms() / 1000;
  for (int i = 0; i < events; ++i) {
    SignedPost& p = posts[static_cast<std::size_t>(i)];
    p.id = "msg_" + std::to_string(i);
    p.body = nlohmann::json{{"type", "appointment.updated"},
                            {"correlation", "Appointment/" + std::to_string(i)},
                            {"payload", {{"status", "arrived"}}}}
                 .dump();
    p.timestamp = now_s;
    p.signature = must(signer.sign(p.id, p.timestamp, p.body), "sign");
  }

  std::atomic<int> next{0};
  std::atomic<int> non_202{0};
  std::mutex statuses_mutex;
  std::map<int, int> statuses;  // answers other than 202, by status (0 = no answer)
  std::atomic<std::int64_t> last_202_ms{0};
  std::cerr << "wasl_bench_dispatch: measuring" << std::endl;
  const double cpu_at_first_post = bench::process_cpu_seconds();
  const std::int64_t first_post_ms = epoch_ms();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server.port()));
      session.setKeepAlive(true);
      session.setTimeout(Poco::Timespan(30, 0));
      for (int i = next.fetch_add(1); i < events; i = next.fetch_add(1)) {
        const SignedPost& p = posts[static_cast<std::size_t>(i)];
        Poco::Net::HTTPRequest request("POST", "/v1/webhooks/hospital.bench",
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setKeepAlive(true);
        request.setContentType("application/json");
        request.set("webhook-id", p.id);
        request.set("webhook-timestamp", std::to_string(p.timestamp));
        request.set("webhook-signature", p.signature);
        request.setContentLength(static_cast<std::streamsize>(p.body.size()));
        // A keep-alive connection the server closed just as the request went
        // out is retried on a new connection, as an HTTP client does; the
        // webhook id makes a resend harmless.
        for (int attempt = 1;; ++attempt) {
          try {
            session.sendRequest(request) << p.body;
            Poco::Net::HTTPResponse response;
            std::istream& in = session.receiveResponse(response);
            Poco::NullOutputStream sink;
            Poco::StreamCopier::copyStream(in, sink);
            if (response.getStatus() == 202 || response.getStatus() == 200) {
              std::int64_t t = epoch_ms();
              std::int64_t seen = last_202_ms.load();
              while (t > seen && !last_202_ms.compare_exchange_weak(seen, t)) {
              }
            } else {
              ++non_202;
              std::lock_guard lock(statuses_mutex);
              ++statuses[response.getStatus()];
            }
            break;
          } catch (const Poco::Exception&) {
            session.reset();
            if (attempt < 3) continue;
            ++non_202;
            std::lock_guard lock(statuses_mutex);
            ++statuses[0];
            break;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  // Wait (bounded) until every run has advanced past its wait. The time
  // measured is the last run's finished_at, read from the store below, so
  // the poll can be sparse: counting 20,000 runs costs PostgreSQL about
  // 6 ms, which every 50 ms took an eighth of a core from the hub.
  auto deadline = Clock::now() + std::chrono::minutes(5);
  std::int64_t advanced = 0;
  while (Clock::now() < deadline) {
    auto tx = must(store->begin(storage::TxMode::kReadOnly), "begin");
    auto rows = must(tx->query("SELECT COUNT(*) FROM workflow_runs WHERE status = 'succeeded'"),
                     "count runs");
    advanced = rows[0].get_int(0).value_or(0);
    if (advanced >= events - non_202.load()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const double cpu_measured = bench::process_cpu_seconds() - cpu_at_first_post;
  std::cerr << "wasl_bench_dispatch: measured" << std::endl;
  server.stop();
  dispatcher.stop();
  writer.stop();
  engine.stop();
  const long dispatched_second = hubs == 2 ? stop_second_hub(second) : 0;

  auto tx = must(store->begin(storage::TxMode::kReadOnly), "begin");
  auto last = must(tx->query("SELECT MAX(finished_at) FROM workflow_runs"), "last run");
  std::int64_t last_advanced_ms = last[0].get_int(0).value_or(0);
  std::map<std::string, std::int64_t> accepted_at;
  for (const auto& row :
       must(tx->query("SELECT dedupe_key, received_at FROM inbox"), "inbox rows")) {
    accepted_at["hospital.bench/bench/" + row.get_text(0).value()] = row.get_int(1).value();
  }
  std::vector<std::int64_t> backlog;
  for (const auto& row :
       must(tx->query("SELECT dedupe_key, received_at FROM workflow_events"), "events")) {
    auto it = accepted_at.find(row.get_text(0).value());
    if (it != accepted_at.end()) backlog.push_back(row.get_int(1).value() - it->second);
  }
  auto twice = must(tx->query("SELECT COUNT(*) - COUNT(DISTINCT dedupe_key) FROM workflow_events"),
                    "duplicates");

  double ingest_s = static_cast<double>(last_202_ms.load() - first_post_ms) / 1000.0;
  double dispatch_s = static_cast<double>(last_advanced_ms - first_post_ms) / 1000.0;
  nlohmann::json out{
      {"backend", args["--backend"]},
      {"events", events},
      {"advanced", advanced},
      {"ingest_per_s", ingest_s > 0 ? events / ingest_s : 0},
      {"dispatch_per_s", dispatch_s > 0 ? static_cast<double>(advanced) / dispatch_s : 0},
      {"backlog_p50_ms", quantile(backlog, 0.50)},
      {"backlog_p99_ms", quantile(backlog, 0.99)},
      {"non_202", non_202.load()},
      {"non_202_statuses",
       [&] {
         nlohmann::json by = nlohmann::json::object();
         for (const auto& [status, n] : statuses) by[std::to_string(status)] = n;
         return by;
       }()},
      {"twice", twice[0].get_int(0).value_or(-1)},
      {"dispatched_here", dispatched_of(metrics)},
      {"dispatched_second", dispatched_second},
      {"process_cpu_s", cpu_measured}};
  std::cout << out.dump() << std::endl;
  return advanced == events && non_202.load() == 0 ? 0 : 1;
}
