/**
 * The studio's cluster helpers (Node-only): "Test connection" of a node, which runs the registered node runtime's own
 * `check` (see `runtime/engine/types.ts`), and the topic list of a Kafka node's cluster for completion. Both read the
 * node's config as the inspector holds it, with `${VAR}` references substituted from the studio's environment.
 */
import { listKafkaTopics } from '../../nodes/kafka-check.runtime';
import { nodeRuntimes } from '../../nodes/runtimes';
import { substituteEnv } from '../common/env-substitution';
import type { ConnectionTest } from '../common/studio-api';
import type { NodeRuntime } from '../engine/types';
import { errorMessage } from './error-message';

/**
 * A copy of a node config with every `${VAR}` / `${VAR:-default}` reference in its strings replaced from `env`
 * (variables that are not set become empty, as `tributary run` reports them missing before it starts).
 * @param missing receives the names of the variables that are not set and have no default
 */
export function substituteConfig(config: unknown, env: Record<string, string | undefined>, missing: Set<string> = new Set()): unknown {
  if (typeof config === 'string') {
    const result = substituteEnv(config, env);
    for (const name of result.missing) missing.add(name);
    return result.value;
  }
  if (Array.isArray(config)) return config.map((item) => substituteConfig(item, env, missing));
  if (config !== null && typeof config === 'object') {
    return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, substituteConfig(value, env, missing)]));
  }
  return config;
}

/**
 * "Test connection" of a node: the registered runtime's `check` on the substituted config.
 * @param nodeType the node's type, e.g. `sink.redis`
 * @param config the node's config (need not be complete or valid)
 * @param env variables for `${VAR}` references
 * @param runtimes the node runtime registry (default `nodes/runtimes.ts`)
 * @returns the check's result; an unknown type, a type without a check, a `${VAR}` that is not set (the check is not
 *   run), or a check that throws give `ok: false` with one line saying why. Never rejects.
 */
export async function checkNodeConnection(
  nodeType: string,
  config: Record<string, unknown>,
  env: Record<string, string | undefined>,
  runtimes: ReadonlyMap<string, NodeRuntime> = nodeRuntimes,
): Promise<ConnectionTest> {
  const runtime = runtimes.get(nodeType);
  if (runtime === undefined) return { ok: false, message: `unknown node type "${String(nodeType)}"` };
  if (runtime.check === undefined) return { ok: false, message: `${nodeType} has no connection to test` };
  const missing = new Set<string>();
  const substituted = substituteConfig(config ?? {}, env, missing);
  if (missing.size > 0) {
    const names = [...missing].join(', ');
    return {
      ok: false,
      message: `${names} ${missing.size === 1 ? 'is' : 'are'} not set in the studio's environment: set ${missing.size === 1 ? 'it' : 'them'} before starting the studio, or write the value into the field`,
    };
  }
  try {
    return await runtime.check(substituted);
  } catch (error) {
    return { ok: false, message: `cannot test the connection of ${nodeType}: ${errorMessage(error).split('\n', 1)[0]}` };
  }
}

/**
 * Topic names of the cluster a Kafka node's config points at, for completion.
 * @returns sorted names without internal `__` topics; empty when the cluster cannot be reached within 5 s
 */
export async function listTopicsOf(config: Record<string, unknown>, env: Record<string, string | undefined>): Promise<string[]> {
  try {
    return await listKafkaTopics(substituteConfig(config ?? {}, env));
  } catch {
    return [];
  }
}
