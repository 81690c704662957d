// Statements run with some of PostgreSQL's plan methods ruled out.
//
// PostgreSQL's statistics lag a burst: they may say a few rows wait while
// thousands do. With them, a statement that an index serves may be planned
// as a scan of the whole table, or a sort of every matching row, each time
// it runs, and a backlog then costs the square of its size. Ruling the
// method out for that statement only (SET LOCAL, set back after) keeps the
// index plan; a statement with no other path keeps its plan, at a cost the
// planner inflates, which may cross the JIT threshold, so the rest of the
// transaction is left to plan as usual. SQLite: the statement as it is.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "hub/storage/store.hpp"

namespace wasl::storage {

// `methods` name planner settings without their enable_ prefix ("seqscan",
// "sort"); `statement` returns a Result or Status.
template <typename Statement>
auto without_plan_methods(Transaction& tx, Dialect dialect,
                          std::initializer_list<std::string_view> methods, Statement&& statement)
    -> decltype(statement()) {
  if (dialect != Dialect::kPostgres) return statement();
  std::string off;
  std::string on;
  for (std::string_view method : methods) {
    off += "SET LOCAL enable_" + std::string(method) + " = off; ";
    on += "SET LOCAL enable_" + std::string(method) + " = on; ";
  }
  WASL_RETURN_IF_ERROR(tx.exec_script(off));
  auto result = statement();
  if (!result.ok()) return result;
  WASL_RETURN_IF_ERROR(tx.exec_script(on));
  return result;
}

}  // namespace wasl::storage
