#!/usr/bin/env bash
# Checks the README's first command as a new user meets it: runs `npm start` in this tree, waits (at most
# START_TIMEOUT_S, default 180 s) for the studio URL it prints, requires that URL to answer 200 with the studio's page
# and its script, then stops it. Where Electron cannot start (no display, no binary), `npm start` falls back to browser
# mode and prints `Studio: <url>`; where Electron opens a window there is no URL to fetch and the check says so.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

timeout_s=${START_TIMEOUT_S:-180}
log=$(mktemp -t tributary-start.XXXXXX)
setsid npm start >"$log" 2>&1 &
pid=$!
stop() {
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}
trap 'stop; rm -f "$log"' EXIT

fail() { echo "check-start: $*" >&2; sed 's/^/  npm start | /' "$log" >&2; exit 1; }

url=
deadline=$((SECONDS + timeout_s))
while ((SECONDS < deadline)); do
  url=$(grep -oE 'Studio: http://127\.0\.0\.1:[0-9]+/\?token=[0-9a-f]+' "$log" | head -n 1 | cut -d' ' -f2 || true)
  [[ -n "$url" ]] && break
  kill -0 "$pid" 2>/dev/null || fail "npm start exited before printing a studio URL"
  sleep 1
done
[[ -n "$url" ]] || fail "no studio URL within ${timeout_s} s"

page=$(curl -sS --max-time 10 -w '\n%{http_code}' "$url") || fail "$url does not answer"
status=${page##*$'\n'}
[[ "$status" == 200 ]] || fail "$url answered $status"
grep -q '<title>Tributary Studio</title>' <<<"$page" || fail "$url did not serve the studio page"
script=$(grep -oE 'src="\./assets/[^"]+\.js"' <<<"$page" | head -n 1 | sed -E 's/^src="\.\/(.*)"$/\1/')
[[ -n "$script" ]] || fail "the studio page names no script"
origin=${url%%/\?*}
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$origin/$script") || fail "$origin/$script does not answer"
[[ "$code" == 200 ]] || fail "$origin/$script answered $code"
echo "check-start: npm start served the studio at ${origin}/ in ${SECONDS} s"
