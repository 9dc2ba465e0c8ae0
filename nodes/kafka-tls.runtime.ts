/**
 * The TLS options of a Kafka node's `ssl` field (Node-only): PEM text as it is, `file:<path>` references read from disk
 * (relative paths against the runtime's working directory, as `sink.file` resolves its `path`), checked once when the
 * client is built so that a missing file or a value that is not PEM is one clear line before anything connects.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import type { KafkaSslConfig } from './kafka-common.spec';

/** The prefix of a PEM value that names a file instead of holding the PEM text. */
export const PEM_FILE_PREFIX = 'file:';

/** A bad `ssl` field: the message names the field path (`ssl.ca: ...`). Not retriable. */
export class KafkaTlsConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaTlsConfigError';
  }
}

/**
 * The PEM text of one `ssl` field: the value itself, or the content of the file a `file:<path>` value names.
 * @param value PEM text or `file:<path>`
 * @param field the field path for messages, e.g. `ssl.ca`
 * @param cwd directory that relative paths are resolved against (default: the working directory)
 * @returns the PEM text
 * @throws KafkaTlsConfigError `ssl.ca: cannot read file:/x/ca.pem: ENOENT (no such file or directory)`, or
 *   `ssl.ca: ... is not PEM text` when the text (or the file) has no `-----BEGIN` line
 */
export function pemText(value: string, field: string, cwd: string = process.cwd()): string {
  let text = value;
  let origin = 'the value';
  if (value.startsWith(PEM_FILE_PREFIX)) {
    const path = value.slice(PEM_FILE_PREFIX.length).trim();
    if (path === '') throw new KafkaTlsConfigError(`${field}: ${PEM_FILE_PREFIX} names no file; write file:<path>`);
    const absolute = resolve(cwd, path);
    try {
      text = readFileSync(absolute, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
      throw new KafkaTlsConfigError(`${field}: cannot read ${PEM_FILE_PREFIX}${absolute}: ${code ?? 'error'} (${reason})`, { cause: error });
    }
    origin = `${PEM_FILE_PREFIX}${absolute}`;
  }
  if (!text.includes('-----BEGIN ')) {
    throw new KafkaTlsConfigError(`${field}: ${origin} is not PEM text (no -----BEGIN line); give PEM text or file:<path>`);
  }
  return text;
}

/**
 * The kafkajs `ssl` option of a Kafka node: `false`/`true` as they are, an object turned into Node TLS options with
 * every PEM field's text read (see {@link pemText}).
 * @param ssl the parsed `ssl` field
 * @param cwd directory that relative `file:` paths are resolved against (default: the working directory)
 * @returns `false` (no TLS), `true` (TLS with the system CAs) or Node `tls.connect` options
 * @throws KafkaTlsConfigError when a PEM field cannot be read or is not PEM, or Node cannot use the certificates and
 *   key (a key that does not match `cert`, a wrong `passphrase`): checked here with `tls.createSecureContext`, so it
 *   fails before any connection instead of at every one
 */
export function kafkaTlsOptions(ssl: KafkaSslConfig, cwd: string = process.cwd()): boolean | ConnectionOptions {
  if (typeof ssl === 'boolean') return ssl;
  const options: ConnectionOptions = { rejectUnauthorized: ssl.rejectUnauthorized };
  if (ssl.ca !== undefined) options.ca = pemText(ssl.ca, 'ssl.ca', cwd);
  if (ssl.cert !== undefined) options.cert = pemText(ssl.cert, 'ssl.cert', cwd);
  if (ssl.key !== undefined) options.key = pemText(ssl.key, 'ssl.key', cwd);
  if (ssl.passphrase !== undefined) options.passphrase = ssl.passphrase;
  if (ssl.servername !== undefined) options.servername = ssl.servername;
  try {
    createSecureContext(options);
  } catch (error) {
    const message = (error as Error).message;
    const field = ssl.key !== undefined && /decrypt|passphrase|key/i.test(message) ? 'ssl.key' : ssl.cert !== undefined ? 'ssl.cert' : 'ssl.ca';
    const hint = /bad decrypt|bad password|passphrase/i.test(message) ? ' (wrong or missing ssl.passphrase?)' : '';
    throw new KafkaTlsConfigError(`${field}: TLS cannot use it: ${message}${hint}`, { cause: error });
  }
  return options;
}
