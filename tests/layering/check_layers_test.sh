#!/usr/bin/env bash
# scripts/check-layers on small trees made here: a clean one passes, and an
# upward include, a sideways one, a plugin including the hub and a component
# missing from the layers each fail, named by file and line. An
# ARCHITECTURE.md whose ```layers block is missing, unclosed or malformed is
# refused with exit status 2, named by its line.
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

put ARCHITECTURE.md '# Layers' '' 'Highest first.' '' '```layers' 'api, archive' 'workflow' \
  'records' '' 'storage crypto' '```'
put hub/workflow/engine.hpp '#pragma once' '#include "hub/records/consultation_store.hpp"'
put hub/records/consultation_store.hpp '#pragma once' '#include "hub/storage/store.hpp"'
put hub/storage/store.hpp '#pragma once' '#include "wasl/sdk/result.hpp"'
put plugins/demo/factory.cpp '#include "wasl/sdk/plugin.hpp"'
"$check" "$tmp" > "$tmp/out" || fail "a clean tree was refused: $(cat "$tmp/out")"

put hub/records/claim_store.cpp '// claims' '' '#include "hub/workflow/engine.hpp"'
put hub/archive/recording_archive.cpp '#include "hub/api/api_context.hpp"'
put plugins/demo/client.cpp '#include "hub/crypto/hex.hpp"'
put hub/gadgets/widget.cpp '#include "hub/storage/store.hpp"'
if "$check" "$tmp" > "$tmp/out" 2>/dev/null; then fail "violations passed"; fi
grep -q '^hub/records/claim_store.cpp:3: .*upward' "$tmp/out" || fail "upward include not named: $(cat "$tmp/out")"
grep -q '^hub/archive/recording_archive.cpp:1: .*sideways' "$tmp/out" || fail "sideways include not named"
grep -q '^plugins/demo/client.cpp:1: ' "$tmp/out" || fail "plugin including the hub not named"
grep -q '^hub/gadgets/widget.cpp:1: .*no layer' "$tmp/out" || fail "unknown component not named"
[ "$(wc -l < "$tmp/out")" -eq 4 ] || fail "expected 4 lines, got: $(cat "$tmp/out")"

refused() {  # refused LINE PATTERN WHAT: the check exits 2 naming ARCHITECTURE.md:LINE
  local status=0
  "$check" "$tmp" > "$tmp/out" 2>&1 || status=$?
  [ "$status" -eq 2 ] || fail "$3: exit status $status, not 2: $(cat "$tmp/out")"
  grep -q "^ARCHITECTURE.md:$1: $2" "$tmp/out" || fail "$3 not named: $(cat "$tmp/out")"
  [ "$(wc -l < "$tmp/out")" -eq 1 ] || fail "$3: expected 1 line, got: $(cat "$tmp/out")"
}
put ARCHITECTURE.md '# Layers' '' '```sh' 'scripts/check-layers' '```'
refused 1 'no ```layers block' "a missing block"
rm "$tmp/ARCHITECTURE.md"
refused 1 'cannot be read' "a missing ARCHITECTURE.md"
put ARCHITECTURE.md '# Layers' '```layers' 'api archive' 'workflow'
refused 2 'the ```layers block is not closed' "an unclosed block"
put ARCHITECTURE.md '```layers' 'api archive' 'Workflow!' 'records' '```'
refused 3 "layer component 'Workflow!' is not a folder" "a malformed component"
put ARCHITECTURE.md '```layers' 'api archive' 'workflow' 'records, archive' '```'
refused 4 'hub/archive/ is in a layer already, at line 2' "a component in two layers"
put ARCHITECTURE.md '```layers' '' '```'
refused 1 'the ```layers block names no layer' "an empty block"
put ARCHITECTURE.md '```layers' 'api' '```' '' '```layers' 'records' '```'
refused 5 'a second ```layers block; the first opens at line 1' "a second block"
echo "check-layers: clean tree passes, 4 violations named, 7 malformed ARCHITECTURE.md refused"
