/**
 * Short-lived kafkajs admin sessions with a deadline (Node-only), shared by the connection check of the Kafka nodes
 * (`nodes/kafka-check.runtime.ts`) and the consumer group offsets of `tributary offsets` and "Replay from…"
 * (`runtime/kafka-offsets.ts`): connect, do the work, disconnect, and give up when the whole took longer than the
 * deadline, so a cluster that never answers cannot hang a command or the studio.
 */
import type { Admin, KafkaConfig } from 'kafkajs';
import { pino } from 'pino';
import { createKafkaClient } from './kafka-common.runtime';
import type { KafkaConnectionConfig } from './kafka-common.spec';

/** How {@link withAdminSession} connects. */
export interface AdminSessionOptions {
  /** Client id brokers see when the connection fields name none. */
  clientId: string;
  /** kafkajs retry settings of the admin client. */
  retry: KafkaConfig['retry'];
  /** Connection timeout (ms). */
  connectionTimeoutMs: number;
  /** Each request's timeout, and the deadline of connecting plus `work` together (ms). */
  timeoutMs: number;
  /** Wait for the disconnect before returning (a command that exits next); else it finishes in the background. */
  awaitDisconnect: boolean;
}

/** kafkajs logs of a short admin session are not wanted: its caller words the outcome in one line. */
const silentLogger = pino({ level: 'silent' });

/**
 * Connects an admin client with a Kafka node's connection fields, runs `work`, and disconnects.
 * @param connection parsed connection fields (`brokers`, `clientId`, `sasl`, `ssl`)
 * @param options client id, retries and timeouts (ms)
 * @param work what to do with the connected admin client
 * @returns what `work` returns
 * @throws what {@link createKafkaClient} throws (unreadable `ssl` files), the kafkajs error of connecting or of `work`,
 *   or `Error('no answer within N s')` when the deadline passed first
 */
export async function withAdminSession<T>(
  connection: KafkaConnectionConfig,
  options: AdminSessionOptions,
  work: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = createKafkaClient(connection, {
    defaultClientId: options.clientId,
    logger: silentLogger,
    retry: options.retry,
    connectionTimeoutMs: options.connectionTimeoutMs,
    requestTimeoutMs: options.timeoutMs,
  }).admin();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      (async () => {
        await admin.connect();
        return work(admin);
      })(),
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`no answer within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    const disconnected = admin.disconnect().catch(() => undefined);
    if (options.awaitDisconnect) await disconnected;
  }
}
