#!/usr/bin/env bash
# Fetches the Gateway API standard-channel CRDs (config/crd/standard of the Go module sigs.k8s.io/gateway-api, at
# the version gateway-api/go.mod pins and go.sum checks) through the Go module proxy into
# ~/.cache/ecs-operator/testenv/gateway-api-<stamp>/ and prints that directory. The test control plane installs them
# (global-setup.ts), so HTTPRoutes are real objects checked by the real API server. A second run returns at once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/gateway-api
cache=${ECS_OPERATOR_CACHE:-$HOME/.cache/ecs-operator}
stamp=$(cat "$here/gateway-api-crds.sh" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)
out=$cache/testenv/gateway-api-$stamp
if [ -f "$out/done" ]; then echo "$out"; exit 0; fi
command -v go >/dev/null || { echo "gateway-api-crds.sh: Go is needed to fetch the Gateway API module (go 1.26+)" >&2; exit 1; }
# Only downloaded (and checked against go.sum), never built: the module's own Go version does not matter.
dir=$(cd "$src" && GOFLAGS=-mod=readonly GOTOOLCHAIN=local go mod download -json sigs.k8s.io/gateway-api | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir/config/crd/standard" ] || { echo "gateway-api-crds.sh: no config/crd/standard in $dir" >&2; exit 1; }
mkdir -p "$out"
# The CRDs only (not the ValidatingAdmissionPolicy that guards upgrades to the experimental channel).
for f in "$dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do
  case $f in *_vap_*) continue ;; esac
  cp "$f" "$out/"
done
chmod u+w "$out"/*.yaml
touch "$out/done"
echo "$out"
