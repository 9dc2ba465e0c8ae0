/**
 * Where the SASL_SSL listener of `scripts/services.sh up` is and how to log in to it, read the way services.sh writes
 * them: port `TRIBUTARY_KAFKA_SASL_PORT` (default 9094), certificates in `<TRIBUTARY_CACHE or .cache>/services/tls/`,
 * one user for PLAIN and SCRAM, and Kafka's unsecured OAUTHBEARER validator (an unsigned JWT passes).
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { kafkaBrokers } from './services';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The listener's port, as services.sh chooses it. */
export const saslPort = Number(process.env.TRIBUTARY_KAFKA_SASL_PORT ?? 9094);
/** The listener's host: that of the PLAINTEXT broker the other tests use. */
const saslHost = (kafkaBrokers[0] ?? '127.0.0.1:9092').replace(/:\d+$/, '');
/** Bootstrap list of the SASL_SSL listener. */
export const saslBrokers = [`${saslHost}:${saslPort}`];

/** The user services.sh creates for PLAIN (JAAS) and SCRAM-SHA-256/512 (kafka-configs). */
export const saslUser = 'tributary';
/** Its password (test credentials of the local broker, not a secret). */
export const saslPassword = 'tributary-secret';
/** Passphrase of `client.key`. */
export const clientKeyPassphrase = 'tributary-tls';

/** The directory services.sh generates the certificates into. */
export const tlsDir = join(process.env.TRIBUTARY_CACHE ?? join(ROOT, '.cache'), 'services', 'tls');
/** The generated files: the broker's CA, an unrelated CA, and a client certificate with its encrypted key. */
export const tlsFiles = {
  ca: join(tlsDir, 'ca.pem'),
  otherCa: join(tlsDir, 'other-ca.pem'),
  clientCert: join(tlsDir, 'client.pem'),
  clientKey: join(tlsDir, 'client.key'),
};

/**
 * Rejects with a clear error when the listener's certificates are missing or nothing listens on its port
 * (`scripts/services.sh up` has not run, or the broker was started before the listener existed).
 */
export async function requireSaslListener(): Promise<void> {
  const restart = 'run scripts/services.sh up (a broker started before the listener existed must be restarted: scripts/services.sh down kafka, then up)';
  if (!existsSync(tlsFiles.ca)) throw new Error(`no SASL_SSL listener certificates in ${tlsDir}: ${restart}`);
  const [host, port] = [saslBrokers[0]!.replace(/:\d+$/, ''), saslPort];
  await new Promise<void>((resolveOpen, reject) => {
    const socket = connect({ host, port, timeout: 3_000 }, () => {
      socket.destroy();
      resolveOpen();
    });
    const fail = (why: string): void => {
      socket.destroy();
      reject(new Error(`nothing answers on the SASL_SSL listener ${host}:${port} (${why}): ${restart}`));
    };
    socket.on('error', (error) => fail(error.message));
    socket.on('timeout', () => fail('no answer within 3 s'));
  });
}

/**
 * An unsigned JWT (`alg: none`) for Kafka's unsecured OAUTHBEARER validator.
 * @param sub the principal
 * @param lifetimeS seconds until its `exp`
 */
export function unsecuredJwt(sub: string, lifetimeS = 3600): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none' })}.${part({ sub, iat: now, exp: now + lifetimeS })}.`;
}
