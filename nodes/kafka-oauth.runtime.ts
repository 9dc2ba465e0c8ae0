/**
 * The OAuth bearer token of a Kafka node with `sasl.mechanism: oauthbearer` (Node-only), as kafkajs's
 * `oauthBearerProvider`: the fixed `token`, or the standard output of `tokenCommand` (run with `/bin/sh -c`), kept
 * until its JWT `exp` claim is near and run again for the next authentication after that (kafkajs calls the provider
 * at every broker connection's authentication, re-authentications included). A token that is not a JWT with `exp` is
 * fetched anew every time.
 */
import { execFile } from 'node:child_process';
import type { OauthbearerProviderResponse } from 'kafkajs';

/** How long `tokenCommand` may run before it is killed (ms). */
export const TOKEN_COMMAND_TIMEOUT_MS = 30_000;
/** A cached token is replaced this long before its `exp` (ms), so that no authentication sends an expired one. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;
/** Standard output kept from `tokenCommand` at most (bytes). */
const MAX_TOKEN_BYTES = 1024 * 1024;

/** The token could not be obtained: the message names the field (`sasl.tokenCommand: ...`). Not retriable. */
export class KafkaTokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaTokenError';
  }
}

/**
 * The `exp` claim of a JWT as ms since the epoch, or undefined when `token` is no JWT or has no numeric `exp`.
 * The signature is not checked: the broker does that; this only decides when to fetch a new token.
 */
export function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `command` with `/bin/sh -c` and resolves with its trimmed standard output. */
function runTokenCommand(command: string): Promise<string> {
  return new Promise((resolveToken, reject) => {
    execFile('/bin/sh', ['-c', command], { timeout: TOKEN_COMMAND_TIMEOUT_MS, maxBuffer: MAX_TOKEN_BYTES, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) {
        const detail = stderr.trim().split('\n')[0] ?? '';
        const how = error.killed ? `did not finish within ${TOKEN_COMMAND_TIMEOUT_MS / 1000} s` : `failed (exit code ${String(error.code)})`;
        reject(new KafkaTokenError(`sasl.tokenCommand: the command ${how}${detail === '' ? '' : `: ${detail}`}`, { cause: error }));
        return;
      }
      const token = stdout.trim();
      if (token === '') reject(new KafkaTokenError('sasl.tokenCommand: the command printed no token on its standard output'));
      else resolveToken(token);
    });
  });
}

/**
 * kafkajs's `oauthBearerProvider` for a node's `sasl` settings.
 * @param sasl `token` (used as it is) or `tokenCommand` (run when no unexpired token is cached)
 * @param now clock (ms since the epoch), for tests
 * @returns the provider; it rejects with {@link KafkaTokenError} when the command fails or prints nothing
 */
export function oauthBearerProvider(
  sasl: { token?: string | undefined; tokenCommand?: string | undefined },
  now: () => number = Date.now,
): () => Promise<OauthbearerProviderResponse> {
  const { token, tokenCommand } = sasl;
  if (token !== undefined) return () => Promise.resolve({ value: token });
  if (tokenCommand === undefined) return () => Promise.reject(new KafkaTokenError('sasl: oauthbearer needs `token` or `tokenCommand`'));
  let cached: { value: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return async () => {
    if (cached !== undefined && now() < cached.expiresAt - TOKEN_REFRESH_MARGIN_MS) return { value: cached.value };
    // Brokers that connect at the same time share one run of the command.
    pending ??= runTokenCommand(tokenCommand).finally(() => (pending = undefined));
    const value = await pending;
    const expiresAt = jwtExpiryMs(value);
    cached = expiresAt === undefined ? undefined : { value, expiresAt };
    return { value };
  };
}
