#!/usr/bin/env bash
# scripts/check-layers on small trees made here: a clean one passes, and an
# upward include, a sideways one, a plugin including the hub and a component
# missing from the layers each fail, named by file and line.
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
echo "check-layers: clean tree passes, 4 violations named"
