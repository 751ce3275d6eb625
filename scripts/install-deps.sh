#!/usr/bin/env bash
# Installs the Debian 12 packages syndicate needs to build, test and run.
# Idempotent: packages already present are skipped; when nothing is missing,
# nothing is downloaded. Runs as root, or through sudo when it is available.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config
  # RPC and serialization
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto
  # storage
  librocksdb-dev
  # content hashes, page-token MACs and Ed25519 signatures
  libsodium-dev
  # certificates made at test time for the TLS and mTLS tests
  openssl
  # errors, strings, time
  libabsl-dev
  # command-line parsing for syndicated and syndicate
  libcli11-dev
  # the importers: XML and HTML parsing (libxml2), JSON for ninjs and JSON-LD
  libxml2-dev nlohmann-json3-dev
  # fuzzing the importers (scripts/fuzz.sh): clang and its libFuzzer and sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # tests
  libgtest-dev libgmock-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null; then
    sudo_cmd=(sudo)
  else
    echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
