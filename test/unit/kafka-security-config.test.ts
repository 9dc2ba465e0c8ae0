// The Kafka nodes' TLS and SASL settings without a broker: what the `sasl` and `ssl` fields accept and refuse, which of
// their values count as secrets, how PEM values and `file:` references are read (and the one-line errors when they
// cannot be), the OAUTHBEARER token provider (fixed token, tokenCommand with caching by the JWT's `exp`), and how
// kafkajs authentication and TLS errors are described. The broker side: test/integration/kafka-security.test.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { listKafkaTopics } from '../../nodes/kafka-check.runtime';
import { kafkaSaslField, kafkaSslField } from '../../nodes/kafka-common.spec';
import { jwtExpiryMs, KafkaTokenError, oauthBearerProvider } from '../../nodes/kafka-oauth.runtime';
import { describeKafkaSecurityFailure, KafkaSecurityError } from '../../nodes/kafka-security-failure.runtime';
import { KafkaTlsConfigError, kafkaTlsOptions, pemText } from '../../nodes/kafka-tls.runtime';
import { specRegistry } from '../../nodes/specs';
import { findLiteralSecrets } from '../../runtime/common/secrets';
import { describeZodIssues } from '../../runtime/common/zod-issues';
import { tempDir } from '../support/runtime';

/** The messages of a failed parse, `path: message`. */
function problems(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown): string[] {
  return (schema.safeParse(value).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
}

/** A JWT-shaped token with the given claims (unsigned). */
function jwt(claims: object): string {
  const part = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

describe('sasl field', () => {
  it('takes username and password for plain and scram, a token or a tokenCommand for oauthbearer', () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
      expect(problems(kafkaSaslField, { mechanism, username: 'u', password: '${P}' }), mechanism).toEqual([]);
    }
    expect(problems(kafkaSaslField, { mechanism: 'oauthbearer', token: '${KAFKA_TOKEN}' })).toEqual([]);
    expect(problems(kafkaSaslField, { mechanism: 'oauthbearer', tokenCommand: 'get-token' })).toEqual([]);
  });

  it('refuses a missing credential, both token sources, and fields of the other kind of mechanism', () => {
    expect(problems(kafkaSaslField, { mechanism: 'scram-sha-512', username: 'u' })).toEqual(['password: scram-sha-512 needs a password']);
    expect(problems(kafkaSaslField, { mechanism: 'oauthbearer' })).toEqual(['token: oauthbearer needs exactly one of `token` and `tokenCommand`']);
    expect(problems(kafkaSaslField, { mechanism: 'oauthbearer', token: 't', tokenCommand: 'c' })).toEqual([
      'token: oauthbearer needs exactly one of `token` and `tokenCommand`',
    ]);
    expect(problems(kafkaSaslField, { mechanism: 'oauthbearer', token: 't', password: 'p' })).toEqual(['password: password is not used by oauthbearer: remove it']);
    expect(problems(kafkaSaslField, { mechanism: 'plain', username: 'u', password: 'p', tokenCommand: 'c' })).toEqual([
      'tokenCommand: tokenCommand is used only by oauthbearer: remove it',
    ]);
  });
});

describe('ssl field', () => {
  it('takes a boolean or TLS settings, rejectUnauthorized defaulting to true', () => {
    expect(kafkaSslField.parse(undefined)).toBe(false);
    expect(kafkaSslField.parse(true)).toBe(true);
    expect(kafkaSslField.parse({ ca: 'file:ca.pem' })).toEqual({ ca: 'file:ca.pem', rejectUnauthorized: true });
  });

  it('refuses other values in one message, unknown keys, and a certificate without its key', () => {
    expect(problems(kafkaSslField, 'yes')).toEqual([': give true, false, or TLS settings { ca, cert, key, passphrase, rejectUnauthorized, servername }']);
    expect(problems(kafkaSslField, { cafile: 'x' })).toEqual([': Unrecognized key: "cafile"']);
    expect(problems(kafkaSslField, { cert: 'file:c.pem' })).toEqual(['key: give `cert` and `key` together (mutual TLS)']);
    expect(problems(kafkaSslField, { passphrase: '${P}' })).toEqual(['passphrase: `passphrase` unlocks `key`: give `key` too']);
  });

  it('suggests the TLS setting a misspelt key means', () => {
    const value = { ca: 'file:ca.pem', rejectUnauthorised: false };
    const issues = kafkaSslField.safeParse(value).error?.issues ?? [];
    expect(describeZodIssues(issues, kafkaSslField, value)).toEqual([
      { path: ['rejectUnauthorised'], message: 'unknown field "rejectUnauthorised"; did you mean "rejectUnauthorized"?', atKey: true },
    ]);
  });

  it('counts key and passphrase (and sasl.token) as secrets: literal values are reported', () => {
    const flow = {
      nodes: [
        {
          id: 'in',
          type: 'source.kafka',
          config: { topic: 't', groupId: 'g', sasl: { mechanism: 'oauthbearer', token: 'eyJ' }, ssl: { ca: 'file:ca.pem', cert: 'file:c.pem', key: '-----BEGIN PRIVATE KEY-----', passphrase: 'hunter2' } },
        },
      ],
    };
    expect(findLiteralSecrets(flow, specRegistry).map((s) => s.path.join('.'))).toEqual(['sasl.token', 'ssl.key', 'ssl.passphrase']);
  });
});

describe('PEM values and file: references', () => {
  let dir: string;
  let pem: { ca: string; cert: string; key: string };
  beforeAll(() => {
    dir = tempDir('tributary-tls-unit-');
    // A CA-less self-signed certificate with a key encrypted with "secret", made by openssl (a tool nobody here wrote).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-sha256', '-days', '1', '-subj', '/CN=unit', '-passout', 'pass:secret', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    pem = { ca: readFileSync(join(dir, 'cert.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'certs', 'ca.pem'), pem.ca);
    writeFileSync(join(dir, 'not-pem.txt'), 'hello');
  });

  it('keeps PEM text and reads file: paths, relative ones against the given directory', () => {
    expect(pemText(pem.ca, 'ssl.ca', dir)).toBe(pem.ca);
    expect(pemText('file:certs/ca.pem', 'ssl.ca', dir)).toBe(pem.ca);
    expect(pemText(`file:${join(dir, 'certs', 'ca.pem')}`, 'ssl.ca', '/')).toBe(pem.ca);
  });

  it('names the field and the file when it cannot be read or is not PEM', () => {
    expect(() => pemText('file:/nonexistent/ca.pem', 'ssl.ca')).toThrow(new KafkaTlsConfigError('ssl.ca: cannot read file:/nonexistent/ca.pem: ENOENT (no such file)'));
    expect(() => pemText('file:certs', 'ssl.ca', dir)).toThrow(`ssl.ca: cannot read file:${join(dir, 'certs')}: EISDIR (is a directory)`);
    expect(() => pemText('file:not-pem.txt', 'ssl.cert', dir)).toThrow(`ssl.cert: file:${join(dir, 'not-pem.txt')} is not PEM text (no -----BEGIN line); give PEM text or file:<path>`);
    expect(() => pemText('ca.pem', 'ssl.ca', dir)).toThrow('ssl.ca: the value is not PEM text (no -----BEGIN line); give PEM text or file:<path>');
    expect(() => pemText('file: ', 'ssl.ca', dir)).toThrow('ssl.ca: file: names no file; write file:<path>');
  });

  it('builds TLS options with the files read, and checks the key and its passphrase before connecting', () => {
    expect(kafkaTlsOptions(false)).toBe(false);
    expect(kafkaTlsOptions(true)).toBe(true);
    const ssl = { ca: 'file:certs/ca.pem', cert: pem.cert, key: pem.key, passphrase: 'secret', rejectUnauthorized: false, servername: 'kafka-1' };
    expect(kafkaTlsOptions(ssl, dir)).toEqual({ ca: pem.ca, cert: pem.cert, key: pem.key, passphrase: 'secret', rejectUnauthorized: false, servername: 'kafka-1' });
    expect(() => kafkaTlsOptions({ ...ssl, passphrase: 'wrong' }, dir)).toThrow(/^ssl\.key: TLS cannot use it: .* \(wrong or missing ssl\.passphrase\?\)$/);
  });
});

describe('OAUTHBEARER token provider', () => {
  it("reads a JWT's exp claim (ms), and nothing from other tokens", () => {
    expect(jwtExpiryMs(jwt({ sub: 'a', exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
    expect(jwtExpiryMs(jwt({ sub: 'a' }))).toBeUndefined();
    expect(jwtExpiryMs('opaque-token')).toBeUndefined();
    expect(jwtExpiryMs('a.!!!.c')).toBeUndefined();
  });

  it('gives a fixed token as it is', async () => {
    await expect(oauthBearerProvider({ token: 'abc' })()).resolves.toEqual({ value: 'abc' });
  });

  it('runs tokenCommand again only once the token it printed is about to expire', async () => {
    const dir = tempDir('tributary-token-');
    const counter = join(dir, 'runs');
    const token = jwt({ sub: 'a', exp: 2_000 });
    let now = 1_000_000;
    const provider = oauthBearerProvider({ tokenCommand: `echo run >> '${counter}'; printf '%s\\n' '${token}'` }, () => now);
    const runs = (): number => readFileSync(counter, 'utf8').split('\n').filter((l) => l !== '').length;
    await expect(provider()).resolves.toEqual({ value: token });
    await provider();
    expect(runs()).toBe(1);
    now = 2_000_000 - 30_000; // within the refresh margin before exp
    await provider();
    expect(runs()).toBe(2);
  });

  it('runs tokenCommand for every authentication when its token has no exp, one run for simultaneous calls', async () => {
    const dir = tempDir('tributary-token-');
    const counter = join(dir, 'runs');
    const provider = oauthBearerProvider({ tokenCommand: `echo run >> '${counter}'; echo opaque` });
    await Promise.all([provider(), provider(), provider()]);
    await provider();
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('is not run to list topics for the inspector: a command in a flow file runs only when the user asks', async () => {
    const marker = join(tempDir('tributary-token-'), 'ran');
    const config = { brokers: ['127.0.0.1:1'], sasl: { mechanism: 'oauthbearer', tokenCommand: `touch '${marker}'; echo t` } };
    await expect(listKafkaTopics(config)).resolves.toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it('says why a tokenCommand gave no token', async () => {
    await expect(oauthBearerProvider({ tokenCommand: 'echo "not logged in" >&2; exit 3' })()).rejects.toThrow(
      new KafkaTokenError('sasl.tokenCommand: the command failed (exit code 3): not logged in'),
    );
    await expect(oauthBearerProvider({ tokenCommand: 'true' })()).rejects.toThrow('sasl.tokenCommand: the command printed no token on its standard output');
  });
});

/** kafkajs's SASL error with `message` (its type declares no constructor arguments; the class takes a message). */
function saslError(message: string): Error {
  const Sasl = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
  return new Sasl(message);
}

describe('authentication and TLS failures', () => {
  const scram = { sasl: { mechanism: 'scram-sha-512' as const, username: 'tributary', password: 'x' }, ssl: { ca: 'file:ca.pem', rejectUnauthorized: true } };

  it('names the mechanism and user of a failed SASL authentication, through kafkajs retries', () => {
    const sasl = saslError('SASL SCRAM SHA512 authentication failed: Authentication failed due to invalid credentials');
    expect(describeKafkaSecurityFailure(sasl, scram)).toBe('SASL authentication failed (scram-sha-512, user tributary): Authentication failed due to invalid credentials');
    const retried = new KafkaJSNumberOfRetriesExceeded(sasl, { retryCount: 3, retryTime: 1000 });
    expect(describeKafkaSecurityFailure(retried, scram)).toMatch(/^SASL authentication failed \(scram-sha-512, user tributary\)/);
    const oauth = { sasl: { mechanism: 'oauthbearer' as const, token: 't' }, ssl: true };
    expect(describeKafkaSecurityFailure(saslError('SASL OAUTHBEARER authentication failed: invalid token'), oauth)).toBe(
      'SASL authentication failed (oauthbearer): invalid token',
    );
  });

  it('tells an untrusted certificate from an expired one and from one for another host', () => {
    const tls = (code: string, message = 'Connection error: x'): Error => new KafkaJSConnectionError(message, { broker: 'b:9094', code } as never);
    expect(describeKafkaSecurityFailure(tls('SELF_SIGNED_CERT_IN_CHAIN'), scram)).toBe(
      "TLS: the broker's certificate is not signed by a trusted CA (ssl.ca): SELF_SIGNED_CERT_IN_CHAIN",
    );
    expect(describeKafkaSecurityFailure(tls('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), { ssl: true })).toBe(
      "TLS: the broker's certificate is not signed by a trusted CA (the system CAs; set ssl.ca to the cluster's CA): UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    );
    expect(describeKafkaSecurityFailure(tls('CERT_HAS_EXPIRED'), scram)).toBe("TLS: the broker's certificate is not valid: CERT_HAS_EXPIRED");
    expect(describeKafkaSecurityFailure(tls('ERR_TLS_CERT_ALTNAME_INVALID', "Connection error: Hostname/IP does not match certificate's altnames"), scram)).toBe(
      "TLS: the broker's certificate is for another host name (set ssl.servername, or connect by the name it names): Hostname/IP does not match certificate's altnames",
    );
  });

  it('leaves network errors alone, and keeps the messages of config and token errors', () => {
    expect(describeKafkaSecurityFailure(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { code: 'ECONNREFUSED' } as never), scram)).toBeUndefined();
    expect(describeKafkaSecurityFailure(new KafkaTokenError('sasl.tokenCommand: the command failed (exit code 1)'), scram)).toBe('sasl.tokenCommand: the command failed (exit code 1)');
    const security = new KafkaSecurityError('SASL authentication failed (plain, user u): nope');
    expect(security.retriable).toBe(false);
    expect(describeKafkaSecurityFailure(security, scram)).toBe('SASL authentication failed (plain, user u): nope');
  });
});
