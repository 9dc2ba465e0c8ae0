/**
 * Kafka client construction shared by `source.kafka` and `sink.kafka` (Node-only): builds a kafkajs client from the
 * fields of `nodes/kafka-common.spec.ts`, routes kafkajs logs into the node's pino logger, and classifies kafkajs
 * errors as retriable or not.
 */
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Kafka, logLevel, type ISocketFactory, type KafkaConfig, type logCreator, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { TributaryError } from '../runtime/common/errors';
import type { KafkaConnectionConfig } from './kafka-common.spec';
import { registerKafkaCodecs } from './kafka-codecs.runtime';
import { oauthBearerProvider } from './kafka-oauth.runtime';
import { describeKafkaSecurityFailure, isTlsCertificateFailure, KafkaSecurityError } from './kafka-security-failure.runtime';
import { kafkaTlsOptions } from './kafka-tls.runtime';

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
  /** The node the client is for: a bad `ssl` file is reported as `node <id>: ssl.ca: ...` (E_CONFIG). */
  nodeId?: string;
}

/**
 * Flattens broker entries that hold comma-separated lists, as `${KAFKA_BROKERS}` does when it names several brokers
 * (`["a:9092,b:9092"]` -> `["a:9092", "b:9092"]`); blanks are dropped.
 */
export function splitBrokers(brokers: readonly string[]): string[] {
  return brokers.flatMap((entry) => entry.split(',')).map((b) => b.trim()).filter((b) => b !== '');
}

/** kafkajs's `sasl` option for the node's `sasl` settings. */
function saslOptions(sasl: NonNullable<KafkaConnectionConfig['sasl']>): SASLOptions {
  if (sasl.mechanism === 'oauthbearer') return { mechanism: 'oauthbearer', oauthBearerProvider: oauthBearerProvider(sasl) };
  return { mechanism: sasl.mechanism, username: sasl.username ?? '', password: sasl.password ?? '' } as SASLOptions;
}

/**
 * kafkajs's socket factory (`net.connect`, or `tls.connect` with the SNI name of a host name; keep-alive after 60 s,
 * as kafkajs's own) that reports every failed certificate check to `onCertificateFailure`, so that a connect can fail
 * at once instead of after kafkajs's retries: kafkajs counts every connection error as retriable.
 */
function socketFactory(onCertificateFailure: (error: Error) => void): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tlsConnect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ...ssl }, onConnect)
      : netConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    if (ssl) {
      (socket as TLSSocket).once('error', (error: NodeJS.ErrnoException) => {
        if (isTlsCertificateFailure(error.code)) onCertificateFailure(error);
      });
    }
    return socket;
  };
}

/** A client with `connect()` (producer, consumer, admin). */
interface Connectable {
  connect(): Promise<void>;
}

/**
 * Makes `client.connect()` reject with a {@link KafkaSecurityError} when authentication or TLS fails (at once on a
 * failed certificate check, see {@link socketFactory}); other errors are rethrown as they are.
 */
function guardConnect<T extends Connectable>(client: T, config: KafkaConnectionConfig, certificateFailures: Set<(error: Error) => void>): T {
  const connect = client.connect.bind(client);
  client.connect = async () => {
    let stopListening = (): void => undefined;
    const certificateFailed = new Promise<never>((_, reject) => {
      certificateFailures.add(reject);
      stopListening = () => certificateFailures.delete(reject);
    });
    try {
      await Promise.race([connect(), certificateFailed]);
    } catch (error) {
      const security = describeKafkaSecurityFailure(error, config);
      throw security === undefined ? error : new KafkaSecurityError(security, error);
    } finally {
      stopListening();
    }
  };
  return client;
}

/**
 * Builds a kafkajs client from the shared connection fields. Registers the snappy, lz4 and zstd codecs with kafkajs
 * first (once per process), so the client reads and writes every Kafka compression codec. TLS files (`file:` values
 * of `ssl`) are read here. The `connect()` of the client's producers, consumers and admins rejects with a
 * {@link KafkaSecurityError} (not retriable, one line naming the mechanism and user or the TLS field) when SASL
 * authentication or a certificate check fails.
 * @param config parsed `brokers`, `clientId`, `sasl`, `ssl`
 * @param options default client id, logger and timeouts
 * @returns a kafkajs `Kafka` instance (nothing is connected yet)
 * @throws KafkaTlsConfigError when an `ssl` file cannot be read, is not PEM, or its key does not fit (`ssl.ca: ...`);
 *   with `options.nodeId`, a TributaryError E_CONFIG `node <id>: ssl.ca: ...` instead
 */
export function createKafkaClient(config: KafkaConnectionConfig, options: KafkaClientOptions): Kafka {
  registerKafkaCodecs();
  let ssl: ReturnType<typeof kafkaTlsOptions>;
  try {
    ssl = kafkaTlsOptions(config.ssl);
  } catch (error) {
    if (options.nodeId === undefined) throw error;
    throw new TributaryError('E_CONFIG', `node ${options.nodeId}: ${(error as Error).message}`, { nodeId: options.nodeId, cause: error });
  }
  const certificateFailures = new Set<(error: Error) => void>();
  const kafka = new Kafka({
    clientId: config.clientId ?? options.defaultClientId,
    brokers: splitBrokers(config.brokers),
    ssl,
    ...(config.sasl === undefined ? {} : { sasl: saslOptions(config.sasl) }),
    socketFactory: socketFactory((error) => {
      for (const fail of certificateFailures) fail(error);
    }),
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: options.retry ?? { retries: 3, initialRetryTime: 300, maxRetryTime: 5_000 },
    logLevel: kafkaLogLevel(options.logger),
    logCreator: kafkaLogCreator(options.logger),
  });
  const producer = kafka.producer.bind(kafka);
  const consumer = kafka.consumer.bind(kafka);
  const admin = kafka.admin.bind(kafka);
  kafka.producer = (settings) => guardConnect(producer(settings), config, certificateFailures);
  kafka.consumer = (settings) => guardConnect(consumer(settings), config, certificateFailures);
  kafka.admin = (settings) => guardConnect(admin(settings), config, certificateFailures);
  return kafka;
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

/**
 * The message of an error and of its causes, `outer: inner: ...` (kafkajs wraps the useful part), each text once: a
 * cause whose message is already part of the text (kafkajs wrappers repeat their cause's message) is left out.
 */
export function kafkaErrorMessage(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (!parts.some((part) => part.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

/**
 * Protocol error types after which a consumer must join its group again: the coordinator forgot the member
 * (`UNKNOWN_MEMBER_ID`, e.g. after a broker restart), a rebalance started (`REBALANCE_IN_PROGRESS`), the generation
 * moved on (`ILLEGAL_GENERATION`), or the coordinator moved (`NOT_COORDINATOR_FOR_GROUP`). These are the types kafkajs
 * 2.2.4's consumer runner rejoins on when they leave `eachBatch` (src/consumer/runner.js `scheduleFetchManager`).
 */
const GROUP_MEMBERSHIP_ERRORS = new Set(['UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR_FOR_GROUP']);

/**
 * The kafkajs protocol error inside `error` (itself or a cause: kafkajs wraps errors in
 * `KafkaJSNonRetriableError` / `KafkaJSNumberOfRetriesExceeded`) that means the consumer must rejoin its group, or
 * undefined when there is none. Rethrowing the returned error (not its wrapper) from `eachBatch` makes kafkajs rejoin.
 */
export function groupMembershipError(error: unknown): (Error & { type: string }) | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { type?: unknown; cause?: unknown; originalError?: unknown };
    if (typeof e.type === 'string' && GROUP_MEMBERSHIP_ERRORS.has(e.type) && current instanceof Error) return current as Error & { type: string };
    current = e.cause ?? e.originalError;
  }
  return undefined;
}

/** kafkajs error names and protocol types that mean "no broker, or no group coordinator, answers right now". */
const UNAVAILABLE_KAFKA_ERRORS = new Set([
  ...RETRIABLE_KAFKA_ERRORS,
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
]);

/**
 * True when `error` (or one of its causes) says the brokers or the group coordinator are unavailable: connection
 * refused or closed, request timeouts, no coordinator, a coordinator still loading the group after a restart. Such
 * errors are ridden out by reconnecting (bounded by `settings.sourceUnavailableTimeoutMs`) rather than counted as
 * crashes.
 */
export function isKafkaUnavailableError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { name?: unknown; type?: unknown; cause?: unknown; originalError?: unknown; code?: unknown };
    if (typeof e.name === 'string' && UNAVAILABLE_KAFKA_ERRORS.has(e.name)) return true;
    if (typeof e.type === 'string' && UNAVAILABLE_KAFKA_ERRORS.has(e.type)) return true;
    if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'ETIMEDOUT' || e.code === 'EPIPE') return true;
    current = e.cause ?? e.originalError;
  }
  return false;
}
