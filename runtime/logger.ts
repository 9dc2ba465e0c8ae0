/**
 * The runtime's logger (pino): human-readable lines on a terminal, JSON lines otherwise, with the level as its name
 * (`"level":"info"`). Logs go to stderr so that stdout stays free for records (`sink.console`) and machine-readable
 * output (`--json`). The level and format come from `--log-level` / `--log-format`, else `LOG_LEVEL` / `LOG_FORMAT`,
 * else `info` and "pretty on a terminal, JSON otherwise" ({@link resolveLogSettings}).
 */
import { pino, type Logger, type LevelWithSilent, type LoggerOptions } from 'pino';

/** The log levels, most verbose first; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const satisfies readonly LevelWithSilent[];

/** The log formats: one JSON object per line, or pino-pretty's coloured lines. */
export const LOG_FORMATS = ['json', 'pretty'] as const;

/** A log format, see {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The level and format the process logs with. */
export interface LogSettings {
  level: LevelWithSilent;
  format: LogFormat;
}

/** A log level or format that is not one of the allowed values; its message is the one line to print. */
export class LogSettingsError extends Error {
  /** @param message names the bad value, where it came from and the allowed values */
  constructor(message: string) {
    super(message);
    this.name = 'LogSettingsError';
  }
}

function isLevel(value: string): value is LevelWithSilent {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

function isFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

/**
 * Decides the level and format: a flag wins over the environment (`LOG_LEVEL`, `LOG_FORMAT`), which wins over the
 * defaults (`defaultLevel`, `info` unless given; `pretty` when stderr is a terminal, else `json`). An empty variable
 * counts as unset.
 * @param flags `--log-level` / `--log-format` as given on the command line
 * @param options the environment (default `process.env`), whether stderr is a terminal (default: asks it), the level
 *   when neither a flag nor the environment names one
 * @throws LogSettingsError when a flag or variable holds something else than {@link LOG_LEVELS} / {@link LOG_FORMATS}
 */
export function resolveLogSettings(
  flags: { level?: string | undefined; format?: string | undefined },
  options: { env?: Record<string, string | undefined>; tty?: boolean; defaultLevel?: LevelWithSilent } = {},
): LogSettings {
  const env = options.env ?? process.env;
  const pick = (flag: string | undefined, name: string, variable: string): { value: string; source: string } | undefined => {
    if (flag !== undefined) return { value: flag, source: `--${name} ${flag}` };
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === '' ? undefined : { value: fromEnv, source: `${variable}=${fromEnv}` };
  };
  const level = pick(flags.level, 'log-level', 'LOG_LEVEL');
  if (level !== undefined && !isLevel(level.value)) {
    throw new LogSettingsError(`${level.source} is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
  }
  const format = pick(flags.format, 'log-format', 'LOG_FORMAT');
  if (format !== undefined && !isFormat(format.value)) {
    throw new LogSettingsError(`${format.source} is not a log format; use one of ${LOG_FORMATS.join(', ')}`);
  }
  const tty = options.tty ?? process.stderr.isTTY === true;
  return {
    level: (level?.value as LevelWithSilent | undefined) ?? options.defaultLevel ?? 'info',
    format: (format?.value as LogFormat | undefined) ?? (tty ? 'pretty' : 'json'),
  };
}

/** pino options of the process logger: no pid/hostname, and in JSON the level by name (`"level":"warn"`). */
export function loggerOptions(level: LevelWithSilent): LoggerOptions {
  return { level, base: undefined, formatters: { level: (label) => ({ level: label }) } };
}

/**
 * Creates the process logger, writing to stderr.
 * @param level pino level (default: `LOG_LEVEL`, else `info`)
 * @param pretty pino-pretty lines instead of JSON (default: `LOG_FORMAT`, else whether stderr is a terminal)
 * @throws LogSettingsError when a default is taken from `LOG_LEVEL` / `LOG_FORMAT` and it is not an allowed value
 */
export function createLogger(level?: LevelWithSilent, pretty?: boolean): Logger {
  const defaults = level === undefined || pretty === undefined ? resolveLogSettings({}) : undefined;
  const options = loggerOptions(level ?? defaults!.level);
  if (pretty ?? defaults!.format === 'pretty') {
    return pino(
      { ...options, formatters: {} },
      pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss.l' } }),
    );
  }
  return pino(options, pino.destination({ fd: 2, sync: false }));
}

/**
 * Sends the process's warnings (`process.emitWarning`: a `MaxListenersExceededWarning` from a library's emitter, seen
 * from kafkajs while brokers restart; a deprecation) through `logger` at level `warn`, one
 * line each in the log's own format (`"event":"process-warning"`, `warning`: the warning's name, `code` when it has
 * one, `stack` with `--trace-warnings`). Node.js would print them as bare `(node:PID) Warning: …` lines on stderr,
 * which break a JSON log and which the studio cannot attribute; its own printer is removed. With `--no-warnings` or
 * `NODE_NO_WARNINGS=1` nothing is logged, as Node.js prints nothing then.
 * @param logger the process logger ({@link createLogger})
 */
export function logProcessWarnings(logger: Logger): void {
  if (process.execArgv.includes('--no-warnings') || process.env.NODE_NO_WARNINGS === '1') return;
  // Node.js's printer is the only `warning` listener at start-up (lib/internal/bootstrap/node.js adds it).
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: unknown }) => {
    const fields: Record<string, unknown> = { event: 'process-warning', warning: warning.name };
    if (typeof warning.code === 'string') fields.code = warning.code;
    if (process.traceProcessWarnings) fields.stack = warning.stack;
    logger.warn(fields, `${warning.name}: ${warning.message}`);
  });
}
