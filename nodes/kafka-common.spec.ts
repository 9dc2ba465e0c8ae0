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
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;
/** The SASL mechanisms that authenticate with `username` and `password`. */
const PASSWORD_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** `sasl`: SASL authentication (mechanism; username and password, or an OAuth bearer token). */
export const kafkaSaslField = z
  .strictObject({
    mechanism: z
      .enum(KAFKA_SASL_MECHANISMS)
      .describe(
        'SASL mechanism: `plain` (username/password in clear, use with `ssl`), `scram-sha-256` or `scram-sha-512` ' +
          '(salted challenge-response), `oauthbearer` (an OAuth 2 bearer token from `token` or `tokenCommand`).',
      )
      .apply(withFieldMeta, {
        options: {
          plain: 'username/password in clear, use with `ssl`',
          'scram-sha-256': 'salted challenge-response with SHA-256',
          'scram-sha-512': 'salted challenge-response with SHA-512',
          oauthbearer: 'OAuth 2 bearer token (KIP-255), from `token` or `tokenCommand`',
        },
      }),
    username: z
      .string()
      .min(1)
      .optional()
      .describe('SASL username (e.g. the API key of Confluent Cloud).')
      .apply(withFieldMeta, { appliesWhen: { field: 'mechanism', values: [...PASSWORD_MECHANISMS] } }),
    password: z
      .string()
      .optional()
      .describe('SASL password; write `${KAFKA_PASSWORD}` in the flow file rather than the secret itself.')
      .apply(withFieldMeta, { secret: true, appliesWhen: { field: 'mechanism', values: [...PASSWORD_MECHANISMS] } }),
    token: z
      .string()
      .min(1)
      .optional()
      .describe('OAuth bearer token (a JWT), usually `${KAFKA_TOKEN}`; fixed for the run. Give this or `tokenCommand`.')
      .apply(withFieldMeta, { secret: true, appliesWhen: { field: 'mechanism', values: ['oauthbearer'] } }),
    tokenCommand: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Shell command whose standard output is an OAuth bearer token (e.g. a cloud CLI printing a fresh token). Run ' +
          'at the first connection and again whenever a broker connection authenticates after the token expired (its ' +
          'JWT `exp` claim; a token without one is fetched anew for every authentication). Must finish within 30 s. ' +
          'Give this or `token`.',
      )
      .apply(withFieldMeta, {
        appliesWhen: { field: 'mechanism', values: ['oauthbearer'] },
        examples: ['aws-msk-iam-token --region eu-west-1'],
      }),
  })
  .superRefine((sasl, ctx) => {
    if (sasl.mechanism === 'oauthbearer') {
      if ((sasl.token === undefined) === (sasl.tokenCommand === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['token'], message: 'oauthbearer needs exactly one of `token` and `tokenCommand`' });
      }
      for (const field of ['username', 'password'] as const) {
        if (sasl[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${field} is not used by oauthbearer: remove it` });
      }
      return;
    }
    for (const field of ['username', 'password'] as const) {
      if (sasl[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${sasl.mechanism} needs a ${field}` });
    }
    for (const field of ['token', 'tokenCommand'] as const) {
      if (sasl[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${field} is used only by oauthbearer: remove it` });
    }
  })
  .optional()
  .describe('SASL authentication; omit for an unauthenticated cluster.');

/** PEM text or a `file:<path>` reference, the description naming what it holds. */
function pemField(what: string): z.ZodOptional<z.ZodString> {
  return z
    .string()
    .min(1)
    .optional()
    .describe(
      `${what}: PEM text, or \`file:<path>\` naming a PEM file (a relative path is relative to the runtime's working ` +
        "directory, which the studio sets to the flow file's directory).",
    );
}

/** The TLS settings of `ssl` when given as an object. */
export const kafkaSslOptionsField = z
  .strictObject({
    ca: pemField(
      "CA certificate(s) the brokers' certificates must be signed by, instead of the system CAs (a private CA, Aiven's " +
        '`ca.pem`); omit for the system CAs',
    ).apply(withFieldMeta, { examples: ['file:./certs/ca.pem', '${KAFKA_CA_PEM}'] }),
    cert: pemField('Client certificate (chain) for mutual TLS, with `key`'),
    key: pemField('Private key of `cert`').apply(withFieldMeta, { secret: true }),
    passphrase: z
      .string()
      .optional()
      .describe('Passphrase of an encrypted `key`.')
      .apply(withFieldMeta, { secret: true }),
    rejectUnauthorized: z
      .boolean()
      .default(true)
      .describe(
        "Check each broker's certificate (signed by a trusted CA, issued for the broker's host name); `false` accepts " +
          'any certificate, which lets anyone in between read and change the records: for tests only.',
      ),
    servername: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Host name sent with SNI and checked against the brokers' certificates, when it differs from the broker " +
          'addresses (e.g. brokers reached through a tunnel); default: each broker\'s host.',
      )
      .apply(withFieldMeta, { advanced: true }),
  })
  .superRefine((ssl, ctx) => {
    if ((ssl.cert === undefined) !== (ssl.key === undefined)) {
      ctx.addIssue({ code: 'custom', path: [ssl.cert === undefined ? 'cert' : 'key'], message: 'give `cert` and `key` together (mutual TLS)' });
    }
    if (ssl.passphrase !== undefined && ssl.key === undefined) {
      ctx.addIssue({ code: 'custom', path: ['passphrase'], message: '`passphrase` unlocks `key`: give `key` too' });
    }
  });

/** `ssl`: connect with TLS, with the system CAs (`true`) or with the given settings. */
export const kafkaSslField = z
  .union([z.boolean(), kafkaSslOptionsField], {
    error: 'give true, false, or TLS settings { ca, cert, key, passphrase, rejectUnauthorized, servername }',
  })
  .default(false)
  .describe(
    'Connect to the brokers with TLS: `true` (system CA certificates), or an object: `ca` (PEM or `file:<path>`; ' +
      "replaces the system CAs), `cert` and `key` (client certificate for mutual TLS), `passphrase` (of `key`), " +
      '`rejectUnauthorized` (default true), `servername` (SNI host name). See docs/connecting.md.',
  )
  .apply(withFieldMeta, { variantLabels: { false: 'Off', true: 'On (system CAs)', '{}': 'Custom TLS' } });

/** The connection fields, ready to spread into a node's config shape. */
export const kafkaConnectionFields = {
  brokers: kafkaBrokersField,
  clientId: kafkaClientIdField,
  sasl: kafkaSaslField,
  ssl: kafkaSslField,
};

/** The parsed `sasl` of a Kafka node config. */
export type KafkaSaslConfig = z.output<typeof kafkaSaslField>;
/** The parsed `ssl` of a Kafka node config: a boolean, or the TLS settings. */
export type KafkaSslConfig = z.output<typeof kafkaSslField>;

/** The parsed connection part of a Kafka node config. */
export interface KafkaConnectionConfig {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Client id; `undefined` means `tributary-<node id>`. */
  clientId?: string | undefined;
  /** SASL settings, when the cluster needs authentication. */
  sasl?: KafkaSaslConfig | undefined;
  /** TLS: off, on with the system CAs, or on with the given settings. */
  ssl: KafkaSslConfig;
}
