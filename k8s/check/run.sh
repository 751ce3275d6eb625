#!/usr/bin/env bash
# The Kubernetes checks, no cluster needed: yamllint over k8s/, then (node --test) the
# rendered manifests of base and every overlay against the API schemas, the policy rules,
# the Dockerfile against what the binaries link, and the end-to-end test of the real
# syndicated driven by the rendered StatefulSet.
#
#   k8s/check/run.sh   # builds (scripts/build.sh) what the tests run, into build/ or
#                      # $SYNDICATE_BUILD_DIR
#
# Needs scripts/install-deps.sh's packages. Renders with Debian 12's kubectl (kustomize
# v2), the oldest the manifests must work with: $KUBECTL, else the kubernetes-client
# package's, else the copy install-deps unpacks when another package owns /usr/bin/kubectl.
set -euo pipefail
cd "$(dirname "$0")"
repo=$(cd ../.. && pwd)
build_dir=$(cd "$repo" && realpath "$(scripts/build.sh syndicated syndicate grpc_health_probe | tail -n 1)")

if [[ -z ${KUBECTL:-} ]]; then
  if dpkg-query -W -f='${Status}' kubernetes-client 2>/dev/null | grep -q '^install ok installed$'; then
    KUBECTL=/usr/bin/kubectl
  else
    KUBECTL=/usr/local/lib/syndicate/kubernetes-client/usr/bin/kubectl
  fi
fi
if [[ ! -x $KUBECTL ]]; then
  echo "k8s check: no Debian kubectl at $KUBECTL; run scripts/install-deps.sh" >&2
  exit 1
fi
export KUBECTL SYNDICATE_BUILD_DIR=$build_dir

(cd .. && yamllint --strict -c .yamllint .)
echo "k8s check: yamllint clean"
# The lockfile pins every package; node_modules is not committed.
npm ci --no-audit --no-fund --loglevel=error
node --test
