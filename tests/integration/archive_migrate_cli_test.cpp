// `wasl archive migrate --to <store>` through the built binary, on SQLite and
// on PostgreSQL, into a bucket of the Ceph RADOS Gateway of the ctest fixture
// "ceph": a deployment whose real `wasl serve` archived several recordings
// into its local directory (from the pattern_video double) is moved to the
// bucket.
//   - The first run loses the gateway once part of the recordings moved: the
//     command is frozen (SIGSTOP) as soon as the database shows two moved,
//     the gateway stopped, the command let go (SIGCONT), so the gateway goes
//     away in the middle whatever the speed of the machine. It exits 1,
//     naming how many moved and failed; the ones that failed keep their
//     files.
//   - The second run moves the rest and exits 0. Every recording ends as one
//     object of the bucket, its row pointing at it, its local file deleted,
//     one recording.migrate audit event; a hub serving from the bucket
//     downloads each and its SHA-256 is the row's and the pattern's.
//   - `--to` a store the config does not declare: exit 1, a sentence naming
//     it, and nothing changed.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "hub/object_store/s3_object_store.hpp"
#include "hub/storage/store.hpp"
#include "tests/integration/hub_process.hpp"
#include "tests/peers/ceph/ceph_bucket.hpp"
#include "tests/peers/ceph/ceph_gateway.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kRecordings = 8;
constexpr std::uint64_t kSize = 3 * 1024 * 1024 + 12345;  // several stream segments
constexpr const char* kPrefix = "recordings/";

// The byte pattern_video streams at offset i (tests/unit/archive/doubles).
unsigned char pattern_byte(std::uint64_t i) {
  std::uint64_t x = i * 0x9E3779B97F4A7C15ull;
  return static_cast<unsigned char>((x >> 56) ^ (i >> 16));
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &n, EVP_sha256(), nullptr);
  return crypto::to_hex(std::string_view(reinterpret_cast<const char*>(digest), n));
}

// SHA-256 of the first `size` bytes of the pattern, computed here, apart
// from the hub's own digest code.
std::string pattern_sha256_hex(std::uint64_t size) {
  std::string plain(size, '\0');
  for (std::uint64_t k = 0; k < size; ++k) plain[k] = static_cast<char>(pattern_byte(k));
  return sha256_hex(plain);
}

// The workflow that archives the pattern_video's composition (its
// settings.listed_media): the media id is one the run learned, as a step may
// only name those.
constexpr const char* kWorkflow = R"(name: archive_only
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: migrate
  - id: composition
    call: video.request_composition
    with:
      room_id: ${steps.room.output.provider_room_id}
  - id: archive
    call: hub.archive_recording
    with:
      media_id: ${steps.composition.output.provider_id}
      room_id: ${steps.room.output.provider_room_id}
    timeout: 10m
)";

// Polls until `done` holds or the deadline passes; whether it held.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds deadline,
                std::chrono::milliseconds every = 100ms) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(every);  // polling a condition with a deadline
  }
  return done();
}

// The last line a command printed.
std::string last_line(const std::string& out) {
  std::string text = out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const auto at = text.rfind('\n');
  return at == std::string::npos ? text : text.substr(at + 1);
}

// The numbers of the command's summary line (README, "Moving an existing
// deployment"); all -1 when the line is not that.
struct Summary {
  std::int64_t moved = -1, bytes = -1, skipped = -1, failed = -1;
};
Summary summary_of(const std::string& out, const std::string& store) {
  static const std::regex line(
      R"(archive migrate --to (\S+): (\d+) moved \((\d+) encrypted bytes\), (\d+) already there, (\d+) failed)");
  std::smatch m;
  Summary s;
  const std::string last = last_line(out);
  if (!std::regex_match(last, m, line) || m[1] != store) return s;
  s.moved = std::stoll(m[2]);
  s.bytes = std::stoll(m[3]);
  s.skipped = std::stoll(m[4]);
  s.failed = std::stoll(m[5]);
  return s;
}

// What the hub said of one archived recording.
struct Archived {
  std::string id;
  std::uint64_t size = 0;
  std::string plaintext_sha256;
  std::string storage_path;  // the row's, before the move
};

class ArchiveMigrateCli : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  void SetUp() override {
    gateway_ = CephGateway::from_fixture(WASL_BINARY_DIR);
    bucket_ = "wasl-cli-migrate-" + crypto::to_hex(crypto::random_bytes(6).value());
    make_bucket(gateway_, bucket_);
    if (HasFatalFailure()) return;
    CommandResult keys = run_wasl({"keys", "generate", "--file", dir_.file("keys.json")});
    ASSERT_EQ(keys.exit_code, 0) << keys.err;
    fs::create_directories(dir_.file("workflows"));
    dir_.write("workflows/archive_only.yaml", kWorkflow);
    if (GetParam() == storage::Dialect::kSqlite) {
      database_ = "  backend: sqlite\n  migrate_on_start: true\n  sqlite:\n    path: " +
                  dir_.file("wasl.db") + "\n";
      storage::SqliteOptions options;
      options.path = dir_.file("wasl.db");
      auto opened = storage::open_sqlite(options);
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      db_ = std::move(opened).value();
    } else {
      const std::string url = fresh_postgres_schema(postgres_test_url());
      database_ = "  backend: postgres\n  migrate_on_start: true\n  postgres:\n    url: \"" + url +
                  "\"\n    pool_size: 4\n";
      storage::PostgresOptions options;
      options.url = url;
      options.pool_size = 1;
      auto opened = storage::open_postgres(options);
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      db_ = std::move(opened).value();
    }
  }

  // The deployment's config, new recordings going to `store`; the S3 store
  // "ceph" is declared either way.
  void write_config(const std::string& store) {
    dir_.write("wasl.yaml",
               "server:\n  host: 127.0.0.1\n  port: 0\n"
               "security:\n  key_file: " +
                   dir_.file("keys.json") + "\nstorage:\n" + database_ +
                   "workflow:\n  poll_interval: 20ms\n"
                   "archive:\n  root: " +
                   dir_.file("recordings") + "\n  store: " + store +
                   "\n  stores:\n    ceph:\n      kind: s3\n      endpoint: " + gateway_.endpoint +
                   "\n      region: " + gateway_.region + "\n      bucket: " + bucket_ +
                   "\n      prefix: " + kPrefix +
                   "\n      addressing: path\n      access_key_id: " + gateway_.access_key +
                   "\n      secret_access_key: " + gateway_.secret_key +
                   "\n"
                   "plugins:\n  directories: [" WASL_ARCHIVE_DOUBLES_DIR
                   "]\n"
                   "  files:\n    - name: pattern_video\n      file: libwasl_pattern_video.so\n"
                   "instances:\n  video.pattern:\n    plugin: pattern_video\n"
                   "    settings:\n      chunk_size: 65536\n      listed_media: pattern-" +
                   std::to_string(kSize) +
                   "\n"
                   "facilities:\n  hospital-a:\n    name: Hospital A\n"
                   "    bindings:\n      video: video.pattern\n"
                   "workflows_dir: " +
                   dir_.file("workflows") + "\n");
  }

  std::string api_key() {
    if (api_key_.empty()) {
      CommandResult created = run_wasl({"apikeys", "create", "--facility", "hospital-a", "--role",
                                        "hospital", "--config", dir_.file("wasl.yaml")});
      EXPECT_EQ(created.exit_code, 0) << created.err;
      api_key_ = created.out.substr(0, created.out.find('\n'));
    }
    return api_key_;
  }

  // A hub on the local store archives kRecordings recordings, then stops.
  std::vector<Archived> archive_locally() {
    write_config("local");
    std::vector<Archived> out;
    const std::string key = api_key();
    HubProcess hub(dir_.file("wasl.yaml"));
    auto port = hub.wait_until_listening(60s);
    EXPECT_TRUE(port) << hub.log();
    if (!port) return out;
    std::vector<std::string> consultations;
    for (int i = 0; i < kRecordings; ++i) {
      json booking = {{"type", "doctor_patient"},
                      {"workflow", "archive_only"},
                      {"scheduled_at", "2030-01-1" + std::to_string(i) + "T09:00:00Z"},
                      {"patient", {{"id", std::to_string(100 + i)}}},
                      {"practitioner", {{"id", "3"}}}};
      HttpAnswer made = http_request(*port, "POST", "/v1/consultations", key, booking.dump(),
                                     "migrate-cli-" + std::to_string(i));
      EXPECT_EQ(made.status, 201) << made.body;
      consultations.push_back(json::parse(made.body, nullptr, false).value("id", std::string()));
    }
    for (int i = 0; i < kRecordings; ++i) {
      json item;
      const bool archived = eventually(
          [&] {
            HttpAnswer list = http_request(
                *port, "GET", "/v1/consultations/" + consultations[i] + "/recordings", key);
            json body = json::parse(list.body, nullptr, false);
            if (list.status != 200 || !body.contains("items") || body["items"].size() != 1) {
              return false;
            }
            item = body["items"][0];
            return item.value("state", std::string()) == "archived";
          },
          60s);
      EXPECT_TRUE(archived) << "consultation " << consultations[i] << ": " << item.dump()
                            << hub.log();
      if (!archived) return out;
      Archived a;
      a.id = item.value("id", std::string());
      a.size = item.value("size_bytes", std::uint64_t{0});
      a.plaintext_sha256 = item.value("plaintext_sha256", std::string());
      EXPECT_EQ(a.size, kSize);
      a.storage_path = storage_path(a.id);
      out.push_back(a);
    }
    hub.signal(SIGTERM);
    const std::optional<int> code = hub.wait_for_exit(30s);
    EXPECT_TRUE(code && *code == 0) << hub.log();
    return out;
  }

  std::int64_t count(const std::string& sql, const storage::Params& params = {}) {
    auto tx = db_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok()) << tx.error().message;
    if (!tx.ok()) return -1;
    auto rows = (*tx)->query(sql, params);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    if (!rows.ok() || rows->size() != 1) return -1;
    return (*rows)[0].get_int(0).value_or(-1);
  }

  std::string storage_path(const std::string& recording) {
    auto tx = db_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    if (!tx.ok()) return {};
    auto rows = (*tx)->query("SELECT storage_path FROM recordings WHERE id = $1", {recording});
    EXPECT_TRUE(rows.ok() && rows->size() == 1);
    if (!rows.ok() || rows->size() != 1) return {};
    return (*rows)[0].get_text("storage_path").value_or(std::string());
  }

  std::int64_t rows_on_s3() {
    return count("SELECT COUNT(*) FROM recordings WHERE storage_path LIKE $1",
                 {"s3://" + bucket_ + "/%"});
  }

  std::int64_t migrate_events() {
    return count("SELECT COUNT(*) FROM audit_events WHERE action = 'recording.migrate'");
  }

  // Regular files under the archive root.
  std::vector<fs::path> local_files() {
    std::vector<fs::path> out;
    std::error_code ec;
    if (!fs::exists(dir_.file("recordings"), ec)) return out;
    for (const auto& entry : fs::recursive_directory_iterator(dir_.file("recordings"))) {
      if (entry.is_regular_file()) out.push_back(entry.path());
    }
    return out;
  }

  // The bucket's objects under the hub's prefix, read by the test's own store.
  std::vector<object_store::ObjectInfo> objects() {
    object_store::S3StoreOptions options;
    options.name = "test-view";
    options.endpoint.base_url = gateway_.endpoint;
    options.endpoint.region = gateway_.region;
    options.endpoint.credentials = {gateway_.access_key, gateway_.secret_key, std::nullopt};
    options.bucket = bucket_;
    auto store = object_store::S3ObjectStore::create(std::move(options));
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (!store.ok()) return {};
    auto listed = (*store)->list(kPrefix);
    EXPECT_TRUE(listed.ok()) << listed.error().message;
    return listed.ok() ? *listed : std::vector<object_store::ObjectInfo>{};
  }

  std::vector<std::string> migrate_args(const std::string& store) {
    return {"archive", "migrate", "--to", store, "--config", dir_.file("wasl.yaml")};
  }

  TempDir dir_;
  CephGateway gateway_;
  std::string bucket_;
  std::string database_;  // the config's storage lines
  std::unique_ptr<storage::Store> db_;
  std::string api_key_;
};

TEST_P(ArchiveMigrateCli, AGatewayGoneInTheMiddleIsResumedAndEveryRecordingMovesOnce) {
  const std::vector<Archived> archived = archive_locally();
  ASSERT_EQ(archived.size(), static_cast<std::size_t>(kRecordings));
  ASSERT_EQ(local_files().size(), static_cast<std::size_t>(kRecordings));
  for (const Archived& a : archived) {
    ASSERT_EQ(a.storage_path.rfind(dir_.file("recordings"), 0), 0u) << a.storage_path;
  }
  // As README says: new recordings go to the new store first, then the move.
  write_config("ceph");

  // A store the config does not declare: named, and nothing changes.
  CommandResult unknown = run_wasl(migrate_args("cepf"));
  EXPECT_EQ(unknown.exit_code, 1) << unknown.out << unknown.err;
  EXPECT_EQ(unknown.out, "");
  EXPECT_NE(unknown.err.find("wasl archive migrate: no archive store is named 'cepf' in " +
                             dir_.file("wasl.yaml") + "; name one of: local, ceph\n"),
            std::string::npos)
      << unknown.err;
  EXPECT_EQ(local_files().size(), static_cast<std::size_t>(kRecordings));
  EXPECT_EQ(migrate_events(), 0);
  for (const Archived& a : archived) EXPECT_EQ(storage_path(a.id), a.storage_path);

  // The first run, and the gateway going away once two recordings moved.
  struct Restart {  // the gateway comes back for the tests after this one
    const CephGateway& gateway;
    bool stopped = false;
    ~Restart() {
      if (stopped) gateway.start_gateway();
    }
  } restart{gateway_};
  CommandResult first;
  std::int64_t moved_when_frozen = -1;
  {
    BackgroundCommand run(migrate_args("ceph"));
    ASSERT_GT(run.pid(), 0);
    const bool two_moved = eventually([&] { return rows_on_s3() >= 2; }, 120s, 5ms);
    ASSERT_EQ(::kill(run.pid(), SIGSTOP), 0);
    moved_when_frozen = rows_on_s3();
    ASSERT_TRUE(two_moved) << run.wait(5s).err;
    ASSERT_LT(moved_when_frozen, kRecordings) << "every recording moved before the gateway went";
    ASSERT_EQ(gateway_.stop_gateway(), 0);
    restart.stopped = true;
    ASSERT_EQ(::kill(run.pid(), SIGCONT), 0);
    first = run.wait(300s);
  }
  ASSERT_EQ(gateway_.start_gateway(), 0);
  restart.stopped = false;

  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  const Summary one = summary_of(first.out, "ceph");
  ASSERT_GE(one.moved, 0) << "not the summary line: " << first.out;
  // The recording in flight when the gateway went may still have been
  // switched over if its copy was already verified.
  EXPECT_GE(one.moved, moved_when_frozen);
  EXPECT_LE(one.moved, moved_when_frozen + 1);
  EXPECT_EQ(one.skipped, 0);
  EXPECT_EQ(one.failed, kRecordings - one.moved);
  EXPECT_GE(one.failed, 1);
  EXPECT_EQ(rows_on_s3(), one.moved);
  EXPECT_EQ(migrate_events(), one.moved);
  EXPECT_EQ(local_files().size(), static_cast<std::size_t>(one.failed))
      << "the recordings not moved keep their files";
  EXPECT_NE(first.err.find(std::to_string(one.failed) +
                           " recording(s) stay where they were (see the log); run the command "
                           "again"),
            std::string::npos)
      << first.err;
  EXPECT_NE(first.err.find("archive migrate: recording "), std::string::npos) << first.err;

  // Again, with the gateway back: the rest moves.
  CommandResult second = run_wasl(migrate_args("ceph"), 300s);
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  const Summary two = summary_of(second.out, "ceph");
  ASSERT_GE(two.moved, 0) << "not the summary line: " << second.out;
  EXPECT_EQ(two.moved, one.failed);
  EXPECT_EQ(two.skipped, one.moved);
  EXPECT_EQ(two.failed, 0);

  std::cout << "[ migrate  ] gateway stopped after " << moved_when_frozen
            << " moved; first run: " << last_line(first.out)
            << "; second run: " << last_line(second.out) << "\n";

  // Every recording on S3 exactly once, its row pointing at it.
  EXPECT_EQ(rows_on_s3(), kRecordings);
  std::vector<object_store::ObjectInfo> listed = objects();
  std::map<std::string, std::uint64_t> object_sizes;
  std::uint64_t total = 0;
  for (const auto& o : listed) {
    object_sizes[o.key] = o.size;
    total += o.size;
  }
  EXPECT_EQ(listed.size(), static_cast<std::size_t>(kRecordings));
  EXPECT_EQ(object_sizes.size(), static_cast<std::size_t>(kRecordings));
  EXPECT_EQ(static_cast<std::uint64_t>(one.bytes + two.bytes), total)
      << "the bytes the two runs report are the objects' sizes";
  const std::string head = "s3://" + bucket_ + "/";
  std::set<std::string> keys;
  for (const Archived& a : archived) {
    const std::string path = storage_path(a.id);
    ASSERT_EQ(path.rfind(head, 0), 0u) << path;
    const std::string key = path.substr(head.size());
    EXPECT_TRUE(object_sizes.count(key)) << key;
    // The same key as on disk, <facility>/<recording>.<key id>.wse, under the prefix.
    const std::string relative = key.substr(std::string(kPrefix).size());
    EXPECT_EQ(a.storage_path, (fs::path(dir_.file("recordings")) / relative).string());
    keys.insert(key);
    EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'recording.migrate' "
                    "AND entity_id = $1",
                    {a.id}),
              1)
        << a.id;
  }
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kRecordings));
  EXPECT_TRUE(local_files().empty()) << "a local file stays: " << local_files()[0];
  EXPECT_EQ(count("SELECT COUNT(*) FROM recording_file_cleanup"), 0);

  // A hub serving from the bucket downloads each, as it was archived.
  HubProcess hub(dir_.file("wasl.yaml"));
  auto port = hub.wait_until_listening(60s);
  ASSERT_TRUE(port) << hub.log();
  const std::string expected = pattern_sha256_hex(kSize);
  for (const Archived& a : archived) {
    HttpAnswer content =
        http_request(*port, "GET", "/v1/recordings/" + a.id + "/content", api_key());
    ASSERT_EQ(content.status, 200) << content.body.substr(0, 300) << hub.log();
    EXPECT_EQ(content.body.size(), kSize);
    const std::string sha = sha256_hex(content.body);
    EXPECT_EQ(sha, a.plaintext_sha256) << a.id;
    EXPECT_EQ(sha, expected) << a.id;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, ArchiveMigrateCli,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return info.param == storage::Dialect::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace wasl::testing
