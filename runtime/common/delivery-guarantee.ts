/**
 * The delivery guarantee of each sink: what a replay does to what the sink wrote. Computed from the sink's type, its
 * config and the flow's `settings.delivery`; shown by `tributary validate` (a line per sink), `tributary nodes` (per sink
 * type and command), on the canvas (a badge) and in the inspector. Also the checks that refuse `exactly-once` for a flow
 * that cannot have it. Browser-safe: no Node imports, no imports of node specs (the compiler gets them passed in).
 *
 * Why replays happen at all: a source commits an offset only after every sink acknowledged every record derived from it
 * (docs/runtime.md), so a crash (kill -9, OOM, power loss) or a rebalance that moves a partition before its commit makes
 * the next owner read the uncommitted records again. What that does depends on the sink:
 * - exactly-once: `sink.kafka` in an exactly-once flow writes in the Kafka transaction that also commits the consumed
 *   offsets; an aborted transaction is invisible to read_committed readers, so each record is seen once;
 * - idempotent under replay: writing the same record again leaves the same state (Redis SET/HSET/ZADD with keys derived
 *   from the record, XADD with ids from the offset);
 * - at-least-once, duplicates after a crash: the write appends or adds (INCRBY, XADD `*`, PUBLISH, a line in a file,
 *   an HTTP request, a Kafka record outside a transaction);
 * - none: a write that is not even waited for (`sink.kafka` `acks: 0`) may be lost, and is duplicated after a crash.
 *
 * An expression is deterministic unless it calls a clock or a random source (`fn.now()`, `Date.now()`, `new Date()`,
 * `Math.random()`, `crypto.randomUUID()`, `performance.now()`): a key made with one of these names another key on
 * replay, so the write lands twice. Only the sink's own expressions are examined; a transform upstream that puts the
 * time into the field a key is made from is not seen here.
 */
import { simple as walkSimple } from 'acorn-walk';
import { parseExpressionAt, type Node as AcornNode } from 'acorn';
import type { Problem } from './errors';

/** The guarantees, strongest first. */
export const DELIVERY_GUARANTEES = ['exactly-once', 'idempotent', 'at-least-once', 'none'] as const;

/** What a replay does to what a sink wrote; see the module doc. */
export type DeliveryGuarantee = (typeof DELIVERY_GUARANTEES)[number];

/** How each guarantee is named to users (validate output, badges). */
export const DELIVERY_GUARANTEE_LABELS: Record<DeliveryGuarantee, string> = {
  'exactly-once': 'exactly-once',
  idempotent: 'idempotent under replay',
  'at-least-once': 'at-least-once: duplicates after a crash',
  none: 'no guarantee: records can be lost',
};

/** Short badge text of each guarantee (canvas). */
export const DELIVERY_GUARANTEE_BADGES: Record<DeliveryGuarantee, string> = {
  'exactly-once': 'exactly-once',
  idempotent: 'idempotent',
  'at-least-once': 'at-least-once',
  none: 'may lose',
};

/** `settings.delivery` of a flow. */
export type FlowDelivery = 'at-least-once' | 'exactly-once';

/** The guarantee of one sink with its one-line reason. */
export interface SinkDelivery {
  guarantee: DeliveryGuarantee;
  /** Why, in one line (no trailing period), e.g. `INCRBY adds the increment again for every replayed record`. */
  reason: string;
}

/** A node as the exactly-once checks need it: id, type, kind (from its spec) and parsed config (undefined when bad). */
export interface DeliveryNode {
  id: string;
  type: string;
  kind: 'source' | 'transform' | 'sink' | undefined;
  config: Record<string, unknown> | undefined;
}

/** Members whose call gives a different result each time (clocks, random sources). */
const NONDETERMINISTIC_MEMBERS = new Set(['now', 'random', 'randomUUID', 'getRandomValues']);

/**
 * The first clock or random call in an expression (`fn.now()`, `Date.now()`, `Math.random()`, `new Date()`,
 * `crypto.randomUUID()`, ...), as written, or `undefined` when it has none (or does not parse: the compiler reports that).
 */
export function nondeterministicCall(source: string): string | undefined {
  let ast: AcornNode;
  try {
    ast = parseExpressionAt(source, 0, { ecmaVersion: 2022 });
  } catch {
    return undefined;
  }
  let found: string | undefined;
  type Call = AcornNode & { callee: AcornNode & { type: string; name?: string; property?: AcornNode & { name?: string; value?: unknown }; computed?: boolean }; arguments: unknown[] };
  const calleeText = (call: Call): string => source.slice(call.callee.start, call.callee.end);
  walkSimple(ast, {
    CallExpression(node) {
      const call = node as Call;
      const { callee } = call;
      if (callee.type === 'Identifier' && callee.name === 'Date') found ??= 'Date()';
      if (callee.type !== 'MemberExpression' || callee.property === undefined) return;
      const name = callee.computed === true ? callee.property.value : callee.property.name;
      if (typeof name === 'string' && NONDETERMINISTIC_MEMBERS.has(name)) found ??= `${calleeText(call)}()`;
    },
    NewExpression(node) {
      const call = node as Call;
      if (call.callee.type === 'Identifier' && call.callee.name === 'Date' && call.arguments.length === 0) found ??= 'new Date()';
    },
  });
  return found;
}

/** The first of the given expression fields (absent ones skipped) that calls a clock or random source, with the call. */
function firstNondeterministic(config: Record<string, unknown>, fields: readonly string[]): { field: string; call: string } | undefined {
  for (const field of fields) {
    const source = config[field];
    if (typeof source !== 'string') continue;
    const call = nondeterministicCall(source);
    if (call !== undefined) return { field, call };
  }
  return undefined;
}

/** The expression fields each `sink.redis` command evaluates per record (the key first). */
const REDIS_FIELDS: Record<string, readonly string[]> = {
  set: ['key', 'valueExpression'],
  hset: ['key', 'fieldsExpression'],
  zadd: ['key', 'scoreExpression', 'memberExpression'],
  xadd: ['key', 'fieldsExpression'],
};

function redisDelivery(config: Record<string, unknown>): SinkDelivery {
  const command = typeof config.command === 'string' ? config.command : 'set';
  switch (command) {
    case 'incrby':
      return { guarantee: 'at-least-once', reason: 'INCRBY adds the increment again for every replayed record' };
    case 'publish':
      return {
        guarantee: 'at-least-once',
        reason: 'PUBLISH sends a replayed record to the subscribers again, and subscribers not connected miss it',
      };
    case 'xadd': {
      if (config.id !== 'from-offset') {
        return { guarantee: 'at-least-once', reason: 'XADD with id * appends a replayed record again under a new id; id from-offset avoids it' };
      }
      const moving = firstNondeterministic(config, ['key']);
      if (moving !== undefined) {
        return { guarantee: 'at-least-once', reason: `the key calls ${moving.call}, so a replayed record goes to another stream` };
      }
      return {
        guarantee: 'idempotent',
        reason: 'XADD ids come from the Kafka offset, so Redis refuses a replayed record, counted as already written',
      };
    }
    case 'set':
    case 'hset':
    case 'zadd': {
      const name = command.toUpperCase();
      const moving = firstNondeterministic(config, REDIS_FIELDS[command] ?? ['key']);
      if (moving?.field === 'key') {
        return { guarantee: 'at-least-once', reason: `the key calls ${moving.call}, so a replayed record writes another key` };
      }
      if (moving !== undefined) {
        return {
          guarantee: 'idempotent',
          reason: `${name} overwrites the same key on replay; ${moving.field} calls ${moving.call}, so the replay's value wins`,
        };
      }
      const what = command === 'zadd' ? 'the same member with the same score' : 'the same value under the same key';
      return { guarantee: 'idempotent', reason: `${name} writes ${what} again on replay` };
    }
    default:
      return { guarantee: 'at-least-once', reason: `Redis ${command} repeats on replay` };
  }
}

function kafkaDelivery(config: Record<string, unknown>, delivery: FlowDelivery): SinkDelivery {
  if (config.acks === 0) {
    return { guarantee: 'none', reason: 'acks 0 does not wait for the broker, so a record can be lost; a replay also appends again' };
  }
  if (delivery === 'exactly-once') {
    return {
      guarantee: 'exactly-once',
      reason: 'produced in the Kafka transaction that commits the consumed offsets; read_committed readers see each record once',
    };
  }
  return {
    guarantee: 'at-least-once',
    reason:
      'a replay appends the records again, and readers see both even on a compacted topic; settings.delivery ' +
      'exactly-once avoids it',
  };
}

function httpDelivery(config: Record<string, unknown>): SinkDelivery {
  if (config.method === 'PUT') {
    return {
      guarantee: 'at-least-once',
      reason:
        'a replay sends the records again; PUT is idempotent only for an identical request, RFC 9110 9.2.2, and a ' +
        'replay batches records differently, so only an endpoint that upserts each record by its own id stays unchanged',
    };
  }
  return { guarantee: 'at-least-once', reason: 'a replay POSTs the records again, and POST is not idempotent, RFC 9110 9.2.2' };
}

/**
 * The delivery guarantee of a sink node with its one-line reason; see the module doc for the rules.
 * @param type the node type, e.g. `sink.redis`
 * @param config the node config, parsed with its defaults (a raw config works too: absent fields count as defaults)
 * @param delivery the flow's `settings.delivery`
 * @returns the guarantee, or `undefined` when the type is not a sink
 */
export function sinkDelivery(type: string, config: Record<string, unknown>, delivery: FlowDelivery): SinkDelivery | undefined {
  switch (type) {
    case 'sink.kafka':
      return kafkaDelivery(config, delivery);
    case 'sink.redis':
      return redisDelivery(config);
    case 'sink.http':
      return httpDelivery(config);
    case 'sink.file':
      return {
        guarantee: 'at-least-once',
        reason: 'a retried batch skips the lines already written, but after a crash the replayed records are appended again',
      };
    case 'sink.console':
      return { guarantee: 'at-least-once', reason: 'a replay prints the records again' };
    default:
      if (!type.startsWith('sink.')) return undefined;
      return { guarantee: 'at-least-once', reason: `${type} declares no guarantee, so a replay may write its records again` };
  }
}

/** One row of the guarantee catalog: a sink type, the config it applies to, and the guarantee. */
export interface DeliveryCatalogRow {
  type: string;
  /** Which configs the row covers, e.g. `command: incrby`; `''` for every config of the type. */
  when: string;
  /** `settings.delivery` the row assumes. */
  delivery: FlowDelivery;
  config: Record<string, unknown>;
  guarantee: SinkDelivery;
}

/** The configs that decide a guarantee, per sink type: `when` label and the config fields. */
const CATALOG_CASES: readonly { type: string; when: string; config: Record<string, unknown>; delivery?: FlowDelivery }[] = [
  { type: 'sink.kafka', when: 'settings.delivery: exactly-once', config: { acks: -1 }, delivery: 'exactly-once' },
  { type: 'sink.kafka', when: 'acks: -1 or 1', config: { acks: -1 } },
  { type: 'sink.kafka', when: 'acks: 0', config: { acks: 0 } },
  { type: 'sink.redis', when: 'command: set', config: { command: 'set', key: 'key' } },
  { type: 'sink.redis', when: 'command: hset', config: { command: 'hset', key: 'key' } },
  { type: 'sink.redis', when: 'command: zadd', config: { command: 'zadd', key: 'key', scoreExpression: 'value.at' } },
  { type: 'sink.redis', when: 'command: xadd, id: from-offset', config: { command: 'xadd', key: "'s:' + meta.partition", id: 'from-offset' } },
  { type: 'sink.redis', when: 'command: xadd, id: auto', config: { command: 'xadd', key: 'key', id: 'auto' } },
  { type: 'sink.redis', when: 'command: incrby', config: { command: 'incrby', key: 'key' } },
  { type: 'sink.redis', when: 'command: publish', config: { command: 'publish', key: 'key' } },
  { type: 'sink.redis', when: 'a key calling fn.now() / Math.random()', config: { command: 'set', key: "'k:' + fn.now()" } },
  { type: 'sink.http', when: 'method: POST', config: { method: 'POST' } },
  { type: 'sink.http', when: 'method: PUT', config: { method: 'PUT' } },
  { type: 'sink.file', when: '', config: {} },
  { type: 'sink.console', when: '', config: {} },
];

/**
 * The guarantee of every sink type under each config that decides it (for `tributary nodes` and the docs); types in
 * `sinkTypes` without a row of their own get one row with what {@link sinkDelivery} says for them.
 * @param sinkTypes every registered sink type, in the order to list them
 */
export function deliveryCatalog(sinkTypes: readonly string[]): DeliveryCatalogRow[] {
  return sinkTypes.flatMap((type) => {
    const cases = CATALOG_CASES.filter((c) => c.type === type);
    const list = cases.length > 0 ? cases : [{ type, when: '', config: {} as Record<string, unknown>, delivery: undefined }];
    return list.map((c) => {
      const delivery = c.delivery ?? 'at-least-once';
      return { type, when: c.when, delivery, config: c.config, guarantee: sinkDelivery(type, c.config, delivery)! };
    });
  });
}

/**
 * The problems that keep a flow from being exactly-once (none when `delivery` is at-least-once): every source must be
 * `source.kafka` reading read_committed, every sink `sink.kafka` with `acks: -1` (a transactional producer is
 * idempotent, which needs all in-sync replicas), and no `transform.window` (its checkpoints ride in offset-commit
 * metadata, which a transaction does not carry; the Kafka source refuses it at start too). One problem per node and
 * field, code `E_CONFIG`, path `type` or `config.<field>`.
 * @param nodes the flow's nodes with their kind and parsed config
 * @param delivery the flow's `settings.delivery`
 */
export function exactlyOnceProblems(nodes: readonly DeliveryNode[], delivery: FlowDelivery): Problem[] {
  if (delivery !== 'exactly-once') return [];
  const problems: Problem[] = [];
  const refuse = (node: DeliveryNode, path: string, message: string): void => {
    problems.push({ code: 'E_CONFIG', nodeId: node.id, path, message: `settings.delivery is exactly-once, but ${message}` });
  };
  for (const node of nodes) {
    if (node.kind === 'sink') {
      if (node.type !== 'sink.kafka') {
        const own = sinkDelivery(node.type, node.config ?? {}, 'at-least-once');
        const label = DELIVERY_GUARANTEE_LABELS[own?.guarantee ?? 'at-least-once'];
        refuse(
          node,
          'type',
          `${node.type} cannot write inside a Kafka transaction (exactly-once needs every sink to be sink.kafka); set ` +
            `settings.delivery to at-least-once, where this sink is ${label}, or write to Kafka`,
        );
      } else if (node.config !== undefined && node.config.acks !== -1) {
        refuse(node, 'config.acks', `acks is ${String(node.config.acks)}; a transactional producer needs acks -1 (all in-sync replicas)`);
      }
    } else if (node.type === 'transform.window') {
      refuse(
        node,
        'type',
        'transform.window keeps its state in the metadata of a plain offset commit, which a Kafka transaction does not ' +
          'carry (not supported yet); use at-least-once',
      );
    } else if (node.kind === 'source') {
      if (node.type !== 'source.kafka') {
        refuse(
          node,
          'type',
          `${node.type} has no Kafka offsets to commit in the transaction; exactly-once needs every source to be source.kafka`,
        );
      } else if (node.config !== undefined && node.config.isolationLevel === 'read_uncommitted') {
        refuse(
          node,
          'config.isolationLevel',
          'isolationLevel is read_uncommitted, which passes on records of aborted transactions; use read_committed',
        );
      }
    }
  }
  return problems;
}

/**
 * The problems of `sink.redis` `xadd` with `id: from-offset` fed by a source that is not `source.kafka` (its records
 * have no partition and offset to derive ids from): one per such sink, code `E_CONFIG`, path `config.id`.
 * @param nodes the flow's nodes with their kind and parsed config
 * @param sourcesOf the source nodes that reach a node (through any path)
 */
export function offsetIdProblems(nodes: readonly DeliveryNode[], sourcesOf: (id: string) => readonly DeliveryNode[]): Problem[] {
  const problems: Problem[] = [];
  for (const node of nodes) {
    if (node.type !== 'sink.redis' || node.config?.command !== 'xadd' || node.config.id !== 'from-offset') continue;
    const other = sourcesOf(node.id).find((source) => source.type !== 'source.kafka');
    if (other === undefined) continue;
    problems.push({
      code: 'E_CONFIG',
      nodeId: node.id,
      path: 'config.id',
      message:
        `id from-offset derives stream ids from Kafka offsets, but source "${other.id}" (${other.type}) reaches this ` +
        'sink and its records have none; use id auto, or read from source.kafka',
    });
  }
  return problems;
}

/**
 * The catalog rows of one sink type as `tributary nodes` prints them under it:
 * `      <when> -> <guarantee label> (<reason>)`.
 */
export function catalogLines(type: string): string[] {
  return deliveryCatalog([type]).map((row) => {
    const label = DELIVERY_GUARANTEE_LABELS[row.guarantee.guarantee];
    return `      ${row.when === '' ? 'delivery' : row.when} -> ${label} (${row.guarantee.reason})`;
  });
}

/**
 * One line per sink for `tributary validate`: `  <id> (<type>): <guarantee label> (<reason>)`.
 * @param sinks the plan's sinks with their parsed configs
 */
export function deliveryLines(sinks: readonly { id: string; type: string; config: Record<string, unknown> }[], delivery: FlowDelivery): string[] {
  return sinks.flatMap((sink) => {
    const result = sinkDelivery(sink.type, sink.config, delivery);
    return result === undefined ? [] : [`  ${sink.id} (${sink.type}): ${DELIVERY_GUARANTEE_LABELS[result.guarantee]} (${result.reason})`];
  });
}
