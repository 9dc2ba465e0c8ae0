/**
 * Literal secrets in flow files, and their `${VAR}` references. Browser-safe: the studio's save dialog and problems
 * panel, the studio backend's autosave and headless export, and `tributary validate` all find secrets with
 * {@link findLiteralSecrets} and name their variables with {@link secretVariableName}, so every place proposes the
 * same reference for the same field.
 *
 * A secret is a non-empty string config value that is written literally (it contains no `${VAR}` reference) and is
 * either a field the node spec marks `secret: true` (`runtime/common/field-meta.ts`, e.g. `sasl.password`), a field
 * named like a credential ({@link SECRET_FIELD}: `password`, `token`, `apiKey`, an `Authorization` header, ...), or
 * the password of a `scheme://user:password@host` URL (a Redis URL with a password). The finder reads the flow as
 * plain data, before any schema check, so it works on flows with problems too.
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Problem } from './errors';
import { fieldMetaOf, objectFieldsOf } from './field-meta';
import type { SpecRegistry } from './flow';
import { formatPath } from './flow-path';
import type { NodeSpec } from './node-spec';

/** Field names whose literal string values are secrets, whatever the spec says (header names included). */
export const SECRET_FIELD = /password|passwd|secret|token|api[-_]?key|credentials?$|^authorization$/i;

/** A `${VAR}` or `${VAR:-default}` reference; `$${` is a literal `${`. */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g;

/** `scheme://user:password@rest`: the URL before the password, the password, and the rest from `@`. */
const URL_WITH_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s]+)(@.*)$/i;

/** A config path inside a node's `config`: keys and array indexes, e.g. `['sasl', 'password']`. */
export type ConfigPath = readonly (string | number)[];

/** One literal secret found in a flow. */
export interface LiteralSecret {
  /** Index of the node in the flow's `nodes`. */
  nodeIndex: number;
  /** The node's id. */
  nodeId: string;
  /** Where the value is inside the node's config, e.g. `['sasl', 'password']`. */
  path: ConfigPath;
  /** `value`: the whole string is the secret; `url-password`: the password part of a URL. */
  part: 'value' | 'url-password';
  /** The secret itself (the whole value, or the URL's password). */
  literal: string;
  /** The variable proposed for it, {@link secretVariableName} (`_PASSWORD` appended for a URL's password). */
  variable: string;
  /** The whole config value as written. */
  value: string;
}

/** A literal secret and the variable chosen for it (the proposed one, or one the user typed). */
export interface SecretChoice {
  secret: LiteralSecret;
  /** An environment variable name, `[A-Za-z_][A-Za-z0-9_]*`. */
  variable: string;
}

/**
 * The environment variable proposed for a secret: node id and field path in upper snake case, e.g. `orders` +
 * `sasl.password` -> `ORDERS_SASL_PASSWORD` (camelCase split, non-alphanumerics to `_`, a leading digit gets `_`).
 * @param nodeId the node's id
 * @param fieldPath the path inside the node's config; array indexes are left out
 */
export function secretVariableName(nodeId: string, fieldPath: ConfigPath): string {
  const words = [nodeId, ...fieldPath.filter((p) => typeof p === 'string')]
    .join('_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return /^[0-9]/.test(words) ? `_${words}` : words;
}

/** True when `name` can be an environment variable of a `${VAR}` reference. */
export function isVariableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** Every variable a text references (`${VAR}` and `${VAR:-default}`, not `$${...}`), in order, with whether it has a default. */
export function referencedVariables(text: string): { name: string; hasDefault: boolean }[] {
  const out: { name: string; hasDefault: boolean }[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    if (text[m.index - 1] === '$') continue;
    const name = m[1] as string;
    const hasDefault = m[2] !== undefined;
    const seen = out.find((v) => v.name === name);
    if (seen === undefined) out.push({ name, hasDefault });
    else seen.hasDefault &&= hasDefault;
  }
  return out;
}

/** True when a string value takes (part of) its text from the environment: it holds a `${VAR}` reference. */
export function hasReference(value: string): boolean {
  return referencedVariables(value).length > 0;
}

/**
 * The password of a `scheme://user:password@host` URL when it is written literally (not a `${VAR}` reference).
 * @returns the password, or undefined when the value is not such a URL or its password is a reference
 */
export function literalUrlPassword(value: string): string | undefined {
  if (hasReference(value)) return undefined;
  return URL_WITH_PASSWORD.exec(value)?.[2];
}

/** The field schema at a config path of a spec (through objects), or undefined when the spec does not declare it. */
function specField(spec: NodeSpec | undefined, path: ConfigPath): z.ZodType | undefined {
  let fields = spec === undefined ? undefined : objectFieldsOf(spec.config);
  let field: z.ZodType | undefined;
  for (const key of path) {
    if (fields === undefined || typeof key !== 'string' || !Object.hasOwn(fields, key)) return undefined;
    field = fields[key];
    fields = field === undefined ? undefined : objectFieldsOf(field);
  }
  return field;
}

/**
 * True when the field at `path` of a node config holds a secret: the spec marks it `secret: true`, or the last key
 * of the path is named like a credential ({@link SECRET_FIELD}).
 * @param spec the node's spec, or undefined for an unknown node type (names only)
 * @param path the path inside the node's config
 */
export function isSecretField(spec: NodeSpec | undefined, path: ConfigPath): boolean {
  const field = specField(spec, path);
  if (field !== undefined && fieldMetaOf(field)?.secret === true) return true;
  const key = [...path].reverse().find((p) => typeof p === 'string');
  return key !== undefined && SECRET_FIELD.test(key);
}

/**
 * Every literal secret of a flow given as plain data (a parsed flow file, `${VAR}` references kept), in flow order.
 * Nodes without a string id, and configs that are not objects, are skipped.
 * @param flow the flow document (`{ nodes: [{ id, type, config }] }`)
 * @param specs the node specs by type (for the `secret` field metadata)
 */
export function findLiteralSecrets(flow: unknown, specs: SpecRegistry): LiteralSecret[] {
  const nodes = flow !== null && typeof flow === 'object' ? (flow as { nodes?: unknown }).nodes : undefined;
  if (!Array.isArray(nodes)) return [];
  const found: LiteralSecret[] = [];
  nodes.forEach((node: unknown, nodeIndex) => {
    if (node === null || typeof node !== 'object') return;
    const { id, type, config } = node as { id?: unknown; type?: unknown; config?: unknown };
    if (typeof id !== 'string' || config === null || typeof config !== 'object') return;
    const spec = typeof type === 'string' ? specs.get(type) : undefined;
    const visit = (value: unknown, path: (string | number)[]): void => {
      if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...path, i]));
      else if (value !== null && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) visit(inner, [...path, key]);
      } else if (typeof value === 'string' && value !== '' && path.length > 0 && !hasReference(value)) {
        const base = { nodeIndex, nodeId: id, path, value };
        if (isSecretField(spec, path)) {
          found.push({ ...base, part: 'value', literal: value, variable: secretVariableName(id, path) });
          return;
        }
        const url = URL_WITH_PASSWORD.exec(value);
        if (url !== null) found.push({ ...base, part: 'url-password', literal: url[2] as string, variable: `${secretVariableName(id, path)}_PASSWORD` });
      }
    };
    visit(config, []);
  });
  return found;
}

/** The flow text's format: JSON when it starts with `{`, else YAML. */
function textFormat(text: string): 'yaml' | 'json' {
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/**
 * Every literal secret of a flow text (YAML or JSON). A text that does not parse has none that can be found (the
 * flow cannot be saved or run either until it does).
 * @param text the flow file text, `${VAR}` references kept
 * @param specs the node specs by type
 */
export function findLiteralSecretsInText(text: string, specs: SpecRegistry): LiteralSecret[] {
  let data: unknown;
  try {
    if (textFormat(text) === 'json') data = JSON.parse(text);
    else {
      const doc = parseDocument(text);
      if (doc.errors.length > 0) return [];
      data = doc.toJS({ maxAliasCount: 100 });
    }
  } catch {
    return [];
  }
  return findLiteralSecrets(data, specs);
}

/**
 * The value a secret's field gets once the secret is a reference: `${VAR}`, or for a URL the same URL with `${VAR}`
 * as its password.
 * @param secret the literal secret
 * @param variable the variable name
 */
export function secretReference(secret: LiteralSecret, variable: string): string {
  if (secret.part === 'value') return `\${${variable}}`;
  const url = URL_WITH_PASSWORD.exec(secret.value);
  return url === null ? `\${${variable}}` : `${url[1]}\${${variable}}${url[3]}`;
}

/**
 * Rewrites a flow text so that the chosen secrets are `${VAR}` references: YAML keeps its comments and layout, JSON
 * is written again with a 2-space indent. Secrets whose value changed since they were found are left as they are.
 * @param text the flow text the secrets were found in
 * @param choices the secrets to replace, each with its variable
 * @returns the rewritten text (the text itself when there is nothing to replace)
 * @throws Error when a chosen variable is not a valid environment variable name, or the text does not parse
 */
export function referenceSecrets(text: string, choices: readonly SecretChoice[]): string {
  if (choices.length === 0) return text;
  for (const { variable } of choices) {
    if (!isVariableName(variable)) throw new Error(`"${variable}" is not an environment variable name: use letters, digits and _, not starting with a digit`);
  }
  const configPath = (secret: LiteralSecret): (string | number)[] => ['nodes', secret.nodeIndex, 'config', ...secret.path];
  if (textFormat(text) === 'json') {
    const data = JSON.parse(text) as unknown;
    for (const { secret, variable } of choices) {
      const path = configPath(secret);
      let target = data as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
      const last = path[path.length - 1] as string | number;
      if (target[last] === secret.value) target[last] = secretReference(secret, variable);
    }
    return `${JSON.stringify(data, null, 2)}\n`;
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`the flow text does not parse: ${doc.errors[0]?.message ?? ''}`);
  for (const { secret, variable } of choices) {
    const path = configPath(secret);
    if (doc.getIn(path) === secret.value) doc.setIn(path, secretReference(secret, variable));
  }
  return doc.toString({ lineWidth: 0 });
}

/**
 * A flow text with every literal secret replaced by its proposed `${VAR}` reference (what the autosave and the
 * headless export write). A text that does not parse is returned as it is.
 * @param text the flow text, YAML or JSON
 * @param specs the node specs by type
 */
export function withSecretReferences(text: string, specs: SpecRegistry): string {
  const secrets = findLiteralSecretsInText(text, specs);
  if (secrets.length === 0) return text;
  return referenceSecrets(text, secrets.map((secret) => ({ secret, variable: secret.variable })));
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell lines that set the chosen variables to their secrets, `export ORDERS_SASL_PASSWORD=hunter2` (values
 * quoted for a POSIX shell), one per variable in order.
 */
export function exportLines(choices: readonly SecretChoice[]): string[] {
  const lines = new Map<string, string>();
  for (const { secret, variable } of choices) if (!lines.has(variable)) lines.set(variable, `export ${variable}=${shellQuote(secret.literal)}`);
  return [...lines.values()];
}

/**
 * The `validate` warnings of literal secrets: one `E_LITERAL_SECRET` warning per secret, with its node id, the field
 * path (`config.sasl.password`) and a message proposing the reference. Lines are not set (see `locateProblems`).
 * @param secrets from {@link findLiteralSecrets}
 */
export function literalSecretProblems(secrets: readonly LiteralSecret[]): Problem[] {
  return secrets.map((secret) => {
    const what = secret.part === 'value' ? 'a secret' : 'a URL with a password';
    return {
      code: 'E_LITERAL_SECRET',
      severity: 'warning',
      nodeId: secret.nodeId,
      path: formatPath(['config', ...secret.path]),
      message:
        `${what} is written literally in the flow file; write ${JSON.stringify(secretReference(secret, secret.variable))} instead ` +
        `and set ${secret.variable} in the environment`,
    };
  });
}
