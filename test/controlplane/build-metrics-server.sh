#!/usr/bin/env bash
# Builds metrics-server (the metrics pipeline of the test control plane: it scrapes kwok's emulated kubelet
# /metrics/resource and serves metrics.k8s.io through the API server's aggregation layer) from the pinned Go module
# in metrics-server/ into ~/.cache/ecs-operator/testenv/metrics-server-<stamp>/bin and prints that bin directory. A
# second run finds the binary and returns at once. Kept apart from build.sh so that the control plane's cache (and its
# 12-25 minute cold build) does not depend on it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/metrics-server
cache=${ECS_OPERATOR_CACHE:-$HOME/.cache/ecs-operator}
stamp=$(cat "$here/build-metrics-server.sh" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)
bin=$cache/testenv/metrics-server-$stamp/bin
if [ -x "$bin/metrics-server" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "build-metrics-server.sh: Go is needed to build metrics-server (go 1.26+)" >&2; exit 1; }
version=$(sed -n 's#^[[:space:]]*sigs.k8s.io/metrics-server \(v[^ ]*\).*#\1#p' "$src/go.mod")
printf '[testenv] %s building metrics-server %s into %s\n' "$(date +%H:%M:%S)" "$version" "$bin" >&2
mkdir -p "$bin"
(cd "$src" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly go build -trimpath \
  -ldflags "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$version" \
  -o "$bin/metrics-server.tmp" sigs.k8s.io/metrics-server/cmd/metrics-server)
# Renamed last, so an interrupted build is never taken for a finished one.
mv -f "$bin/metrics-server.tmp" "$bin/metrics-server"
echo "$bin"
