/**
 * The record tracing of a `tributary run` (runtime/engine/trace.ts): the studio's own runs (a parent process on IPC)
 * also trace the last record of every delivered batch, so that the newest samples carry a trace whatever
 * `settings.traceSampleRate` is; `--otlp-endpoint` exports the hops as OpenTelemetry spans (runtime/otlp-export.ts).
 */
import type { Logger } from 'pino';
import { packageVersion } from './build-info';
import type { Plan } from './common/flow';
import type { TracingOptions } from './engine/trace';

/** The engine's tracing options of a run, and what to close before the process exits. */
export interface RunTracing {
  tracing: TracingOptions;
  /** Flushes the span export (at most 5 s); nothing to do without `--otlp-endpoint`. */
  close(): Promise<void>;
}

/**
 * The tracing of a run of `plan`.
 * @param options `otlpEndpoint`: `--otlp-endpoint`; `studio`: the run is the studio's own (forked with IPC)
 * @throws Error (the promise rejects) with a one-line message for an `otlpEndpoint` that is not an http(s) URL
 */
export async function runTracing(
  plan: Plan,
  logger: Logger,
  options: { otlpEndpoint?: string | undefined; studio: boolean },
): Promise<RunTracing> {
  const tracing: TracingOptions = options.studio ? { lastOfBatch: true } : {};
  if (options.otlpEndpoint === undefined) return { tracing, close: () => Promise.resolve() };
  // Loaded only when asked for: the OpenTelemetry SDK is not part of a run's start-up otherwise.
  const { startOtlpExport } = await import('./otlp-export');
  const otlp = startOtlpExport({
    endpoint: options.otlpEndpoint,
    flow: plan.flow.name,
    version: packageVersion(),
    nodeTypes: new Map(plan.nodes.map((n) => [n.id, n.spec.type])),
    warn: (message) => logger.warn({ event: 'otlp-export-failed' }, message),
  });
  if (plan.flow.settings.traceSampleRate === 0 && !options.studio) {
    logger.warn('--otlp-endpoint: settings.traceSampleRate is 0, so no record is traced and no span is exported');
  }
  return { tracing: { ...tracing, onHop: (hop) => otlp.onHop(hop) }, close: () => otlp.shutdown() };
}
