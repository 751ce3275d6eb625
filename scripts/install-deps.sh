#!/usr/bin/env bash
# Installs the Debian 12 packages syndicate needs to build, test and run.
# Idempotent: packages already present are skipped; when nothing is missing,
# nothing is downloaded. Runs as root, or through sudo when it is available.
#
#   scripts/install-deps.sh               # everything, the Kubernetes manifest checks' tools too
#   scripts/install-deps.sh --build-only  # what building syndicated and syndicate needs
#                                         # (the container image's build stage)
#   scripts/install-deps.sh --bench       # that, and the benchmarks' tools (scripts/bench.sh)
set -euo pipefail

build_only=false
bench=true
case "${1:-}" in
  "") ;;
  --build-only) build_only=true; bench=false ;;
  --bench) build_only=true ;;
  *) echo "install-deps: unknown argument $1 (use --build-only or --bench)" >&2; exit 2 ;;
esac

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
  # the feed poller's HTTP client
  libcurl4-openssl-dev
  # the Prometheus /metrics endpoint
  libcpp-httplib-dev
  # tests
  libgtest-dev libgmock-dev
  # libnats, NATS's C client: the JetStream log (storage/jetstream_log.h) and the fanout
  # benchmark's NATS baseline link it
  libnats-dev
)
# The benchmarks' tools (scripts/bench.sh, bench/README.md): valgrind for the callgrind
# instruction counts, nginx (with HTTP/2) and h2load for the pull baseline, gnuplot for the
# plots.
if $bench; then
  # what the benchmarks run (bench/README.md): callgrind, the nginx + h2load and nats-server
  # baselines, the plots; the JetStream log's tests start a nats-server cluster too
  packages+=(valgrind nginx-light nghttp2-client nats-server gnuplot-nox)
fi
# Not needed to build the two binaries, so left out of the image's build stage: the
# fuzzers' compiler, and the Kubernetes manifest checks' tools (k8s/check/run.sh):
# yamllint, and Node.js and npm for the offline schema validation unless a node and npm
# are already installed. kubectl (for `kubectl kustomize`) is handled below.
if ! $build_only; then
  # fuzzing the importers (scripts/fuzz.sh): clang and its libFuzzer and sanitizer runtimes
  packages+=(clang-14 libclang-rt-14-dev)
  packages+=(yamllint)
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

# Debian 12's kubernetes-client has the kubectl whose built-in kustomize (v2) the
# manifests are written for. It installs /usr/bin/kubectl, which a kubectl package from
# another source may already own; then its files are unpacked beside it instead, into
# $kubectl_root, where k8s/check/run.sh looks first.
kubectl_root=/usr/local/lib/syndicate/kubernetes-client
unpack_kubectl=false
if ! $build_only && ! dpkg-query -W -f='${Status}' kubernetes-client 2>/dev/null |
  grep -q '^install ok installed$'; then
  owner=$(dpkg-query -S /usr/bin/kubectl 2>/dev/null | cut -d: -f1 || true)
  if [[ -z $owner ]]; then
    missing+=(kubernetes-client)
  elif [[ ! -x $kubectl_root/usr/bin/kubectl ]]; then
    unpack_kubectl=true
  fi
fi

if ((${#missing[@]} == 0)) && ! $unpack_kubectl; then
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

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update
if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
# Debian's nats-server package enables and starts a system-wide server on port 4222; the
# tests and the benchmark start their own on loopback ports, so the service is turned off.
if [[ " ${missing[*]} " == *" nats-server "* ]] && [[ -d /run/systemd/system ]]; then
  "${sudo_cmd[@]}" systemctl disable --now nats-server || true
fi
if $unpack_kubectl; then
  echo "install-deps: /usr/bin/kubectl belongs to package $owner; unpacking Debian's" \
    "kubernetes-client into $kubectl_root"
  download=$(mktemp -d)
  chmod 755 "$download"  # apt-get downloads as its own user
  (cd "$download" && apt-get download kubernetes-client)
  "${sudo_cmd[@]}" mkdir -p "$kubectl_root"
  "${sudo_cmd[@]}" dpkg-deb -x "$download"/kubernetes-client_*.deb "$kubectl_root"
  rm -rf "$download"
fi
