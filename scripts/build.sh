#!/usr/bin/env bash
# Configures and builds syndicate with CMake and Ninja. Used by demo.sh and test.sh.
#
#   scripts/build.sh [--sanitize | --tsan | --release] [TARGET...]
#
# Builds into build/ (RelWithDebInfo), or build-asan/ with --sanitize (AddressSanitizer and
# UndefinedBehaviorSanitizer at -O1), or build-tsan/ with --tsan (ThreadSanitizer at -O1),
# or build-bench/ with --release (Release, for benchmarks: scripts/bench.sh).
# SYNDICATE_BUILD_DIR=DIR puts the plain or the release build in DIR instead (e.g. to stay
# clear of a build/ someone else is using). Prints the build directory as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=
build_dir=build
cmake_args=(-G Ninja -DSYNDICATE_WERROR=ON)
targets=()
for arg in "$@"; do
  case "$arg" in
    --sanitize)
      [[ -z $mode ]] || { echo "build.sh: one of --sanitize, --tsan and --release" >&2; exit 2; }
      mode=sanitize
      build_dir=build-asan
      cmake_args+=(-DCMAKE_BUILD_TYPE=Debug -DSYNDICATE_SANITIZE=address,undefined
                   -DCMAKE_CXX_FLAGS=-O1)
      ;;
    --tsan)
      [[ -z $mode ]] || { echo "build.sh: one of --sanitize, --tsan and --release" >&2; exit 2; }
      mode=tsan
      build_dir=build-tsan
      cmake_args+=(-DCMAKE_BUILD_TYPE=Debug -DSYNDICATE_SANITIZE=thread -DCMAKE_CXX_FLAGS=-O1)
      ;;
    --release)
      [[ -z $mode ]] || { echo "build.sh: one of --sanitize, --tsan and --release" >&2; exit 2; }
      mode=release
      build_dir=${SYNDICATE_BUILD_DIR:-build-bench}
      cmake_args+=(-DCMAKE_BUILD_TYPE=Release)
      ;;
    -*) echo "build.sh: unknown option $arg" >&2; exit 2 ;;
    *) targets+=("$arg") ;;
  esac
done

[[ -n $mode ]] || build_dir=${SYNDICATE_BUILD_DIR:-build}
# An existing build directory keeps the build type it was configured with.
if [[ $mode == release && -f "$build_dir/CMakeCache.txt" ]] &&
  ! grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$build_dir/CMakeCache.txt"; then
  echo "build.sh: $build_dir is not a Release build; use another SYNDICATE_BUILD_DIR" >&2
  exit 2
fi

# Two jobs per core at most; the machine this runs on may be small.
jobs=$(nproc 2>/dev/null || echo 2)

if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" "${cmake_args[@]}" >&2
fi
cmake --build "$build_dir" -j "$jobs" ${targets[@]+--target "${targets[@]}"} >&2
echo "$build_dir"
