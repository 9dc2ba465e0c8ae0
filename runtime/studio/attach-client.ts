/**
 * The HTTP client of one headless instance's live endpoint (runtime/common/attach-protocol.ts), for the studio's
 * Attach: instance URLs as users type them, the instance list file, and GETs with the bearer token and a deadline
 * whose failures read as one line naming the instance.
 */
import { readFile } from 'node:fs/promises';
import { LIVE_FLOW_PATH, LIVE_PATH, LIVE_SAMPLES_PATH, type LiveFlow, type LiveSnapshot } from '../common/attach-protocol';
import type { NodeSamples } from '../common/telemetry';
import { errorMessage } from './error-message';

/** How long one request to an instance may take before it counts as failed (ms). */
export const INSTANCE_REQUEST_TIMEOUT_MS = 2_000;

/**
 * An instance URL in its one spelling: `http(s)://host:port` without path or trailing slash; a bare `host:port` gets
 * `http://`.
 * @throws Error naming the text when it is not an http(s) URL with a host
 */
export function normalizeInstanceUrl(text: string): string {
  const trimmed = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`"${trimmed}" is not an instance URL (give http://host:port, the run's --metrics-port)`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new Error(`"${trimmed}" is not an instance URL (give http://host:port, the run's --metrics-port)`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The instance URLs of a list file: one per line; blank lines and `#` comments are skipped.
 * @throws Error `<file>:<line>: ...` for a line that is not a URL, or when the file cannot be read
 */
export async function readInstanceList(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the instance list ${file}: ${errorMessage(error)}`, { cause: error });
  }
  const urls: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    try {
      urls.push(normalizeInstanceUrl(line));
    } catch (error) {
      throw new Error(`${file}:${i + 1}: ${errorMessage(error)}`, { cause: error });
    }
  });
  return urls;
}

/** A failed request to an instance; `status` is the HTTP status when it answered. */
export class InstanceRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'InstanceRequestError';
  }
}

/** The live endpoint of one instance. */
export class InstanceClient {
  /**
   * @param url the instance's URL, normalized ({@link normalizeInstanceUrl})
   * @param token the bearer token (the instance's `TRIBUTARY_METRICS_TOKEN`)
   */
  constructor(
    readonly url: string,
    private readonly token: string,
    private readonly timeoutMs = INSTANCE_REQUEST_TIMEOUT_MS,
  ) {}

  /**
   * GETs a path of the live endpoint as JSON.
   * @throws InstanceRequestError `<url>: ...` when the instance does not answer in time, refuses the token (401), or
   *   answers another error status or something that is not JSON
   */
  private async get<T>(path: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        headers: { authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = (error as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (cause?.code ?? cause?.message ?? errorMessage(error));
      throw new InstanceRequestError(`${this.url}: ${why}`);
    }
    const body = await response.text().catch(() => '');
    if (!response.ok) {
      let detail = body.trim();
      try {
        detail = String((JSON.parse(body) as { error?: unknown }).error ?? detail);
      } catch {
        // not JSON: keep the text
      }
      const what = response.status === 401 ? 'refused the token' : `answered ${response.status}`;
      throw new InstanceRequestError(`${this.url}: ${what}${detail === '' ? '' : `: ${detail.slice(0, 200)}`}`, response.status);
    }
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new InstanceRequestError(`${this.url}${path}: the answer is not JSON (is this a tributary --metrics-port?)`, response.status);
    }
  }

  /** The instance's identity and latest frame (`GET /live`). */
  snapshot(): Promise<LiveSnapshot> {
    return this.get<LiveSnapshot>(LIVE_PATH);
  }

  /** The flow the instance runs (`GET /live/flow`). */
  flow(): Promise<LiveFlow> {
    return this.get<LiveFlow>(LIVE_FLOW_PATH);
  }

  /** A node's samples, or undefined when the instance has none for it (404). */
  async samples(nodeId: string): Promise<NodeSamples | undefined> {
    try {
      return await this.get<NodeSamples>(`${LIVE_SAMPLES_PATH}${encodeURIComponent(nodeId)}`);
    } catch (error) {
      if (error instanceof InstanceRequestError && error.status === 404) return undefined;
      throw error;
    }
  }
}
