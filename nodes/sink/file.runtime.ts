/**
 * Runtime of `sink.file` (Node-only): JSON Lines appended to one file, one write per batch (per file segment when the
 * batch crosses a rotation), batches written one after the other in the order `write` was called.
 *
 * Failure handling: a record that cannot be encoded as JSON is rejected (code `E_SINK`) and the rest are written. A
 * file system error fails the batch with a `TributaryError` `E_SINK` that is retriable when waiting may fix it (full disk
 * ENOSPC / EDQUOT, I/O error EIO, too many open files, EAGAIN, EBUSY, ETIMEDOUT, ESTALE, EINTR, ENOMEM) and not
 * retriable otherwise (EACCES, EPERM, EROFS, EISDIR, ENOTDIR, ENAMETOOLONG, ...: the configuration is wrong, so the
 * batch goes to `error`). Bytes a failed write left half-written are truncated away (best effort), and a retry of the
 * same batch skips the records already written, so a retried batch does not duplicate lines.
 */
import { Buffer } from 'node:buffer';
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TributaryError } from '../../runtime/common/errors';
import { defineSink, type FlowRecord, type NodeContext, type SinkRejection, type SinkRuntime } from '../../runtime/engine/types';
import { fileSinkSpec, type FileSinkConfig } from './file.spec';
import { recordJson } from '../record-json.runtime';

/** `errno` codes of file system errors that may go away by themselves, so the batch is retried. */
export const RETRIABLE_FS_CODES: ReadonlySet<string> = new Set([
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EAGAIN',
  'EBUSY',
  'EMFILE',
  'ENFILE',
  'ETIMEDOUT',
  'ESTALE',
  'EINTR',
  'ENOMEM',
]);

/** True when a file system error may go away by itself (see {@link RETRIABLE_FS_CODES}). */
export function isRetriableFsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && RETRIABLE_FS_CODES.has(code);
}

/**
 * One JSON line (with `\n`) for a record: {@link recordJson} (the value, or the envelope with `envelope`).
 * @throws Error when the record cannot be encoded (BigInt, a cycle, an undefined value)
 */
export function jsonLine(record: FlowRecord, envelope: boolean): string {
  return `${recordJson(record, envelope)}\n`;
}

/**
 * Creates the `sink.file` runtime for one node.
 * - `open()` creates missing parent directories and opens the file for appending.
 * - `write(batch)` appends one line per record and resolves after the bytes were written (and fsynced, with `fsync`);
 *   returns a rejection per record that cannot be encoded; throws `TributaryError` `E_SINK` on a file system error
 *   (retriable or not, see the module doc).
 * - `close()` waits for the write in progress and closes the file.
 */
export function createFileSink(config: FileSinkConfig, ctx: NodeContext): SinkRuntime {
  const { nodeId, logger } = ctx;
  const { path, maxBytes, maxFiles, fsync, envelope } = config;
  let handle: FileHandle | undefined;
  /** Bytes in the current file. */
  let size = 0;
  /** The tail of the chain of writes: batches run one at a time, in call order. */
  let tail: Promise<unknown> = Promise.resolve();
  /** Records of a batch already written, for a retry of the same batch (the engine retries the same array). */
  const written = new WeakMap<FlowRecord[], number>();

  const fail = (what: string, error: unknown): TributaryError => {
    const code = (error as { code?: unknown }).code;
    const retriable = isRetriableFsError(error);
    const hint = retriable ? 'retrying' : 'check the path and its permissions';
    return new TributaryError(
      'E_SINK',
      `cannot ${what} ${path}${typeof code === 'string' ? ` (${code})` : ''}: ${(error as Error).message}; ${hint}`,
      { nodeId, retriable, cause: error },
    );
  };

  const ensureOpen = async (): Promise<FileHandle> => {
    if (handle !== undefined) return handle;
    try {
      await mkdir(dirname(path), { recursive: true });
      const opened = await open(path, 'a');
      try {
        const stat = await opened.stat();
        if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
        size = stat.size;
      } catch (error) {
        await opened.close().catch(() => undefined);
        throw error;
      }
      handle = opened;
      return opened;
    } catch (error) {
      throw fail('open', error);
    }
  };

  /** Closes the current file (after an error: so that the next write reopens it). */
  const drop = async (): Promise<void> => {
    const current = handle;
    handle = undefined;
    await current?.close().catch(() => undefined);
  };

  /** Appends `data` to the current file, all of it, then fsyncs when asked; truncates a partial write on failure. */
  const append = async (data: Buffer): Promise<void> => {
    const file = await ensureOpen();
    const before = size;
    try {
      for (let offset = 0; offset < data.length; ) {
        const { bytesWritten } = await file.write(data, offset, data.length - offset, null);
        offset += bytesWritten;
        size = before + offset;
      }
      if (fsync) await file.sync();
    } catch (error) {
      if (size !== before) {
        try {
          await file.truncate(before);
          size = before;
        } catch (truncateError) {
          logger.warn({ err: truncateError, path }, 'could not truncate a partial write; the file may hold a torn line');
        }
      }
      await drop();
      throw fail('write', error);
    }
  };

  /** Renames `<path>` to `<path>.1`, shifting older files up to `<path>.<maxFiles>` (the oldest is overwritten). */
  const rotate = async (): Promise<void> => {
    await drop();
    try {
      for (let i = maxFiles - 1; i >= 1; i--) {
        try {
          await rename(`${path}.${i}`, `${path}.${i + 1}`);
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
        }
      }
      await rename(path, `${path}.1`);
    } catch (error) {
      throw fail('rotate', error);
    }
    if (fsync) {
      // Make the renames durable too.
      const dir = await open(dirname(path), 'r').catch(() => undefined);
      await dir?.sync().catch(() => undefined);
      await dir?.close().catch(() => undefined);
    }
    size = 0;
    logger.info({ path, maxBytes, maxFiles }, 'rotated the file');
  };

  const writeBatch = async (batch: FlowRecord[]): Promise<SinkRejection[]> => {
    const rejections: SinkRejection[] = [];
    const lines: { index: number; bytes: Buffer }[] = [];
    batch.forEach((record, index) => {
      try {
        lines.push({ index, bytes: Buffer.from(jsonLine(record, envelope), 'utf8') });
      } catch (error) {
        rejections.push({ index, message: `cannot encode the record as JSON: ${(error as Error).message}`, code: 'E_SINK' });
      }
    });
    const done = written.get(batch) ?? 0;
    const pending = lines.filter((line) => line.index >= done);
    await ensureOpen();
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    let chunkEnd = done;
    const flush = async (): Promise<void> => {
      if (chunkBytes === 0) return;
      await append(Buffer.concat(chunk, chunkBytes));
      written.set(batch, chunkEnd);
      chunk = [];
      chunkBytes = 0;
    };
    for (const line of pending) {
      if (maxBytes !== undefined && size + chunkBytes + line.bytes.length > maxBytes && size + chunkBytes > 0) {
        await flush();
        await rotate();
        await ensureOpen();
      }
      chunk.push(line.bytes);
      chunkBytes += line.bytes.length;
      chunkEnd = line.index + 1;
    }
    await flush();
    written.delete(batch);
    return rejections;
  };

  return {
    async open(): Promise<void> {
      await ensureOpen();
    },

    write(batch: FlowRecord[]): Promise<SinkRejection[]> {
      const result = tail.then(() => writeBatch(batch));
      tail = result.catch(() => undefined);
      return result;
    },

    async close(): Promise<void> {
      await tail;
      await drop();
    },
  };
}

/** Runtime of `sink.file`; see {@link createFileSink}. */
export const fileSinkRuntime = defineSink(fileSinkSpec, createFileSink);
