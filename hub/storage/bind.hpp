// Placeholders for statements whose shape depends on their input: an IN
// list of n values, a multi-row VALUES. Both backends number placeholders
// $1, $2, … in the order of the Params vector.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "hub/storage/store.hpp"

namespace wasl::storage {

// Appends `value` to `params` and returns its placeholder ("$n").
std::string bind(Params& params, Value value);
// Appends each value to `params` and returns their placeholders joined by
// ", " (an IN list, or one row of a multi-row VALUES).
std::string bind_all(Params& params, std::vector<Value> values);

// The placeholders of value_of(row) for each row, joined by ", ".
template <typename Row, typename ValueOf>
std::string bind_each(Params& params, const std::vector<Row>& rows, ValueOf value_of) {
  std::string sql;
  for (const auto& row : rows)
    sql += (sql.empty() ? "" : ", ") + storage::bind(params, Value(value_of(row)));
  return sql;
}

// A batch's statement keeps one text for any number of rows on
// PostgreSQL: each list or column is one array parameter, so the statement
// is prepared once per connection (see PostgresStore) where a placeholder
// per value gave each batch size its own text, parsed and planned at every
// run. SQLite, whose store prepares and caches any text, binds a
// placeholder per value. `type` is the PostgreSQL type of the values.

// "<column> IN ($1, …)" on SQLite, "<column> = ANY(CAST($n AS <type>[]))"
// on PostgreSQL (the same index scan as an IN list). `values` not empty.
std::string in_list(Params& params, Dialect dialect, std::string_view column,
                    std::vector<Value> values, std::string_view type);

// The most values a statement that takes a list of any length binds in one
// in_list(): such a statement runs once per chunk of this many (chunks()).
// SQLite allows 32,766 placeholders in one statement (999 before 3.32);
// PostgreSQL binds the list as one array, and a chunk keeps that array and
// its plan small as well.
inline constexpr std::size_t kListChunk = 500;

// `values` cut into consecutive chunks of at most `size` (none when empty).
template <typename T>
std::vector<std::vector<T>> chunks(const std::vector<T>& values, std::size_t size = kListChunk) {
  std::vector<std::vector<T>> out;
  for (std::size_t i = 0; i < values.size(); i += size) {
    out.emplace_back(values.begin() + i, values.begin() + std::min(values.size(), i + size));
  }
  return out;
}

// The values as one PostgreSQL array literal ('{"a",NULL,"\\x00ff"}'), to
// bind as a parameter cast to <type>[].
std::string array_literal(const std::vector<Value>& values);

// One column of a batch's rows: its name and PostgreSQL type.
struct BatchColumn {
  std::string_view name;
  std::string_view type;
};

// A batch's rows as the rows of a statement (INSERT … <rows>, or the body
// of a WITH): "VALUES (…), (…)" on SQLite; on PostgreSQL
// "SELECT * FROM unnest(CAST($n AS <type>[]), …)", one array per column,
// read in order. `rows` not empty.
template <typename Row, typename ValuesOf>
std::string rows_of(Params& params, Dialect dialect, const std::vector<BatchColumn>& columns,
                    const std::vector<Row>& rows, ValuesOf values_of) {
  if (dialect == Dialect::kSqlite) {
    std::string sql = "VALUES ";
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::vector<Value> values = values_of(rows[r]);
      sql += (r == 0 ? "(" : ", (") + storage::bind_all(params, std::move(values)) + ")";
    }
    return sql;
  }
  std::vector<std::vector<Value>> by_column(columns.size());
  for (auto& column : by_column) column.reserve(rows.size());
  for (const auto& row : rows) {
    std::vector<Value> values = values_of(row);
    for (std::size_t c = 0; c < columns.size(); ++c)
      by_column[c].push_back(std::move(values.at(c)));
  }
  std::string sql = "SELECT * FROM unnest(";
  for (std::size_t c = 0; c < columns.size(); ++c) {
    sql += (c == 0 ? "CAST(" : ", CAST(") +
           storage::bind(params, storage::array_literal(by_column[c])) + " AS " +
           std::string(columns[c].type) + "[])";
  }
  return sql + ")";
}

// A batch's rows as a table one statement joins by key:
// "WITH <name>(<column>, …) AS (<rows_of>) ", to start an UPDATE … FROM
// <name> WHERE <table>.<key> = <name>.<key>. It comes first in the
// statement, so its placeholders are numbered first. Where a CASE per
// column (below) makes each row walk the batch's WHENs, and PostgreSQL
// plan every WHEN, this is a join of n rows.
template <typename Row, typename ValuesOf>
std::string with_values(Params& params, Dialect dialect, std::string_view name,
                        const std::vector<BatchColumn>& columns, const std::vector<Row>& rows,
                        ValuesOf values_of) {
  std::string sql = "WITH " + std::string(name) + "(";
  for (std::size_t c = 0; c < columns.size(); ++c) {
    sql += (c == 0 ? "" : ", ") + std::string(columns[c].name);
  }
  return sql + ") AS (" + storage::rows_of(params, dialect, columns, rows, values_of) + ") ";
}

// "CASE <column> WHEN <key of row 1> THEN <value of row 1> … END", each key
// and value bound: a value per row, for a statement that changes the rows
// an IN list names. `cast` (a type name) wraps each value, for PostgreSQL,
// which types a CASE from its branches (a parameter of no stated type reads
// as text).
template <typename Row, typename KeyOf, typename ValueOf>
std::string case_when(Params& params, std::string_view column, const std::vector<Row>& rows,
                      KeyOf key_of, ValueOf value_of, std::string_view cast = {}) {
  std::string sql = "CASE " + std::string(column);
  for (const auto& row : rows) {
    sql += " WHEN " + storage::bind(params, Value(key_of(row)));
    std::string value = storage::bind(params, Value(value_of(row)));
    sql += " THEN " + (cast.empty() ? value : "CAST(" + value + " AS " + std::string(cast) + ")");
  }
  return sql + " END";
}

}  // namespace wasl::storage
