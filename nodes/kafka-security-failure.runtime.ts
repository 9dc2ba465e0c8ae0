/**
 * Authentication and TLS failures of a Kafka connection, told apart from the network being down (Node-only): a wrong
 * password, a broker certificate no trusted CA signed, a certificate for another host. They never go away by trying
 * again, so they are not retriable, and each becomes one line naming the mechanism and user or the TLS field to fix.
 */
import type { KafkaConnectionConfig } from './kafka-common.spec';
import { KafkaTokenError } from './kafka-oauth.runtime';
import { KafkaTlsConfigError } from './kafka-tls.runtime';

/** A Kafka connection failed to authenticate or to set up TLS; the message says which and why. Never retriable. */
export class KafkaSecurityError extends Error {
  /** Always false: the same settings fail the same way. */
  readonly retriable = false;
  /**
   * The kafkajs error described. Not the `cause`: the message already says what it said, and messages built from an
   * error's causes (`kafkaErrorMessage`) would repeat it.
   */
  readonly kafkaError: unknown;
  constructor(message: string, kafkaError?: unknown) {
    super(message);
    this.name = 'KafkaSecurityError';
    this.kafkaError = kafkaError;
  }
}

/** Node TLS error codes meaning "the broker's certificate chain does not lead to a trusted CA". */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Node TLS error codes of a certificate that is trusted but not valid now. */
const INVALID_CERTIFICATE_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_REJECTED']);

/** True when `code` is a Node TLS code of a certificate check (chain, validity or host name) that failed. */
export function isTlsCertificateFailure(code: unknown): boolean {
  return typeof code === 'string' && (UNTRUSTED_CERTIFICATE_CODES.has(code) || INVALID_CERTIFICATE_CODES.has(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID');
}

/** The error and its causes, outermost first (kafkajs keeps them in `cause` or `originalError`). */
function chain(error: unknown): { name?: unknown; message?: unknown; code?: unknown }[] {
  const out: { name?: unknown; message?: unknown; code?: unknown }[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    out.push(current as { name?: unknown; message?: unknown; code?: unknown });
    const e = current as { cause?: unknown; originalError?: unknown };
    current = e.cause ?? e.originalError;
  }
  return out;
}

/** The part of a kafkajs SASL message after its own prefix (`SASL SCRAM SHA512 authentication failed: `). */
function saslDetail(message: string): string {
  return message.replace(/^SASL [A-Z0-9 -]*?authentication failed: /i, '').replace(/^SASL [A-Z0-9 -]+: /, '');
}

/**
 * The one-line description of an authentication or TLS failure, or undefined when `error` is none (a network error,
 * a protocol error, ...).
 * @param error an error from kafkajs (connect, a request) or from building the client
 * @param config the connection fields the client was built from (to name the mechanism, the user, the TLS fields)
 * @returns e.g. `SASL authentication failed (scram-sha-512, user tributary): Authentication failed during
 *   authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512`, or `TLS: the broker's certificate
 *   is not signed by a trusted CA (ssl.ca): SELF_SIGNED_CERT_IN_CHAIN`
 */
export function describeKafkaSecurityFailure(error: unknown, config: Pick<KafkaConnectionConfig, 'sasl' | 'ssl'>): string | undefined {
  for (const e of chain(error)) {
    const message = typeof e.message === 'string' ? e.message : '';
    if (e instanceof KafkaSecurityError || e instanceof KafkaTlsConfigError || e instanceof KafkaTokenError) return message;
    if (e.name === 'KafkaJSSASLAuthenticationError') {
      const sasl = config.sasl;
      const who = sasl === undefined ? 'sasl' : `${sasl.mechanism}${sasl.username === undefined ? '' : `, user ${sasl.username}`}`;
      return `SASL authentication failed (${who}): ${saslDetail(message)}`;
    }
    const code = e.code;
    if (typeof code !== 'string') continue;
    const custom = typeof config.ssl === 'object' && config.ssl.ca !== undefined;
    if (UNTRUSTED_CERTIFICATE_CODES.has(code)) {
      return custom
        ? `TLS: the broker's certificate is not signed by a trusted CA (ssl.ca): ${code}`
        : `TLS: the broker's certificate is not signed by a trusted CA (the system CAs; set ssl.ca to the cluster's CA): ${code}`;
    }
    if (INVALID_CERTIFICATE_CODES.has(code)) return `TLS: the broker's certificate is not valid: ${code}`;
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return `TLS: the broker's certificate is for another host name (set ssl.servername, or connect by the name it names): ${message.replace(/^Connection error: /, '')}`;
    }
  }
  return undefined;
}
