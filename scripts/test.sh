#!/usr/bin/env bash
# The README's test command (`npm test`): makes sure the system packages the tests need are there (Chromium for the
# end-to-end tests; services.sh sees to Java, Maven and Redis), brings the real services up, runs type-check, lint,
# the layer check, the generated-file checks, unit, integration (on the default Kafka 4.4.0, then a smoke subset on a
# Kafka 3.9.1 broker of scripts/test-kafka-compat.sh's own), the quick fault-suite subset and end-to-end tests, then
# stops only the services that this run started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/need.sh

# The e2e tests drive Debian's Chromium (test/e2e/harness.ts); CHROMIUM_PATH points them at another build.
if [[ -z "${CHROMIUM_PATH:-}" ]]; then need chromium chromium "or set CHROMIUM_PATH to a Chromium binary"; fi
# The codec integration test produces and reads records with kcat (librdkafka), a Kafka client of its own.
need kcat kcat

before=$(bash scripts/services.sh owned)
registry_before=$(bash scripts/registry.sh owned)
cleanup() {
  local code=$?
  for s in kafka redis; do
    if ! grep -qx "$s" <<<"$before" && grep -qx "$s" <<<"$(bash scripts/services.sh owned)"; then
      bash scripts/services.sh down "$s" || true
    fi
  done
  # The schema registry (scripts/registry.sh) is stopped only when this run started it.
  if [[ -z "$registry_before" && -n "$(bash scripts/registry.sh owned)" ]]; then bash scripts/registry.sh down || true; fi
  exit $code
}
trap cleanup EXIT INT TERM

bash scripts/services.sh up
bash scripts/registry.sh up
# Confluent's Python serializer for the registry test, installed from PyPI once, before any test's clock starts.
bash scripts/registry.sh serdes >/dev/null

step() { echo; echo "== $*"; }
step "type-check"; npx tsc -b
step "lint"; npx eslint --max-warnings 0 .
step "layers (dependency-cruiser, resolved imports)"; npx tsx scripts/check-layers.ts
step "generated files are up to date"; npx tsx scripts/check-generated.ts; npx tsx scripts/check-node-docs.ts
step "unit tests"; npx vitest run --project unit
step "flow tests of the examples (tributary test, no Kafka or Redis)"; node bin/tributary.js test examples/
step "integration tests (real Kafka and Redis)"; npx vitest run --project integration
step "fault suite, quick subset (poison corpus, hostile flow files; the whole suite: npm run test:faults)"; npx vitest run --project faults-quick
step "integration smoke tests on Kafka 3.9.1 (a second broker of its own)"; bash scripts/test-kafka-compat.sh
step "end-to-end tests (the studio in Chromium, browser mode)"; npx vitest run --project e2e
