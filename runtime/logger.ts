/**
 * The runtime's logger (pino): human-readable lines on a terminal, JSON lines otherwise. Logs go to stderr so that
 * stdout stays free for records (`sink.console`) and machine-readable output (`--json`).
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

/**
 * Creates the process logger.
 * @param level pino level (default `info`, or `LOG_LEVEL`)
 * @param pretty pretty lines (default: stderr is a terminal)
 */
export function createLogger(level?: LevelWithSilent, pretty = process.stderr.isTTY === true): Logger {
  const options = { level: level ?? (process.env.LOG_LEVEL as LevelWithSilent | undefined) ?? 'info', base: undefined };
  if (pretty) {
    return pino(options, pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss.l' } }));
  }
  return pino(options, pino.destination({ fd: 2, sync: false }));
}
