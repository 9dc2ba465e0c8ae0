/**
 * Literal secrets of the flow being edited, and turning them into `${VAR}` references in it: what the studio's Save
 * asks about (`renderer/session.ts`). The finder and the naming are the shared ones (`runtime/common/secrets.ts`), so
 * the save dialog proposes the same variables as the headless export and `tributary validate`. Pure, no DOM.
 */
import { exportLines, findLiteralSecrets, isVariableName, secretReference, type LiteralSecret, type SecretChoice } from '../../runtime/common/secrets';
import { specRegistry } from '../../nodes/specs';
import { graphToFlow } from './convert';
import { graphOf, type StudioStore } from './store';

/** The secrets written literally in the flow of `store`, in flow order. */
export function flowSecrets(store: StudioStore): LiteralSecret[] {
  return findLiteralSecrets(graphToFlow(graphOf(store.getState())), specRegistry);
}

/** `value` with the value at `path` (inside it) replaced by `replacement`, copied along the path. */
function replacedAt(value: unknown, path: readonly (string | number)[], replacement: string): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) return value.map((item, i) => (i === head ? replacedAt(item, rest, replacement) : (item as unknown)));
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  copy[head] = replacedAt(copy[head], rest, replacement);
  return copy;
}

/**
 * Turns secrets of the flow of `store` into `${VAR}` references: one `configChanged` per secret (so each is an
 * undoable edit), the rest of each value kept (a URL keeps its host).
 * @param store the editor store the secrets were found in ({@link flowSecrets})
 * @param secrets the secrets to replace
 * @param variables the variable of each secret, in the same order (trimmed); a missing one is the proposed variable
 * @returns the `export` lines that set the variables to the secrets, e.g. `export ORDERS_SASL_PASSWORD=hunter2`
 * @throws Error when a variable is not an environment variable name (nothing is changed then)
 */
export function referenceFlowSecrets(store: StudioStore, secrets: readonly LiteralSecret[], variables: readonly string[]): string[] {
  const choices: SecretChoice[] = secrets.map((secret, i) => ({ secret, variable: (variables[i] ?? secret.variable).trim() }));
  const bad = choices.find((c) => !isVariableName(c.variable));
  if (bad !== undefined) throw new Error(`"${bad.variable}" is not an environment variable name: use letters, digits and _, not starting with a digit`);
  for (const { secret, variable } of choices) {
    const config = store.getState().nodes.find((n) => n.id === secret.nodeId)?.data.config ?? {};
    const field = secret.path[0] as string;
    store.getState().configChanged(secret.nodeId, field, replacedAt(config[field], secret.path.slice(1), secretReference(secret, variable)));
  }
  return exportLines(choices);
}
