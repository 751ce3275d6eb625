#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite.
#
#   scripts/test.sh              # RelWithDebInfo build in build/
#   scripts/test.sh --sanitize   # AddressSanitizer + UndefinedBehaviorSanitizer, -O1, build-asan/
#
# Extra arguments after -- go to ctest, e.g. scripts/test.sh -- -R storage
set -euo pipefail
cd "$(dirname "$0")/.."

build_args=()
ctest_args=()
while (($#)); do
  case "$1" in
    --sanitize) build_args+=(--sanitize) ;;
    --) shift; ctest_args=("$@"); break ;;
    *) echo "test.sh: unknown argument $1 (use --sanitize, or -- CTEST_ARGS)" >&2; exit 2 ;;
  esac
  shift
done

scripts/install-deps.sh
build_dir=$(scripts/build.sh ${build_args[@]+"${build_args[@]}"} | tail -n 1)

# Sanitizer reports fail the run; gRPC's and protobuf's process-wide singletons are freed
# at exit, so leak checking stays on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" \
  ${ctest_args[@]+"${ctest_args[@]}"}
