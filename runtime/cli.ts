/**
 * The headless CLI, `tributary`: run, validate and preview flow files, print the flow JSON Schema and the node catalog.
 * The same entry point is what the studio forks to run a flow, so a flow behaves the same in both.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { FlowProblemsError, TributaryError, formatProblems, isWarning, problemReports, type Problem, type ProblemReport } from './common/errors';
import type { Watchdog } from './engine/watchdog';
import { LOG_FORMATS, LOG_LEVELS, LogSettingsError, resolveLogSettings, type LogSettings } from './logger';
import type { LoadedFlow } from './flow-file';
import type { ParentMessage, RuntimeMessage } from './run-protocol';

// Only what `--help` needs is imported statically: the modules of a command (the engine, the nodes, Kafka and Redis
// clients, the flow loader) are imported by its action, so `tributary --help` starts in a fraction of the time.

/** Process exit codes, also listed in `tributary --help`. */
export const ExitCode = {
  ok: 0,
  invalidFlow: 1,
  usage: 2,
  runFailed: 3,
  /**
   * The watchdog stopped the run: a node blocked the event loop longer than `settings.maxBlockMs`. The watchdog's own
   * `WATCHDOG_EXIT_CODE` (runtime/engine/watchdog.ts, not imported here: it loads the expression compiler; a unit test
   * holds the two equal).
   */
  blocked: 4,
} as const;

/** After a stop request the process exits at the latest this long after `settings.shutdownTimeoutMs` (ms). */
export const SHUTDOWN_EXIT_GRACE_MS = 1_000;

const EXIT_CODES_HELP = `
Exit codes:
  0  success (run: stopped by SIGTERM/SIGINT after draining, or every source finished)
  1  the flow file is invalid (every problem is printed as file:line:col: node <id>: <field>: <message> [E_CODE])
  2  bad command-line usage (also a bad LOG_LEVEL / LOG_FORMAT, an --env-file that cannot be read)
  3  the run failed (a node with onError: stop failed, a sink failed for good, a source crashed too often; also a
     drain that did not end within settings.shutdownTimeoutMs + 1 s, a second signal)
  4  a node blocked the event loop longer than settings.maxBlockMs: the watchdog's line names the node and its
     expression; the records in flight are replayed on restart
  9  a missing --env-file: Node.js checks that argument itself and exits before tributary starts (node: FILE: not found)

Environment:
  KAFKA_BROKERS, REDIS_URL, ...  substituted into \${VAR} / \${VAR:-default} references of the flow file
                                 (--env-file FILE loads more; variables already set win)
  LOG_LEVEL                      trace | debug | info | warn | error | fatal | silent (default info); --log-level wins
  LOG_FORMAT                     json | pretty (default pretty on a terminal, json otherwise); --log-format wins
                                 logs go to stderr, JSON with the level by name ("level":"info")
  TRIBUTARY_METRICS_TOKEN        bearer token of the metrics port's /live paths (the studio's Attach) and of
                                 /samples/<node>; unset: /live answers 401 and /samples stays open
`;

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Options every command that loads a flow and logs takes: `--env-file`, `--log-level`, `--log-format`. */
interface LoggingOptions {
  envFile?: string;
  logLevel?: string;
  logFormat?: string;
}

/** Prints one usage line (`tributary: <message>`) and exits 2. */
function usageExit(message: string): never {
  process.stderr.write(`tributary: ${message}\n`);
  process.exit(ExitCode.usage);
}

/**
 * Loads `--env-file` into `process.env` (dotenv format, read by Node's own parser; variables already set keep their
 * value), exiting 2 with one line when the file cannot be read.
 */
function loadEnvFileOrExit(file: string | undefined): void {
  if (file === undefined) return;
  try {
    process.loadEnvFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    usageExit(`--env-file ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** The log settings of a command (flags, then `LOG_LEVEL` / `LOG_FORMAT`), exiting 2 with one line when one is bad. */
function logSettingsOrExit(options: LoggingOptions, defaultLevel?: LogSettings['level']): LogSettings {
  try {
    return resolveLogSettings({ level: options.logLevel, format: options.logFormat }, defaultLevel === undefined ? {} : { defaultLevel });
  } catch (error) {
    if (error instanceof LogSettingsError) usageExit(error.message);
    throw error;
  }
}

/** Loads a flow, printing its problems and exiting 1 when it is invalid. */
async function loadOrExit(file: string, set: string[] = []): Promise<LoadedFlow> {
  try {
    const { loadFlowFile } = await import('./flow-file');
    const loaded = await loadFlowFile(file, { set });
    for (const line of formatProblems(loaded.warnings, file)) process.stderr.write(`${line}\n`);
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

/**
 * Starts the block watchdog of a run or preview (runtime/engine/watchdog.ts) unless `settings.maxBlockMs` is 0; its
 * line is JSON when the logs are.
 */
async function startWatchdog(loaded: LoadedFlow, logSettings: LogSettings, logger: Logger): Promise<Watchdog | undefined> {
  const maxBlockMs = loaded.flow.settings.maxBlockMs;
  if (maxBlockMs === 0) return undefined;
  const { Watchdog, watchedNodes } = await import('./engine/watchdog');
  return Watchdog.start({
    maxBlockMs,
    nodes: watchedNodes(loaded.plan),
    format: logSettings.format === 'json' ? 'json' : 'text',
    onError: (error) => logger.warn({ err: error }, `the block watchdog failed, a blocked event loop is no longer stopped: ${error.message}`),
  });
}

/** Telemetry frames per second sent to a parent process at most. */
export const IPC_FRAMES_PER_SECOND = 10;

/** Options of `tributary run`. */
type RunOptions = { metricsPort?: number; metricsHost?: string; set: string[]; telemetry: boolean; otlpEndpoint?: string } & LoggingOptions;

async function runCommand(file: string, options: RunOptions): Promise<never> {
  loadEnvFileOrExit(options.envFile);
  const logSettings = logSettingsOrExit(options);
  const loaded = await loadOrExit(file, options.set);
  // Only the runtimes of the flow's node types are imported (an idle kafka -> console runtime loads no ioredis, ajv...).
  const [{ createLogger, logProcessWarnings }, { Engine }, nodeRuntimes] = await Promise.all([
    import('./logger'),
    import('./engine/engine'),
    import('../nodes/runtime-loaders').then((m) => m.loadNodeRuntimes(loaded.plan.nodes.map((node) => node.spec.type))),
  ]);
  const logger = createLogger(logSettings.level, logSettings.format === 'pretty');
  logProcessWarnings(logger);
  const watchdog = await startWatchdog(loaded, logSettings, logger);
  const traces = await (await import('./run-tracing'))
    .runTracing(loaded.plan, logger, { otlpEndpoint: options.otlpEndpoint, studio: process.send !== undefined })
    .catch((error: Error) => usageExit(error.message));
  const engine = new Engine(loaded.plan, {
    runtimes: nodeRuntimes,
    logger,
    ...(options.telemetry ? {} : { telemetry: false }),
    watchdog,
    tracing: traces.tracing,
  });
  // A stop request (signal, the parent's `stop`, its going away) ends the process within shutdownTimeoutMs + 1 s
  // even when the drain or a node's close hangs; a blocked event loop is the watchdog's to end.
  let exitDeadline: NodeJS.Timeout | undefined;
  const stopRun = (): void => {
    if (exitDeadline === undefined) {
      const { shutdownTimeoutMs } = loaded.flow.settings;
      exitDeadline = setTimeout(() => {
        logger.error(
          { event: 'shutdown-timeout', shutdownTimeoutMs },
          `run failed: the shutdown did not end within settings.shutdownTimeoutMs ${shutdownTimeoutMs} ms + ${SHUTDOWN_EXIT_GRACE_MS} ms; exiting without closing the remaining nodes (uncommitted records are replayed)`,
        );
        logger.flush();
        process.exit(ExitCode.runFailed);
      }, shutdownTimeoutMs + SHUTDOWN_EXIT_GRACE_MS);
      exitDeadline.unref();
    }
    void engine.stop();
  };
  logger.info({ flow: loaded.flow.name, file, nodes: loaded.plan.nodes.length }, 'starting flow');

  if (options.metricsPort !== undefined) {
    // The command line wins over the flow's settings.metricsHost.
    const { DEFAULT_METRICS_HOST, liveOptionsFor, startMetricsServer } = await import('./metrics-server');
    const host = options.metricsHost ?? loaded.flow.settings.metricsHost ?? DEFAULT_METRICS_HOST;
    try {
      await startMetricsServer(engine, options.metricsPort, host, liveOptionsFor(loaded));
      logger.info({ host, port: options.metricsPort }, `metrics on http://${host.includes(':') ? `[${host}]` : host}:${options.metricsPort}: /metrics, /healthz, /readyz, /samples/<node>`);
    } catch (error) {
      logger.error({ err: error }, `cannot serve metrics on ${host} port ${options.metricsPort}: ${(error as Error).message}`);
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
      if (message.type === 'stop') stopRun();
      else if (message.type === 'samples') send({ type: 'samples', nodeId: message.nodeId, samples: engine.samples(message.nodeId) });
    });
    process.on('disconnect', stopRun);
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(ExitCode.runFailed);
    }
    logger.info({ signal }, 'stopping: draining in-flight records');
    stopRun();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let code: number = ExitCode.ok;
  try {
    await engine.run();
  } catch (error) {
    code = ExitCode.runFailed;
    logger.error({ err: error }, `run failed: ${(error as Error).message}`);
  }
  await traces.close();
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

/** The problems of one flow file as `validate` reports them, and whether the file is valid (warnings only). */
async function validateFile(file: string): Promise<{ problems: Problem[]; valid: boolean; summary?: string; delivery?: string[] }> {
  try {
    const [{ loadFlowFile }, { deliveryLines }] = await Promise.all([import('./flow-file'), import('./common/delivery-guarantee')]);
    const loaded = await loadFlowFile(file);
    const { plan, flow } = loaded;
    const delivery = [`  delivery ${flow.settings.delivery}, per sink:`, ...deliveryLines(plan.sinks.map((s) => ({ id: s.id, type: s.spec.type, config: s.config })), flow.settings.delivery)];
    return { problems: loaded.warnings, valid: true, summary: `${plan.nodes.length} nodes, ${flow.edges.length} edges`, delivery };
  } catch (error) {
    if (error instanceof FlowProblemsError) return { problems: error.problems, valid: !error.problems.some((p) => !isWarning(p)) };
    const code = error instanceof TributaryError ? error.code : 'E_INTERNAL';
    return { problems: [{ code, path: '', message: error instanceof Error ? error.message : String(error) }], valid: false };
  }
}

/**
 * `tributary validate`: every problem of every file, as `file:line:col: ...` lines (and `file: valid (...)` for a valid
 * file) or, with `--format json`, one JSON array of {@link ProblemReport} on stdout. Exits 1 when a file has an error,
 * 0 when there are only warnings or none.
 */
async function validateCommand(files: string[], options: { format: 'text' | 'json'; envFile?: string }): Promise<never> {
  loadEnvFileOrExit(options.envFile);
  let invalid = false;
  const reports: ProblemReport[] = [];
  for (const file of files) {
    const result = await validateFile(file);
    if (!result.valid) invalid = true;
    if (options.format === 'json') {
      reports.push(...problemReports(result.problems, file));
      continue;
    }
    for (const line of formatProblems(result.problems, file)) process.stdout.write(`${line}\n`);
    if (result.summary !== undefined) process.stdout.write(`${file}: valid (${result.summary})\n`);
    for (const line of result.delivery ?? []) process.stdout.write(`${line}\n`);
  }
  if (options.format === 'json') process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  process.exit(invalid ? ExitCode.invalidFlow : ExitCode.ok);
}

async function previewCommand(file: string, options: { records: number; json: boolean; set: string[] } & LoggingOptions): Promise<never> {
  loadEnvFileOrExit(options.envFile);
  const logSettings = logSettingsOrExit(options, options.json ? 'warn' : undefined);
  const loaded = await loadOrExit(file, options.set);
  // Only the runtimes of the flow's node types are imported (an idle kafka -> console runtime loads no ioredis, ajv...).
  const [{ createLogger, logProcessWarnings }, { Engine }, nodeRuntimes] = await Promise.all([
    import('./logger'),
    import('./engine/engine'),
    import('../nodes/runtime-loaders').then((m) => m.loadNodeRuntimes(loaded.plan.nodes.map((node) => node.spec.type))),
  ]);
  const logger = createLogger(logSettings.level, logSettings.format === 'pretty');
  logProcessWarnings(logger);
  const watchdog = await startWatchdog(loaded, logSettings, logger);
  const engine = new Engine(loaded.plan, {
    runtimes: nodeRuntimes,
    logger,
    preview: { records: options.records },
    telemetry: true,
    watchdog,
    // Previews read a few records: trace them all, so the sample panel can trace any previewed record.
    tracing: { sampleRate: 1 },
  });
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

async function nodesCommand(options: { json: boolean }): Promise<void> {
  const [{ nodeSpecs }, { catalogLines, deliveryCatalog }] = await Promise.all([import('../nodes/specs'), import('./common/delivery-guarantee')]);
  if (options.json) {
    const list = nodeSpecs.map((s) => ({
      type: s.type,
      kind: s.kind,
      title: s.title,
      description: s.description,
      inputs: s.inputs,
      outputs: s.outputs,
      ...(s.kind === 'sink' ? { delivery: deliveryCatalog([s.type]).map(({ when, delivery, guarantee }) => ({ when, delivery, ...guarantee })) } : {}),
      config: s.config.toJSONSchema({ io: 'input' }),
    }));
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  for (const kind of ['source', 'transform', 'sink'] as const) {
    process.stdout.write(`${kind}s:\n`);
    for (const s of nodeSpecs.filter((n) => n.kind === kind)) {
      process.stdout.write(`  ${s.type.padEnd(22)} ${s.description}\n`);
      if (kind === 'sink') for (const line of catalogLines(s.type)) process.stdout.write(`${line}\n`);
    }
  }
}

function envFileOption(): Option {
  return new Option('--env-file <file>', 'load variables for ${VAR} references from a dotenv file (variables already set win)');
}

function logLevelOption(): Option {
  return new Option('--log-level <level>', 'log level (default: LOG_LEVEL, else info)').choices(LOG_LEVELS);
}

function logFormatOption(): Option {
  return new Option('--log-format <format>', 'log format (default: LOG_FORMAT, else pretty on a terminal and json otherwise)').choices(LOG_FORMATS);
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
    .option('--metrics-port <port>', 'serve /metrics, /healthz, /readyz and /samples/<node> on <port> of the metrics host', positiveInt)
    .option(
      '--metrics-host <address>',
      'address the metrics port binds to (default: settings.metricsHost of the flow, else 127.0.0.1, this host only); ' +
        '0.0.0.0 (or ::) makes it reachable from other hosts, as Prometheus and Kubernetes probes need, also serving ' +
        'record samples to anyone who can reach the port',
    )
    .option('--set <node.field=value>', 'override a config field (repeatable), e.g. --set orders.topic=orders-v2', collect, [])
    .option('--no-telemetry', 'switch off per-node metrics and samples (to measure their cost)')
    .option('--otlp-endpoint <url>', 'export record traces (settings.traceSampleRate) as OpenTelemetry spans, OTLP/HTTP JSON, e.g. http://127.0.0.1:4318 (/v1/traces is appended to a URL without a path)')
    .addOption(envFileOption())
    .addOption(logLevelOption())
    .addOption(logFormatOption())
    .action((flow: string, options: RunOptions) => runCommand(flow, options));

  program
    .command('validate')
    .description('check flow files; prints every problem as file:line:col: node <id>: <field>: <message> [E_CODE] (warnings as file:line:col: warning: ...; they do not fail)')
    .argument('<flows...>', 'flow files')
    .addOption(new Option('--format <format>', 'text lines, or one JSON array of { file, line, column, node, field, code, message, severity }').choices(['text', 'json']).default('text'))
    .addOption(envFileOption())
    .action((flows: string[], options: { format: 'text' | 'json'; envFile?: string }) => validateCommand(flows, options));

  program
    .command('preview')
    .description('read N records from the sources (throwaway consumer group, nothing committed), run them through the graph without writing to sinks, and print every node\'s input and output')
    .argument('<flow>', 'flow file')
    .option('--records <n>', 'records to read per source', positiveInt, 20)
    .option('--json', 'print JSON', false)
    .option('--set <node.field=value>', 'override a config field (repeatable)', collect, [])
    .addOption(envFileOption())
    .addOption(logLevelOption())
    .addOption(logFormatOption())
    .action((flow: string, options: { records: number; json: boolean; set: string[] } & LoggingOptions) => previewCommand(flow, options));

  // Command modules of their own are registered through lazyCommand: imported only when named.
  program.addCommand(
    lazyCommand('offsets', "show or move the committed offsets of a source.kafka node's consumer group (replay)", async () =>
      (await import('./offsets-command')).createOffsetsCommand({
        loadFlow: (file) => loadOrExit(file),
        loadEnvFile: loadEnvFileOrExit,
        envFileOption,
        exitCodes: { usage: ExitCode.usage, failed: ExitCode.runFailed },
      }),
    ),
  );

  program.addCommand(
    lazyCommand(
      'diff',
      'compare two flow files node by node: nodes added, removed or renamed, config fields old → new, edges added or removed, ' +
        'settings, and moved nodes in one line; exit 0 same, 1 different, 2 a file refused (also a git diff driver and textconv, docs/flow-diff.md)',
      async () => (await import('./diff-command')).createDiffCommand(),
    ),
  );

  program.addCommand(
    lazyCommand(
      'test',
      'run flow test files (<flow>.test.yaml) with no Kafka, Redis or network: recorded inputs in, sinks captured, time pinned; exits 1 when a case fails',
      async () => (await import('./test-command')).createTestCommand(),
    ),
  );

  program
    .command('schema')
    .description('print the flow file JSON Schema')
    .action(async () => {
      const [{ generateFlowSchema }, { nodeSpecs }] = await Promise.all([import('./common/flow-schema'), import('../nodes/specs')]);
      process.stdout.write(generateFlowSchema(nodeSpecs));
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

/** Loaders of the commands {@link lazyCommand} stands in for, by placeholder. */
const lazyLoaders = new WeakMap<Command, () => Promise<Command>>();

/**
 * A command whose module is imported only when the command line names it, so that `tributary --help` and a run do
 * not load it (and the Kafka client, YAML parser or schemas it imports). `tributary --help` lists the placeholder with
 * `description` (the real command's, a unit test holds them equal); {@link main} puts the command `load` returns in
 * its place before parsing.
 * @param load imports the command's module and returns its command
 */
export function lazyCommand(name: string, description: string, load: () => Promise<Command>): Command {
  const placeholder = new Command(name)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new Error(`tributary ${name}: parse the command line with main(), which loads this command first`);
    });
  lazyLoaders.set(placeholder, load);
  return placeholder;
}

/**
 * Replaces the {@link lazyCommand} placeholder the command line names (`tributary <name> ...` or `tributary help
 * <name>`) with the real command.
 * @param argv `process.argv` (node, script, command, ...)
 */
export async function loadNamedCommand(program: Command, argv: string[]): Promise<void> {
  const name = argv[2] === 'help' ? argv[3] : argv[2];
  const index = program.commands.findIndex((command) => command.name() === name || command.aliases().includes(name ?? ''));
  const load = index < 0 ? undefined : lazyLoaders.get(program.commands[index]!);
  if (load === undefined) return;
  const command = await load();
  (program.commands as Command[]).splice(index, 1);
  program.addCommand(command);
}

/** Entry point used by bin/tributary.js. */
export async function main(argv: string[]): Promise<void> {
  const program = createProgram();
  await loadNamedCommand(program, argv);
  await program.parseAsync(argv);
}
