#!/usr/bin/env bash
# scripts/check-format and scripts/check-tidy on small files made here, with
# the repository's .clang-format and .clang-tidy: clean files pass; a badly
# formatted file, a use after move, a size() == 0, and a file that does not
# compile each fail, named by file and line; a finding in a hub header
# included twice is printed once, and one in a header outside hub/ not at all;
# the record of clean sources skips exactly the sources unchanged since.
set -euo pipefail
repo="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

put() {  # put FILE LINE…: writes the lines into $tmp/FILE
  local file="$tmp/$1"; shift
  mkdir -p "$(dirname "$file")"
  printf '%s\n' "$@" > "$file"
}

cp "$repo/.clang-format" "$repo/.clang-tidy" "$tmp/"

# clang-format
put formatted.cpp '#include <string>' '' 'int twice(int n) { return 2 * n; }'
put unformatted.cpp '#include <string>' '' 'int  twice( int n ) {return 2*n;}'
"$repo/scripts/check-format" "$tmp/formatted.cpp" > "$tmp/out" 2>&1 ||
  fail "a formatted file was refused: $(cat "$tmp/out")"
if "$repo/scripts/check-format" "$tmp/unformatted.cpp" "$tmp/formatted.cpp" > "$tmp/out" 2>/dev/null; then
  fail "an unformatted file passed"
fi
grep -q "^$tmp/unformatted.cpp:3: .*\[clang-format\]$" "$tmp/out" ||
  fail "the unformatted line was not named: $(cat "$tmp/out")"
if grep -q "formatted.cpp:" <(grep -v unformatted "$tmp/out"); then
  fail "the formatted file was named: $(cat "$tmp/out")"
fi

# clang-tidy
put hub/widget.hpp '#pragma once' '#include <string>' '#include <utility>' '' \
  'inline std::size_t moved_from(std::string s) {' \
  '  std::string t = std::move(s);' \
  '  return s.size() + t.size();' \
  '}'
put other/quiet.hpp '#pragma once' '#include <string>' '#include <utility>' '' \
  'inline std::size_t quiet_moved_from(std::string s) {' \
  '  std::string t = std::move(s);' \
  '  return s.size() + t.size();' \
  '}'
put hub/widget.cpp '#include "hub/widget.hpp"' '#include "other/quiet.hpp"' '' \
  'bool blank(const std::string& s) {' \
  '  return s.size() == 0;' \
  '}'
put hub/gadget.cpp '#include "hub/widget.hpp"' '' 'int gadget() { return 1; }'
put hub/clean.cpp '#include <string>' '' 'bool blank(const std::string& s) { return s.empty(); }'
put hub/broken.cpp 'int broken() { return undeclared; }'
entries=()
for f in widget gadget clean broken; do
  entries+=("{\"directory\": \"$tmp\", \"file\": \"$tmp/hub/$f.cpp\", \"command\": \"c++ -std=c++20 -I$tmp -c hub/$f.cpp\"}")
done
mkdir -p "$tmp/build"
(IFS=,; echo "[${entries[*]}]") > "$tmp/build/compile_commands.json"

"$repo/scripts/check-tidy" -p "$tmp/build" "$tmp/hub/clean.cpp" > "$tmp/out" 2>&1 ||
  fail "a clean file was refused: $(cat "$tmp/out")"
if "$repo/scripts/check-tidy" -p "$tmp/build" "$tmp/hub/widget.cpp" "$tmp/hub/gadget.cpp" \
    > "$tmp/out" 2>/dev/null; then
  fail "findings passed"
fi
grep -q "^$tmp/hub/widget.hpp:7: .*\[bugprone-use-after-move\]$" "$tmp/out" ||
  fail "the use after move in the hub header was not named: $(cat "$tmp/out")"
[ "$(grep -c "widget.hpp:7:" "$tmp/out")" = 1 ] ||
  fail "a header finding was printed more than once: $(cat "$tmp/out")"
grep -q "^$tmp/hub/widget.cpp:5: .*\[readability-container-size-empty\]$" "$tmp/out" ||
  fail "size() == 0 was not named: $(cat "$tmp/out")"
if grep -q "quiet.hpp" "$tmp/out"; then fail "a header outside hub/ was checked: $(cat "$tmp/out")"; fi
if "$repo/scripts/check-tidy" -p "$tmp/build" "$tmp/hub/broken.cpp" > "$tmp/out" 2>/dev/null; then
  fail "a file that does not compile passed"
fi
grep -q "^$tmp/hub/broken.cpp:1: .*\[clang-diagnostic-error\]$" "$tmp/out" ||
  fail "the compile error was not named: $(cat "$tmp/out")"
# The record of sources found clean (--record, --unchecked): a clean source is
# recorded and then skipped; a change to it or to a header it includes brings
# it back; a run with findings records nothing.
record="$tmp/clean-record.txt"
"$repo/scripts/check-tidy" -p "$tmp/build" --record --record-file "$record" \
    "$tmp/hub/clean.cpp" > "$tmp/out" 2>&1 || fail "recording a clean file failed: $(cat "$tmp/out")"
grep -q " $tmp/hub/clean.cpp$" "$record" || fail "the clean file was not recorded: $(cat "$record")"
"$repo/scripts/check-tidy" -p "$tmp/build" --unchecked --record-file "$record" --list \
    "$tmp/hub/clean.cpp" "$tmp/hub/gadget.cpp" > "$tmp/out" 2>/dev/null
[ "$(cat "$tmp/out")" = "$tmp/hub/gadget.cpp" ] ||
  fail "--unchecked did not skip exactly the recorded file: $(cat "$tmp/out")"
if "$repo/scripts/check-tidy" -p "$tmp/build" --record --record-file "$record" \
    "$tmp/hub/gadget.cpp" > "$tmp/out" 2>/dev/null; then
  fail "a source including a header with a finding passed"
fi
if grep -q "gadget.cpp" "$record"; then fail "a run with findings was recorded: $(cat "$record")"; fi
put hub/clean.cpp '#include <string>' '#include "hub/note.hpp"' '' \
  'bool blank(const std::string& s) { return s.empty(); }'
put hub/note.hpp '#pragma once' 'inline int note() { return 1; }'
"$repo/scripts/check-tidy" -p "$tmp/build" --record --record-file "$record" \
    "$tmp/hub/clean.cpp" > "$tmp/out" 2>&1 || fail "recording the changed file failed: $(cat "$tmp/out")"
put hub/note.hpp '#pragma once' 'inline int note() { return 2; }'
"$repo/scripts/check-tidy" -p "$tmp/build" --unchecked --record-file "$record" --list \
    "$tmp/hub/clean.cpp" > "$tmp/out" 2>/dev/null
[ "$(cat "$tmp/out")" = "$tmp/hub/clean.cpp" ] ||
  fail "a change to an included header did not bring the source back: $(cat "$tmp/out")"
echo "check-format and check-tidy refuse what they should"
