#!/usr/bin/env bash
# Builds lua-health (the Argo CD health check runner of the packaging tests, test/controlplane/lua-health/: gopher-lua
# as Argo CD runs it) into ~/.cache/ecs-operator/testenv/lua-health-<stamp>/bin and prints that bin directory. A
# second run finds the stamp and returns at once. Kept apart from build.sh so that the control plane's cache (and its
# 12-25 minute cold build) does not depend on this small tool.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/lua-health
cache=${ECS_OPERATOR_CACHE:-$HOME/.cache/ecs-operator}
stamp=$(cat "$here/build-lua-health.sh" "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)
bin=$cache/testenv/lua-health-$stamp/bin
if [ -x "$bin/lua-health" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "build-lua-health.sh: Go is needed to build the Lua health check runner (go 1.26+)" >&2; exit 1; }
printf '[testenv] %s building lua-health (gopher-lua) into %s\n' "$(date +%H:%M:%S)" "$bin" >&2
mkdir -p "$bin"
(cd "$src" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$bin/lua-health.tmp" .)
mv -f "$bin/lua-health.tmp" "$bin/lua-health"
echo "$bin"
