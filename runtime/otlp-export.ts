/**
 * Exports record traces (runtime/engine/trace.ts) as OpenTelemetry spans over OTLP/HTTP (`tributary run
 * --otlp-endpoint URL`), with the OpenTelemetry SDK: one span per hop, parented by the previous hop (a source hop
 * continuing a `traceparent` header by the upstream span), batched by the SDK's BatchSpanProcessor and sent as
 * OTLP JSON (`Content-Type: application/json`) by `@opentelemetry/exporter-trace-otlp-http`.
 *
 * Span ids are the hops' own, the ones `sink.kafka` writes into `traceparent` headers, so a downstream consumer's span
 * hangs under the sink's span: the SDK asks its id generator for each span's id, and this module's generator hands it
 * the id of the hop being exported. Spans are created when a hop has finished, with its start and end times.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type IdGenerator, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TraceHop } from './engine/trace-context';

/** The OTLP/HTTP traces path appended to an endpoint given without a path (the OTLP exporter convention). */
export const OTLP_TRACES_PATH = '/v1/traces';

/** A running span export: hand it finished hops, shut it down (flushing) before the process exits. */
export interface OtlpExport {
  /** Exports one finished hop as a span (batched; never throws). */
  onHop(hop: TraceHop): void;
  /** Sends what is still batched and stops; resolves within `timeoutMs` even when the collector does not answer. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * The traces URL of `--otlp-endpoint`: the URL as given when it has a path (`http://collector:4318/v1/traces`), else
 * with {@link OTLP_TRACES_PATH} appended (`http://collector:4318`).
 * @throws Error with a one-line message when `endpoint` is not an http(s) URL
 */
export function otlpTracesUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`--otlp-endpoint ${endpoint}: not a URL (expected e.g. http://127.0.0.1:4318/v1/traces)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--otlp-endpoint ${endpoint}: expected an http:// or https:// URL (OTLP/HTTP)`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = OTLP_TRACES_PATH;
  return url.toString();
}

/** Hands the SDK the ids of the hop being exported (set right before each `startSpan`). */
class HopIds implements IdGenerator {
  traceId = '';
  spanId = '';
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    return this.spanId;
  }
}

const KINDS = { source: SpanKind.CONSUMER, transform: SpanKind.INTERNAL, sink: SpanKind.PRODUCER } as const;

/**
 * Starts exporting spans of `flow` to `endpoint` (see {@link otlpTracesUrl}); `nodeTypes` names each node's type for
 * the span attributes. Export failures are reported to `warn` (once per failing run of exports), never thrown.
 * @throws Error for an endpoint that is not an http(s) URL
 */
export function startOtlpExport(options: {
  endpoint: string;
  flow: string;
  version: string;
  nodeTypes: ReadonlyMap<string, string>;
  warn: (message: string) => void;
}): OtlpExport {
  const url = otlpTracesUrl(options.endpoint);
  const ids = new HopIds();
  const otlp = new OTLPTraceExporter({ url });
  let failing = false;
  const exporter: SpanExporter = {
    export: (spans, done) =>
      otlp.export(spans, (result) => {
        if (result.error !== undefined && !failing) options.warn(`cannot export spans to ${url}: ${result.error.message}`);
        failing = result.error !== undefined;
        done(result);
      }),
    shutdown: () => otlp.shutdown(),
    forceFlush: () => otlp.forceFlush(),
  };
  const provider = new BasicTracerProvider({
    idGenerator: ids,
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `tributary ${options.flow}`, [ATTR_SERVICE_VERSION]: options.version, 'tributary.flow': options.flow }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('tributary', options.version);

  const parentContext = (hop: TraceHop): Context => {
    const parentSpanId = hop.parent?.spanId ?? hop.trace.remoteParentSpanId;
    if (parentSpanId === undefined) return ROOT_CONTEXT;
    return trace.setSpanContext(ROOT_CONTEXT, {
      traceId: hop.trace.traceId,
      spanId: parentSpanId,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: hop.parent === undefined,
    });
  };

  return {
    onHop(hop) {
      ids.traceId = hop.trace.traceId;
      ids.spanId = hop.spanId;
      const span = tracer.startSpan(
        `${hop.kind} ${hop.nodeId}`,
        {
          kind: KINDS[hop.kind],
          startTime: hop.startMs,
          attributes: {
            'tributary.node.id': hop.nodeId,
            'tributary.node.type': options.nodeTypes.get(hop.nodeId) ?? hop.kind,
            'tributary.ports': hop.ports,
            ...(hop.fromPort === undefined || hop.parent === undefined
              ? {}
              : { 'tributary.edge': `${hop.parent.nodeId}:${hop.fromPort}->${hop.nodeId}:${hop.toPort ?? 'in'}` }),
            ...(hop.kind === 'sink' ? { 'tributary.acknowledged': hop.ackMs !== undefined } : {}),
          },
        },
        parentContext(hop),
      );
      if (hop.ackMs !== undefined) span.addEvent('acknowledged', hop.ackMs);
      if (hop.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: hop.error });
      span.end(hop.endMs ?? hop.startMs);
    },
    async shutdown(timeoutMs = 5_000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      await Promise.race([provider.shutdown().catch(() => undefined), deadline]);
      clearTimeout(timer);
    },
  };
}
