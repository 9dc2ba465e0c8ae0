#!/usr/bin/env bash
# The README's test command (`npm test`): brings the real services up, runs type-check, lint, the generated-file
# checks, unit and integration tests, then stops only the services that this run started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

before=$(bash scripts/services.sh owned)
cleanup() {
  local code=$?
  for s in kafka redis; do
    if ! grep -qx "$s" <<<"$before" && grep -qx "$s" <<<"$(bash scripts/services.sh owned)"; then
      bash scripts/services.sh down "$s" || true
    fi
  done
  exit $code
}
trap cleanup EXIT INT TERM

bash scripts/services.sh up

step() { echo; echo "== $*"; }
step "type-check"; npx tsc -b
step "lint"; npx eslint --max-warnings 0 .
step "generated files are up to date"; npx tsx scripts/check-generated.ts; npx tsx scripts/check-node-docs.ts
step "unit tests"; npx vitest run --project unit
step "integration tests (real Kafka and Redis)"; npx vitest run --project integration
step "end-to-end tests (the studio in Chromium, browser mode)"; npx vitest run --project e2e
