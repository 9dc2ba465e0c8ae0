#!/usr/bin/env bash
# Smoke tests on the other Kafka version the project supports: `npm test` runs the integration suite on the default
# broker (Kafka 4.4.0); this script starts a second broker of Kafka 3.9.1 of its own (other ports, a state dir of its
# own under .cache/, the jars of the shared cache), runs a few integration test files against it (the runtime, the
# codecs read from and written for kcat, sink.kafka), and stops the broker again. Called by scripts/test.sh; runs
# alone too (it uses the Redis that answers on 6379, or starts one and stops it after).
#
# Usage: scripts/test-kafka-compat.sh [test file ...]
# Environment: TRIBUTARY_COMPAT_KAFKA_VERSION (3.9.1), TRIBUTARY_COMPAT_KAFKA_PORT (9192),
#   TRIBUTARY_COMPAT_CONTROLLER_PORT (9193), REDIS_URL (an existing Redis instead).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/need.sh

VERSION="${TRIBUTARY_COMPAT_KAFKA_VERSION:-3.9.1}"
PORT="${TRIBUTARY_COMPAT_KAFKA_PORT:-9192}"
CONTROLLER_PORT="${TRIBUTARY_COMPAT_CONTROLLER_PORT:-9193}"
FILES=("$@")
if ((${#FILES[@]} == 0)); then
  FILES=(test/integration/runtime.test.ts test/integration/kafka-codecs.test.ts test/integration/kafka-sink.test.ts)
fi
# The codec test produces and reads records with kcat.
need kcat kcat

# The broker's own cache: its pid files, configuration, data and logs, apart from the default broker's (.cache/).
STATE="$PWD/.cache/compat-kafka-$VERSION"
# The jars are fetched once into the shared cache (.cache/kafka/<version>/libs) and used from there.
LIBS=$(TRIBUTARY_KAFKA_VERSION="$VERSION" TRIBUTARY_KAFKA_LIBS='' KAFKA_BROKERS='' bash scripts/services.sh libs)

compat_services() {
  env -u TRIBUTARY_KAFKA_SASL_PORT TRIBUTARY_CACHE="$STATE" TRIBUTARY_KAFKA_LIBS="$LIBS" TRIBUTARY_KAFKA_VERSION="$VERSION" \
    TRIBUTARY_KAFKA_PORT="$PORT" TRIBUTARY_CONTROLLER_PORT="$CONTROLLER_PORT" KAFKA_BROKERS='' bash scripts/services.sh "$@"
}

# A broker left by an earlier run that was interrupted is stopped (by its recorded pid), and its data discarded.
compat_services down all >/dev/null
rm -rf "$STATE"
cleanup() {
  local code=$?
  compat_services down all || true
  rm -rf "$STATE"
  exit $code
}
trap cleanup EXIT INT TERM

started=$SECONDS
compat_services up
echo "== integration smoke tests on Kafka $VERSION (127.0.0.1:$PORT): ${FILES[*]}"
KAFKA_BROKERS="127.0.0.1:$PORT" npx vitest run --project integration "${FILES[@]}"
echo "compat: Kafka $VERSION smoke tests passed in $((SECONDS - started)) s (broker start included)"
