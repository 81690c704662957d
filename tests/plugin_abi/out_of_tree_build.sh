#!/bin/sh
# out_of_tree_build.sh CMAKE BUILD_DIR EXAMPLE_DIR WORK_DIR LOAD_CHECK
# Installs the Wasl SDK from BUILD_DIR into WORK_DIR/prefix, builds the
# example plugin in EXAMPLE_DIR against it with plain cmake (no Wasl tree on
# any path), then loads and calls the result with LOAD_CHECK. Then builds
# aws_consumer/ (beside this script) against the same prefix: WaslSDK::aws in
# a program and a module, and runs the program.
# Both build unoptimised (no CMAKE_BUILD_TYPE): what is tested is the
# installed package, its targets and the exports, not the code's speed, and
# -O3 took twice the compiler's time of the whole test.
set -eu
cmake=$1 build=$2 example=$3 work=$4 check=$5
rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" --component wasl_sdk
"$cmake" -S "$example" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=
"$cmake" --build "$work/build"
test -f "$work/build/libwasl_hello.so"
test -f "$work/build/libwasl_hello.schema.json"
# Only the C ABI is exported: exactly the two entry points.
"$(dirname "$0")/check_exports.sh" "$work/build/libwasl_hello.so"
exported=$(nm -D --defined-only "$work/build/libwasl_hello.so" | awk 'NF >= 3 {print $3}' | sort | tr '\n' ' ')
test "$exported" = "wasl_plugin_abi_version wasl_plugin_register " || {
  echo "unexpected exports: $exported" >&2; exit 1; }
"$check" "$work/build/libwasl_hello.so" hello
"$cmake" -S "$(dirname "$0")/aws_consumer" -B "$work/aws" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=
"$cmake" --build "$work/aws"
test -f "$work/aws/libaws_consumer_module.so"
"$work/aws/aws_consumer"
