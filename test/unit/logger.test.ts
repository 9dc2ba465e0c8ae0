// Logger settings: --log-level / --log-format over LOG_LEVEL / LOG_FORMAT over the defaults, one-line errors naming
// the allowed values, level names in JSON lines, and the studio reading those lines.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_FORMATS, LOG_LEVELS, LogSettingsError, loggerOptions, resolveLogSettings } from '../../runtime/logger';
import { formatLogLine, parseLogLine } from '../../runtime/studio/log-lines';

describe('resolveLogSettings', () => {
  it('defaults to info, pretty on a terminal and JSON otherwise', () => {
    expect(resolveLogSettings({}, { env: {}, tty: true })).toEqual({ level: 'info', format: 'pretty' });
    expect(resolveLogSettings({}, { env: {}, tty: false })).toEqual({ level: 'info', format: 'json' });
    expect(resolveLogSettings({}, { env: {}, tty: false, defaultLevel: 'warn' })).toEqual({ level: 'warn', format: 'json' });
  });

  it('takes LOG_LEVEL / LOG_FORMAT over the defaults, and the flags over both; an empty variable is unset', () => {
    expect(resolveLogSettings({}, { env: { LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty' }, tty: false, defaultLevel: 'warn' })).toEqual({
      level: 'debug',
      format: 'pretty',
    });
    expect(resolveLogSettings({ level: 'error', format: 'json' }, { env: { LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty' }, tty: true })).toEqual({
      level: 'error',
      format: 'json',
    });
    expect(resolveLogSettings({}, { env: { LOG_LEVEL: '', LOG_FORMAT: '' }, tty: true })).toEqual({ level: 'info', format: 'pretty' });
  });

  it('accepts every listed level and format', () => {
    for (const level of LOG_LEVELS) expect(resolveLogSettings({ level }, { env: {}, tty: false }).level).toBe(level);
    for (const format of LOG_FORMATS) expect(resolveLogSettings({ format }, { env: {}, tty: false }).format).toBe(format);
  });

  it('refuses a wrong level or format, flag or variable, in one line naming where it came from and the allowed values', () => {
    const refused = (flags: { level?: string; format?: string }, env: Record<string, string>): string => {
      try {
        resolveLogSettings(flags, { env, tty: false });
      } catch (error) {
        expect(error).toBeInstanceOf(LogSettingsError);
        return (error as Error).message;
      }
      throw new Error('expected a LogSettingsError');
    };
    expect(refused({}, { LOG_LEVEL: 'verbos' })).toBe('LOG_LEVEL=verbos is not a log level; use one of trace, debug, info, warn, error, fatal, silent');
    expect(refused({ level: 'INFO' }, {})).toBe('--log-level INFO is not a log level; use one of trace, debug, info, warn, error, fatal, silent');
    expect(refused({}, { LOG_FORMAT: 'text' })).toBe('LOG_FORMAT=text is not a log format; use one of json, pretty');
    expect(refused({ format: 'xml' }, { LOG_FORMAT: 'json' })).toBe('--log-format xml is not a log format; use one of json, pretty');
    // A good flag hides a bad variable: the flag is what counts.
    expect(resolveLogSettings({ level: 'warn' }, { env: { LOG_LEVEL: 'verbos' }, tty: false }).level).toBe('warn');
  });
});

describe('JSON log lines', () => {
  const capture = (): { lines: string[]; stream: Writable } => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
        done();
      },
    });
    return { lines, stream };
  };

  it('name the level ("level":"info"), carry no pid or hostname, and honour the level', () => {
    const { lines, stream } = capture();
    const logger = pino(loggerOptions('info'), stream);
    logger.debug('not shown');
    logger.info({ flow: 'orders' }, 'starting flow');
    logger.error({ err: new Error('boom') }, 'run failed');
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.map((e) => [e.level, e.msg])).toEqual([
      ['info', 'starting flow'],
      ['error', 'run failed'],
    ]);
    expect(entries[0]).toMatchObject({ flow: 'orders' });
    expect(entries[0]).not.toHaveProperty('pid');
    expect(entries[0]).not.toHaveProperty('hostname');
    expect(typeof entries[0]!.time).toBe('number');
  });

  it('are read by the studio as before: an error line by name counts as an error and is formatted', () => {
    const { lines, stream } = capture();
    pino(loggerOptions('info'), stream).error({ node: 'out', err: new Error('boom') }, 'sink out failed for good');
    const entry = parseLogLine(lines[0]!);
    expect(entry?.level).toBe(50);
    expect(formatLogLine(lines[0]!)).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR \[out\] sink out failed for good: boom$/);
    expect(parseLogLine('{"level":"toString","msg":"x"}')?.level).toBe('toString');
  });
});
