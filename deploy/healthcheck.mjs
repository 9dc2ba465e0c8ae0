// The container's HEALTHCHECK (deploy/Dockerfile): exits 0 when the runtime's liveness endpoint answers 2xx within
// the timeout, 1 otherwise (refused, timed out, or any other status), printing one line saying why.
// The URL is HEALTHCHECK_URL, default http://127.0.0.1:9464/healthz (the image's --metrics-port); the timeout is
// HEALTHCHECK_TIMEOUT_MS, default 4000 (below the Dockerfile's --timeout=5s). Plain Node (global fetch), no
// dependencies, so it runs in the slim image, which has no curl or wget.
const url = process.env.HEALTHCHECK_URL ?? 'http://127.0.0.1:9464/healthz';
const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS ?? 4000);

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await response.text()).slice(0, 200).trim();
  if (response.ok) {
    process.stdout.write(`healthy: ${url} answered ${response.status}\n`);
    process.exit(0);
  }
  process.stdout.write(`unhealthy: ${url} answered ${response.status}${body === '' ? '' : `: ${body}`}\n`);
  process.exit(1);
} catch (error) {
  const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  process.stdout.write(`unhealthy: ${url}: ${reason}\n`);
  process.exit(1);
}
