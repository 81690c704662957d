#include "test_database.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string_view>

#include <unistd.h>
#include <pqxx/pqxx>

#include "hub/storage/migrator.hpp"

namespace wasl::storage::testing {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

std::string unique_tag() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  std::ostringstream out;
  out << "wasl_t_" << std::hex << rd() << "_" << counter++;
  return out.str();
}

// Where SQLite test databases go: /dev/shm (memory) where the machine has it
// writable, else the temporary directory. Every test migrates a fresh
// database, and on a disk each migration's commit waits for its fsync: about
// 0.4 s a test instead of 0.2 s. SQLite itself, its journal mode and its
// synchronous setting are the hub's own either way.
std::filesystem::path sqlite_root() {
  std::error_code ec;
  const std::filesystem::path shm = "/dev/shm";
  if (std::filesystem::is_directory(shm, ec) && ::access(shm.c_str(), W_OK | X_OK) == 0) {
    return shm;
  }
  return std::filesystem::temp_directory_path();
}

Result<std::string> postgres_url() {
  const char* file = std::getenv("WASL_TEST_POSTGRES_URL_FILE");
  if (file == nullptr || *file == '\0') {
    return Error(ErrorCode::kFailedPrecondition,
                 "WASL_TEST_POSTGRES_URL_FILE is not set; run the tests through ctest so the "
                 "postgres fixture starts a server");
  }
  std::ifstream in(file);
  std::string url;
  if (!in || !std::getline(in, url) || url.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string("cannot read a PostgreSQL URL from ") + file);
  }
  return url;
}

// The schema of a migrated test database (and of its template) on PostgreSQL.
constexpr const char* kMigratedSchema = "wasl_test";
// Key of the advisory lock under which one test creates the template ("waslTPL").
const std::string kTemplateLockKey = std::to_string(0x7761736c54504cLL);

// Replaces the database of a libpq URI (postgresql://user@host:port/db?query).
Result<std::string> with_database(const std::string& url, const std::string& name) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the test PostgreSQL URL is not a postgresql:// URI");
  }
  const auto query = url.find('?', scheme + 3);
  const auto end = query == std::string::npos ? url.size() : query;
  auto slash = url.find('/', scheme + 3);
  if (slash == std::string::npos || slash > end) slash = end;
  return url.substr(0, slash) + "/" + name + url.substr(end);
}

// A URL whose sessions see only `schema` and are named `tag` in pg_stat_activity.
std::string session_url(const std::string& url, const std::string& schema, const std::string& tag) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-c%20search_path%3D" +
         schema + "&application_name=" + tag;
}

// Runs one statement outside a transaction block (CREATE/DROP DATABASE need that).
Status exec_outside(pqxx::connection& connection, const std::string& sql) {
  try {
    pqxx::nontransaction work(connection);
    work.exec(sql);
    return {};
  } catch (const std::exception& e) {
    return Error(ErrorCode::kUnavailable, "test database: " + sql + ": " + e.what());
  }
}

Result<bool> database_exists(pqxx::connection& connection, const std::string& name) {
  try {
    pqxx::nontransaction work(connection);
    return !work.exec("SELECT 1 FROM pg_database WHERE datname = " + work.quote(name)).empty();
  } catch (const std::exception& e) {
    return Error(ErrorCode::kUnavailable, std::string("test database: ") + e.what());
  }
}

// The template database's name: a hash (64-bit FNV-1a) of every embedded
// PostgreSQL migration, so an added or edited migration gets a new template.
std::string template_name() {
  std::uint64_t hash = 14695981039346656037ULL;
  auto mix = [&hash](std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
    hash ^= 0xff;  // field separator
    hash *= 1099511628211ULL;
  };
  for (const auto& m : embedded_migrations(Dialect::kPostgres)) {
    mix(std::to_string(m.version));
    mix(m.name);
    mix(m.sql);
  }
  std::ostringstream out;
  out << "wasl_template_" << std::hex << hash;
  return out.str();
}

// Makes sure the server has the migrated template database `name`. The first
// caller creates it as name_building, migrates it with the hub's migrator and
// renames it (so a template that exists is complete); concurrent callers wait
// on a session advisory lock. A creator that died leaves name_building, which
// the next one drops.
Status ensure_template(pqxx::connection& connection, const std::string& base_url,
                       const std::string& name) {
  try {
    WASL_ASSIGN_OR_RETURN(bool exists, database_exists(connection, name));
    if (exists) return {};
    WASL_RETURN_IF_ERROR(
        exec_outside(connection, "SELECT pg_advisory_lock(" + kTemplateLockKey + ")"));
    WASL_ASSIGN_OR_RETURN(exists, database_exists(connection, name));
    if (!exists) {
      const std::string building = name + "_building";
      WASL_RETURN_IF_ERROR(
          exec_outside(connection, "DROP DATABASE IF EXISTS " + building + " WITH (FORCE)"));
      WASL_RETURN_IF_ERROR(exec_outside(connection, "CREATE DATABASE " + building));
      {
        WASL_ASSIGN_OR_RETURN(auto url, with_database(base_url, building));
        PostgresOptions options;
        options.url = session_url(url, kMigratedSchema, building);
        options.pool_size = 1;
        WASL_ASSIGN_OR_RETURN(auto store, open_postgres(options));
        WASL_ASSIGN_OR_RETURN(auto tx, store->begin());
        WASL_RETURN_IF_ERROR(tx->exec_script(std::string("CREATE SCHEMA ") + kMigratedSchema));
        WASL_RETURN_IF_ERROR(tx->commit());
        tx.reset();
        WASL_RETURN_IF_ERROR(migrate(*store, embedded_migrations(Dialect::kPostgres)));
      }
      // Waits (up to 5 s, the server's own limit) for the store's sessions to end.
      WASL_RETURN_IF_ERROR(
          exec_outside(connection, "ALTER DATABASE " + building + " RENAME TO " + name));
    }
    return exec_outside(connection, "SELECT pg_advisory_unlock(" + kTemplateLockKey + ")");
  } catch (const std::exception& e) {
    return Error(ErrorCode::kUnavailable, std::string("test database template: ") + e.what());
  }
}

}  // namespace

struct TestDatabase::Maintenance {
  explicit Maintenance(const std::string& url) : connection(url) {}
  pqxx::connection connection;
};

TestDatabase::TestDatabase(Dialect dialect) : dialect_(dialect) {}

std::string dialect_name(Dialect d) { return std::string(to_string(d)); }

Result<std::unique_ptr<TestDatabase>> TestDatabase::create(Dialect dialect, Contents contents) {
  std::unique_ptr<TestDatabase> db(new TestDatabase(dialect));
  db->tag_ = unique_tag();
  if (dialect == Dialect::kSqlite) {
    auto dir = sqlite_root() / db->tag_;
    db->sqlite_dir_ = dir.string();
    // Two levels that do not exist yet: open must create them.
    db->sqlite_path_ = (dir / "nested" / "dir" / "wasl.db").string();
    if (contents == Contents::kMigrated) {
      WASL_ASSIGN_OR_RETURN(auto store, db->open({.pool_size = 1}));
      WASL_RETURN_IF_ERROR(migrate(*store, embedded_migrations(dialect)));
    }
    return db;
  }
  WASL_ASSIGN_OR_RETURN(db->base_url_, postgres_url());
  if (contents == Contents::kEmpty) {
    PostgresOptions admin_options;
    admin_options.url = db->base_url_;
    admin_options.pool_size = 2;
    WASL_ASSIGN_OR_RETURN(db->admin_, open_postgres(admin_options));
    db->schema_ = db->tag_;
    WASL_ASSIGN_OR_RETURN(auto tx, db->admin_->begin());
    WASL_RETURN_IF_ERROR(tx->exec_script("CREATE SCHEMA " + db->tag_));
    WASL_RETURN_IF_ERROR(tx->commit());
    return db;
  }
  static const std::string kTemplate = template_name();
  try {
    db->maintenance_ = std::make_unique<Maintenance>(db->base_url_);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kUnavailable, std::string("test database: ") + e.what());
  }
  pqxx::connection& connection = db->maintenance_->connection;
  WASL_RETURN_IF_ERROR(ensure_template(connection, db->base_url_, kTemplate));
  // FILE_COPY copies the template's files (after a checkpoint): on the test
  // server (fsync off) 0.09-0.13 s against 0.2 s for WAL_LOG, PostgreSQL 15's
  // default, on an idle machine; 0.21-0.28 s against 0.26-0.50 s on a busy one.
  const std::string strategy = connection.server_version() >= 150000 ? " STRATEGY FILE_COPY" : "";
  WASL_RETURN_IF_ERROR(exec_outside(
      connection, "CREATE DATABASE " + db->tag_ + " TEMPLATE " + kTemplate + strategy));
  db->database_ = db->tag_;
  db->schema_ = kMigratedSchema;
  return db;
}

TestDatabase::~TestDatabase() {
  if (dialect_ == Dialect::kSqlite) {
    std::error_code ec;
    if (!sqlite_dir_.empty()) std::filesystem::remove_all(sqlite_dir_, ec);
    return;
  }
  if (maintenance_) {
    if (!database_.empty()) {
      (void)exec_outside(maintenance_->connection,
                         "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
    }
    return;
  }
  if (admin_) {
    auto tx = admin_->begin();
    if (tx.ok()) {
      (void)(*tx)->exec_script("DROP SCHEMA IF EXISTS " + tag_ + " CASCADE");
      (void)(*tx)->commit();
    }
  }
}

Result<std::unique_ptr<Store>> TestDatabase::open(StoreSettings settings) const {
  if (dialect_ == Dialect::kSqlite) {
    SqliteOptions o;
    o.path = sqlite_path_;
    o.pool_size = settings.pool_size;
    o.busy_timeout = settings.timeout;
    return open_sqlite(o);
  }
  PostgresOptions o;
  std::string url = base_url_;
  if (!database_.empty()) {
    WASL_ASSIGN_OR_RETURN(url, with_database(base_url_, database_));
  }
  if (settings.via_port > 0) {
    auto colon = url.rfind(':');
    auto slash = url.find('/', colon);
    url = url.substr(0, colon + 1) + std::to_string(settings.via_port) + url.substr(slash);
  }
  o.url = session_url(url, schema_, tag_);
  o.pool_size = settings.pool_size;
  o.acquire_timeout = settings.timeout;
  o.statement_timeout = settings.statement_timeout;
  return open_postgres(o);
}

int TestDatabase::server_port() const {
  auto colon = base_url_.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(base_url_.c_str() + colon + 1);
}

}  // namespace wasl::storage::testing
