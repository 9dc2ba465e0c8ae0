/**
 * Kafka connection fields shared by `source.kafka` and `sink.kafka`: brokers, client id, SASL and TLS. Browser-safe
 * (zod only), so the studio's inspector and docs read the same schemas as the runtime.
 *
 * Spread {@link kafkaConnectionFields} into a node's `z.strictObject({...})`; `nodes/kafka-common.runtime.ts` turns
 * the parsed fields into a kafkajs client.
 */
import { z } from 'zod';
import { withFieldMeta } from '../runtime/common/field-meta';

/** Default broker list: the local broker that `npm run services` starts. */
export const DEFAULT_KAFKA_BROKERS: readonly string[] = ['127.0.0.1:9092'];

/** `brokers`: bootstrap brokers as `host:port` strings; at least one. */
export const kafkaBrokersField = z
  .array(z.string().min(1).describe('One bootstrap broker, `host:port`.'))
  .min(1, 'give at least one broker')
  .default([...DEFAULT_KAFKA_BROKERS])
  .describe('Bootstrap brokers, `host:port` (e.g. `["kafka-1:9092", "kafka-2:9092"]`).');

/** `clientId`: the Kafka client id reported to brokers (quotas, logs). */
export const kafkaClientIdField = z
  .string()
  .min(1)
  .max(255)
  .optional()
  .describe('Kafka client id reported to the brokers (shows in broker logs and quotas); defaults to `tributary-<node id>`.')
  .apply(withFieldMeta, { advanced: true });

/** SASL mechanisms supported by the Kafka nodes. */
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** `sasl`: SASL authentication (mechanism, username, password). */
export const kafkaSaslField = z
  .strictObject({
    mechanism: z
      .enum(KAFKA_SASL_MECHANISMS)
      .describe(
        'SASL mechanism: `plain` (username/password in clear, use with `ssl: true`), `scram-sha-256` or `scram-sha-512` ' +
          '(salted challenge-response).',
      )
      .apply(withFieldMeta, {
        options: {
          plain: 'username/password in clear, use with `ssl: true`',
          'scram-sha-256': 'salted challenge-response with SHA-256',
          'scram-sha-512': 'salted challenge-response with SHA-512',
        },
      }),
    username: z.string().min(1).describe('SASL username.'),
    password: z.string().describe('SASL password; write `${KAFKA_PASSWORD}` in the flow file rather than the secret itself.')
      .apply(withFieldMeta, { secret: true }),
  })
  .optional()
  .describe('SASL authentication; omit for an unauthenticated cluster.');

/** `ssl`: connect with TLS. */
export const kafkaSslField = z
  .boolean()
  .default(false)
  .describe('Connect to the brokers with TLS (system CA certificates).');

/** The connection fields, ready to spread into a node's config shape. */
export const kafkaConnectionFields = {
  brokers: kafkaBrokersField,
  clientId: kafkaClientIdField,
  sasl: kafkaSaslField,
  ssl: kafkaSslField,
};

/** The parsed connection part of a Kafka node config. */
export interface KafkaConnectionConfig {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Client id; `undefined` means `tributary-<node id>`. */
  clientId?: string | undefined;
  /** SASL settings, when the cluster needs authentication. */
  sasl?: { mechanism: (typeof KAFKA_SASL_MECHANISMS)[number]; username: string; password: string } | undefined;
  /** Whether to use TLS. */
  ssl: boolean;
}
