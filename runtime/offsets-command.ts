/**
 * `tributary offsets show|reset FLOW --node ID`: the committed offsets of a `source.kafka` node's consumer group, and
 * replay by moving them (`runtime/kafka-offsets.ts` does the admin work). Output is a table, or JSON with
 * `--format json`; errors are one line on stderr.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseStartTimestamp } from '../nodes/kafka-start-position.spec';
import { TributaryError } from './common/errors';
import type { LoadedFlow } from './flow-file';
import type { GroupOffsets, OffsetReset, ResetTarget } from './common/group-offsets';
import { kafkaSourceGroup, readGroupOffsets, resetGroupOffsets, withGroupAdmin } from './kafka-offsets';

/** What the offsets commands borrow from the CLI: loading a flow (exits 1 when invalid), the env file, exit codes. */
export interface OffsetsCommandHelpers {
  /** Loads and compiles a flow file; prints its problems and exits 1 when it is invalid. */
  loadFlow(file: string): Promise<LoadedFlow>;
  /** Loads `--env-file` into the environment (exits 2 when it cannot be read). */
  loadEnvFile(file: string | undefined): void;
  /** The option that names an env file. */
  envFileOption(): Option;
  /** Exit code of bad usage and of a failed operation. */
  exitCodes: { usage: number; failed: number };
}

/** Options of `offsets show`. */
interface ShowOptions {
  node: string;
  format: 'text' | 'json';
  envFile?: string;
}

/** Options of `offsets reset`. */
interface ResetOptions extends ShowOptions {
  toTimestamp?: number;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset: { topic?: string; partition: number; offset: number }[];
  dryRun: boolean;
}

/** Parses `--to-timestamp`: ISO 8601 with a zone, or epoch ms. */
function timestampArgument(text: string): number {
  const ms = parseStartTimestamp(text);
  if (ms === undefined) throw new InvalidArgumentError('expected an ISO 8601 date-time with a zone (2026-11-30T00:00:00Z) or epoch milliseconds');
  return ms;
}

/** Parses one `--to-offset PARTITION:OFFSET` or `TOPIC:PARTITION:OFFSET` and adds it to the list. */
function offsetArgument(text: string, previous: ResetOptions['toOffset']): ResetOptions['toOffset'] {
  const m = /^(?:([A-Za-z0-9._-]+):)?(\d+):(\d+)$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError('expected PARTITION:OFFSET (e.g. 0:1200) or TOPIC:PARTITION:OFFSET');
  const entry = { partition: Number(m[2]), offset: Number(m[3]), ...(m[1] === undefined ? {} : { topic: m[1] }) };
  return [...previous, entry];
}

/** Left-aligned columns, two spaces apart. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** `offsets show` as text: a head line with the group's state, then one row per partition. */
export function formatGroupOffsets(offsets: GroupOffsets): string {
  const head = `group ${offsets.groupId}: ${offsets.state}, ${offsets.members} active member(s)\n`;
  const rows = [['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-START', 'LOG-END', 'LAG']];
  for (const p of offsets.partitions) {
    rows.push([p.topic, String(p.partition), p.committed === null ? '-' : String(p.committed), String(p.logStart), String(p.logEnd), p.lag === null ? '-' : String(p.lag)]);
  }
  return head + table(rows);
}

/** `offsets reset` as text: what moved (or would move), and how many records are processed again. */
export function formatOffsetReset(reset: OffsetReset): string {
  const moved = reset.moves.filter((m) => m.from !== m.to);
  const verb = reset.applied ? 'moved' : 'would move (dry run, nothing changed)';
  const head = `group ${reset.groupId}: ${verb} ${moved.length} partition(s); ${reset.again} record(s) will be processed again by the next run\n`;
  if (moved.length === 0) return head;
  const rows = [['TOPIC', 'PARTITION', 'FROM', 'TO', 'AGAIN']];
  for (const m of moved) rows.push([m.topic, String(m.partition), m.from === null ? '-' : String(m.from), String(m.to), String(m.again)]);
  return head + table(rows);
}

/** The reset target of the options; exactly one of the `--to-*` options. */
function targetOf(options: ResetOptions): ResetTarget | string {
  const given = [options.toTimestamp !== undefined, options.toEarliest === true, options.toLatest === true, options.toOffset.length > 0].filter(Boolean).length;
  if (given !== 1) return 'give exactly one of --to-timestamp T, --to-earliest, --to-latest, --to-offset P:O';
  if (options.toTimestamp !== undefined) return { kind: 'timestamp', timestamp: options.toTimestamp };
  if (options.toEarliest === true) return { kind: 'earliest' };
  if (options.toLatest === true) return { kind: 'latest' };
  return { kind: 'offsets', offsets: options.toOffset };
}

/**
 * The `offsets` command with its `show` and `reset` subcommands.
 * @param helpers flow loading, env file and exit codes of the CLI
 */
export function createOffsetsCommand(helpers: OffsetsCommandHelpers): Command {
  const fail = (message: string, code: number): never => {
    process.stderr.write(`tributary offsets: ${message}\n`);
    process.exit(code);
  };
  /** Loads the flow and finds the node's group; a bad node exits 2. */
  const groupOf = async (file: string, options: ShowOptions) => {
    helpers.loadEnvFile(options.envFile);
    const loaded = await helpers.loadFlow(file);
    try {
      return kafkaSourceGroup(loaded.plan, options.node);
    } catch (error) {
      return fail((error as Error).message, helpers.exitCodes.usage);
    }
  };
  const formatOption = (): Option => new Option('--format <format>', 'a table, or JSON').choices(['text', 'json']).default('text');

  const offsets = new Command('offsets')
    .description("show or move the committed offsets of a source.kafka node's consumer group (replay)")
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : helpers.exitCodes.usage));

  offsets
    .command('show')
    .description('per partition: committed offset, log start, log end and lag of the node\'s consumer group')
    .argument('<flow>', 'flow file')
    .requiredOption('--node <id>', 'the source.kafka node')
    .addOption(formatOption())
    .addOption(helpers.envFileOption())
    .action(async (file: string, options: ShowOptions) => {
      const group = await groupOf(file, options);
      try {
        const result = await withGroupAdmin(group, (admin) => readGroupOffsets(admin, group));
        process.stdout.write(options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatGroupOffsets(result));
      } catch (error) {
        fail((error as Error).message, helpers.exitCodes.failed);
      }
    });

  offsets
    .command('reset')
    .description(
      "move the node's consumer group (every run of the flow stopped) so the next run reads again from there; prints what moved",
    )
    .argument('<flow>', 'flow file')
    .requiredOption('--node <id>', 'the source.kafka node')
    .option('--to-timestamp <time>', 'the first record at or after the time (ISO 8601 with a zone, or epoch ms); partitions without one go to their end', timestampArgument)
    .option('--to-earliest', 'the oldest record kept')
    .option('--to-latest', 'the end of each partition (skip everything not yet read)')
    .option('--to-offset <partition:offset>', 'an explicit offset, TOPIC:PARTITION:OFFSET for several topics (repeatable)', offsetArgument, [])
    .option('--dry-run', 'only print what would move', false)
    .addOption(formatOption())
    .addOption(helpers.envFileOption())
    .action(async (file: string, options: ResetOptions) => {
      const target = targetOf(options);
      if (typeof target === 'string') return fail(target, helpers.exitCodes.usage);
      const group = await groupOf(file, options);
      try {
        const result = await withGroupAdmin(group, (admin) => resetGroupOffsets(admin, group, target, { dryRun: options.dryRun }));
        process.stdout.write(options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatOffsetReset(result));
      } catch (error) {
        fail((error as Error).message, error instanceof TributaryError && error.code === 'E_CONFIG' ? helpers.exitCodes.usage : helpers.exitCodes.failed);
      }
    });

  return offsets;
}
