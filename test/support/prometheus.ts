/**
 * Reading `/metrics` in tests with the Prometheus project's own parser: the text goes through prom2json (built by
 * scripts/prom2json.sh from the Go module proxy), which parses it with github.com/prometheus/common/expfmt (rejecting
 * text Prometheus would reject) and prints the metric families as JSON. Results are checked against the Prometheus
 * naming guide by {@link namingProblems}.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** One series of a family: a value, or for histograms and summaries their buckets / quantiles, sum and count. */
export interface PrometheusSample {
  labels?: Record<string, string>;
  value?: string;
  /** Histograms: cumulative counts by upper bound (`le`), `+Inf` included. */
  buckets?: Record<string, string>;
  quantiles?: Record<string, string>;
  sum?: string;
  count?: string;
}

/** A metric family: the series of one metric name with its HELP and TYPE. */
export interface PrometheusFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: PrometheusSample[];
}

let prom2json: string | undefined;

/** How long building prom2json may take on a fresh machine (module downloads and the build), ms. */
export const PARSER_BUILD_TIMEOUT_MS = 600_000;

/**
 * Builds prom2json if needed and returns its path: call it in `beforeAll(..., PARSER_BUILD_TIMEOUT_MS)`, so that the
 * first build does not count against a test's timeout.
 */
export function preparePrometheusParser(): string {
  return prom2jsonBinary();
}

/** The path of the prom2json binary (built once by scripts/prom2json.sh). */
function prom2jsonBinary(): string {
  prom2json ??= execFileSync('bash', [resolve(import.meta.dirname, '../../scripts/prom2json.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: PARSER_BUILD_TIMEOUT_MS,
  }).trim();
  return prom2json;
}

/**
 * The metric families of a scrape by name.
 * @throws when prom2json rejects the text (not valid Prometheus text format), with its message
 */
export function parseMetrics(text: string): Map<string, PrometheusFamily> {
  const json = execFileSync(prom2jsonBinary(), [], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const families = JSON.parse(json) as PrometheusFamily[];
  return new Map(families.map((family) => [family.name, family]));
}

/**
 * What in a scrape breaks the Prometheus naming guide, one line each (empty when nothing does): counters without
 * `_total`, durations not in seconds (`_ms`, `_milliseconds`), summaries and `quantile` labels (they cannot be
 * aggregated across instances), and a doubled `process_` prefix.
 */
export function namingProblems(families: Map<string, PrometheusFamily>): string[] {
  const problems: string[] = [];
  for (const [name, family] of families) {
    if (family.type === 'COUNTER' && !name.endsWith('_total')) problems.push(`${name}: a counter without _total`);
    if (/_(ms|milliseconds)($|_)/.test(name)) problems.push(`${name}: a duration not in seconds`);
    if (family.type === 'SUMMARY') problems.push(`${name}: a summary`);
    if (family.metrics.some((m) => m.labels?.quantile !== undefined)) problems.push(`${name}: a quantile label`);
    if (name.includes('process_process_')) problems.push(`${name}: a doubled process_ prefix`);
  }
  return problems;
}
