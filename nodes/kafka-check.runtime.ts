/**
 * Short-lived admin connections to a Kafka cluster with a Kafka node's connection fields (Node-only): the connection
 * check of `source.kafka` and `sink.kafka` ("Test connection" in the studio) and the topic list the inspector offers
 * for completion. The client comes from the nodes' own `createKafkaClient` (through `nodes/kafka-admin.runtime.ts`) and the fields' defaults
 * (`nodes/kafka-common.spec.ts`), without retries, and every call gives up after {@link KAFKA_CHECK_TIMEOUT_MS}.
 */
import type { Admin } from 'kafkajs';
import { z } from 'zod';
import type { ConnectionTest } from '../runtime/common/studio-api';
import { withAdminSession } from './kafka-admin.runtime';
import { kafkaErrorMessage, splitBrokers } from './kafka-common.runtime';
import { kafkaConnectionFields } from './kafka-common.spec';

/** How long a connection check or a topic listing waits for the cluster: connection, each request, and overall (ms). */
export const KAFKA_CHECK_TIMEOUT_MS = 5_000;
/** Client id brokers see for a check when the config names none. */
export const KAFKA_CHECK_CLIENT_ID = 'tributary-studio';

/** The connection fields of a Kafka node; the node's other fields are ignored (they may be unfinished). */
const connectionSchema = z.object(kafkaConnectionFields);

/** The first line of a text (kafkajs messages may carry more). */
function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

/**
 * Connects an admin client with a Kafka node's connection fields, runs `work`, and disconnects.
 * @param config a Kafka node's config (`brokers`, `clientId`, `sasl`, `ssl` are read, with their defaults)
 * @throws Error when the fields are invalid (`<field>: <problem>`), no broker is given, the cluster cannot be reached,
 *   `work` fails, or nothing answered within {@link KAFKA_CHECK_TIMEOUT_MS}
 */
export async function withKafkaAdmin<T>(config: unknown, work: (admin: Admin) => Promise<T>): Promise<T> {
  const parsed = connectionSchema.safeParse(config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(issue === undefined ? 'invalid connection fields' : `${issue.path.join('.') || 'config'}: ${issue.message}`);
  }
  if (splitBrokers(parsed.data.brokers).length === 0) throw new Error('no brokers given');
  return withAdminSession(
    parsed.data,
    { clientId: KAFKA_CHECK_CLIENT_ID, retry: { retries: 0 }, connectionTimeoutMs: KAFKA_CHECK_TIMEOUT_MS, timeoutMs: KAFKA_CHECK_TIMEOUT_MS, awaitDisconnect: false },
    work,
  );
}

/**
 * The connection check of the Kafka nodes: describes the cluster and counts its topics (internal `__` topics left out).
 * @param config a Kafka node's config, `${VAR}` references substituted
 * @returns `connected to N broker(s), cluster <id>, M topics`, or `cannot connect to Kafka: <cause>` (one line; for a
 *   failed login or certificate check the cause names the mechanism and user or the TLS field, e.g. `SASL authentication
 *   failed (scram-sha-512, user app): ...`, `TLS: the broker's certificate is not signed by a trusted CA (ssl.ca): ...`,
 *   `ssl.ca: cannot read file:/x/ca.pem: ENOENT (no such file)`)
 */
export async function checkKafkaConnection(config: unknown): Promise<ConnectionTest> {
  try {
    return await withKafkaAdmin(config, async (admin) => {
      const cluster = await admin.describeCluster();
      const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
      return { ok: true, message: `connected to ${cluster.brokers.length} broker(s), cluster ${cluster.clusterId}, ${topics.length} topics` };
    });
  } catch (error) {
    return { ok: false, message: `cannot connect to Kafka: ${firstLine(kafkaErrorMessage(error))}` };
  }
}

/** True when a Kafka node's config takes its OAUTHBEARER token from `sasl.tokenCommand`. */
function usesTokenCommand(config: unknown): boolean {
  const sasl = (config as { sasl?: { mechanism?: unknown; tokenCommand?: unknown } } | null | undefined)?.sasl;
  return sasl?.mechanism === 'oauthbearer' && typeof sasl.tokenCommand === 'string';
}

/**
 * The topic names of a cluster, sorted, internal `__` topics left out. For a node whose token comes from
 * `sasl.tokenCommand` there are none: the inspector asks for them when a topic field gets the focus, and a shell
 * command written in a flow file runs only when the user asks for it (Test connection, a run).
 * @param config a Kafka node's config, `${VAR}` references substituted
 * @throws Error as {@link withKafkaAdmin} does
 */
export function listKafkaTopics(config: unknown): Promise<string[]> {
  if (usesTokenCommand(config)) return Promise.resolve([]);
  return withKafkaAdmin(config, async (admin) => (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort());
}
