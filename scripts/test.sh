#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite.
#
#   scripts/test.sh              # RelWithDebInfo build in build/
#   scripts/test.sh --sanitize   # AddressSanitizer + UndefinedBehaviorSanitizer, -O1, build-asan/
#   scripts/test.sh --tsan       # ThreadSanitizer, -O1, build-tsan/: builds and runs only the
#                                # tests labelled tsan (syndicate_test(... LABELS tsan))
#
# Extra arguments after -- go to ctest, e.g. scripts/test.sh -- -R storage
set -euo pipefail
cd "$(dirname "$0")/.."

build_args=()
ctest_args=()
label_args=()
while (($#)); do
  case "$1" in
    --sanitize) build_args+=(--sanitize) ;;
    --tsan)
      # Only the binaries with tsan-labelled tests, the ones that exercise threads, so the
      # TSan build (slow, and of little use elsewhere) stays small.
      build_args+=(--tsan syndicate_tests_tsan)
      # Not the backup tests: BackupEngine flushes while publishes write, and every report
      # that makes is inside Debian's uninstrumented RocksDB (its write group, memtable
      # arenas, the backup workers' channel), ordered by atomics TSan cannot see. They run
      # in the plain and ASan stages.
      label_args=(-L tsan -E StoreBackupTest)
      ;;
    --) shift; ctest_args=("$@"); break ;;
    *) echo "test.sh: unknown argument $1 (use --sanitize, --tsan, or -- CTEST_ARGS)" >&2; exit 2 ;;
  esac
  shift
done

scripts/install-deps.sh
build_dir=$(scripts/build.sh ${build_args[@]+"${build_args[@]}"} | tail -n 1)

# Sanitizer reports fail the run; gRPC's and protobuf's process-wide singletons are freed
# at exit, so leak checking stays on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Any report fails the test. The suppressions are for reports inside Debian's libraries,
# which are not built with TSan; tsan.supp says why each one is there. history_size=7 keeps
# enough of each thread's past to restore the earlier stack of a report, which they match on.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:history_size=7:suppressions=$PWD/scripts/tsan.supp}
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" \
  ${label_args[@]+"${label_args[@]}"} ${ctest_args[@]+"${ctest_args[@]}"}
