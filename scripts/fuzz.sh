#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, one per importer) with clang-14, AddressSanitizer and
# UndefinedBehaviorSanitizer into build-fuzz/, then runs each for a bounded time:
#
#   scripts/fuzz.sh [SECONDS]     # per target; default $SYNDICATE_FUZZ_SECONDS or 45
#
# The random seed is $SYNDICATE_FUZZ_SEED (default 1), so that CI explores the same inputs
# first on every run and fails only on what the code does, not on luck; set another seed,
# or 0 for a fresh one each run, to explore further.
#
# Each target starts from the project's fixtures (tests/ingest/testdata/) and the inputs
# that once crashed (tests/ingest/testdata/fuzz/), in a scratch corpus of its own. A crash
# stops the run with exit 1 and leaves the input in build-fuzz/artifacts/; add it to
# tests/ingest/testdata/fuzz/ (fuzz_regression_test replays every file there) and fix it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${SYNDICATE_FUZZ_SECONDS:-45}}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "fuzz.sh: SECONDS must be a positive number" >&2; exit 2; }

scripts/install-deps.sh >&2
build_dir=${SYNDICATE_FUZZ_BUILD_DIR:-build-fuzz}
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_CXX_FLAGS=-O1 -DSYNDICATE_FUZZ=ON -DSYNDICATE_SANITIZE=address,undefined \
    -DBUILD_TESTING=OFF >&2
fi
cmake --build "$build_dir" -j "$(nproc 2>/dev/null || echo 2)" --target syndicate_fuzzers >&2

seeds=tests/ingest/testdata
regressions=tests/ingest/testdata/fuzz
artifacts="$build_dir/artifacts"
mkdir -p "$artifacts"
scratch=$(mktemp -d -t syndicate-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for format in rss atom ninjs html text; do
  corpus="$scratch/$format"
  mkdir -p "$corpus"
  # libFuzzer reads seed directories flat: copy every fixture into the scratch corpus.
  find "$seeds" -type f -exec cp -t "$corpus" {} + 2>/dev/null || true
  start=$SECONDS
  echo "fuzz.sh: fuzz_$format for ${seconds}s"
  if ! "$build_dir/fuzz/fuzz_$format" -seed="${SYNDICATE_FUZZ_SEED:-1}" \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$format-" "$corpus" \
    >"$scratch/$format.log" 2>&1; then
    tail -n 60 "$scratch/$format.log" >&2
    echo "fuzz.sh: fuzz_$format found a crash; the input is in $artifacts/" >&2
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$scratch/$format.log" | tr '\n' ' '
  echo "(took $((SECONDS - start)) s)"
done
exit "$status"
