// Every Kafka compression codec against the real local broker, checked with kcat (librdkafka, a client nobody here
// wrote): records kcat produces with gzip, snappy, lz4 and zstd are read completely by a `tributary run` flow, and
// records `sink.kafka` produces with each codec are read back completely by kcat.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllCli, seedTopic, startCli, tempDir, waitFor, writeFlow, type RunningCli } from '../support/runtime';
import { createTopic, kafkaBrokers, uniqueName } from '../support/services';

const run = promisify(execFile);

/** The codecs kcat and `sink.kafka` both take (`none` needs no check here: every other test uses it). */
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Records per topic: enough for several compressed batches. */
const COUNT = 300;

/** The value of record `i`: JSON with repeated text, so each codec has something to compress. */
function valueOf(i: number): { id: number; text: string } {
  return { id: i, text: `record ${i} `.repeat(1 + (i % 7)) };
}

/** Produces `lines` (`key:value`, one per record) to `topic` with kcat and codec `codec`; rejects on a non-zero exit. */
function kcatProduce(topic: string, codec: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-P', '-b', kafkaBrokers[0]!, '-t', topic, '-z', codec, '-K:', '-X', 'linger.ms=50'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -P exited ${code}: ${stderr}`))));
    child.stdin.end(lines.map((line) => `${line}\n`).join(''));
  });
}

/** Reads `topic` from the beginning to its end with kcat, one `key:value` line per record. */
async function kcatConsume(topic: string): Promise<string[]> {
  const { stdout } = await run('kcat', ['-C', '-e', '-q', '-b', kafkaBrokers[0]!, '-t', topic, '-f', '%k:%s\n'], {
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.split('\n').filter((line) => line !== '');
}

/** The lines of `path` so far (none while the file does not exist). */
function linesOf(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
}

/** Stops a run with SIGTERM; it must exit 0. */
async function stop(cli: RunningCli): Promise<void> {
  cli.child.kill('SIGTERM');
  const code = await cli.exited;
  expect(code, `exit code; stderr:\n${cli.output.stderr.slice(-4000)}`).toBe(0);
}

afterEach(() => {
  killAllCli();
});

describe('Kafka compression codecs, checked with kcat', () => {
  it('kcat records with each codec are read completely by a tributary run', async () => {
    const dir = tempDir('tributary-codecs-');
    const topics = CODECS.map((codec) => ({ codec, topic: uniqueName(`codec-in-${codec}`) }));
    for (const { codec, topic } of topics) {
      await createTopic(topic, 1);
      await kcatProduce(topic, codec, Array.from({ length: COUNT }, (_, i) => `k${i}:${JSON.stringify(valueOf(i))}`));
    }
    const flow = writeFlow(dir, 'codecs-in.flow.yaml', {
      version: 1,
      name: 'codecs-in',
      nodes: topics.flatMap(({ codec, topic }) => [
        { id: `read-${codec}`, type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId: `${topic}-group`, fromBeginning: true, format: 'json' } },
        { id: `write-${codec}`, type: 'sink.file', config: { path: join(dir, `${codec}.jsonl`), envelope: true } },
      ]),
      edges: topics.map(({ codec }) => ({ from: `read-${codec}`, to: `write-${codec}` })),
    });
    const cli = startCli(['run', flow]);
    try {
      await waitFor(
        `${COUNT} records of each codec in the files`,
        () => cli.child.exitCode !== null || CODECS.every((codec) => linesOf(join(dir, `${codec}.jsonl`)).length >= COUNT),
        90_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; stderr:\n${cli.output.stderr.slice(-4000)}`, { cause: error });
    }
    expect(cli.child.exitCode, `the run ended early; stderr:\n${cli.output.stderr.slice(-4000)}`).toBeNull();
    await stop(cli);
    for (const codec of CODECS) {
      const records = linesOf(join(dir, `${codec}.jsonl`)).map((line) => JSON.parse(line) as { key: string; value: unknown });
      expect(records.map((r) => [r.key, r.value]), codec).toEqual(Array.from({ length: COUNT }, (_, i) => [`k${i}`, valueOf(i)]));
    }
  });

  it('sink.kafka records with each codec are read back completely by kcat', async () => {
    const dir = tempDir('tributary-codecs-');
    const input = uniqueName('codec-source');
    await createTopic(input, 1);
    await seedTopic(input, COUNT, valueOf);
    const outputs = CODECS.map((codec) => ({ codec, topic: uniqueName(`codec-out-${codec}`) }));
    for (const { topic } of outputs) await createTopic(topic, 1);
    const flow = writeFlow(dir, 'codecs-out.flow.yaml', {
      version: 1,
      name: 'codecs-out',
      nodes: [
        { id: 'read', type: 'source.kafka', config: { brokers: kafkaBrokers, topic: input, groupId: `${input}-group`, fromBeginning: true, format: 'json' } },
        ...outputs.map(({ codec, topic }) => ({
          id: `write-${codec}`,
          type: 'sink.kafka',
          config: { brokers: kafkaBrokers, topic, key: "'k' + value.id", compression: codec },
        })),
      ],
      edges: outputs.map(({ codec }) => ({ from: 'read', to: `write-${codec}` })),
    });
    const cli = startCli(['run', flow]);
    const expected = Array.from({ length: COUNT }, (_, i) => `k${i}:${JSON.stringify(valueOf(i))}`);
    try {
      for (const { codec, topic } of outputs) {
        let lines: string[] = [];
        await waitFor(
          `${COUNT} ${codec} records read back by kcat`,
          async () => {
            if (cli.child.exitCode !== null) return true;
            lines = await kcatConsume(topic);
            return lines.length >= COUNT;
          },
          90_000,
          1_000,
        );
        expect(cli.child.exitCode, 'the run ended early').toBeNull();
        expect(lines, codec).toEqual(expected);
      }
    } catch (error) {
      throw new Error(`${(error as Error).message}; stderr:\n${cli.output.stderr.slice(-4000)}`, { cause: error });
    }
    await stop(cli);
  });
});
