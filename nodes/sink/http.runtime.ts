/**
 * Runtime of `sink.http` (Node-only): each batch is sent as JSON arrays of at most `maxBatchRecords` records, one
 * request after the other, with the global `fetch`.
 *
 * Outcome of a request, by status:
 * - 2xx: its records are written;
 * - 408, 429, 5xx, network errors and timeouts: `write` throws a retriable `TributaryError` (`E_SINK`; `E_TIMEOUT`
 *   for a timeout), so the engine retries the batch with backoff and pauses the sources. Requests of the batch that
 *   already succeeded are not sent again when the engine retries the same batch;
 * - other 4xx and 3xx (redirects are not followed: a POST body must not turn into a GET): every record of that request
 *   is rejected (code `E_SINK`, message with the status and the start of the response body) and the next request goes on.
 * A record whose value cannot be encoded as JSON is rejected alone and left out of the body.
 *
 * Messages name the URL without its query string, and never the headers (which may hold secrets).
 */
import { Buffer } from 'node:buffer';
import { TributaryError } from '../../runtime/common/errors';
import { defineSink, type FlowRecord, type NodeContext, type SinkRejection, type SinkRuntime } from '../../runtime/engine/types';
import { httpSinkSpec, type HttpSinkConfig } from './http.spec';
import { recordJson } from '../record-json.runtime';

/** How much of an error response body is quoted in messages (characters). */
export const HTTP_BODY_SNIPPET_CHARS = 200;

/** True for the statuses that mean "try again later": 408, 429 and every 5xx. */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}


/** Reads at most `maxBytes` of a response body as text (whitespace collapsed, cut at {@link HTTP_BODY_SNIPPET_CHARS}). */
async function bodySnippet(response: Response, maxBytes = 4096): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > HTTP_BODY_SNIPPET_CHARS ? `${text.slice(0, HTTP_BODY_SNIPPET_CHARS)}...` : text;
}

/** Reads a response body to its end, discarding it (so the connection can be reused). */
async function drainBody(response: Response): Promise<void> {
  if (response.body === null) return;
  const reader = response.body.getReader();
  for (;;) {
    const { done } = await reader.read();
    if (done) return;
  }
}

/** What a failed fetch was about: `TimeoutError`, or the cause's code (`ECONNREFUSED`) and message. */
function describeFetchError(error: unknown): { timeout: boolean; text: string } {
  const e = error as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (e?.name === 'TimeoutError') return { timeout: true, text: 'timed out' };
  const cause = e?.cause;
  const detail = cause === undefined ? '' : ` (${[cause.code, cause.message].filter((x) => typeof x === 'string').join(': ')})`;
  return { timeout: false, text: `${typeof e?.message === 'string' ? e.message : String(error)}${detail}` };
}

/** Where a batch continues when the engine retries it: the next request to send and the rejections so far. */
interface Progress {
  sentRequests: number;
  rejections: SinkRejection[];
}

/**
 * Creates the `sink.http` runtime for one node.
 * - `write(batch)` sends the batch (see the module doc) and resolves once every request was answered; returns the
 *   rejected records; throws a retriable `TributaryError` on network errors, timeouts (`E_TIMEOUT`), 408, 429 and 5xx.
 * @throws TributaryError `E_CONFIG` when `url` is not an http(s) URL or carries user:password
 */
export function createHttpSink(config: HttpSinkConfig, ctx: NodeContext): SinkRuntime {
  const { nodeId } = ctx;
  let url: URL;
  try {
    url = new URL(config.url);
  } catch (error) {
    throw new TributaryError('E_CONFIG', `url: "${config.url}" is not a URL`, { nodeId, cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TributaryError('E_CONFIG', `url: ${url.protocol} is not supported; use http:// or https://`, { nodeId });
  }
  if (url.username !== '' || url.password !== '') {
    throw new TributaryError('E_CONFIG', 'url: user:password in the URL is not supported; send credentials in headers (e.g. Authorization)', {
      nodeId,
    });
  }
  const where = `${url.origin}${url.pathname}`;
  const headers = new Headers(config.headers);
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  const progress = new WeakMap<FlowRecord[], Progress>();

  const send = async (body: string, records: number): Promise<Response> => {
    try {
      return await fetch(url, {
        method: config.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (error) {
      const { timeout, text } = describeFetchError(error);
      const message = timeout
        ? `${config.method} ${where} (${records} records) timed out after ${config.timeoutMs} ms; retrying`
        : `${config.method} ${where} (${records} records) failed: ${text}; retrying`;
      throw new TributaryError(timeout ? 'E_TIMEOUT' : 'E_SINK', message, { nodeId, retriable: true, cause: error });
    }
  };

  return {
    async write(batch: FlowRecord[]): Promise<SinkRejection[]> {
      const encodeRejections: SinkRejection[] = [];
      const encoded: { index: number; json: string }[] = [];
      batch.forEach((record, index) => {
        try {
          encoded.push({ index, json: recordJson(record, config.envelope) });
        } catch (error) {
          encodeRejections.push({ index, message: `cannot encode the record as JSON: ${(error as Error).message}`, code: 'E_SINK' });
        }
      });
      const state = progress.get(batch) ?? { sentRequests: 0, rejections: [] };
      progress.set(batch, state);
      const requests = Math.ceil(encoded.length / config.maxBatchRecords);
      for (let r = state.sentRequests; r < requests; r++) {
        const part = encoded.slice(r * config.maxBatchRecords, (r + 1) * config.maxBatchRecords);
        const response = await send(`[${part.map((p) => p.json).join(',')}]`, part.length);
        const status = response.status;
        if (status >= 200 && status < 300) {
          try {
            await drainBody(response);
          } catch {
            // The server answered 2xx; a body cut short does not undo that.
          }
        } else {
          const snippet = await bodySnippet(response).catch(() => '');
          const statusText = `HTTP ${status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
          if (isRetriableStatus(status)) {
            throw new TributaryError(
              'E_SINK',
              `${config.method} ${where} (${part.length} records) answered ${statusText}${snippet === '' ? '' : `: ${snippet}`}; retrying`,
              { nodeId, retriable: true },
            );
          }
          const detail =
            status >= 300 && status < 400
              ? `redirect to ${response.headers.get('location') ?? '(no location)'} not followed; set url to the final address`
              : snippet;
          const message = `${config.method} ${where} answered ${statusText}${detail === '' ? '' : `: ${detail}`}`;
          for (const p of part) state.rejections.push({ index: p.index, message, code: 'E_SINK' });
        }
        state.sentRequests = r + 1;
      }
      progress.delete(batch);
      return [...encodeRejections, ...state.rejections].sort((a, b) => a.index - b.index);
    },
  };
}

/** Runtime of `sink.http`; see {@link createHttpSink}. */
export const httpSinkRuntime = defineSink(httpSinkSpec, createHttpSink);
