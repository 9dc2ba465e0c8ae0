/**
 * Runtime of `source.redis-stream` (Node-only): a consumer of a Redis stream consumer group that acknowledges (XACK)
 * entries only once every record derived from them was acknowledged downstream.
 *
 * Two connections: one for blocking reads (`XREADGROUP ... BLOCK`), which `stop()` disconnects to end a read at once,
 * and one for everything else (XGROUP, XACK, XAUTOCLAIM), which stays open until the last delivery settled.
 *
 * Start: the group is created (`XGROUP CREATE ... MKSTREAM`, `startId`) unless it exists; then the entries already
 * delivered to this consumer but never acknowledged (its pending list, read with id `0`) are delivered first, then new
 * entries (`>`). With `claimIdleMs`, entries pending at other consumers for that long are claimed (XAUTOCLAIM) at start
 * and every `claimIdleMs`.
 *
 * Delivery: one batch per read, through `ctx.deliver(batch, onProcessed)`. The next read starts once the batch has
 * passed through the graph (`onProcessed`), not once it is acknowledged, so a window downstream that holds batches
 * does not stall reading. Per stream, entries are XACKed as a contiguous prefix in delivery order (like a Kafka commit
 * position; the engine's acknowledgement ledger, runtime/engine/ack-ledger.ts, one lane per stream): a batch
 * acknowledged before an earlier one waits for it. A delivery that never resolves (the run stopped
 * while a window held it) leaves its entries, and every later one, pending: the same consumer name re-reads them, in
 * order, at restart.
 *
 * Checkpoints: when the flow has stateful transforms (windows), each XACK goes with their checkpoint in one MULTI/EXEC:
 * `HSET tributary:checkpoint:<group>:<stream> <consumer> {"offset": <first id to be re-read>, "metadata": ...}`; at
 * start the source reads it back and hands it to the transforms (`ctx.restore`) before the first read.
 *
 * Membership (for `/readyz`): held once the groups exist and the read loop runs (`ctx.ready()`); lost while reads fail
 * and are being retried (`ctx.unready(reason)`), held again at the next successful read.
 *
 * Failures: reads and acknowledgements that fail with a retriable error (connection lost, LOADING, ...) are retried
 * with backoff until the source stops; a group that disappears is created again (with `createGroup`), otherwise the
 * source fails with `E_SOURCE`. Preview (`tributary preview`): reads each stream from its start with XREAD (no group,
 * nothing acknowledged) until the end, or until the engine stops it after the records it previews.
 */
import { hostname } from 'node:os';
import { TributaryError } from '../../runtime/common/errors';
import { AckLedger, type AckTicket } from '../../runtime/engine/ack-ledger';
import { defineSource, type FlowRecord, type SourceContext, type SourceRuntime } from '../../runtime/engine/types';
import { createNodeRedis, withRedisRetry, type NodeRedis } from '../redis-common.runtime';
import { checkRedisConnection } from '../redis-check.runtime';
import { REDIS_COMMAND_TIMEOUT_MS } from '../redis-common.runtime';
import { redisStreamSourceSpec, type RedisStreamConfig } from './redis-stream.spec';
import { parseJson } from '../../runtime/common/json-parse';

/** A stream entry as Redis returns it: id and flat field/value list (null for an entry deleted while pending). */
type RawEntry = [id: string, fields: string[] | null];

/** The default consumer name: `tributary-<hostname>-<pid>`. */
export function defaultConsumerName(): string {
  return `tributary-${hostname()}-${process.pid}`;
}

/** Milliseconds part of a stream entry id (`<ms>-<seq>`). */
function idTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/**
 * Turns a stream entry into a record: key = `keyField`'s value (null when absent) or the entry id; value = the
 * `valueField` parsed as JSON (an entry without it, or with text that is not JSON, becomes a record with `error` set,
 * code `E_DECODE`) or an object of every field; timestamp = the id's time; meta = `{ source, topic: stream, offset: id }`.
 */
export function entryToRecord(stream: string, id: string, fields: string[], config: Pick<RedisStreamConfig, 'keyField' | 'valueField'>, nodeId: string): FlowRecord {
  const object: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) object[fields[i]!] = fields[i + 1]!;
  const record: FlowRecord = {
    key: config.keyField === undefined ? id : (object[config.keyField] ?? null),
    value: object,
    headers: {},
    timestamp: idTime(id),
    meta: { source: nodeId, topic: stream, offset: id },
  };
  if (config.valueField !== undefined) {
    const text = object[config.valueField];
    if (text === undefined) {
      record.error = { nodeId, code: 'E_DECODE', message: `entry ${id} has no field "${config.valueField}"` };
      return record;
    }
    try {
      record.value = parseJson(text);
    } catch (error) {
      record.value = text;
      record.error = { nodeId, code: 'E_DECODE', message: `field "${config.valueField}" is not JSON: ${(error as Error).message}` };
    }
  }
  return record;
}

/** True for the reply error of a group or stream that does not exist. */
function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}

class RedisStreamSource implements SourceRuntime {
  private readonly stopper = new AbortController();
  private readonly signal: AbortSignal;
  private readonly consumer: string;
  private readonly commands: NodeRedis;
  private readonly reader: NodeRedis;
  /** Deliveries not settled yet; the command connection closes when the last one settles after the loop ended. */
  private outstanding = 0;
  private loopDone = false;
  /** True while the source holds its group membership as reported to the engine (see the module doc). */
  private holding = false;
  private stopping: Promise<void> | undefined;
  /**
   * Per stream (a lane): the ids of each delivered batch's entries not yet XACKed, in delivery order; the position is
   * the highest id XACKed (moved when the XACK runs, see {@link acknowledgeNow}).
   */
  private readonly ledger = new AckLedger<string[], string>({ compare: compareIds });
  /** XACKs run one after the other, so prefixes and checkpoints reach Redis in order. */
  private ackChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: RedisStreamConfig,
    private readonly ctx: SourceContext,
  ) {
    this.signal = AbortSignal.any([ctx.signal, this.stopper.signal]);
    this.consumer = config.consumer ?? defaultConsumerName();
    this.commands = createNodeRedis(config.url, ctx.nodeId, ctx.logger);
    this.reader = createNodeRedis(config.url, ctx.nodeId, ctx.logger, {
      connectionName: `tributary-${ctx.nodeId}-reader`,
      commandTimeout: config.blockMs + REDIS_COMMAND_TIMEOUT_MS,
    });
  }

  private get stopped(): boolean {
    return this.signal.aborted;
  }

  private retry<T>(redis: NodeRedis, what: string, operation: () => Promise<T>): Promise<T> {
    return withRedisRetry(
      async () => {
        if (this.stopped && redis === this.reader) throw new StopRequested();
        return operation();
      },
      { redis, nodeId: this.ctx.nodeId, logger: this.ctx.logger, signal: this.signal, what, code: 'E_SOURCE' },
    );
  }

  async run(): Promise<void> {
    const { ctx } = this;
    try {
      if (ctx.preview) await this.preview();
      else {
        await this.createGroups();
        if (this.stopped) return;
        if (ctx.checkpointing()) await this.restoreCheckpoints();
        if (this.stopped) return;
        this.hold(true);
        ctx.logger.info(
          { event: 'joined', streams: this.config.streams, group: this.config.group, consumer: this.consumer },
          `joined stream group ${this.config.group}: reading ${this.config.streams.join(', ')}`,
        );
        await this.loop();
      }
    } catch (error) {
      if (error instanceof StopRequested || (this.stopped && error instanceof TributaryError && error.retriable)) return;
      throw error instanceof TributaryError
        ? error
        : new TributaryError('E_SOURCE', `node ${ctx.nodeId}: cannot read ${this.config.streams.join(', ')}: ${(error as Error).message}`, {
            nodeId: ctx.nodeId,
            cause: error,
          });
    } finally {
      this.loopDone = true;
      this.reader.client.disconnect();
      if (this.outstanding === 0) await this.commands.close();
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopper.abort();
      // Ends a blocking read under way at once: it rejects with "Connection is closed".
      this.reader.client.disconnect();
    })();
    return this.stopping;
  }

  private async createGroups(): Promise<void> {
    const { config } = this;
    if (!config.createGroup) return;
    for (const stream of config.streams) {
      await this.retry(this.commands, `create group ${config.group} on ${stream}`, async () => {
        try {
          await this.commands.client.call('XGROUP', 'CREATE', stream, config.group, config.startId, 'MKSTREAM');
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return;
          throw error;
        }
      });
    }
  }

  /** The hash holding the checkpoints of `stream` per consumer of the group. */
  private checkpointKey(stream: string): string {
    return `tributary:checkpoint:${this.config.group}:${stream}`;
  }

  /** Reads this consumer's checkpoint of every stream and hands it to the stateful transforms. */
  private async restoreCheckpoints(): Promise<void> {
    for (const stream of this.config.streams) {
      const text = await this.retry(this.commands, `read the checkpoint of ${stream}`, () => this.commands.client.hget(this.checkpointKey(stream), this.consumer));
      if (text === null) continue;
      let saved: unknown;
      try {
        saved = JSON.parse(text);
      } catch {
        saved = undefined;
      }
      const { offset, metadata } = (saved ?? {}) as { offset?: unknown; metadata?: unknown };
      if (typeof offset !== 'string' || (typeof metadata !== 'string' && metadata !== null)) {
        this.ctx.logger.warn({ stream, key: this.checkpointKey(stream) }, 'ignored a malformed checkpoint');
        continue;
      }
      this.ctx.restore(stream, undefined, offset, metadata);
    }
  }

  private async loop(): Promise<void> {
    const { config, ctx } = this;
    const count = config.count ?? Math.max(1, ctx.batchSize);
    /** Per stream: the id after which pending entries of this consumer are read, or `>` once they are all read. */
    const cursors = new Map(config.streams.map((s) => [s, '0']));
    const claimCursors = new Map(config.streams.map((s) => [s, '0-0']));
    let lastClaim = -Infinity;
    while (!this.stopped) {
      if (ctx.backpressured()) {
        await ctx.whenRelieved();
        continue;
      }
      if (config.claimIdleMs !== undefined && Date.now() - lastClaim >= config.claimIdleMs) {
        lastClaim = Date.now();
        for (const stream of config.streams) await this.claim(stream, claimCursors, count);
        continue;
      }
      const pending = config.streams.filter((s) => cursors.get(s) !== '>');
      const reading = pending.length > 0 ? pending : config.streams;
      const ids = reading.map((s) => cursors.get(s)!);
      const args = ['GROUP', config.group, this.consumer, 'COUNT', count];
      if (pending.length === 0) args.push('BLOCK', config.blockMs);
      let reply: unknown;
      try {
        reply = await this.retry(this.reader, 'read', async () => {
          try {
            const result = await this.reader.client.call('XREADGROUP', ...args, 'STREAMS', ...reading, ...ids);
            this.hold(true);
            return result;
          } catch (error) {
            if (!this.stopped && !isNoGroup(error)) this.hold(false, `reads fail and are retried: ${(error as Error).message}`);
            throw error;
          }
        });
      } catch (error) {
        if (!isNoGroup(error) || this.stopped) throw error;
        if (!config.createGroup) {
          throw new TributaryError('E_SOURCE', `node ${ctx.nodeId}: group ${config.group} does not exist on ${reading.join(', ')} and createGroup is false`, {
            nodeId: ctx.nodeId,
            cause: error,
          });
        }
        ctx.logger.warn({ group: config.group }, 'the consumer group or stream disappeared; creating it again');
        await this.createGroups();
        continue;
      }
      const byStream = new Map<string, RawEntry[]>((reply as [string, RawEntry[]][] | null) ?? []);
      if (pending.length > 0) {
        for (const stream of pending) {
          const entries = byStream.get(stream) ?? [];
          cursors.set(stream, entries.length === 0 ? '>' : entries[entries.length - 1]![0]);
        }
      }
      await this.deliverEntries(byStream);
    }
  }

  /** Reports to the engine whether the source holds its group membership, when that changed. */
  private hold(held: boolean, reason = ''): void {
    if (held === this.holding) return;
    this.holding = held;
    if (held) this.ctx.ready();
    else this.ctx.unready(reason);
  }

  /** Claims entries pending at other consumers for `claimIdleMs` (one XAUTOCLAIM round) and delivers them. */
  private async claim(stream: string, cursors: Map<string, string>, count: number): Promise<void> {
    const { config } = this;
    const reply = (await this.retry(this.commands, `claim idle entries of ${stream}`, () =>
      this.commands.client.call('XAUTOCLAIM', stream, config.group, this.consumer, config.claimIdleMs!, cursors.get(stream)!, 'COUNT', count),
    )) as [string, RawEntry[]];
    cursors.set(stream, reply[0]);
    if (reply[1].length > 0) this.ctx.logger.info({ stream, claimed: reply[1].length }, 'claimed entries idle at other consumers');
    await this.deliverEntries(new Map([[stream, reply[1]]]));
  }

  /** Delivers the entries of one read as one batch; resolves once it passed through the graph. XACKs on acknowledgement. */
  private async deliverEntries(byStream: Map<string, RawEntry[]>): Promise<void> {
    const { ctx, config } = this;
    const records: FlowRecord[] = [];
    const ids = new Map<string, string[]>();
    const deleted = new Map<string, string[]>();
    for (const [stream, entries] of byStream) {
      for (const [id, fields] of entries) {
        // A pending entry deleted from the stream meanwhile: nothing to deliver, acknowledge it.
        const target = fields === null ? deleted : ids;
        let list = target.get(stream);
        if (list === undefined) target.set(stream, (list = []));
        list.push(id);
        if (fields !== null) records.push(entryToRecord(stream, id, fields, config, ctx.nodeId));
      }
    }
    if (deleted.size > 0) void this.acknowledge(deleted);
    if (records.length === 0) return;
    const tickets: AckTicket<string[]>[] = [];
    for (const [stream, list] of ids) tickets.push(this.ledger.deliver(stream, list));
    this.outstanding++;
    let processed!: () => void;
    const passed = new Promise<void>((resolve) => (processed = resolve));
    ctx.deliver(records, processed).then(
      () => this.acknowledgePrefixes(tickets),
      (error: unknown) => {
        ctx.logger.debug({ err: (error as Error).message, entries: records.length }, 'delivery not acknowledged: the entries stay pending');
      },
    ).finally(() => {
      processed();
      this.outstanding--;
      if (this.loopDone && this.outstanding === 0) void this.commands.close();
    });
    await passed;
  }

  /** Marks a delivery's parts acknowledged and XACKs each stream's released prefix, with the checkpoint when the flow keeps them. */
  private acknowledgePrefixes(tickets: AckTicket<string[]>[]): Promise<void> {
    const ids = new Map<string, string[]>();
    for (const ticket of tickets) {
      const released = this.ledger.acknowledge(ticket);
      if (released.length > 0) ids.set(ticket.lane, released.flat());
    }
    return this.acknowledge(ids);
  }

  /**
   * The id a restart would read first on `stream`: the first entry not XACKed, or the one right after the last XACKed
   * id (`<ms>-<seq + 1>`) when every delivered entry is.
   */
  private resumeId(stream: string): string | undefined {
    const next = this.ledger.oldest(stream)?.[0];
    if (next !== undefined) return next;
    const last = this.ledger.position(stream);
    if (last === undefined) return undefined;
    const dash = last.indexOf('-');
    return `${last.slice(0, dash)}-${BigInt(last.slice(dash + 1)) + 1n}`;
  }

  /**
   * XACKs `ids` per stream, one call after the other; with checkpoints, each XACK and the stream's checkpoint go in one
   * MULTI/EXEC. Never rejects: entries it cannot acknowledge stay pending and are re-read at restart.
   */
  private acknowledge(ids: Map<string, string[]>): Promise<void> {
    this.ackChain = this.ackChain.then(() => this.acknowledgeNow(ids));
    return this.ackChain;
  }

  private async acknowledgeNow(ids: Map<string, string[]>): Promise<void> {
    const checkpointing = this.ctx.checkpointing();
    for (const [stream, list] of ids) {
      this.ledger.advance(stream, highestId(list));
      const resume = checkpointing ? this.resumeId(stream) : undefined;
      const metadata = resume === undefined ? null : this.ctx.checkpoint(stream, undefined, resume);
      const client = this.commands.client;
      try {
        await withRedisRetry(
          async () => {
            if (metadata === null) return client.call('XACK', stream, this.config.group, ...list);
            const results = await client
              .multi()
              .call('XACK', stream, this.config.group, ...list)
              .hset(this.checkpointKey(stream), this.consumer, JSON.stringify({ offset: resume, metadata }))
              .exec();
            const failed = results?.find(([error]) => error !== null)?.[0];
            if (results === null || failed !== undefined) throw failed ?? new Error('MULTI/EXEC was aborted');
            return results;
          },
          {
            redis: this.commands,
            nodeId: this.ctx.nodeId,
            logger: this.ctx.logger,
            signal: this.signal,
            what: `acknowledge ${list.length} entries of ${stream}`,
            code: 'E_SOURCE',
          },
        );
      } catch (error) {
        this.ctx.logger.warn({ stream, entries: list.length, err: (error as Error).message }, 'could not acknowledge entries; they stay pending and are re-read at restart');
      }
    }
  }

  /** Preview: XREAD from the start of each stream, without a group, until the end or until the engine stops the source. */
  private async preview(): Promise<void> {
    const { config, ctx } = this;
    ctx.ready();
    const count = Math.max(1, ctx.batchSize);
    const cursors = new Map(config.streams.map((s) => [s, '0-0']));
    while (!this.stopped) {
      const reply = (await this.retry(this.reader, 'read', () =>
        this.reader.client.call('XREAD', 'COUNT', count, 'STREAMS', ...config.streams, ...config.streams.map((s) => cursors.get(s)!)),
      )) as [string, RawEntry[]][] | null;
      if (reply === null || reply.length === 0) break;
      const records: FlowRecord[] = [];
      for (const [stream, entries] of reply) {
        for (const [id, fields] of entries) {
          cursors.set(stream, id);
          if (fields !== null) records.push(entryToRecord(stream, id, fields, config, ctx.nodeId));
        }
      }
      await ctx.deliver(records);
    }
  }
}

/** The highest of stream entry ids (at least one). */
function highestId(ids: string[]): string {
  let last = ids[0]!;
  for (const id of ids) if (compareIds(id, last) > 0) last = id;
  return last;
}

/** Compares two stream entry ids (`<ms>-<seq>`) numerically. */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-');
  const [bm, bs] = b.split('-');
  const ms = BigInt(am!) - BigInt(bm!);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as ?? 0) - BigInt(bs ?? 0);
  return seq < 0n ? -1 : seq > 0n ? 1 : 0;
}

/** Thrown inside a retried read once the source stops. */
class StopRequested extends Error {}

/**
 * Runtime of `source.redis-stream` (see the module doc). `run()` resolves after `stop()`, or, in preview, at the end
 * of the streams; it rejects with a `TributaryError` `E_SOURCE` when the group is missing and `createGroup`
 * is false or Redis refuses a read, and with `E_CONFIG` for a URL that is not redis:// or rediss://.
 */
export const redisStreamSourceRuntime = {
  ...defineSource(redisStreamSourceSpec, (config, ctx) => new RedisStreamSource(config, ctx)),
  check: checkRedisConnection,
};
