#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok,
# helm) from the pinned Go modules under go/ into ~/.cache/ecs-operator/testenv/v<k8s>/bin and prints
# that bin directory. A second run finds the stamp and returns at once. Go is used for this only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
cache=${ECS_OPERATOR_CACHE:-$HOME/.cache/ecs-operator}
out=$cache/testenv/v$KUBERNETES_VERSION
bin=$out/bin
stamp=$(cat "$here/versions.env" "$here/build.sh" "$here"/go/*/go.mod "$here"/go/*/go.sum | sha256sum | cut -c1-16)
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ]; then
  for b in kube-apiserver kube-controller-manager kube-scheduler etcd kwok helm; do [ -x "$bin/$b" ] || { rm -f "$out/stamp"; break; }; done
  if [ -f "$out/stamp" ]; then echo "$bin"; exit 0; fi
fi
command -v go >/dev/null || { echo "build.sh: Go is needed to build the test control plane (go 1.26+)" >&2; exit 1; }
mkdir -p "$bin"
rm -f "$out/stamp"
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly
log() { printf '[testenv] %s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
build() { # module-dir ldflags packages...
  local dir=$1 ldflags=$2; shift 2
  log "building $* (first build takes several minutes; later runs reuse $bin)"
  (cd "$here/go/$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$bin/" "$@")
}
minor=${KUBERNETES_VERSION#1.}; minor=${minor%%.*}
kv=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kv+=" -X $p.gitVersion=v$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
build kubernetes "$kv" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
build etcd "" go.etcd.io/etcd/server/v3
mv -f "$bin/v3" "$bin/etcd" 2>/dev/null || mv -f "$bin/server" "$bin/etcd" 2>/dev/null || true
build kwok "-X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
build helm "-X helm.sh/helm/v4/internal/version.version=v$HELM_VERSION" helm.sh/helm/v4/cmd/helm
for b in kube-apiserver kube-controller-manager kube-scheduler etcd kwok helm; do
  [ -x "$bin/$b" ] || { echo "build.sh: $bin/$b was not produced" >&2; exit 1; }
done
echo "$stamp" >"$out/stamp"
log "built: $("$bin/kube-apiserver" --version) / etcd $("$bin/etcd" --version | head -1) / kwok $("$bin/kwok" --version 2>&1 | head -1) / helm $("$bin/helm" version --short)"
echo "$bin"
