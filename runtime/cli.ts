/**
 * The headless CLI, `tributary`: run, validate and preview flow files, print the flow JSON Schema and the node catalog.
 * The same entry point is what the studio forks to run a flow, so a flow behaves the same in both.
 */
import { Command, InvalidArgumentError } from 'commander';
import { nodeSpecs } from '../nodes/specs';
import { nodeRuntimes } from '../nodes/runtimes';
import { FlowProblemsError, TributaryError, formatProblems } from './common/errors';
import { Engine } from './engine/engine';
import { createLogger } from './logger';
import { loadFlowFile, type LoadedFlow } from './flow-file';
import { startMetricsServer } from './metrics-server';
import type { ParentMessage, RuntimeMessage } from './run-protocol';
import { generateFlowSchema } from './common/flow-schema';

/** Process exit codes, also listed in `tributary --help`. */
export const ExitCode = {
  ok: 0,
  invalidFlow: 1,
  usage: 2,
  runFailed: 3,
} as const;

const EXIT_CODES_HELP = `
Exit codes:
  0  success (run: stopped by SIGTERM/SIGINT after draining, or every source finished)
  1  the flow file is invalid (every problem is printed as file: node <id>: <field>: <message>)
  2  bad command-line usage
  3  the run failed (a node with onError: stop failed, a sink failed for good, a source crashed too often)

Environment:
  KAFKA_BROKERS, REDIS_URL, ...  substituted into \${VAR} / \${VAR:-default} references of the flow file
  LOG_LEVEL                      trace | debug | info | warn | error | silent (default info); logs go to stderr
`;

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Loads a flow, printing its problems and exiting 1 when it is invalid. */
async function loadOrExit(file: string, set: string[] = []): Promise<LoadedFlow> {
  try {
    const loaded = await loadFlowFile(file, { set });
    for (const line of formatProblems(loaded.warnings, file)) process.stderr.write(`warning: ${line}\n`);
    return loaded;
  } catch (error) {
    if (error instanceof FlowProblemsError) {
      for (const line of formatProblems(error.problems, file)) process.stderr.write(`${line}\n`);
      process.exit(ExitCode.invalidFlow);
    }
    if (error instanceof TributaryError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(ExitCode.invalidFlow);
    }
    throw error;
  }
}

/** Telemetry frames per second sent to a parent process at most. */
export const IPC_FRAMES_PER_SECOND = 10;

async function runCommand(file: string, options: { metricsPort?: number; set: string[]; telemetry: boolean }): Promise<never> {
  const loaded = await loadOrExit(file, options.set);
  const logger = createLogger();
  const engine = new Engine(loaded.plan, {
    runtimes: nodeRuntimes,
    logger,
    ...(options.telemetry ? {} : { telemetry: false }),
  });
  logger.info({ flow: loaded.flow.name, file, nodes: loaded.plan.nodes.length }, 'starting flow');

  if (options.metricsPort !== undefined) {
    try {
      await startMetricsServer(engine, options.metricsPort);
      logger.info({ port: options.metricsPort }, 'metrics on /metrics, /healthz, /readyz, /samples/<node>');
    } catch (error) {
      logger.error({ err: error }, `cannot serve metrics on port ${options.metricsPort}`);
      process.exit(ExitCode.usage);
    }
  }

  let ipcTimer: NodeJS.Timeout | undefined;
  if (process.send !== undefined) {
    const send = (message: RuntimeMessage): void => {
      if (process.connected) process.send!(message);
    };
    ipcTimer = setInterval(() => {
      const frame = engine.frame();
      if (frame !== undefined) send({ type: 'telemetry', frame });
    }, 1000 / IPC_FRAMES_PER_SECOND);
    ipcTimer.unref();
    process.on('message', (message: ParentMessage) => {
      if (message.type === 'stop') void engine.stop();
      else if (message.type === 'samples') send({ type: 'samples', nodeId: message.nodeId, samples: engine.samples(message.nodeId) });
    });
    process.on('disconnect', () => void engine.stop());
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(ExitCode.runFailed);
    }
    logger.info({ signal }, 'stopping: draining in-flight records');
    void engine.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let code: number = ExitCode.ok;
  try {
    await engine.run();
    logger.info({ totals: engine.frame()?.totals }, 'flow stopped');
  } catch (error) {
    code = ExitCode.runFailed;
    logger.error({ err: error }, `run failed: ${(error as Error).message}`);
  }
  if (ipcTimer !== undefined) {
    clearInterval(ipcTimer);
    const frame = engine.frame();
    if (frame !== undefined && process.connected) process.send!({ type: 'telemetry', frame } satisfies RuntimeMessage);
  }
  logger.flush();
  // Give pino's asynchronous destination a moment to drain before exiting.
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.exit(code);
}

async function validateCommand(files: string[]): Promise<never> {
  let invalid = false;
  for (const file of files) {
    try {
      const loaded = await loadFlowFile(file);
      for (const line of formatProblems(loaded.warnings, file)) process.stdout.write(`warning: ${line}\n`);
      process.stdout.write(`${file}: valid (${loaded.plan.nodes.length} nodes, ${loaded.flow.edges.length} edges)\n`);
    } catch (error) {
      invalid = true;
      if (error instanceof FlowProblemsError) {
        for (const line of formatProblems(error.problems, file)) process.stdout.write(`${line}\n`);
      } else {
        process.stdout.write(`${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }
  process.exit(invalid ? ExitCode.invalidFlow : ExitCode.ok);
}

async function previewCommand(file: string, options: { records: number; json: boolean; set: string[] }): Promise<never> {
  const loaded = await loadOrExit(file, options.set);
  const logger = createLogger(options.json ? 'warn' : undefined);
  const engine = new Engine(loaded.plan, { runtimes: nodeRuntimes, logger, preview: { records: options.records }, telemetry: true });
  let failed: Error | undefined;
  try {
    await engine.run();
  } catch (error) {
    failed = error as Error;
  }
  const nodes = loaded.plan.nodes.map((node) => {
    const samples = engine.samples(node.id);
    return { id: node.id, type: node.spec.type, in: samples?.in ?? [], out: samples?.out ?? [] };
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ flow: loaded.flow.name, records: options.records, nodes, error: failed?.message }, null, 2)}\n`);
  } else {
    for (const node of nodes) {
      process.stdout.write(`\n== ${node.id} (${node.type}): ${node.in.length} in, ${node.out.length} out\n`);
      for (const r of node.in) process.stdout.write(`  in   ${JSON.stringify({ key: r.key, value: r.value })}\n`);
      for (const r of node.out) {
        const error = r.error === undefined ? '' : ` error=${JSON.stringify(r.error.message)}`;
        process.stdout.write(`  out:${r.port} ${JSON.stringify({ key: r.key, value: r.value })}${error}\n`);
      }
    }
    process.stdout.write('\nPreview wrote nothing to any sink.\n');
  }
  logger.flush();
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (failed !== undefined) {
    process.stderr.write(`preview failed: ${failed.message}\n`);
    process.exit(ExitCode.runFailed);
  }
  process.exit(ExitCode.ok);
}

function nodesCommand(options: { json: boolean }): void {
  if (options.json) {
    const list = nodeSpecs.map((s) => ({
      type: s.type,
      kind: s.kind,
      title: s.title,
      description: s.description,
      inputs: s.inputs,
      outputs: s.outputs,
      config: s.config.toJSONSchema({ io: 'input' }),
    }));
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  for (const kind of ['source', 'transform', 'sink'] as const) {
    process.stdout.write(`${kind}s:\n`);
    for (const s of nodeSpecs.filter((n) => n.kind === kind)) process.stdout.write(`  ${s.type.padEnd(22)} ${s.description}\n`);
  }
}

/** Builds the command-line program. */
export function createProgram(): Command {
  const program = new Command('tributary')
    .description('Run, validate and preview Tributary flow files (Kafka streaming pipelines).')
    .version('0.1.0')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride((error) => {
      process.exit(error.exitCode === 0 ? 0 : ExitCode.usage);
    });

  program
    .command('run')
    .description('run a flow until it is stopped (SIGTERM/SIGINT drain, flush and commit) or its sources finish')
    .argument('<flow>', 'flow file (*.flow.yaml or *.flow.json)')
    .option('--metrics-port <port>', 'serve /metrics, /healthz, /readyz and /samples/<node> on 127.0.0.1:<port>', positiveInt)
    .option('--set <node.field=value>', 'override a config field (repeatable), e.g. --set orders.topic=orders-v2', collect, [])
    .option('--no-telemetry', 'switch off per-node metrics and samples (to measure their cost)')
    .action((flow: string, options: { metricsPort?: number; set: string[]; telemetry: boolean }) => runCommand(flow, options));

  program
    .command('validate')
    .description('check flow files; prints every problem as file: node <id>: <field>: <message>')
    .argument('<flows...>', 'flow files')
    .action((flows: string[]) => validateCommand(flows));

  program
    .command('preview')
    .description('read N records from the sources (throwaway consumer group, nothing committed), run them through the graph without writing to sinks, and print every node\'s input and output')
    .argument('<flow>', 'flow file')
    .option('--records <n>', 'records to read per source', positiveInt, 20)
    .option('--json', 'print JSON', false)
    .option('--set <node.field=value>', 'override a config field (repeatable)', collect, [])
    .action((flow: string, options: { records: number; json: boolean; set: string[] }) => previewCommand(flow, options));

  program
    .command('schema')
    .description('print the flow file JSON Schema')
    .action(() => {
      process.stdout.write(generateFlowSchema());
    });

  program
    .command('nodes')
    .description('list node types with their docs')
    .option('--json', 'print JSON with each config schema', false)
    .action((options: { json: boolean }) => nodesCommand(options));

  program
    .command('studio')
    .description('open the studio in the browser: serves the editor and its backend on 127.0.0.1 (token-guarded WebSocket)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one; default 4780, or a free one when taken)', positiveInt)
    .option('--no-open', 'do not open a browser, only print the URL')
    .option('--static <dir>', 'serve the renderer from this directory instead of dist/renderer')
    .option('--allow-origin <origin>', 'also accept WebSocket connections from this origin (e.g. a Vite dev server; repeatable)', collect, [])
    .action(async (options: { port?: number; open: boolean; static?: string; allowOrigin: string[] }) => {
      const { runStudioCommand } = await import('./studio/server');
      try {
        await runStudioCommand(options);
      } catch (error) {
        process.stderr.write(`tributary studio: ${(error as Error).message}\n`);
        process.exit(ExitCode.usage);
      }
    });

  return program;
}

/** Entry point used by bin/tributary.js. */
export async function main(argv: string[]): Promise<void> {
  await createProgram().parseAsync(argv);
}
