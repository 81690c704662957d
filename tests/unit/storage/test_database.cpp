#include "test_database.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <unistd.h>

namespace wasl::storage::testing {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

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

}  // namespace

std::string dialect_name(Dialect d) { return std::string(to_string(d)); }

Result<std::unique_ptr<TestDatabase>> TestDatabase::create(Dialect dialect) {
  std::unique_ptr<TestDatabase> db(new TestDatabase(dialect));
  db->tag_ = unique_tag();
  if (dialect == Dialect::kSqlite) {
    auto dir = sqlite_root() / db->tag_;
    db->sqlite_dir_ = dir.string();
    // Two levels that do not exist yet: open must create them.
    db->sqlite_path_ = (dir / "nested" / "dir" / "wasl.db").string();
    return db;
  }
  WASL_ASSIGN_OR_RETURN(db->base_url_, postgres_url());
  PostgresOptions admin_options;
  admin_options.url = db->base_url_;
  admin_options.pool_size = 2;
  WASL_ASSIGN_OR_RETURN(db->admin_, open_postgres(admin_options));
  WASL_ASSIGN_OR_RETURN(auto tx, db->admin_->begin());
  WASL_RETURN_IF_ERROR(tx->exec_script("CREATE SCHEMA " + db->tag_));
  WASL_RETURN_IF_ERROR(tx->commit());
  return db;
}

TestDatabase::~TestDatabase() {
  if (dialect_ == Dialect::kSqlite) {
    std::error_code ec;
    if (!sqlite_dir_.empty()) std::filesystem::remove_all(sqlite_dir_, ec);
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
  if (settings.via_port > 0) {
    auto colon = url.rfind(':');
    auto slash = url.find('/', colon);
    url = url.substr(0, colon + 1) + std::to_string(settings.via_port) + url.substr(slash);
  }
  o.url = url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-c%20search_path%3D" +
          tag_ + "&application_name=" + tag_;
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
