// AuditOutage: a fault for tests — while it is on, every insert into
// audit_events fails inside the database (a trigger), so AuditWriter::append
// returns an error in whatever transaction calls it. A change that is
// audited in its own transaction then cannot commit; one audited in a
// second transaction would commit anyway, which is what the tests catch.
#pragma once

#include <string>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::audit::testing {

// Turns the outage on or off (idempotent) in a transaction of its own.
inline sdk::Status set_audit_outage(storage::Store& store, bool on) {
  std::string sql;
  if (store.dialect() == storage::Dialect::kSqlite) {
    sql = on ? "CREATE TRIGGER IF NOT EXISTS wasl_test_audit_outage BEFORE INSERT ON "
               "audit_events BEGIN SELECT RAISE(ABORT, 'audit outage (test)'); END;"
             : "DROP TRIGGER IF EXISTS wasl_test_audit_outage;";
  } else {
    sql = on ? "CREATE OR REPLACE FUNCTION wasl_test_audit_outage() RETURNS trigger "
               "LANGUAGE plpgsql AS $f$ BEGIN RAISE EXCEPTION 'audit outage (test)'; END $f$; "
               "DROP TRIGGER IF EXISTS wasl_test_audit_outage ON audit_events; "
               "CREATE TRIGGER wasl_test_audit_outage BEFORE INSERT ON audit_events "
               "FOR EACH ROW EXECUTE FUNCTION wasl_test_audit_outage();"
             : "DROP TRIGGER IF EXISTS wasl_test_audit_outage ON audit_events;";
  }
  WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadWrite));
  WASL_RETURN_IF_ERROR(tx->exec_script(sql));
  return tx->commit();
}

}  // namespace wasl::audit::testing
