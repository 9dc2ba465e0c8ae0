/**
 * The runtime's stderr lines made readable for the studio (Node-only): pino JSON entries become
 * `HH:MM:SS.mmm LEVEL [node] message`, and the reason a line gives (its message, with the error's) is what crash
 * reasons quote.
 */

/** A pino log entry as the runtime writes it (one JSON object per line). */
export interface LogEntry {
  /** pino level: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
  level?: unknown;
  /** ms since the epoch. */
  time?: unknown;
  msg?: unknown;
  err?: { message?: unknown };
  [key: string]: unknown;
}

/** pino level from which a line counts as an error (50, `error`). */
export const ERROR_LEVEL = 50;

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/**
 * The pino entry of a line, or undefined when the line is not a JSON object with a `level`. A level written by name
 * (`"level":"error"`, as the runtime logs) is returned as its number.
 */
export function parseLogLine(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as unknown;
    if (entry === null || typeof entry !== 'object' || !('level' in entry)) return undefined;
    const level = (entry as LogEntry).level;
    return typeof level === 'string' && Object.hasOwn(LEVEL_VALUES, level) ? { ...(entry as LogEntry), level: LEVEL_VALUES[level] } : (entry as LogEntry);
  } catch {
    return undefined;
  }
}

/** `msg`, with `err.message` appended when the message does not already say it; undefined when there is neither. */
export function logReason(entry: LogEntry): string | undefined {
  const msg = typeof entry.msg === 'string' ? entry.msg : undefined;
  const err = typeof entry.err?.message === 'string' ? entry.err.message : undefined;
  if (msg === undefined) return err;
  return err === undefined || msg.includes(err) ? msg : `${msg}: ${err}`;
}

/** One stderr line of the runtime made readable: pino JSON -> `HH:MM:SS LEVEL [node] msg (err)`; other lines as they are. */
export function formatLogLine(line: string): string {
  const entry = parseLogLine(line);
  if (entry === undefined) return line;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const node = typeof entry.node === 'string' ? ` [${entry.node}]` : typeof entry.nodeId === 'string' ? ` [${entry.nodeId}]` : '';
  return `${time} ${LEVEL_NAMES[entry.level as number] ?? String(entry.level)}${node} ${logReason(entry) ?? ''}`.trim();
}
