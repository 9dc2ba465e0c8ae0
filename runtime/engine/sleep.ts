/**
 * The one abortable wait of the runtime: backoff between retries, pacing of sources.
 */

/**
 * Resolves after `ms` milliseconds, or rejects at once when `signal` aborts (or has aborted already), with the signal's
 * reason when it is an Error and `Error('aborted')` otherwise. Callers that only want to wake up early catch the
 * rejection (`await sleep(ms, signal).catch(() => undefined)`).
 * @param ms how long to wait (ms); values below 0 wait as for 0
 * @throws the abort reason (see above) when `signal` aborts before the time is up
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
