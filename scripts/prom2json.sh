#!/usr/bin/env bash
# Builds prom2json, the Prometheus project's converter of the metrics text format to JSON (it parses with Prometheus'
# own text parser, github.com/prometheus/common/expfmt), from the Go module proxy into the git-ignored
# .cache/prom2json/ (once per pinned version) and prints the path of the binary. Used by the tests that read /metrics
# (test/support/prometheus.ts). Needs Go 1.22 or later (Debian's golang-go is installed with apt-get when run as root,
# as scripts/lib/need.sh does, or else named in one line).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/need.sh

version=v1.4.2
dir=.cache/prom2json
binary=$dir/$version/prom2json

if [[ ! -x "$binary" ]]; then
  mkdir -p .cache
  # One build at a time (two test files may ask at once); the others wait and find it built.
  exec 9>.cache/prom2json.lock
  if command -v flock >/dev/null; then flock 9; fi
  if [[ ! -x "$binary" ]]; then
    [[ -x /usr/local/go/bin/go ]] && PATH=$PATH:/usr/local/go/bin
    need go golang-go >&2
    echo "prom2json: building github.com/prometheus/prom2json $version from the Go module proxy into $dir (once)" >&2
    log=.cache/prom2json.log
    if ! GOBIN="$PWD/$dir/$version" GOTOOLCHAIN=local go install "github.com/prometheus/prom2json/cmd/prom2json@$version" >"$log" 2>&1; then
      echo "prom2json: go install failed (log: $log); check that the Go module proxy is reachable" >&2
      exit 1
    fi
  fi
fi
echo "$PWD/$binary"
