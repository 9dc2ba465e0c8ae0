// TLS and SASL against the real SASL_SSL listener that `scripts/services.sh up` starts (custom CA, PLAIN, SCRAM-SHA-256,
// SCRAM-SHA-512, OAUTHBEARER with Kafka's unsecured validator): each mechanism reads and writes records through a
// `tributary run`; a wrong password, a CA that did not sign the broker's certificate and a missing CA file each end the
// run within seconds with one line naming the node and the cause; the connection check says the same.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkKafkaConnection } from '../../nodes/kafka-check.runtime';
import { clientKeyPassphrase, requireSaslListener, saslBrokers, saslPassword, saslUser, tlsFiles, unsecuredJwt } from '../support/kafka-security';
import { killAllCli, runCli, seedTopic, startCli, tempDir, waitFor, writeFlow } from '../support/runtime';
import { createTopic, testKafka, uniqueName } from '../support/services';

/** Records per flow. */
const COUNT = 50;
/**
 * A failing run must have ended within this (ms): not a speed figure but a bound that tells "fails at once" from
 * "retries": kafkajs's connection retries and the consumer's restarts (restartLimit 5) would take a minute or more.
 */
const FAIL_FAST_MS = 30_000;

type Sasl = Record<string, string>;

/** The `${VAR}` environment of every run: the secrets stay out of the flow files. */
const secretEnv = { KAFKA_PASSWORD: saslPassword, KAFKA_TOKEN: unsecuredJwt(saslUser), KAFKA_KEY_PASSPHRASE: clientKeyPassphrase };

/** A flow reading `input` and writing it to `output`, both over the SASL_SSL listener with `sasl` and `ssl`. */
function bridgeFlow(name: string, input: string, output: string, sasl: Sasl, ssl: unknown): unknown {
  const connection = { brokers: saslBrokers, sasl, ssl };
  return {
    version: 1,
    name,
    nodes: [
      { id: 'in', type: 'source.kafka', config: { ...connection, topic: input, groupId: `${input}-group`, fromBeginning: true, format: 'json' } },
      { id: 'out', type: 'sink.kafka', config: { ...connection, topic: output, key: 'key' } },
    ],
    edges: [{ from: 'in', to: 'out' }],
  };
}

/** Creates `topic` (one partition), trying again while a fresh broker does not serve its metadata yet. */
async function newTopic(topic: string): Promise<void> {
  await waitFor(`topic ${topic} created`, async () => {
    await createTopic(topic, 1);
    return true;
  }, 30_000, 500);
}

/** Records in `topic` (sum of its partitions' end offsets), read over the PLAINTEXT listener. */
async function recordsIn(topic: string): Promise<number> {
  const admin = testKafka('tributary-test-security').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Runs a bridge flow until every record reached the output topic, then stops it; it must exit 0. */
async function bridges(label: string, sasl: Sasl, ssl: unknown): Promise<void> {
  const input = uniqueName(`security-in-${label}`);
  const output = uniqueName(`security-out-${label}`);
  await newTopic(input);
  await newTopic(output);
  await seedTopic(input, COUNT, (i) => ({ id: i }));
  const flow = writeFlow(tempDir('tributary-security-'), `${label}.flow.yaml`, bridgeFlow(label, input, output, sasl, ssl));
  const cli = startCli(['run', flow], secretEnv);
  try {
    await waitFor(`${COUNT} records through ${label}`, async () => cli.child.exitCode !== null || (await recordsIn(output)) >= COUNT, 60_000, 500);
  } catch (error) {
    throw new Error(`${(error as Error).message}; output:\n${cli.output.stdout.slice(-3000)}${cli.output.stderr.slice(-3000)}`, { cause: error });
  }
  expect(cli.child.exitCode, `the run ended early:\n${cli.output.stdout.slice(-3000)}${cli.output.stderr.slice(-3000)}`).toBeNull();
  expect(await recordsIn(output)).toBe(COUNT);
  cli.child.kill('SIGTERM');
  expect(await cli.exited).toBe(0);
}

/**
 * Runs a flow that cannot connect; resolves with its output once it exited (non-zero, within FAIL_FAST_MS).
 * `bridge`: source.kafka -> sink.kafka, where the sink (opened first) fails; `source`: source.kafka -> sink.file, where
 * the consumer fails.
 */
async function failingRun(label: string, sasl: Sasl, ssl: unknown, shape: 'bridge' | 'source'): Promise<string> {
  const input = uniqueName(`security-bad-${label}`);
  await newTopic(input);
  const dir = tempDir('tributary-security-');
  const flow = bridgeFlow(label, input, input, sasl, ssl) as { nodes: { id: string; type: string; config: unknown }[] };
  if (shape === 'source') flow.nodes[1] = { id: 'out', type: 'sink.file', config: { path: `${dir}/out.jsonl` } };
  const file = writeFlow(dir, `${label}.flow.yaml`, flow);
  const started = Date.now();
  const result = await runCli(['run', file, '--log-format', 'json'], secretEnv);
  const output = `${result.stdout}${result.stderr}`;
  expect(result.code, output.slice(-3000)).not.toBe(0);
  expect(Date.now() - started, `the run took too long to fail:\n${output.slice(-3000)}`).toBeLessThan(FAIL_FAST_MS);
  return output;
}

/** The `run failed: ...` message of a run's JSON log. */
function runFailedMessage(output: string): string {
  const line = output.split('\n').find((l) => l.includes('"run failed: '));
  expect(line, output.slice(-3000)).toBeDefined();
  return (JSON.parse(line!) as { msg: string }).msg;
}

const withCa = { ca: `file:${tlsFiles.ca}` };
const scram512 = { mechanism: 'scram-sha-512', username: saslUser, password: '${KAFKA_PASSWORD}' };

beforeAll(async () => {
  await requireSaslListener();
});

afterEach(() => {
  killAllCli();
});

describe('Kafka over SASL_SSL with a custom CA', () => {
  it.each([
    ['plain', { mechanism: 'plain', username: saslUser, password: '${KAFKA_PASSWORD}' }],
    ['scram-sha-256', { mechanism: 'scram-sha-256', username: saslUser, password: '${KAFKA_PASSWORD}' }],
    ['scram-sha-512', scram512],
    ['oauthbearer', { mechanism: 'oauthbearer', token: '${KAFKA_TOKEN}' }],
  ])('%s: records are read and written', async (label, sasl) => {
    await bridges(label, sasl, withCa);
  }, 90_000);

  it('oauthbearer with a tokenCommand, and a client certificate whose key needs its passphrase', async () => {
    const sasl = { mechanism: 'oauthbearer', tokenCommand: `printf %s '${unsecuredJwt(saslUser)}'` };
    const ssl = { ...withCa, cert: `file:${tlsFiles.clientCert}`, key: `file:${tlsFiles.clientKey}`, passphrase: '${KAFKA_KEY_PASSPHRASE}' };
    await bridges('token-command', sasl, ssl);
  }, 90_000);

  it('a wrong password ends the run at once with one line naming the node, the mechanism and the user', async () => {
    const output = await failingRun('wrong-password', { ...scram512, password: 'not-the-password' }, withCa, 'bridge');
    expect(runFailedMessage(output)).toMatch(/^run failed: node out: Kafka producer could not connect to [^\n]*: SASL authentication failed \(scram-sha-512, user tributary\): Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512$/);
  }, 60_000);

  it("a CA that did not sign the broker's certificate ends the run at once with one line naming ssl.ca", async () => {
    const output = await failingRun('unknown-ca', scram512, { ca: `file:${tlsFiles.otherCa}` }, 'source');
    expect(runFailedMessage(output)).toMatch(/^run failed: node in: cannot consume [^\n]*: TLS: the broker's certificate is not signed by a trusted CA \(ssl\.ca\): [A-Z_]+$/);
  }, 60_000);

  it('a CA file that does not exist ends the run with the node, the field and the path', async () => {
    const output = await failingRun('missing-ca', scram512, { ca: 'file:/nonexistent/ca.pem' }, 'source');
    expect(runFailedMessage(output)).toMatch(/^run failed: node in: ssl\.ca: cannot read file:\/nonexistent\/ca\.pem: ENOENT \(no such file\)$/);
  }, 60_000);

  it('the connection check connects with good credentials and names the cause of a bad password or CA', async () => {
    const good = await checkKafkaConnection({ brokers: saslBrokers, sasl: { ...scram512, password: saslPassword }, ssl: withCa });
    expect(good.message).toMatch(/^connected to 1 broker\(s\), cluster /);
    expect(good.ok).toBe(true);
    const badPassword = await checkKafkaConnection({ brokers: saslBrokers, sasl: { ...scram512, password: 'nope' }, ssl: withCa });
    expect(badPassword).toEqual({ ok: false, message: expect.stringMatching(/^cannot connect to Kafka: SASL authentication failed \(scram-sha-512, user tributary\): /) });
    const badCa = await checkKafkaConnection({ brokers: saslBrokers, sasl: { ...scram512, password: saslPassword }, ssl: { ca: `file:${tlsFiles.otherCa}` } });
    expect(badCa).toEqual({ ok: false, message: expect.stringMatching(/^cannot connect to Kafka: TLS: the broker's certificate is not signed by a trusted CA \(ssl\.ca\)/) });
  }, 60_000);
});
