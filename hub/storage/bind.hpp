// Placeholders for statements whose shape depends on their input: an IN
// list of n values, a multi-row VALUES. Both backends number placeholders
// $1, $2, … in the order of the Params vector.
#pragma once

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
  for (const auto& row : rows) sql += (sql.empty() ? "" : ", ") + storage::bind(params, Value(value_of(row)));
  return sql;
}

// A batch's rows as a table one statement joins by key:
// "WITH <name>(<column>, …) AS (VALUES (…), (…)) ", each value bound, to
// start an UPDATE … FROM <name> WHERE <table>.<key> = <name>.<key>. It
// comes first in the statement, so its placeholders are numbered first. A
// column with a cast (a type name) wraps each of its values, for
// PostgreSQL, which reads a parameter of no stated type as text. Where a
// CASE per column (below) makes each row walk the batch's WHENs, and
// PostgreSQL plan every WHEN, this is a join of n rows, planned once.
struct ValuesColumn {
  std::string_view name;
  std::string_view cast;  // empty: the value as bound
};
template <typename Row, typename ValuesOf>
std::string with_values(Params& params, std::string_view name,
                        const std::vector<ValuesColumn>& columns, const std::vector<Row>& rows,
                        ValuesOf values_of) {
  std::string sql = "WITH " + std::string(name) + "(";
  for (std::size_t c = 0; c < columns.size(); ++c) {
    sql += (c == 0 ? "" : ", ") + std::string(columns[c].name);
  }
  sql += ") AS (VALUES ";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::vector<Value> values = values_of(rows[r]);
    sql += r == 0 ? "(" : ", (";
    for (std::size_t c = 0; c < columns.size(); ++c) {
      std::string value = storage::bind(params, std::move(values.at(c)));
      if (!columns[c].cast.empty()) value = "CAST(" + value + " AS " + std::string(columns[c].cast) + ")";
      sql += (c == 0 ? "" : ", ") + value;
    }
    sql += ")";
  }
  return sql + ") ";
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
