#include "hub/storage/postgres/postgres_store.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <utility>

namespace wasl::storage {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

// PostgreSQL type oids (pg_type.h) that map to typed Values.
constexpr pqxx::oid kBoolOid = 16;
constexpr pqxx::oid kByteaOid = 17;
constexpr pqxx::oid kInt8Oid = 20;
constexpr pqxx::oid kInt2Oid = 21;
constexpr pqxx::oid kInt4Oid = 23;
constexpr pqxx::oid kOidOid = 26;
constexpr pqxx::oid kFloat4Oid = 700;
constexpr pqxx::oid kFloat8Oid = 701;

// The password part of a libpq URI or key=value string, to keep it out of
// every message.
std::string password_of(const std::string& url) {
  if (auto scheme = url.find("://"); scheme != std::string::npos) {
    auto at = url.find('@', scheme + 3);
    if (at == std::string::npos) return {};
    auto colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return {};
    return url.substr(colon + 1, at - colon - 1);
  }
  auto pos = url.find("password=");
  if (pos == std::string::npos) return {};
  auto end = url.find(' ', pos);
  return url.substr(pos + 9, end == std::string::npos ? std::string::npos : end - pos - 9);
}

// Adds key=value to a libpq URI or key=value string unless the operator set
// that key already. `uri_value` is the value percent-encoded for a URI.
std::string with_parameter(const std::string& url, const std::string& key, const std::string& value,
                           const std::string& uri_value) {
  if (url.find(key + "=") != std::string::npos) return url;
  if (url.find("://") != std::string::npos) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + key + "=" + uri_value;
  }
  return url + " " + key + "=" + value;
}

std::string with_session_settings(const std::string& url, const PostgresOptions& options) {
  auto seconds = std::max<long long>(2, (options.connect_timeout.count() + 999) / 1000);
  std::string out =
      with_parameter(url, "connect_timeout", std::to_string(seconds), std::to_string(seconds));
  if (options.statement_timeout.count() <= 0) return out;
  out = with_parameter(out, "keepalives", "1", "1");
  out = with_parameter(out, "keepalives_idle", "10", "10");
  out = with_parameter(out, "keepalives_interval", "5", "5");
  out = with_parameter(out, "keepalives_count", "3", "3");
  const std::string user_timeout = std::to_string(options.statement_timeout.count() + 5000);
  out = with_parameter(out, "tcp_user_timeout", user_timeout, user_timeout);
  return out;
}

std::chrono::milliseconds client_deadline(std::chrono::milliseconds statement_timeout) {
  if (statement_timeout.count() <= 0) return std::chrono::milliseconds(0);
  return statement_timeout + std::max(std::chrono::milliseconds(1000), statement_timeout / 4);
}

// The first line of a libpq/libpqxx message without the severity prefix, the
// password removed, and, for data exceptions, the quoted input value dropped
// (it may be PHI).
std::string clean_message(const char* what, const std::string& sqlstate,
                          const std::string& secret) {
  std::string s(what != nullptr ? what : "");
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  for (const char* prefix : {"ERROR:  ", "FATAL:  ", "ERROR: ", "FATAL: "}) {
    if (s.rfind(prefix, 0) == 0) {
      s.erase(0, std::char_traits<char>::length(prefix));
      break;
    }
  }
  if (sqlstate.rfind("22", 0) == 0) {
    if (auto q = s.find(": \""); q != std::string::npos) s.resize(q);
  }
  if (!secret.empty()) {
    for (auto p = s.find(secret); p != std::string::npos; p = s.find(secret, p + 3)) {
      s.replace(p, secret.size(), "***");
    }
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

// Receives the server's notices (e.g. "relation already exists, skipping")
// so they go to the debug log instead of stderr. Outside the anonymous
// namespace: PostgresConnection, declared in the header, holds one.
class NoticeSink final : public pqxx::errorhandler {
 public:
  explicit NoticeSink(pqxx::connection_base& conn) : pqxx::errorhandler(conn) {}
  bool operator()(const char msg[]) noexcept override {
    try {
      std::string_view text(msg);
      if (auto nl = text.find('\n'); nl != std::string_view::npos) text = text.substr(0, nl);
      spdlog::debug("postgres notice: {}", text);
    } catch (...) {
    }
    return false;
  }
};

// Shuts down the socket of a connection whose statement has waited past its
// deadline, so libpq's blocked read returns and the caller gets an error
// instead of waiting for ever on a half-open connection. One thread per
// store, woken every 100 ms while statements run and for a second after the
// last one started; then it sleeps until the next one. Registering a
// statement wakes it only from that sleep, so a busy store pays no thread
// wake-up per statement. Thread-safe.
class PostgresStatementWatchdog {
 public:
  explicit PostgresStatementWatchdog(std::chrono::milliseconds limit) : limit_(limit) {}
  ~PostgresStatementWatchdog() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  bool enabled() const { return limit_.count() > 0; }

  // Registers `fd` for the statement about to run; returns a ticket for done().
  std::uint64_t start(int fd) {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    const std::uint64_t ticket = ++next_;
    last_start_ = std::chrono::steady_clock::now();
    running_[ticket] = Entry{fd, last_start_ + limit_};
    if (asleep_) cv_.notify_one();
    return ticket;
  }
  // True when the watchdog had shut the socket down.
  bool done(std::uint64_t ticket) {
    std::lock_guard lock(mutex_);
    auto it = running_.find(ticket);
    if (it == running_.end()) return false;
    bool fired = it->second.fired;
    running_.erase(it);
    return fired;
  }

 private:
  struct Entry {
    int fd;
    std::chrono::steady_clock::time_point deadline;
    bool fired = false;
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      if (running_.empty() &&
          std::chrono::steady_clock::now() - last_start_ > std::chrono::seconds(1)) {
        asleep_ = true;
        cv_.wait(lock, [this] { return stop_ || !running_.empty(); });
        asleep_ = false;
        continue;
      }
      cv_.wait_for(lock, std::chrono::milliseconds(100));
      const auto now = std::chrono::steady_clock::now();
      for (auto& [ticket, e] : running_) {
        if (!e.fired && e.deadline <= now) {
          e.fired = true;
          spdlog::warn("postgres statement had no answer within {} ms; closing its connection",
                       limit_.count());
          ::shutdown(e.fd, SHUT_RDWR);
        }
      }
    }
  }

  const std::chrono::milliseconds limit_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::uint64_t, Entry> running_;
  std::uint64_t next_ = 0;
  std::chrono::steady_clock::time_point last_start_;
  bool asleep_ = false;  // in the untimed wait: start() must wake it
  bool stop_ = false;
  std::thread thread_;
};

// One libpqxx connection. Used by one thread at a time.
class PostgresConnection {
 public:
  PostgresConnection(const std::string& conninfo, std::chrono::milliseconds statement_timeout)
      : conn_(conninfo) {
    sink_ = std::make_unique<NoticeSink>(conn_);
    if (statement_timeout.count() > 0) {
      conn_.set_variable("statement_timeout", std::to_string(statement_timeout.count()));
    }
    // A connection that breaks is replaced by the pool, never silently
    // reopened by libpqxx, so the pool's accounting stays true.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    conn_.inhibit_reactivation(true);
#pragma GCC diagnostic pop
  }

  pqxx::connection& conn() { return conn_; }
  bool is_open() const noexcept { return conn_.is_open(); }

  // The name of `sql` prepared on this connection, preparing it on first
  // use, so the server parses and plans each statement the hub runs once per
  // connection instead of once per execution. Empty (run it unnamed) for
  // statements PREPARE does not take (SAVEPOINT, DDL, …) and past
  // kMaxPrepared distinct statements (SQL with inlined values).
  const std::string& prepared(std::string_view sql) {
    static const std::string kUnnamed;
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) return it->second;
    if (prepared_.size() >= kMaxPrepared || !preparable(sql) ||
        highest_placeholder(sql) > kMaxPreparedParameters) {
      return kUnnamed;
    }
    std::string name = "wasl_" + std::to_string(prepared_.size() + 1);
    conn_.prepare(name, std::string(sql));
    return prepared_.emplace(std::string(sql), std::move(name)).first->second;
  }

 private:
  static constexpr std::size_t kMaxPrepared = 512;
  // A batch's statement (rows x columns placeholders) takes a new shape for
  // each batch size: prepared, those shapes used up the connection's slots
  // and the server's memory, seldom to be run again. They run unnamed.
  static constexpr int kMaxPreparedParameters = 32;

  static int highest_placeholder(std::string_view sql) {
    int highest = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
      if (sql[i] != '$') continue;
      int n = 0;
      std::size_t j = i + 1;
      while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j])) && n < 100000) {
        n = n * 10 + (sql[j++] - '0');
      }
      highest = std::max(highest, n);
      i = j - 1;
    }
    return highest;
  }

  static bool preparable(std::string_view sql) {
    std::size_t i = 0;
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
    std::string word;
    while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])) && word.size() < 8) {
      word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++]))));
    }
    return word == "SELECT" || word == "INSERT" || word == "UPDATE" || word == "DELETE" ||
           word == "WITH" || word == "VALUES";
  }

  pqxx::connection conn_;
  std::unique_ptr<NoticeSink> sink_;  // declared after conn_: unregisters first
  std::map<std::string, std::string, std::less<>> prepared_;
};

namespace {

// Maps the exception being handled to the Store's error contract.
// `lost` says whether the connection turned out broken.
Error current_pg_error(std::string_view what, bool lost, const std::string& secret) {
  std::string state;
  std::string text;
  ErrorCode code = ErrorCode::kInternal;
  bool retryable = false;
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    text = clean_message(e.what(), state, secret);
    lost = true;
  } catch (const pqxx::in_doubt_error& e) {
    text = clean_message(e.what(), state, secret);
    return Error(ErrorCode::kUnavailable,
                 std::string(what) +
                     ": the connection broke during COMMIT, so whether the "
                     "transaction was committed is unknown (" +
                     text + ")",
                 false);
  } catch (const pqxx::unique_violation& e) {
    state = e.sqlstate();
    code = ErrorCode::kAlreadyExists;
    text = clean_message(e.what(), state, secret);
  } catch (const pqxx::integrity_constraint_violation& e) {
    // foreign_key_violation, check_violation, not_null_violation, …
    state = e.sqlstate();
    code = ErrorCode::kFailedPrecondition;
    text = clean_message(e.what(), state, secret);
  } catch (const pqxx::transaction_rollback& e) {
    // serialization_failure, deadlock_detected
    code = ErrorCode::kConflict;
    retryable = true;
    text = clean_message(e.what(), state, secret);
  } catch (const pqxx::sql_error& e) {
    state = e.sqlstate();
    text = clean_message(e.what(), state, secret);
    if (state.rfind("40", 0) == 0 || state == "55P03") {
      code = ErrorCode::kConflict;
      retryable = true;
    } else if (state == "57014") {
      // statement_timeout (or a cancel): the database is too slow now.
      code = ErrorCode::kDeadlineExceeded;
      retryable = true;
    } else if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0) {
      lost = true;
    }
  } catch (const std::exception& e) {
    text = clean_message(e.what(), state, secret);
  } catch (...) {
    text = "unknown failure";
  }
  if (lost) {
    return Error(ErrorCode::kUnavailable,
                 std::string(what) + ": the connection to PostgreSQL was lost (" + text + ")",
                 true);
  }
  return Error(code, std::string(what) + ": " + text, retryable);
}

Result<std::unique_ptr<PostgresConnection>> open_connection(
    const std::string& conninfo, const std::string& secret,
    std::chrono::milliseconds statement_timeout) {
  try {
    return std::make_unique<PostgresConnection>(conninfo, statement_timeout);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kUnavailable,
                 "cannot connect to PostgreSQL (check storage.postgres.url, that the server "
                 "runs and accepts this user): " +
                     clean_message(e.what(), "", secret),
                 true);
  }
}

// Registers the connection's socket with the watchdog for one round trip.
class Watched {
 public:
  Watched(PostgresStatementWatchdog& watchdog, PostgresConnection& conn) : watchdog_(watchdog) {
    if (!watchdog_.enabled()) return;
    const int fd = conn.conn().sock();
    if (fd >= 0) ticket_ = watchdog_.start(fd);
  }
  ~Watched() {
    if (ticket_ != 0) watchdog_.done(ticket_);
  }
  Watched(const Watched&) = delete;
  Watched& operator=(const Watched&) = delete;

 private:
  PostgresStatementWatchdog& watchdog_;
  std::uint64_t ticket_ = 0;
};

class PostgresTransaction final : public Transaction {
 public:
  // `begun`: BEGIN was sent. A read-only transaction starts without it
  // (begin()); see runs_alone().
  PostgresTransaction(ConnectionPool<PostgresConnection>& pool,
                      std::unique_ptr<PostgresConnection> conn,
                      std::unique_ptr<pqxx::nontransaction> tx, const std::string& secret,
                      PostgresStatementWatchdog& watchdog, bool begun)
      : pool_(pool),
        conn_(std::move(conn)),
        tx_(std::move(tx)),
        secret_(secret),
        watchdog_(watchdog),
        begun_(begun) {}
  ~PostgresTransaction() override { rollback(); }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<std::int64_t> exec(std::string_view sql, const Params& params) override {
    WASL_RETURN_IF_ERROR(ready_for(sql));
    try {
      pqxx::result r = run_first_or_again(sql, params);
      return static_cast<std::int64_t>(r.affected_rows());
    } catch (...) {
      return fail("executing a statement");
    }
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    WASL_RETURN_IF_ERROR(ready_for(sql));
    try {
      pqxx::result r = run_first_or_again(sql, params);
      auto ncols = r.columns();
      auto columns = std::make_shared<std::vector<std::string>>();
      columns->reserve(ncols);
      std::vector<pqxx::oid> types;
      types.reserve(ncols);
      for (pqxx::row_size_type c = 0; c < ncols; ++c) {
        columns->emplace_back(r.column_name(c));
        types.push_back(r.column_type(c));
      }
      Rows rows;
      rows.reserve(r.size());
      for (const auto& row : r) {
        std::vector<Value> cells;
        cells.reserve(ncols);
        for (pqxx::row_size_type c = 0; c < ncols; ++c)
          cells.push_back(read_cell(row[c], types[c]));
        rows.emplace_back(columns, std::move(cells));
      }
      return rows;
    } catch (...) {
      return fail("running a query");
    }
  }

  Status exec_script(std::string_view sql) override {
    WASL_RETURN_IF_ERROR(usable());
    WASL_RETURN_IF_ERROR(open());
    try {
      tx_->exec(std::string(sql));
      return {};
    } catch (...) {
      return fail("executing a script");
    }
  }

  Status commit() override {
    WASL_RETURN_IF_ERROR(usable());
    if (!begun_) {
      finish(conn_->is_open());
      return {};
    }
    try {
      Watched watched(watchdog_, *conn_);
      tx_->exec("COMMIT");
    } catch (...) {
      Error e = fail("committing");
      rollback();
      return e;
    }
    finish(true);
    return {};
  }

  void rollback() noexcept override {
    if (!conn_) return;
    bool healthy = conn_->is_open();
    if (healthy && begun_) {
      try {
        Watched watched(watchdog_, *conn_);
        tx_->exec("ROLLBACK");
      } catch (...) {
        healthy = false;
      }
    }
    finish(healthy && conn_->is_open());
  }

 private:
  Status usable() const {
    if (!conn_) {
      return Error(ErrorCode::kFailedPrecondition, "the transaction has already ended");
    }
    if (failed_) {
      return Error(ErrorCode::kFailedPrecondition,
                   "an earlier statement of this transaction failed; roll it back");
    }
    return {};
  }

  // Before `sql` runs: the transaction usable, and BEGIN sent unless the
  // statement may run on its own.
  Status ready_for(std::string_view sql) {
    WASL_RETURN_IF_ERROR(usable());
    if (begun_ || runs_alone(sql)) return {};
    return open();
  }

  // A read-only transaction sends BEGIN ... READ ONLY only when it needs
  // one. Under READ COMMITTED every statement takes its own snapshot, so a
  // plain SELECT sees the same run alone as inside the transaction; alone it
  // saves the BEGIN and ROLLBACK round trips, two of every three of an idle
  // poll or a single read. Anything else opens the transaction first, so
  // PostgreSQL still refuses a write and keeps what must last until the
  // end: a row lock (refused read-only, as before), an advisory lock, a
  // SET LOCAL (exec_script), a sequence or setting changed.
  static bool runs_alone(std::string_view sql) {
    std::size_t start = sql.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return false;
    std::string upper(sql.substr(start));
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper.rfind("SELECT", 0) != 0) return false;
    for (std::string_view needs :
         {" FOR UPDATE", " FOR NO KEY UPDATE", " FOR SHARE", " FOR KEY SHARE", "PG_ADVISORY",
          "NEXTVAL", "SETVAL", "SET_CONFIG"}) {
      if (upper.find(needs) != std::string::npos) return false;
    }
    return true;
  }

  // Sends BEGIN ... READ ONLY for a transaction begin() left unopened.
  Status open() {
    if (begun_) return {};
    static const std::string kBeginReadOnly = "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY";
    try {
      on_a_live_connection([&] {
        Watched watched(watchdog_, *conn_);
        tx_->exec(kBeginReadOnly);
        return 0;
      });
    } catch (...) {
      return fail("beginning a transaction");
    }
    begun_ = true;
    return {};
  }

  pqxx::result run_first_or_again(std::string_view sql, const Params& params) {
    return on_a_live_connection([&] {
      Watched watched(watchdog_, *conn_);
      return run(sql, params);
    });
  }

  // Runs `round_trip`. When nothing has run on the connection in this
  // transaction and the pooled connection is found broken (the server
  // restarted, an idle connection was cut), the connection is replaced and
  // the round trip made once more, as begin() does for BEGIN. Throws what
  // the last attempt threw.
  template <typename RoundTrip>
  auto on_a_live_connection(RoundTrip&& round_trip) -> decltype(round_trip()) {
    if (used_) return round_trip();
    used_ = true;
    try {
      return round_trip();
    } catch (...) {
      if (conn_->is_open()) throw;
    }
    tx_.reset();
    spdlog::info("postgres connection found broken at its first statement; reconnecting");
    auto fresh = pool_.replace(std::move(conn_));
    if (!fresh.ok()) throw pqxx::broken_connection(fresh.error().message);
    conn_ = std::move(fresh).value();
    tx_ = std::make_unique<pqxx::nontransaction>(conn_->conn());
    return round_trip();
  }

  // Call only from a catch block.
  Error fail(std::string_view what) {
    failed_ = true;
    return current_pg_error(what, !conn_ || !conn_->is_open(), secret_);
  }

  pqxx::result run(std::string_view sql, const Params& params) {
    const std::string& name = conn_->prepared(sql);
    if (name.empty()) return tx_->exec_params(std::string(sql), to_pqxx(params));
    return tx_->exec_prepared(name, to_pqxx(params));
  }

  static pqxx::internal::params to_pqxx(const Params& params) {
    pqxx::internal::params out;
    for (const Value& v : params) {
      if (std::holds_alternative<std::monostate>(v)) {
        out.lengths.push_back(0);
        out.nonnulls.push_back(0);
        out.binaries.push_back(0);
        continue;
      }
      if (auto p = std::get_if<Blob>(&v)) {
        out.bin_strings.emplace_back(p->bytes.data(), p->bytes.size());
        out.lengths.push_back(static_cast<int>(p->bytes.size()));
        out.nonnulls.push_back(1);
        out.binaries.push_back(1);
        continue;
      }
      std::string text;
      if (auto p = std::get_if<std::int64_t>(&v)) {
        text = std::to_string(*p);
      } else if (auto p = std::get_if<double>(&v)) {
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *p);
        text.assign(buf, ec == std::errc() ? end : buf);
      } else {
        text = std::get<std::string>(v);
      }
      out.lengths.push_back(static_cast<int>(text.size()));
      out.nonnulls.push_back(1);
      out.binaries.push_back(0);
      out.strings.push_back(std::move(text));
    }
    return out;
  }

  static Value read_cell(const pqxx::field& f, pqxx::oid type) {
    if (f.is_null()) return std::monostate{};
    const char* s = f.c_str();
    std::size_t n = f.size();
    switch (type) {
      case kByteaOid: return Blob{pqxx::binarystring(f).str()};
      case kBoolOid: return static_cast<std::int64_t>(n > 0 && s[0] == 't' ? 1 : 0);
      case kInt2Oid:
      case kInt4Oid:
      case kInt8Oid:
      case kOidOid: {
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(s, s + n, v);
        if (ec == std::errc() && end == s + n) return v;
        return std::string(s, n);
      }
      case kFloat4Oid:
      case kFloat8Oid: {
        char* end = nullptr;
        double v = std::strtod(s, &end);
        if (end == s + n) return v;
        return std::string(s, n);
      }
      default: return std::string(s, n);
    }
  }

  void finish(bool healthy) noexcept {
    try {
      if (failed_ || !healthy) {
        tx_->abort();
      } else {
        tx_->commit();
      }
    } catch (...) {
      healthy = false;
    }
    tx_.reset();
    pool_.release(std::move(conn_), healthy);
  }

  ConnectionPool<PostgresConnection>& pool_;
  std::unique_ptr<PostgresConnection> conn_;
  std::unique_ptr<pqxx::nontransaction> tx_;
  const std::string& secret_;
  PostgresStatementWatchdog& watchdog_;
  bool begun_;
  bool used_ = begun_;  // a round trip was made on conn_ in this transaction
  bool failed_ = false;
};

}  // namespace

PostgresStore::PostgresStore(const PostgresOptions& options)
    : options_(options),
      secret_(password_of(options.url)),
      watchdog_(
          std::make_unique<PostgresStatementWatchdog>(client_deadline(options.statement_timeout))),
      pool_(options.pool_size, options.acquire_timeout,
            [conninfo = with_session_settings(options.url, options),
             secret = password_of(options.url), timeout = options.statement_timeout] {
              return open_connection(conninfo, secret, timeout);
            }) {}

PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const PostgresOptions& options) {
  if (options.url.empty()) {
    return Error(ErrorCode::kInvalidArgument, "storage.postgres.url is empty");
  }
  WASL_ASSIGN_OR_RETURN(auto first,
                        open_connection(with_session_settings(options.url, options),
                                        password_of(options.url), options.statement_timeout));
  std::unique_ptr<PostgresStore> store(new PostgresStore(options));
  store->pool_.adopt(std::move(first));
  return store;
}

// A read-only transaction sends no BEGIN here: the first of its statements
// that needs one does (PostgresTransaction::runs_alone), and a broken pooled
// connection is then replaced at its first round trip, as here at BEGIN.
Result<std::unique_ptr<Transaction>> PostgresStore::begin(TxMode mode) {
  static const std::string kReadWrite = "BEGIN ISOLATION LEVEL READ COMMITTED";
  WASL_ASSIGN_OR_RETURN(auto conn, pool_.acquire());
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<pqxx::nontransaction> tx;
    try {
      tx = std::make_unique<pqxx::nontransaction>(conn->conn());
      if (mode == TxMode::kReadOnly) {
        return std::unique_ptr<Transaction>(new PostgresTransaction(
            pool_, std::move(conn), std::move(tx), secret_, *watchdog_, false));
      }
      {
        Watched watched(*watchdog_, *conn);
        tx->exec(kReadWrite);
      }
      return std::unique_ptr<Transaction>(new PostgresTransaction(
          pool_, std::move(conn), std::move(tx), secret_, *watchdog_, true));
    } catch (...) {
      bool lost = !conn->is_open();
      Error e = current_pg_error("beginning a transaction", lost, secret_);
      if (tx) {
        try {
          tx->abort();
        } catch (...) {
        }
        tx.reset();
      }
      lost = lost || !conn->is_open() || (e.code == ErrorCode::kUnavailable && e.retryable);
      if (!lost) {
        pool_.release(std::move(conn), true);
        return e;
      }
      if (attempt > 0) {
        pool_.release(std::move(conn), false);
        return e;
      }
      // Nothing ran on the broken connection yet: replace it and try once more.
      spdlog::info("postgres connection found broken at BEGIN; reconnecting");
      WASL_ASSIGN_OR_RETURN(conn, pool_.replace(std::move(conn)));
    }
  }
}

Status PostgresStore::ping() {
  WASL_ASSIGN_OR_RETURN(auto tx, begin(TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(auto rows, tx->query("SELECT 1"));
  tx->rollback();
  if (rows.size() != 1) return Error(ErrorCode::kInternal, "SELECT 1 returned no row");
  return {};
}

PoolStats PostgresStore::pool_stats() const { return pool_.stats(); }

Result<std::unique_ptr<Store>> open_postgres(const PostgresOptions& options) {
  WASL_ASSIGN_OR_RETURN(auto store, PostgresStore::open(options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace wasl::storage
