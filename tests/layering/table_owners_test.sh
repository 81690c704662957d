#!/usr/bin/env bash
# scripts/check-table-owners on small trees made here: a tree where only
# owners name their tables passes (key rotation's walk over the encrypted
# columns included, and SQL words in comments ignored); a table named
# outside its owner (in adjacent literals, in a raw string), a table name
# built at run time outside the named exception, and a table a migration
# creates that ARCHITECTURE.md's ```owners block does not list each fail,
# named by file and line. An owners block that is missing or malformed, or
# names an owner in no layer, is refused with exit status 2, named by its line.
set -euo pipefail
check="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

put() {  # put FILE LINE…: writes the lines into $tmp/FILE
  local file="$tmp/$1"; shift
  mkdir -p "$(dirname "$file")"
  printf '%s\n' "$@" > "$file"
}
fail() { echo "FAIL: $*" >&2; exit 1; }

architecture() {  # architecture OWNER_LINE…: ARCHITECTURE.md with these owners
  put ARCHITECTURE.md '```layers' 'archive key_rotation' 'reports' 'claims' 'records' 'jobs' \
    'storage' '```' '' '```owners' "$@" '```'
}
architecture 'consultations: records' 'claims: claims  # the claims feature' '' 'jobs: jobs'
put migrations/sqlite/0001_initial.sql \
  'CREATE TABLE consultations (id TEXT PRIMARY KEY);' \
  '-- CREATE TABLE commented_out (id TEXT);' \
  'CREATE TABLE IF NOT EXISTS claims (id TEXT PRIMARY KEY);'
put hub/records/consultation_store.cpp \
  'auto rows = tx.query("SELECT id FROM consultations "' \
  '                     "WHERE facility_id = $1", {facility});'
put hub/claims/claim_store.cpp \
  '// Counts claims; the consultations are asked of ConsultationStore, never' \
  '// read here with SELECT id FROM consultations.' \
  'auto rows = tx.query("SELECT state, COUNT(*) FROM claims WHERE facility_id = $1");' \
  "char quote = '\"'; int n = 1'000;"
put hub/key_rotation/key_rotation_job.cpp \
  'tx.exec("UPDATE " + std::string(t.table) + " SET " + column + " = $1", params);' \
  'tx.query("SELECT COUNT(*) FROM " + std::string(t.table));'
"$check" "$tmp" > "$tmp/out" 2>&1 || fail "a clean tree was refused: $(cat "$tmp/out")"

put hub/claims/claim_store.cpp \
  'auto rows = tx.query("SELECT state FROM claims c, jobs j WHERE c.run_id = j.run_id");'
put hub/reports/report_actions.cpp \
  'const std::string from = "SELECT status, COUNT(*) "' \
  '                         "FROM consultations WHERE facility_id = $1";' \
  'auto claims = tx.query(R"(' \
  '  SELECT state FROM claims' \
  ')");'
put hub/archive/retention_job.cpp \
  'tx.exec("DELETE FROM " + table + " WHERE path = $1", {path});'
put migrations/postgres/0002_gadgets.sql \
  'CREATE TABLE consultations (id TEXT PRIMARY KEY);' \
  'CREATE TABLE gadgets (id TEXT PRIMARY KEY);'
if "$check" "$tmp" > "$tmp/out" 2>/dev/null; then fail "violations passed"; fi
grep -q '^hub/reports/report_actions.cpp:2: names table consultations (owner hub/records/) in SQL$' \
  "$tmp/out" || fail "a table in adjacent literals not named: $(cat "$tmp/out")"
grep -q '^hub/reports/report_actions.cpp:4: names table claims (owner hub/claims/) in SQL$' \
  "$tmp/out" || fail "a table in a raw string not named: $(cat "$tmp/out")"
grep -q '^hub/archive/retention_job.cpp:1: builds the table name of its SQL at run time' \
  "$tmp/out" || fail "a table name built at run time not named: $(cat "$tmp/out")"
grep -q '^migrations/postgres/0002_gadgets.sql:2: creates table gadgets, which the owners block' \
  "$tmp/out" || fail "a table missing from the map not named: $(cat "$tmp/out")"
grep -q '^hub/claims/claim_store.cpp:1: names table jobs (owner hub/jobs/) in SQL$' "$tmp/out" \
  || fail "a FROM list's second table not named: $(cat "$tmp/out")"
[ "$(wc -l < "$tmp/out")" -eq 5 ] || fail "expected 5 lines, got: $(cat "$tmp/out")"

refused() {  # refused LINE PATTERN WHAT: the check exits 2 naming ARCHITECTURE.md:LINE
  local status=0
  "$check" "$tmp" > "$tmp/out" 2>&1 || status=$?
  [ "$status" -eq 2 ] || fail "$3: exit status $status, not 2: $(cat "$tmp/out")"
  grep -q "^ARCHITECTURE.md:$1: $2" "$tmp/out" || fail "$3 not named: $(cat "$tmp/out")"
  [ "$(wc -l < "$tmp/out")" -eq 1 ] || fail "$3: expected 1 line, got: $(cat "$tmp/out")"
}
put ARCHITECTURE.md '```layers' 'records' '```'
refused 1 'no ```owners block' "a missing owners block"
architecture 'consultations: records' 'claims = claims'
refused 12 'an owners line is `table: folder`' "a malformed owners line"
architecture 'consultations: records' 'jobs: jobs' 'consultations: claims'
refused 13 'table consultations has an owner already, at line 11' "a table owned twice"
architecture 'consultations: records' 'gadgets: gadgets'
refused 12 "table gadgets's owner hub/gadgets/ is in no layer" "an owner in no layer"
architecture
refused 10 'the ```owners block names no table' "an empty owners block"
echo "check-table-owners: owners and the key rotation walk pass, 5 violations named," \
  "5 malformed owners blocks refused"
