// The Store contract, run against both backends.
#include "hub/storage/store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <limits>
#include <thread>

#include "hub/storage/bind.hpp"
#include "status_matchers.hpp"
#include "tcp_proxy.hpp"
#include "test_database.hpp"

namespace wasl::storage {
namespace {

using sdk::ErrorCode;
using testing::StoreSettings;
using testing::TcpProxy;
using testing::TestDatabase;

class StoreTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    auto db = TestDatabase::create(GetParam());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    auto store = db_->open();
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    ASSERT_OK(
        (*tx)->exec_script("CREATE TABLE parent (id TEXT PRIMARY KEY, name TEXT);"
                           "CREATE TABLE child (id BIGINT PRIMARY KEY,"
                           "  parent_id TEXT NOT NULL REFERENCES parent(id),"
                           "  data " +
                           db_->blob_type() +
                           ", n BIGINT, x DOUBLE PRECISION, note TEXT);"
                           "CREATE TABLE counter (id BIGINT PRIMARY KEY, value BIGINT NOT NULL);"
                           "INSERT INTO counter (id, value) VALUES (1, 0);"
                           "CREATE TABLE events (id TEXT PRIMARY KEY, worker BIGINT NOT NULL);"));
    ASSERT_OK((*tx)->commit());
  }

  void TearDown() override {
    store_.reset();
    db_.reset();
  }

  std::int64_t count(const std::string& table) {
    auto tx = store_->begin(TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok()) << tx.error().message;
    if (!tx.ok()) return -1;
    auto rows = (*tx)->query("SELECT COUNT(*) AS n FROM " + table);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    if (!rows.ok() || rows->size() != 1) return -1;
    auto n = (*rows)[0].get_int("n");
    EXPECT_TRUE(n.ok());
    return n.value_or(-1);
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, ReportsItsDialectAndAnswersPing) {
  EXPECT_EQ(store_->dialect(), GetParam());
  EXPECT_OK(store_->ping());
}

TEST_P(StoreTest, CommittedRowsAreVisibleToLaterTransactions) {
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
  ASSERT_OK_AND_ASSIGN(auto changed, tx->exec("INSERT INTO parent (id, name) VALUES ($1, $2)",
                                              {std::string("p1"), std::string("one")}));
  EXPECT_EQ(changed, 1);
  // Not visible to another transaction before the commit.
  EXPECT_EQ(count("parent"), 0);
  ASSERT_OK(tx->commit());

  ASSERT_OK_AND_ASSIGN(auto reader, store_->begin(TxMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(
      auto rows, reader->query("SELECT id, name FROM parent WHERE id = $1", {std::string("p1")}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get_text("name").value_or(""), "one");
  EXPECT_EQ(rows[0].columns(), (std::vector<std::string>{"id", "name"}));
}

TEST_P(StoreTest, ExecReturnsChangedRowCount) {
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(tx->exec("INSERT INTO parent (id, name) VALUES ($1, 'x')",
                       {std::string("p") + std::to_string(i)}));
  }
  ASSERT_OK_AND_ASSIGN(auto changed, tx->exec("UPDATE parent SET name = $1", {std::string("y")}));
  EXPECT_EQ(changed, 3);
  ASSERT_OK_AND_ASSIGN(auto none,
                       tx->exec("DELETE FROM parent WHERE id = $1", {std::string("zz")}));
  EXPECT_EQ(none, 0);
  ASSERT_OK(tx->commit());
}

TEST_P(StoreTest, RepeatedStatementsSavepointsAndManyDistinctStatementsAllWork) {
  // PostgreSQL prepares each statement once per connection: repeats,
  // statements PREPARE does not take (savepoints) and more distinct
  // statements than the connection keeps prepared all behave.
  for (int round = 0; round < 3; ++round) {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
    for (int i = 0; i < 50; ++i) {
      ASSERT_OK(
          tx->exec("INSERT INTO parent (id, name) VALUES ($1, $2)",
                   {"r" + std::to_string(round) + "-" + std::to_string(i), std::string("n")}));
    }
    ASSERT_OK(tx->exec("SAVEPOINT before_extra"));
    ASSERT_OK(tx->exec("INSERT INTO parent (id, name) VALUES ($1, $2)",
                       {"extra-" + std::to_string(round), std::string("m")}));
    ASSERT_OK(tx->exec("ROLLBACK TO SAVEPOINT before_extra"));
    ASSERT_OK(tx->exec("RELEASE SAVEPOINT before_extra"));
    ASSERT_OK_AND_ASSIGN(
        auto rows, tx->query("SELECT COUNT(*) FROM parent WHERE name = $1", {std::string("n")}));
    EXPECT_EQ(rows[0].get_int(0).value(), 50 * (round + 1));
    ASSERT_OK(tx->commit());
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
  for (int i = 0; i < 600; ++i) {
    ASSERT_OK_AND_ASSIGN(auto rows, tx->query("SELECT " + std::to_string(i) + " AS v"));
    EXPECT_EQ(rows[0].get_int(0).value(), i);
  }
  if (GetParam() == Dialect::kPostgres) {
    ASSERT_OK_AND_ASSIGN(auto prepared, tx->query("SELECT COUNT(*) FROM pg_prepared_statements"));
    EXPECT_GT(prepared[0].get_int(0).value(), 0);
  }
  ASSERT_OK(tx->commit());
}

// A batch statement (rows x columns placeholders) takes a new shape for each
// batch size. Over 32 placeholders it is neither kept in SQLite's statement
// cache nor prepared on PostgreSQL, and still runs, also interleaved with
// cached statements and run again.
TEST_P(StoreTest, BatchShapedStatementsRunWithoutTakingCacheSlots) {
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
  int inserted = 0;
  for (int round = 0; round < 3; ++round) {
    for (int rows = 17; rows <= 40; rows += 23) {  // 34 and 80 placeholders
      std::string sql = "INSERT INTO parent (id, name) VALUES ";
      storage::Params params;
      for (int r = 0; r < rows; ++r) {
        if (r > 0) sql += ", ";
        sql += "($" + std::to_string(2 * r + 1) + ", $" + std::to_string(2 * r + 2) + ")";
        params.emplace_back("b" + std::to_string(round) + "-" + std::to_string(rows) + "-" +
                            std::to_string(r));
        params.emplace_back(std::string("batch"));
      }
      ASSERT_OK_AND_ASSIGN(auto changed, tx->exec(sql, params));
      EXPECT_EQ(changed, rows);
      inserted += rows;
      ASSERT_OK_AND_ASSIGN(auto count, tx->query("SELECT COUNT(*) FROM parent WHERE name = $1",
                                                 {std::string("batch")}));
      EXPECT_EQ(count[0].get_int(0).value(), inserted);
    }
  }
  if (GetParam() == Dialect::kPostgres) {
    ASSERT_OK_AND_ASSIGN(auto prepared, tx->query("SELECT COUNT(*) FROM pg_prepared_statements "
                                                  "WHERE statement LIKE 'INSERT INTO parent%'"));
    EXPECT_EQ(prepared[0].get_int(0).value(), 0);
  }
  ASSERT_OK(tx->commit());
}

// storage::rows_of, with_values and in_list: every value comes back as it
// went in, whatever its text holds (PostgreSQL reads each column as one
// array literal), and on PostgreSQL batches of any size share one prepared
// statement.
TEST_P(StoreTest, BatchRowsAndListsKeepEveryValueInOneStatementText) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  const std::vector<std::string> notes{"plain",
                                       "with \"quotes\" and \\backslashes\\",
                                       "{braces, commas}",
                                       "NULL",
                                       "",
                                       "  spaces  ",
                                       "مرحبا بالعالم",
                                       "\\x00ff",
                                       "a\x1f"
                                       "b\tc\nd"};
  const std::vector<BatchColumn> columns{{"id", "BIGINT"},          {"parent_id", "TEXT"},
                                         {"data", "BYTEA"},         {"n", "BIGINT"},
                                         {"x", "DOUBLE PRECISION"}, {"note", "TEXT"}};
  std::vector<std::vector<Value>> rows;
  for (std::size_t i = 0; i < notes.size(); ++i) {
    Value data = i == 3 ? null_value() : Value(Blob{i == 4 ? "" : bytes.substr(i)});
    Value n = i == 1 ? Value(std::numeric_limits<std::int64_t>::min())
                     : Value(std::numeric_limits<std::int64_t>::max() - std::int64_t(i));
    Value x = i == 2 ? null_value() : Value(-0.1 * static_cast<double>(i) * 1e300);
    rows.push_back({std::int64_t(i), std::string("p1"), data, n, x, notes[i]});
  }
  rows.push_back({std::int64_t(100), std::string("p1"), null_value(), null_value(), null_value(),
                  null_value()});
  auto identity = [](const std::vector<Value>& row) { return row; };

  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
  ASSERT_OK(tx->exec("INSERT INTO parent (id, name) VALUES ($1, $2)",
                     {std::string("p1"), std::string("one")}));
  // Two batches of different sizes.
  for (auto [from, to] : {std::pair<std::size_t, std::size_t>{0, 4}, {4, rows.size()}}) {
    std::vector<std::vector<Value>> batch(rows.begin() + from, rows.begin() + to);
    Params params;
    std::string sql = "INSERT INTO child (id, parent_id, data, n, x, note) ";
    sql += rows_of(params, GetParam(), columns, batch, identity);
    ASSERT_OK_AND_ASSIGN(auto changed, tx->exec(sql, params));
    EXPECT_EQ(changed, static_cast<std::int64_t>(to - from));
  }
  ASSERT_OK_AND_ASSIGN(auto back, tx->query("SELECT id, parent_id, data, n, x, note FROM child "
                                            "ORDER BY id"));
  ASSERT_EQ(back.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(back[i].get_int(0).value_or(-1), std::get<std::int64_t>(rows[i][0]));
    EXPECT_EQ(back[i].is_null(2), std::holds_alternative<std::monostate>(rows[i][2]));
    if (auto blob = std::get_if<Blob>(&rows[i][2])) {
      EXPECT_EQ(back[i].get_blob(2).value_or("x"), blob->bytes);
    }
    EXPECT_EQ(back[i].is_null(3), std::holds_alternative<std::monostate>(rows[i][3]));
    if (auto n = std::get_if<std::int64_t>(&rows[i][3])) {
      EXPECT_EQ(back[i].get_int(3).value_or(0), *n);
    }
    EXPECT_EQ(back[i].is_null(4), std::holds_alternative<std::monostate>(rows[i][4]));
    if (auto x = std::get_if<double>(&rows[i][4])) {
      EXPECT_EQ(back[i].get_double(4).value_or(1), *x);
    }
    EXPECT_EQ(back[i].is_null(5), std::holds_alternative<std::monostate>(rows[i][5]));
    if (auto note = std::get_if<std::string>(&rows[i][5])) {
      EXPECT_EQ(back[i].get_text(5).value_or("?"), *note);
    }
  }

  // An IN list finds exactly the rows whose text it names.
  {
    Params params;
    std::string sql = "SELECT id FROM child WHERE " +
                      in_list(params, GetParam(), "note",
                              {notes[1], notes[3], notes[7], std::string("absent")}, "TEXT") +
                      " ORDER BY id";
    ASSERT_OK_AND_ASSIGN(auto found, tx->query(sql, params));
    ASSERT_EQ(found.size(), 3u);
    EXPECT_EQ(found[0].get_int(0).value_or(-1), 1);
    EXPECT_EQ(found[1].get_int(0).value_or(-1), 3);
    EXPECT_EQ(found[2].get_int(0).value_or(-1), 7);
  }

  // A table of rows joined by key changes each row as its own row says.
  {
    std::vector<std::pair<std::int64_t, std::string>> changes{{0, "zero \"0\""}, {8, "eight"}};
    Params params;
    std::string sql = with_values(params, GetParam(), "changes",
                                  {{"id", "BIGINT"}, {"note", "TEXT"}}, changes, [](const auto& c) {
                                    return std::vector<Value>{c.first, c.second};
                                  });
    sql += "UPDATE child SET note = changes.note FROM changes WHERE child.id = changes.id";
    ASSERT_OK_AND_ASSIGN(auto changed, tx->exec(sql, params));
    EXPECT_EQ(changed, 2);
    ASSERT_OK_AND_ASSIGN(auto now, tx->query("SELECT note FROM child WHERE id IN (0, 8) "
                                             "ORDER BY id"));
    ASSERT_EQ(now.size(), 2u);
    EXPECT_EQ(now[0].get_text(0).value_or(""), "zero \"0\"");
    EXPECT_EQ(now[1].get_text(0).value_or(""), "eight");
  }

  if (GetParam() == Dialect::kPostgres) {
    ASSERT_OK_AND_ASSIGN(auto prepared, tx->query("SELECT COUNT(*) FROM pg_prepared_statements "
                                                  "WHERE statement LIKE 'INSERT INTO child%'"));
    EXPECT_EQ(prepared[0].get_int(0).value(), 1);
  }
  ASSERT_OK(tx->commit());
}

// Parameters are bound by their number wherever they stand; one written
// inside quotes is text; a statement that skips a number is refused; a
// statement of thousands of parameters runs.
TEST_P(StoreTest, ParametersAreBoundByTheirNumber) {
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
  ASSERT_OK_AND_ASSIGN(auto swapped, tx->query("SELECT $2 AS a, $1 AS b, '$1' AS c",
                                               {std::string("one"), std::string("two")}));
  ASSERT_EQ(swapped.size(), 1u);
  EXPECT_EQ(swapped[0].get_text("a").value_or(""), "two");
  EXPECT_EQ(swapped[0].get_text("b").value_or(""), "one");
  EXPECT_EQ(swapped[0].get_text("c").value_or(""), "$1");
  auto gap = tx->query("SELECT $1 AS a, $3 AS b",
                       {std::string("one"), std::string("two"), std::string("three")});
  EXPECT_FALSE(gap.ok());
  tx->rollback();

  ASSERT_OK_AND_ASSIGN(auto big, store_->begin());
  std::string sql = "INSERT INTO parent (id, name) VALUES ";
  storage::Params params;
  for (int r = 0; r < 2000; ++r) {
    if (r > 0) sql += ", ";
    sql += "($" + std::to_string(2 * r + 1) + ", $" + std::to_string(2 * r + 2) + ")";
    params.emplace_back("many-" + std::to_string(r));
    params.emplace_back(std::to_string(r));
  }
  ASSERT_OK_AND_ASSIGN(auto changed, big->exec(sql, params));
  EXPECT_EQ(changed, 2000);
  ASSERT_OK_AND_ASSIGN(
      auto last, big->query("SELECT name FROM parent WHERE id = $1", {std::string("many-1999")}));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].get_text(0).value_or(""), "1999");
  ASSERT_OK(big->commit());
}

TEST_P(StoreTest, ExplicitRollbackDiscardsChanges) {
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
  ASSERT_OK(tx->exec("INSERT INTO parent (id, name) VALUES ($1, $2)",
                     {std::string("p1"), std::string("one")}));
  tx->rollback();
  EXPECT_EQ(count("parent"), 0);
  // An ended transaction refuses further work.
  auto after = tx->exec("INSERT INTO parent (id) VALUES ('p2')");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->pool_stats().in_use, 0);
}

TEST_P(StoreTest, DestroyingAnUncommittedTransactionRollsBack) {
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
    ASSERT_OK(tx->exec("INSERT INTO parent (id, name) VALUES ('p1', 'one')"));
    EXPECT_EQ(store_->pool_stats().in_use, 1);
  }
  EXPECT_EQ(store_->pool_stats().in_use, 0);
  EXPECT_EQ(count("parent"), 0);
}

TEST_P(StoreTest, UniqueViolationIsAlreadyExistsAndStoreKeepsWorking) {
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
    ASSERT_OK(tx->exec("INSERT INTO parent (id, name) VALUES ('p1', 'one')"));
    ASSERT_OK(tx->commit());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
    auto dup = tx->exec("INSERT INTO parent (id, name) VALUES ($1, $2)",
                        {std::string("p1"), std::string("again")});
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists) << dup.error().message;
    EXPECT_FALSE(dup.error().retryable);
    // The failed transaction is unusable, commit included.
    auto more = tx->exec("INSERT INTO parent (id) VALUES ('p9')");
    ASSERT_FALSE(more.ok());
    EXPECT_EQ(more.error().code, ErrorCode::kFailedPrecondition);
    auto commit = tx->commit();
    ASSERT_FALSE(commit.ok());
    tx->rollback();
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
  ASSERT_OK(tx->exec("INSERT INTO parent (id, name) VALUES ('p2', 'two')"));
  ASSERT_OK(tx->commit());
  EXPECT_EQ(count("parent"), 2);
}

TEST_P(StoreTest, ForeignKeyAndNotNullViolationsAreFailedPrecondition) {
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
    auto fk = tx->exec("INSERT INTO child (id, parent_id) VALUES ($1, $2)",
                       {std::int64_t{1}, std::string("missing")});
    ASSERT_FALSE(fk.ok());
    EXPECT_EQ(fk.error().code, ErrorCode::kFailedPrecondition) << fk.error().message;
  }
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
    auto nn = tx->exec("INSERT INTO child (id, parent_id) VALUES ($1, $2)",
                       {std::int64_t{1}, null_value()});
    ASSERT_FALSE(nn.ok());
    EXPECT_EQ(nn.error().code, ErrorCode::kFailedPrecondition) << nn.error().message;
  }
  EXPECT_EQ(count("child"), 0);
}

TEST_P(StoreTest, SyntaxErrorIsInternal) {
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
  auto bad = tx->query("SELEC nonsense FROM");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(bad.error().message.empty());
}

TEST_P(StoreTest, ArabicTextAndBinaryBlobsRoundTripByteForByte) {
  const std::string arabic = "مرحبا بالعالم — استشارة طبية عن بعد ١٢٣";
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  bytes += std::string("\0\0\xff\0", 4);
  ASSERT_EQ(bytes.size(), 260u);
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
    ASSERT_OK(
        tx->exec("INSERT INTO parent (id, name) VALUES ($1, $2)", {std::string("p1"), arabic}));
    ASSERT_OK(tx->exec("INSERT INTO child (id, parent_id, data, note) VALUES ($1, $2, $3, $4)",
                       {std::int64_t{1}, std::string("p1"), Blob{bytes}, arabic}));
    ASSERT_OK(tx->exec("INSERT INTO child (id, parent_id, data, note) VALUES ($1, $2, $3, $4)",
                       {std::int64_t{2}, std::string("p1"), Blob{""}, std::string("")}));
    ASSERT_OK(tx->commit());
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin(TxMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(auto rows, tx->query("SELECT c.id, c.data, c.note, p.name FROM child c "
                                            "JOIN parent p ON p.id = c.parent_id ORDER BY c.id"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at(1), Value{Blob{bytes}});
  EXPECT_EQ(rows[0].get_blob("data").value_or(""), bytes);
  EXPECT_EQ(rows[0].get_text("note").value_or(""), arabic);
  EXPECT_EQ(rows[0].get_text("name").value_or(""), arabic);
  // Empty is not NULL.
  EXPECT_FALSE(rows[1].is_null("data"));
  EXPECT_EQ(rows[1].get_blob("data").value_or("x"), "");
  EXPECT_FALSE(rows[1].is_null("note"));
  EXPECT_EQ(rows[1].get_text("note").value_or("x"), "");
  // Lookup by a blob parameter finds the row.
  ASSERT_OK_AND_ASSIGN(auto by_blob,
                       tx->query("SELECT id FROM child WHERE data = $1", {Blob{bytes}}));
  ASSERT_EQ(by_blob.size(), 1u);
  EXPECT_EQ(by_blob[0].get_int(0).value_or(0), 1);
}

TEST_P(StoreTest, NullsAndNumbersKeepTheirTypes) {
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  const std::int64_t small = std::numeric_limits<std::int64_t>::min();
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
    ASSERT_OK(tx->exec("INSERT INTO parent (id, name) VALUES ($1, $2)",
                       {std::string("p1"), null_value()}));
    ASSERT_OK(
        tx->exec("INSERT INTO child (id, parent_id, data, n, x, note) "
                 "VALUES ($1, $2, $3, $4, $5, $6)",
                 {std::int64_t{1}, std::string("p1"), null_value(), big, 0.1, null_value()}));
    ASSERT_OK(tx->exec("INSERT INTO child (id, parent_id, n, x) VALUES ($1, $2, $3, $4)",
                       {std::int64_t{2}, std::string("p1"), small, -2.5e300}));
    ASSERT_OK(tx->commit());
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin(TxMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(auto parents, tx->query("SELECT name FROM parent"));
  ASSERT_EQ(parents.size(), 1u);
  EXPECT_TRUE(parents[0].is_null(0));
  EXPECT_TRUE(parents[0].is_null("name"));
  auto text = parents[0].get_text(0);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, ErrorCode::kInternal);

  ASSERT_OK_AND_ASSIGN(auto rows, tx->query("SELECT id, data, n, x, note FROM child ORDER BY id"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[0].is_null("data"));
  EXPECT_TRUE(rows[0].is_null("note"));
  EXPECT_FALSE(rows[0].get_int("data").ok());
  EXPECT_EQ(rows[0].at("n"), Value{big});
  EXPECT_EQ(rows[0].get_int("n").value_or(0), big);
  EXPECT_EQ(rows[0].get_double(3).value_or(0), 0.1);
  EXPECT_EQ(rows[1].get_int("n").value_or(0), small);
  EXPECT_EQ(rows[1].get_double(3).value_or(0), -2.5e300);
  EXPECT_FALSE(rows[0].get_int("no_such_column").ok());

  // A NULL parameter compares as SQL NULL.
  ASSERT_OK_AND_ASSIGN(auto none,
                       tx->query("SELECT id FROM child WHERE note = $1", {null_value()}));
  EXPECT_TRUE(none.empty());
}

TEST_P(StoreTest, ReadOnlyTransactionRefusesWrites) {
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin(TxMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(auto rows, tx->query("SELECT value FROM counter WHERE id = 1"));
  ASSERT_EQ(rows.size(), 1u);
  auto write = tx->exec("UPDATE counter SET value = 5");
  EXPECT_FALSE(write.ok());
  tx->rollback();
  // The connection goes back to the pool writable again.
  StoreSettings one;
  one.pool_size = 1;
  ASSERT_OK_AND_ASSIGN(auto store, db_->open(one));
  {
    ASSERT_OK_AND_ASSIGN(auto ro, store->begin(TxMode::kReadOnly));
    EXPECT_FALSE(ro->exec("UPDATE counter SET value = 6").ok());
  }
  ASSERT_OK_AND_ASSIGN(auto rw, store->begin());
  ASSERT_OK(rw->exec("UPDATE counter SET value = 7"));
  ASSERT_OK(rw->commit());
}

TEST_P(StoreTest, ConcurrentWritersEachSucceedOrGetARetryableConflict) {
  constexpr int kThreads = 2;
  constexpr int kPerThread = 200;
  constexpr int kMaxAttempts = 20000;  // bounds the test if conflicts never stop
  std::atomic<int> conflicts{0};
  std::atomic<int> unexpected{0};
  auto worker = [&](int id) {
    int done = 0;
    for (int attempt = 0; done < kPerThread && attempt < kMaxAttempts; ++attempt) {
      auto tx = store_->begin();
      auto handle = [&](const sdk::Error& e) {
        if (e.code == ErrorCode::kConflict && e.retryable) {
          ++conflicts;
        } else {
          ++unexpected;
          ADD_FAILURE() << "not a clean conflict: " << e.message;
        }
      };
      if (!tx.ok()) {
        handle(tx.error());
        continue;
      }
      auto up = (*tx)->exec("UPDATE counter SET value = value + 1 WHERE id = 1");
      if (!up.ok()) {
        handle(up.error());
        continue;
      }
      auto ins = (*tx)->exec("INSERT INTO events (id, worker) VALUES ($1, $2)",
                             {std::to_string(id) + "-" + std::to_string(done), std::int64_t{id}});
      if (!ins.ok()) {
        handle(ins.error());
        continue;
      }
      auto c = (*tx)->commit();
      if (!c.ok()) {
        handle(c.error());
        continue;
      }
      ++done;
    }
    return done;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::vector<std::future<int>> results;
  for (int t = 0; t < kThreads; ++t) results.push_back(std::async(std::launch::async, worker, t));
  for (auto& r : results) {
    ASSERT_EQ(r.wait_until(deadline), std::future_status::ready);
    EXPECT_EQ(r.get(), kPerThread);
  }
  EXPECT_EQ(unexpected.load(), 0);
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin(TxMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(auto rows, tx->query("SELECT value FROM counter WHERE id = 1"));
  EXPECT_EQ(rows.at(0).get_int(0).value_or(-1), kThreads * kPerThread);
  tx->rollback();
  EXPECT_EQ(count("events"), kThreads * kPerThread);
  RecordProperty("conflicts", conflicts.load());
}

TEST_P(StoreTest, WriterBlockedPastTheLockTimeoutGetsARetryableConflict) {
  StoreSettings settings;
  settings.timeout = std::chrono::milliseconds(100);
  ASSERT_OK_AND_ASSIGN(auto store, db_->open(settings));
  ASSERT_OK_AND_ASSIGN(auto holder, store->begin());
  ASSERT_OK(holder->exec("UPDATE counter SET value = value + 1 WHERE id = 1"));

  sdk::Error error;
  if (GetParam() == Dialect::kSqlite) {
    // BEGIN IMMEDIATE waits for the write lock up to the busy timeout.
    auto blocked = store->begin();
    ASSERT_FALSE(blocked.ok());
    error = blocked.error();
  } else {
    // READ COMMITTED writers wait on the row lock; lock_timeout bounds it.
    ASSERT_OK_AND_ASSIGN(auto other, store->begin());
    ASSERT_OK(other->exec("SET LOCAL lock_timeout = '100ms'"));
    auto blocked = other->exec("UPDATE counter SET value = value + 1 WHERE id = 1");
    ASSERT_FALSE(blocked.ok());
    error = blocked.error();
  }
  EXPECT_EQ(error.code, ErrorCode::kConflict) << error.message;
  EXPECT_TRUE(error.retryable);
  ASSERT_OK(holder->commit());

  ASSERT_OK_AND_ASSIGN(auto retry, store->begin());
  ASSERT_OK(retry->exec("UPDATE counter SET value = value + 1 WHERE id = 1"));
  ASSERT_OK(retry->commit());
  ASSERT_OK_AND_ASSIGN(auto tx, store->begin(TxMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(auto rows, tx->query("SELECT value FROM counter WHERE id = 1"));
  EXPECT_EQ(rows.at(0).get_int(0).value_or(-1), 2);
}

TEST_P(StoreTest, PoolLendsAtMostItsSizeAndCountsWaiters) {
  StoreSettings settings;
  settings.pool_size = 2;
  settings.timeout = std::chrono::milliseconds(200);
  ASSERT_OK_AND_ASSIGN(auto store, db_->open(settings));
  PoolStats s = store->pool_stats();
  EXPECT_EQ(s.size, 2);
  EXPECT_EQ(s.in_use, 0);
  EXPECT_GE(s.open, 1);

  ASSERT_OK_AND_ASSIGN(auto a, store->begin(TxMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(auto b, store->begin(TxMode::kReadOnly));
  s = store->pool_stats();
  EXPECT_EQ(s.in_use, 2);
  EXPECT_EQ(s.open, 2);

  // Full: a third caller times out with a retryable kUnavailable.
  auto c = store->begin(TxMode::kReadOnly);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(c.error().retryable);
  EXPECT_EQ(store->pool_stats().waiting, 0);
  a->rollback();
  EXPECT_EQ(store->pool_stats().in_use, 1);

  // A waiter is counted and served when a connection comes back.
  StoreSettings patient = settings;
  patient.timeout = std::chrono::seconds(30);
  ASSERT_OK_AND_ASSIGN(auto store2, db_->open(patient));
  ASSERT_OK_AND_ASSIGN(auto x, store2->begin(TxMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(auto y, store2->begin(TxMode::kReadOnly));
  auto waiter = std::async(std::launch::async, [&] {
    auto t = store2->begin(TxMode::kReadOnly);
    return t.ok();
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store2->pool_stats().waiting != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(store2->pool_stats().waiting, 1);
  x->rollback();
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(waiter.get());
  s = store2->pool_stats();
  EXPECT_EQ(s.waiting, 0);
  EXPECT_EQ(s.in_use, 1);
  EXPECT_EQ(s.open, 2);
  EXPECT_EQ(s.replaced, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) { return testing::dialect_name(info.param); });

// Behaviour only PostgreSQL has: a server that drops connections.
class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::create(Dialect::kPostgres);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
  }

  // Terminates every server backend of stores opened on db_, then waits
  // until the server lists none.
  void terminate_backends() {
    auto tx = db_->admin()->begin();
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    ASSERT_OK((*tx)->query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        {db_->tag()}));
    ASSERT_OK((*tx)->commit());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      auto check = db_->admin()->begin(TxMode::kReadOnly);
      ASSERT_TRUE(check.ok());
      auto rows = (*check)->query(
          "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1", {db_->tag()});
      ASSERT_TRUE(rows.ok());
      if ((*rows)[0].get_int(0).value_or(-1) == 0) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "backends did not go away";
      std::this_thread::yield();
    }
  }

  std::unique_ptr<TestDatabase> db_;
};

TEST_F(PostgresStoreTest, LostConnectionsAreReplacedAndTheNextTransactionSucceeds) {
  StoreSettings settings;
  settings.pool_size = 2;
  ASSERT_OK_AND_ASSIGN(auto store, db_->open(settings));
  {
    ASSERT_OK_AND_ASSIGN(auto a, store->begin());
    ASSERT_OK_AND_ASSIGN(auto b, store->begin());
    ASSERT_OK(a->exec_script("CREATE TABLE t (id BIGINT PRIMARY KEY)"));
    ASSERT_OK(a->commit());
  }
  ASSERT_EQ(store->pool_stats().open, 2);
  ASSERT_EQ(store->pool_stats().replaced, 0);

  terminate_backends();

  // Idle connections died: begin() reconnects transparently.
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK_AND_ASSIGN(auto tx, store->begin());
    ASSERT_OK(tx->exec("INSERT INTO t (id) VALUES ($1)", {std::int64_t{i}}));
    ASSERT_OK(tx->commit());
  }
  PoolStats s = store->pool_stats();
  EXPECT_GE(s.replaced, 1);
  EXPECT_LE(s.open, 2);
  EXPECT_EQ(s.in_use, 0);
  std::int64_t replaced_before = s.replaced;

  // A connection lost inside a transaction: the statement fails as
  // unavailable and retryable; the next transaction succeeds.
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->begin());
    ASSERT_OK(tx->exec("INSERT INTO t (id) VALUES (100)"));
    terminate_backends();
    auto lost = tx->exec("INSERT INTO t (id) VALUES (101)");
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable) << lost.error().message;
    EXPECT_TRUE(lost.error().retryable);
    tx->rollback();
  }
  ASSERT_OK_AND_ASSIGN(auto tx, store->begin());
  ASSERT_OK_AND_ASSIGN(auto rows, tx->query("SELECT COUNT(*) FROM t"));
  EXPECT_EQ(rows.at(0).get_int(0).value_or(-1), 4);
  ASSERT_OK(tx->commit());
  EXPECT_GT(store->pool_stats().replaced, replaced_before);
  EXPECT_OK(store->ping());
}

// statement_timeout is set on every session: a statement that runs past it
// is cancelled by the server and answers kDeadlineExceeded (a 503 with
// Retry-After at the API), not kInternal (a 500); the store goes on.
TEST_F(PostgresStoreTest, AStatementPastTheStatementTimeoutIsARetryableDeadline) {
  StoreSettings settings;
  settings.statement_timeout = std::chrono::milliseconds(300);
  ASSERT_OK_AND_ASSIGN(auto store, db_->open(settings));
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->begin());
    auto slow = tx->query("SELECT pg_sleep(5)");
    ASSERT_FALSE(slow.ok());
    EXPECT_EQ(slow.error().code, ErrorCode::kDeadlineExceeded) << slow.error().message;
    EXPECT_TRUE(slow.error().retryable);
  }
  EXPECT_OK(store->ping());
}

// A connection that goes silent mid-transaction (a TCP proxy that stops
// forwarding but keeps both sockets open: the server never sees the query,
// so its statement_timeout never fires). The client's own deadline closes
// the connection: the statement fails as unavailable within seconds instead
// of waiting for ever, and the next transaction (the proxy healthy again)
// succeeds on a new connection.
TEST_F(PostgresStoreTest, AHalfOpenConnectionTimesOutAndIsReplaced) {
  TcpProxy proxy(db_->server_port());
  StoreSettings settings;
  settings.pool_size = 1;
  settings.statement_timeout = std::chrono::milliseconds(1000);
  settings.via_port = proxy.port();
  ASSERT_OK_AND_ASSIGN(auto store, db_->open(settings));
  ASSERT_OK_AND_ASSIGN(auto tx, store->begin());
  ASSERT_OK(tx->query("SELECT 1"));
  proxy.freeze();
  auto started = std::chrono::steady_clock::now();
  auto pending = std::async(std::launch::async, [&] { return tx->query("SELECT 2"); });
  const bool answered = pending.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  proxy.thaw();  // lets a hung statement finish, so the test ends either way
  auto result = pending.get();
  ASSERT_TRUE(answered) << "the statement waited more than 10 s on a silent connection";
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable) << result.error().message;
  EXPECT_LT(took, std::chrono::seconds(4));
  tx->rollback();
  ASSERT_OK_AND_ASSIGN(auto next, store->begin());
  EXPECT_OK(next->query("SELECT 3"));
  EXPECT_OK(next->commit());
  EXPECT_EQ(proxy.connections(), 2) << "the silent connection was dropped for a new one";
}

// A read-only transaction sends no BEGIN for a plain SELECT (each runs on
// its own, as READ COMMITTED would run it anyway); a statement that needs
// the transaction opens it first, so writes and row locks are still
// refused and SET LOCAL holds until the end; nothing of it outlives it.
TEST_F(PostgresStoreTest, ReadOnlySelectsRunAloneUntilTheTransactionIsNeeded) {
  StoreSettings one;
  one.pool_size = 1;
  ASSERT_OK_AND_ASSIGN(auto store, db_->open(one));
  {
    ASSERT_OK_AND_ASSIGN(auto setup, store->begin());
    ASSERT_OK(setup->exec_script(
        "CREATE TABLE ro (id BIGINT PRIMARY KEY, value BIGINT); CREATE SEQUENCE ro_sequence"));
    ASSERT_OK(setup->exec("INSERT INTO ro (id, value) VALUES (1, 10)"));
    ASSERT_OK(setup->commit());
  }
  // Whether a statement ran inside a transaction that began before it.
  auto in_transaction = [](Transaction& tx) -> bool {
    EXPECT_OK(tx.query("SELECT pg_sleep(0.02)"));
    auto rows =
        tx.query("SELECT statement_timestamp() - transaction_timestamp() > interval '10 ms'");
    EXPECT_TRUE(rows.ok());
    return rows.ok() && (*rows)[0].get_int(0).value_or(-1) == 1;
  };
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->begin(TxMode::kReadOnly));
    EXPECT_FALSE(in_transaction(*tx)) << "a plain SELECT ran inside BEGIN";
    ASSERT_OK(tx->exec_script("SET LOCAL enable_seqscan = off"));
    EXPECT_TRUE(in_transaction(*tx));
    ASSERT_OK_AND_ASSIGN(auto setting, tx->query("SELECT current_setting('enable_seqscan')"));
    EXPECT_EQ(setting[0].get_text(0).value_or(""), "off");
    tx->rollback();
  }
  for (const char* refused :
       {"SELECT id FROM ro WHERE id = 1 FOR UPDATE",
        "WITH changed AS (UPDATE ro SET value = 11 RETURNING id) SELECT id FROM changed",
        "UPDATE ro SET value = 12", "SELECT nextval('ro_sequence')"}) {
    ASSERT_OK_AND_ASSIGN(auto tx, store->begin(TxMode::kReadOnly));
    EXPECT_FALSE(tx->query(refused).ok()) << refused;
  }
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->begin(TxMode::kReadOnly));
    ASSERT_OK(tx->query("SELECT pg_advisory_xact_lock(42)"));
    EXPECT_TRUE(in_transaction(*tx)) << "the advisory lock would have ended with its statement";
    ASSERT_OK_AND_ASSIGN(auto held,
                         tx->query("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' "
                                   "AND pid = pg_backend_pid()"));
    EXPECT_EQ(held[0].get_int(0).value_or(-1), 1);
    ASSERT_OK(tx->commit());
  }
  // The one connection is back writable, with no setting or lock left.
  ASSERT_OK_AND_ASSIGN(auto rw, store->begin());
  EXPECT_TRUE(in_transaction(*rw));
  ASSERT_OK_AND_ASSIGN(auto setting, rw->query("SELECT current_setting('enable_seqscan')"));
  EXPECT_EQ(setting[0].get_text(0).value_or(""), "on");
  ASSERT_OK_AND_ASSIGN(auto locks, rw->query("SELECT COUNT(*) FROM pg_locks WHERE locktype = "
                                             "'advisory' AND pid = pg_backend_pid()"));
  EXPECT_EQ(locks[0].get_int(0).value_or(-1), 0);
  ASSERT_OK(rw->exec("UPDATE ro SET value = 13 WHERE id = 1"));
  ASSERT_OK(rw->commit());
  ASSERT_OK_AND_ASSIGN(auto check, store->begin(TxMode::kReadOnly));
  ASSERT_OK_AND_ASSIGN(auto value, check->query("SELECT value FROM ro WHERE id = 1"));
  EXPECT_EQ(value[0].get_int(0).value_or(-1), 13);
}

// A read-only transaction's first statement finds the pooled connection
// broken: it is replaced and the statement answers, as BEGIN does for a
// read-write one; a later statement's loss is an error, never a retry.
TEST_F(PostgresStoreTest, AReadOnlyTransactionReplacesABrokenConnectionAtItsFirstStatement) {
  StoreSettings one;
  one.pool_size = 1;
  ASSERT_OK_AND_ASSIGN(auto store, db_->open(one));
  ASSERT_OK(store->ping());
  terminate_backends();
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->begin(TxMode::kReadOnly));
    ASSERT_OK_AND_ASSIGN(auto rows, tx->query("SELECT 7"));
    EXPECT_EQ(rows[0].get_int(0).value_or(-1), 7);
    ASSERT_OK(tx->commit());
  }
  EXPECT_EQ(store->pool_stats().replaced, 1);
  terminate_backends();
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->begin(TxMode::kReadOnly));
    ASSERT_OK(tx->exec_script("SET LOCAL enable_sort = off"));  // BEGIN first, then replaced
    ASSERT_OK(tx->query("SELECT 9"));
    ASSERT_OK(tx->commit());
  }
  EXPECT_EQ(store->pool_stats().replaced, 2);
  {
    ASSERT_OK_AND_ASSIGN(auto tx, store->begin(TxMode::kReadOnly));
    ASSERT_OK(tx->query("SELECT 10"));
    terminate_backends();
    auto lost = tx->query("SELECT 11");
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable) << lost.error().message;
    tx->rollback();
  }
  EXPECT_EQ(store->pool_stats().replaced, 2);
  EXPECT_OK(store->ping());
}

TEST_F(PostgresStoreTest, ErrorsNeverContainThePassword) {
  PostgresOptions o;
  o.url = "postgresql://wasl:s3cr3t-pw@127.0.0.1:1/wasl";
  o.connect_timeout = std::chrono::milliseconds(2000);
  auto store = open_postgres(o);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.error().message.find("s3cr3t-pw"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("cannot connect to PostgreSQL"), std::string::npos);
}

TEST(ListChunks, CutsAListIntoConsecutiveChunksOfAtMostTheSize) {
  EXPECT_TRUE(chunks(std::vector<int>{}).empty());
  EXPECT_EQ(chunks(std::vector<int>{1, 2, 3, 4, 5}, 2),
            (std::vector<std::vector<int>>{{1, 2}, {3, 4}, {5}}));
  EXPECT_EQ(chunks(std::vector<int>{1, 2}, 2), (std::vector<std::vector<int>>{{1, 2}}));
  std::vector<int> many(2 * kListChunk + 1);
  auto cut = chunks(many);
  ASSERT_EQ(cut.size(), 3u);
  EXPECT_EQ(cut[0].size(), kListChunk);
  EXPECT_EQ(cut[2].size(), 1u);
}

TEST(SqliteStoreTest, UnwritableLocationIsReportedWithThePath) {
  SqliteOptions o;
  o.path = "/proc/wasl-no-such-dir/wasl.db";
  auto store = open_sqlite(o);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("/proc/wasl-no-such-dir"), std::string::npos)
      << store.error().message;
}

}  // namespace
}  // namespace wasl::storage
