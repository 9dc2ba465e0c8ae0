# Sourced by the project's scripts: `need COMMAND PACKAGE [ALTERNATIVE]` makes sure a system command exists.
# When COMMAND is missing it installs Debian's PACKAGE with apt-get if this runs as root on a Debian-like system
# (as a fresh CI machine does), and otherwise prints one line naming the install command (and ALTERNATIVE, e.g.
# "or set REDIS_URL to an existing server") and returns 1. The apt log goes to ${NEED_LOG:-/tmp/tributary-apt.log}.
need() {
  local command=$1 package=$2 alternative=${3:-}
  command -v "$command" >/dev/null && return 0
  local log=${NEED_LOG:-/tmp/tributary-apt.log}
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "need: $command not found; installing Debian's $package with apt-get (log: $log)"
    if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package") >"$log" 2>&1; then
      echo "need: apt-get install $package failed (log: $log)${alternative:+; $alternative}" >&2
      return 1
    fi
    command -v "$command" >/dev/null && return 0
    echo "need: $package is installed but $command is still not on PATH" >&2
    return 1
  fi
  echo "need: $command not found: install it (sudo apt-get install $package)${alternative:+, $alternative}" >&2
  return 1
}
