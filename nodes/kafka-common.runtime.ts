/**
 * Kafka client construction shared by `source.kafka` and `sink.kafka` (Node-only): builds a kafkajs client from the
 * fields of `nodes/kafka-common.spec.ts`, routes kafkajs logs into the node's pino logger, and classifies kafkajs
 * errors as retriable or not.
 */
import { Kafka, logLevel, type KafkaConfig, type logCreator, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConnectionConfig } from './kafka-common.spec';
import { registerKafkaCodecs } from './kafka-codecs.runtime';

/**
 * A kafkajs `logCreator` writing into `logger` with the kafkajs namespace as `kafkajs` field. kafkajs levels map to
 * pino as ERROR->error, WARN->warn, INFO->debug, DEBUG->trace (kafkajs INFO lines are too chatty for a pipeline log).
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      const fields = { kafkajs: namespace, ...extra };
      if (level === logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else if (level === logLevel.INFO) logger.debug(fields, message);
      else logger.trace(fields, message);
    };
}

/** The kafkajs log level that lets through exactly what `logger` would print (see {@link kafkaLogCreator}). */
function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  if (logger.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}

/** Options of {@link createKafkaClient} besides the connection fields. */
export interface KafkaClientOptions {
  /** Client id used when the config has none (e.g. `tributary-<node id>`). */
  defaultClientId: string;
  /** Where kafkajs logs go. */
  logger: Logger;
  /** kafkajs client-level retry settings; the defaults suit a sink the engine retries itself. */
  retry?: KafkaConfig['retry'];
  /** Connection timeout (ms); default 10,000. */
  connectionTimeoutMs?: number;
  /** Request timeout (ms); default 30,000. */
  requestTimeoutMs?: number;
}

/**
 * Flattens broker entries that hold comma-separated lists, as `${KAFKA_BROKERS}` does when it names several brokers
 * (`["a:9092,b:9092"]` -> `["a:9092", "b:9092"]`); blanks are dropped.
 */
export function splitBrokers(brokers: readonly string[]): string[] {
  return brokers.flatMap((entry) => entry.split(',')).map((b) => b.trim()).filter((b) => b !== '');
}

/**
 * Builds a kafkajs client from the shared connection fields. Registers the snappy, lz4 and zstd codecs with kafkajs
 * first (once per process), so the client reads and writes every Kafka compression codec.
 * @param config parsed `brokers`, `clientId`, `sasl`, `ssl`
 * @param options default client id, logger and timeouts
 * @returns a kafkajs `Kafka` instance (nothing is connected yet)
 */
export function createKafkaClient(config: KafkaConnectionConfig, options: KafkaClientOptions): Kafka {
  registerKafkaCodecs();
  const sasl: SASLOptions | undefined =
    config.sasl === undefined
      ? undefined
      : ({ mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions);
  return new Kafka({
    clientId: config.clientId ?? options.defaultClientId,
    brokers: splitBrokers(config.brokers),
    ssl: config.ssl,
    ...(sasl === undefined ? {} : { sasl }),
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: options.retry ?? { retries: 3, initialRetryTime: 300, maxRetryTime: 5_000 },
    logLevel: kafkaLogLevel(options.logger),
    logCreator: kafkaLogCreator(options.logger),
  });
}

/** kafkajs error names that mean "the cluster or the network is unavailable right now". */
const RETRIABLE_KAFKA_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
]);

/**
 * True when a kafkajs error may go away if the same operation is tried again: the error says `retriable: true`, or is
 * a connection/timeout error, or is kafkajs giving up after its own retries (`KafkaJSNumberOfRetriesExceeded`) on such
 * an error. Protocol errors such as `MESSAGE_TOO_LARGE` or authorization failures are not retriable.
 */
export function isRetriableKafkaError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { name?: unknown; retriable?: unknown; cause?: unknown; originalError?: unknown };
    if (e.retriable === true) return true;
    if (typeof e.name === 'string' && RETRIABLE_KAFKA_ERRORS.has(e.name)) return true;
    if (e.name !== 'KafkaJSNumberOfRetriesExceeded') return false;
    current = e.cause ?? e.originalError;
  }
  return false;
}

/** The message of an error and of its causes, `outer: inner: ...` (kafkajs wraps the useful part). */
export function kafkaErrorMessage(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (!parts.includes(message)) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}
