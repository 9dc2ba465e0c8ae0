/**
 * Runtime of `sink.redis` (Node-only): one ioredis client per node, one pipeline per batch, every reply checked.
 *
 * Failure handling: a record whose command cannot be built (key or argument expression throws or gives an unusable
 * value) is rejected before anything is sent; a reply error that Redis gives for one command (WRONGTYPE, ERR ...) rejects
 * that record only; a connection problem or a reply meaning "server busy/unavailable" (LOADING, BUSY, TRYAGAIN, OOM,
 * READONLY, ...) fails the whole batch with a retriable error, so the engine retries it (at-least-once: commands that did
 * run before the failure run again, which INCRBY and XADD notice).
 *
 * `id: from-offset` (xadd): entry id `<offset + 1>-<n>` from the record's Kafka offset, n counting the records of the
 * same stream and offset within the batch (a flatten's elements); Redis refuses a replayed id ("equal or smaller than the
 * target stream top item"), which counts as already written (counter `alreadyWritten`), not as an error. The offset is
 * the id's first part because Redis orders ids by it first; offsets of different partitions do not increase together,
 * so each stream must take one topic-partition (a second one for the same stream is rejected, E_SINK).
 *
 * `set` without `ttlSeconds` writes a batch as `MSET` commands of up to {@link MSET_RECORDS} records each rather than one
 * `SET` per record: the same keys and values (the last record of a key wins, as with SETs in order) for the cost of one
 * command in ioredis and Redis instead of one per record, which was the sink's largest cost (an ioredis command, its
 * promise and its reply per record). `SET` is never refused for one key (it overwrites a key of any type), so when
 * Redis refuses an `MSET` anyway (e.g. an ACL that allows SET only) the batch is written again as one `SET` per
 * record, which names exactly the records refused.
 *
 * `ttlSeconds` is an `EXPIRE` queued right after the record's command in the same pipeline (not a transaction): when
 * Redis refuses the command (e.g. WRONGTYPE because the key holds another type) the `EXPIRE` still applies to the
 * existing key.
 */
import { TributaryError } from '../../runtime/common/errors';
import { compileRecordExpression, type ExpressionRecord } from '../../runtime/common/expression';
import { defineSink, type FlowRecord, type NodeContext, type SinkRejection, type SinkRuntime } from '../../runtime/engine/types';
import { createNodeRedis, ensureConnected, isRetriableRedisError } from '../redis-common.runtime';
import { checkRedisConnection } from '../redis-check.runtime';
import { redisSinkSpec, type RedisSinkConfig } from './redis.spec';

/** A record whose command could not be built; becomes a rejection with its code (default `E_EXPRESSION_RUNTIME`). */
class RecordFailure extends Error {
  constructor(
    message: string,
    readonly code: 'E_EXPRESSION_RUNTIME' | 'E_SINK' = 'E_EXPRESSION_RUNTIME',
  ) {
    super(message);
  }
}

/** One Redis command: name and arguments. */
type RedisCommand = [name: string, args: (string | Buffer | number)[]];

/** What an expression threw, as text. */
function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A short description of a value's type for messages: `undefined`, `null`, `array`, `object`, `string`, ... */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Encodes an expression result as a Redis argument: strings as-is, bytes raw, anything else JSON; undefined -> undefined. */
function encodeResult(value: unknown): string | Buffer | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return JSON.stringify(value) as string | undefined;
}

/** Encodes a record value when no expression is given: bytes raw, anything else `JSON.stringify(value)`. */
function encodeValue(value: unknown): string | Buffer | undefined {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return JSON.stringify(value) as string | undefined;
}

/** True for objects whose own fields can be written as hash or stream fields. */
function isFieldObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Streams remembered with their topic-partition for `id: from-offset` (oldest forgotten beyond this). */
const MAX_REMEMBERED_STREAMS = 10_000;

/** Redis's refusal of an XADD id that is not greater than the stream's last one: with `id: from-offset`, a replay. */
const REPLAYED_ID = /equal or smaller than the target stream top item/;

/**
 * Entry ids of `xadd` with `id: from-offset`: `<offset + 1>-<n>` (see the module doc); `reset()` starts a batch.
 * Throws {@link RecordFailure} for a record without a Kafka offset, or of another topic-partition than its stream had.
 */
function offsetIds(): { next: (stream: string, record: FlowRecord) => string; reset: () => void } {
  const partitions = new Map<string, string>();
  let seen = new Map<string, number>();
  return {
    reset: () => {
      if (seen.size > 0) seen = new Map();
    },
    next: (stream, record) => {
      const { topic, partition, offset } = record.meta;
      if (partition === undefined || offset === undefined) {
        throw new RecordFailure('xadd id from-offset needs a record from source.kafka (meta.partition and meta.offset); this one has none', 'E_SINK');
      }
      const owner = `${topic ?? ''}/${partition}`;
      const known = partitions.get(stream);
      if (known === undefined) {
        if (partitions.size >= MAX_REMEMBERED_STREAMS) partitions.delete(partitions.keys().next().value as string);
        partitions.set(stream, owner);
      } else if (known !== owner) {
        throw new RecordFailure(
          `xadd id from-offset: stream ${stream} already takes partition ${known}, not ${owner}; ids of two partitions cannot ` +
            "both increase in one stream: put meta.partition in the key, e.g. 'events:' + meta.partition",
          'E_SINK',
        );
      }
      const at = `${stream}\u0000${offset}`;
      const n = seen.get(at) ?? 0;
      seen.set(at, n + 1);
      return `${BigInt(offset) + 1n}-${n}`;
    },
  };
}

/** Records per `MSET` command of `set` without `ttlSeconds` (two arguments each; see the module doc). */
export const MSET_RECORDS = 1_000;

/** The parts of a record's `SET`, each throwing {@link RecordFailure} when it cannot be built. */
interface SetParts {
  /** The key expression's result, checked. */
  key(record: FlowRecord): string;
  /** valueExpression's result, or the record value as JSON. */
  payload(record: FlowRecord): string | Buffer;
}

/** Builds the Redis commands of one record from the config; throws {@link RecordFailure} when it cannot. */
function commandBuilder(config: RedisSinkConfig, nodeId: string): ((record: FlowRecord) => RedisCommand[]) & SetParts & { startBatch: () => void } {
  const compile = (field: string, source: string | undefined): ((r: ExpressionRecord) => unknown) | undefined => {
    if (source === undefined) return undefined;
    try {
      return compileRecordExpression(source);
    } catch (error) {
      throw new TributaryError('E_EXPRESSION', `${field}: ${describeError(error)}`, { nodeId, cause: error });
    }
  };
  const evaluate = (field: string, fn: (r: ExpressionRecord) => unknown, record: FlowRecord): unknown => {
    try {
      return fn(record);
    } catch (error) {
      throw new RecordFailure(`${field} threw: ${describeError(error)}`);
    }
  };

  const keyOf = compile('key', config.key)!;
  const valueOf = compile('valueExpression', config.valueExpression);
  const fieldsOf = compile('fieldsExpression', config.fieldsExpression);
  const incrementOf = compile('incrementExpression', config.incrementExpression)!;
  const scoreOf = compile('scoreExpression', config.scoreExpression);
  const memberOf = compile('memberExpression', config.memberExpression);
  if (config.command === 'zadd' && scoreOf === undefined) {
    throw new TributaryError('E_CONFIG', 'scoreExpression: zadd needs a scoreExpression', { nodeId });
  }
  const ttl = config.ttlSeconds;

  const keyFor = (record: FlowRecord): string => {
    const key = evaluate('key', keyOf, record);
    if (typeof key === 'string' && key !== '') return key;
    if ((typeof key === 'number' && Number.isFinite(key)) || typeof key === 'bigint') return String(key);
    throw new RecordFailure(`key expression gave ${key === '' ? 'an empty string' : typeName(key)}; it must give a non-empty string or a number`);
  };
  const payloadFor = (record: FlowRecord, field: string, fn: ((r: ExpressionRecord) => unknown) | undefined): string | Buffer => {
    const encoded = fn === undefined ? encodeValue(record.value) : encodeResult(evaluate(field, fn, record));
    if (encoded === undefined) {
      throw new RecordFailure(fn === undefined ? `the record value is ${typeName(record.value)}; nothing to write` : `${field} gave undefined`);
    }
    return encoded;
  };
  const fieldsFor = (record: FlowRecord): (string | Buffer)[] => {
    const source = fieldsOf === undefined ? record.value : evaluate('fieldsExpression', fieldsOf, record);
    const what = fieldsOf === undefined ? 'the record value' : 'fieldsExpression';
    if (!isFieldObject(source)) throw new RecordFailure(`${config.command} needs an object of fields; ${what} is ${typeName(source)}`);
    const args: (string | Buffer)[] = [];
    for (const [name, value] of Object.entries(source)) {
      const encoded = encodeResult(value);
      if (encoded !== undefined) args.push(name, encoded);
    }
    if (args.length === 0) throw new RecordFailure(`${config.command} needs at least one field; ${what} has none`);
    return args;
  };
  const withExpire = (key: string, command: RedisCommand): RedisCommand[] =>
    ttl === undefined ? [command] : [command, ['expire', [key, ttl]]];
  const ids = config.command === 'xadd' && config.id === 'from-offset' ? offsetIds() : undefined;
  /** `xadd`'s trimming arguments, the same for every record (spread into each command). */
  const trim: readonly (string | number)[] = config.maxLen === undefined ? [] : ['MAXLEN', '~', config.maxLen];

  const build = (record: FlowRecord): RedisCommand[] => {
    switch (config.command) {
      case 'set': {
        const key = keyFor(record);
        const value = payloadFor(record, 'valueExpression', valueOf);
        return [['set', ttl === undefined ? [key, value] : [key, value, 'EX', ttl]]];
      }
      case 'publish': {
        const channel = keyFor(record);
        return [['publish', [channel, payloadFor(record, 'valueExpression', valueOf)]]];
      }
      case 'hset': {
        const key = keyFor(record);
        return withExpire(key, ['hset', [key, ...fieldsFor(record)]]);
      }
      case 'xadd': {
        const key = keyFor(record);
        const fields = fieldsFor(record);
        return withExpire(key, ['xadd', [key, ...trim, ids === undefined ? '*' : ids.next(key, record), ...fields]]);
      }
      case 'incrby': {
        const key = keyFor(record);
        const increment = evaluate('incrementExpression', incrementOf, record);
        if (!(Number.isSafeInteger(increment) || typeof increment === 'bigint')) {
          throw new RecordFailure(`incrementExpression gave ${typeof increment === 'number' ? increment : typeName(increment)}; it must give an integer`);
        }
        return withExpire(key, ['incrby', [key, String(increment)]]);
      }
      case 'zadd': {
        const key = keyFor(record);
        const score = evaluate('scoreExpression', scoreOf!, record);
        if (typeof score !== 'number' || !Number.isFinite(score)) {
          throw new RecordFailure(`scoreExpression gave ${typeof score === 'number' ? score : typeName(score)}; it must give a finite number`);
        }
        const member = payloadFor(record, 'memberExpression', memberOf);
        return withExpire(key, ['zadd', [key, score, member]]);
      }
    }
  };
  return Object.assign(build, { startBatch: () => ids?.reset(), key: keyFor, payload: (record: FlowRecord) => payloadFor(record, 'valueExpression', valueOf) });
}

/**
 * Creates the `sink.redis` runtime for one node.
 * - `open()` connects; throws a retriable `TributaryError` (`E_SINK`) when Redis cannot be reached.
 * - `write(batch)` sends one pipeline per batch and resolves once every reply arrived; returns a rejection per record
 *   whose command could not be built (`E_EXPRESSION_RUNTIME`) or that Redis refused (`E_SINK`); throws a retriable
 *   `TributaryError` (`E_SINK`) when Redis is unreachable or answers that it is unavailable.
 * - `close()` quits the connection.
 * @throws TributaryError `E_EXPRESSION` for a malformed expression, `E_CONFIG` for a URL that is not redis:// or rediss://
 */
export function createRedisSink(config: RedisSinkConfig, ctx: NodeContext): SinkRuntime {
  const { nodeId, logger } = ctx;
  // Fail fast while disconnected (no offline queue, no per-request retries): the engine retries the batch with
  // backoff and pauses the sources meanwhile.
  const redis = createNodeRedis(config.url, nodeId, logger);
  const { client, where } = redis;
  const build = commandBuilder(config, nodeId);
  const replayIds = config.command === 'xadd' && config.id === 'from-offset';

  const unavailable = (what: string, cause: unknown): TributaryError =>
    new TributaryError('E_SINK', `Redis at ${where} ${what}: ${describeError(cause)}`, { nodeId, retriable: true, cause });

  /** Connects (the shared {@link ensureConnected}); a failure is a retriable `E_SINK` naming the cause. */
  const open = async (): Promise<void> => {
    try {
      await ensureConnected(redis);
    } catch (error) {
      throw unavailable('is unreachable', error);
    }
  };

  /**
   * Sends a pipeline of `expected` commands (connecting first when never opened or closed; a connection under way fails
   * the batch fast, and the engine retries it) and returns its replies.
   * @throws TributaryError `E_SINK`, retriable, when the connection failed the pipeline, replies are missing or one
   *   reply says Redis cannot take writes now (LOADING, BUSY, OOM, READONLY, ...)
   */
  const send = async (pipeline: ReturnType<typeof client.pipeline>, expected: number): Promise<[Error | null, unknown][]> => {
    if (client.status === 'wait' || client.status === 'end') await open();
    if (client.status !== 'ready') {
      throw unavailable(`is not connected (${client.status})`, redis.lastError() ?? new Error('connection not ready'));
    }
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await pipeline.exec();
    } catch (error) {
      throw unavailable('failed the pipeline', error);
    }
    if (replies === null || replies.length !== expected) {
      throw unavailable('answered the pipeline incompletely', new Error(`${replies?.length ?? 0} of ${expected} replies`));
    }
    for (const [error] of replies) if (error !== null && isRetriableRedisError(error)) throw unavailable('cannot take writes now', error);
    return replies;
  };

  /**
   * `set` without TTL: the batch as MSET commands of up to {@link MSET_RECORDS} records in one pipeline (see the module
   * doc); one `SET` per record when Redis refuses an MSET, so exactly the refused records are rejected.
   */
  const writeSets = async (batch: FlowRecord[], perRecord: (batch: FlowRecord[]) => Promise<SinkRejection[]>): Promise<SinkRejection[]> => {
    const rejections: SinkRejection[] = [];
    const pipeline = client.pipeline();
    let args: (string | Buffer)[] = [];
    let commands = 0;
    for (let index = 0; index < batch.length; index++) {
      const record = batch[index]!;
      let key: string;
      let payload: string | Buffer;
      try {
        key = build.key(record);
        payload = build.payload(record);
      } catch (error) {
        if (!(error instanceof RecordFailure)) throw error;
        rejections.push({ index, message: error.message, code: error.code });
        continue;
      }
      args.push(key, payload);
      if (args.length === 2 * MSET_RECORDS) {
        pipeline.call('mset', args);
        commands++;
        args = [];
      }
    }
    if (args.length > 0) {
      pipeline.call('mset', args);
      commands++;
    }
    if (commands === 0) return rejections;
    const replies = await send(pipeline, commands);
    for (const [error] of replies) if (error !== null) return perRecord(batch);
    return rejections;
  };
  const msets = config.command === 'set' && config.ttlSeconds === undefined;

  /** One pipeline per batch, one command (or two, with EXPIRE) per record. */
  const writeCommands = async (batch: FlowRecord[]): Promise<SinkRejection[]> => {
    const rejections: SinkRejection[] = [];
    const pipeline = client.pipeline();
    /** Record index of each queued command, in pipeline order. */
    const owners: number[] = [];
    /** Name of each queued command, in pipeline order. */
    const names: string[] = [];
    build.startBatch();
    batch.forEach((record, index) => {
      let commands: RedisCommand[];
      try {
        commands = build(record);
      } catch (error) {
        if (!(error instanceof RecordFailure)) throw error;
        rejections.push({ index, message: error.message, code: error.code });
        return;
      }
      for (const [name, args] of commands) {
        pipeline.call(name, args);
        owners.push(index);
        names.push(name.toUpperCase());
      }
    });
    if (owners.length === 0) return rejections;
    const replies = await send(pipeline, owners.length);
    const refused = new Map<number, string>();
    let alreadyWritten = 0;
    replies.forEach(([error], i) => {
      if (error === null) return;
      if (replayIds && names[i] === 'XADD' && REPLAYED_ID.test(error.message)) {
        alreadyWritten++;
        return;
      }
      const index = owners[i]!;
      if (!refused.has(index)) refused.set(index, `Redis refused ${names[i]!}: ${error.message}`);
    });
    if (alreadyWritten > 0) ctx.counters.add('alreadyWritten', alreadyWritten);
    for (const [index, message] of refused) rejections.push({ index, message, code: 'E_SINK' });
    return rejections.sort((a, b) => a.index - b.index);
  };

  return {
    open,

    write: (batch: FlowRecord[]): Promise<SinkRejection[]> => (msets ? writeSets(batch, writeCommands) : writeCommands(batch)),

    close: () => redis.close(),
  };
}

/** Runtime of `sink.redis`; see {@link createRedisSink}. */
export const redisSinkRuntime = { ...defineSink(redisSinkSpec, createRedisSink), check: checkRedisConnection };
