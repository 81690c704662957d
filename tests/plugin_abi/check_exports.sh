#!/bin/sh
# check_exports.sh PLUGIN.so...
# Each plugin must export its C ABI (abi.h) and nothing else: every dynamic
# symbol it defines is named wasl_plugin_*, wasl_plugin_abi_version among
# them. Names each offending symbol (demangled) and exits 1 otherwise.
#
# check_exports.sh --must-refuse LIBRARY.so
# The check's own test: succeeds only when the check refuses LIBRARY for a
# C++ (mangled) export.
set -u
if [ "${1:-}" = "--must-refuse" ]; then
  shift
  if out=$("$0" "$@" 2>&1); then
    echo "the export check accepted $*, which exports C++ symbols" >&2
    exit 1
  fi
  case "$out" in
    *"exports the C++ symbol"*) exit 0 ;;
    *) echo "the export check refused $* for another reason: $out" >&2; exit 1 ;;
  esac
fi
[ $# -gt 0 ] || { echo "usage: check_exports.sh PLUGIN.so..." >&2; exit 2; }
status=0
for plugin in "$@"; do
  if ! symbols=$(nm -D --defined-only "$plugin" | awk 'NF >= 3 {print $3}'); then
    echo "$plugin: nm could not read it" >&2
    status=1
    continue
  fi
  found_version=no
  for symbol in $symbols; do
    case "$symbol" in
      wasl_plugin_abi_version) found_version=yes ;;
      wasl_plugin_*) ;;
      _Z*) echo "$plugin exports the C++ symbol $symbol ($(echo "$symbol" | c++filt))" >&2; status=1 ;;
      *) echo "$plugin exports $symbol, which is not part of the plugin C ABI" >&2; status=1 ;;
    esac
  done
  if [ "$found_version" = no ]; then
    echo "$plugin does not export wasl_plugin_abi_version" >&2
    status=1
  fi
done
exit $status
