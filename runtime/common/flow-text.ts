/**
 * The flow loader: flow file text (YAML or JSON) -> a validated {@link Flow}, or every problem found, each with the line
 * (and column) of the offending field in the file. Also environment substitution and serialization for the studio.
 * Browser-safe: no Node imports.
 *
 * Loading runs these steps and reports all problems of every step that could run:
 * 1. size limit ({@link MAX_FLOW_BYTES}, `E_FLOW_LIMIT`), then YAML syntax (`E_FLOW_PARSE`); either stops the load;
 * 2. forbidden keys `__proto__`, `constructor` and `prototype` anywhere (`E_FLOW_SCHEMA`);
 * 3. `${VAR}` / `${VAR:-default}` substitution in every string value (`E_ENV` for a variable that is not set);
 * 4. the {@link FlowSchema} (`E_FLOW_SCHEMA`) and unique node ids (`E_FLOW_SCHEMA`).
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document } from 'yaml';
import { z } from 'zod';
import type { Problem } from './errors';
import { FlowSchema, MAX_FLOW_BYTES, type Flow, type FlowSettings } from './flow';

/** A path into a document: object keys and array indexes, outermost first. */
export type PathSegments = readonly PropertyKey[];

/** Keys refused anywhere in a flow file, because they reach object prototypes in JavaScript. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Options of {@link parseFlowText}. */
export interface ParseFlowOptions {
  /** File name, used to guess the format (`.json` -> JSON, anything else -> YAML). */
  fileName?: string;
  /** The format; default: guessed from `fileName`, else YAML (a JSON file is valid YAML anyway). */
  format?: 'yaml' | 'json';
  /** Environment for `${VAR}` substitution, e.g. `process.env`. */
  env: Record<string, string | undefined>;
  /**
   * Whether to substitute `${VAR}` references (default true). The studio passes false to edit a flow with its
   * references kept, so that {@link serializeFlow} writes them back unchanged.
   */
  substitute?: boolean;
}

/** The result of {@link parseFlowText}: the flow, or every problem found (never both). */
export type ParseFlowResult = { ok: true; flow: Flow } | { ok: false; problems: Problem[] };

/** The result of {@link substituteEnv}: the substituted text and the variables that were not set and had no default. */
export interface SubstituteResult {
  value: string;
  /** Names of the referenced variables that are not set and have no default, in order of appearance, unique. */
  missing: string[];
}

// ---------------------------------------------------------------------------------------------------------------------
// Paths

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats a path as `nodes[2].config.routes[1].expression`. Keys that are not identifier-like are written as
 * `["a.b"]`, so {@link parsePath} can read them back.
 * @param path keys and indexes, outermost first; an empty path gives `''`
 */
export function formatPath(path: PathSegments): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/**
 * Reads a path written by {@link formatPath} back into segments (`a.b[1]["c.d"]` -> `['a', 'b', 1, 'c.d']`).
 * @returns the segments, or `undefined` when the text is not such a path
 */
export function parsePath(text: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  const token = /\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let at = 0;
  while (at < text.length) {
    token.lastIndex = at;
    const m = token.exec(text);
    if (m === null || (at === 0 && m[0].startsWith('.'))) return undefined;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3] as string) as string);
    at = token.lastIndex;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Suggestions

/** Levenshtein edit distance between two strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The candidate closest to `word` by {@link editDistance}, if it is close enough to be a plausible typo (at most
 * `max(2, 40% of the word's length)` edits). Ties go to the earlier candidate.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.ceil(word.length * 0.4));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** `; did you mean "x"?` when a close candidate exists, else `''`. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}

// ---------------------------------------------------------------------------------------------------------------------
// zod issues

/** A zod issue turned into a path and a message, one per unknown key. */
export interface SchemaIssue {
  path: PropertyKey[];
  message: string;
  /** True when the problem is the key itself (an unknown field), so its position is the key's, not the value's. */
  atKey?: boolean;
}

/** The schema reached by following `path` from `schema` through objects, arrays, records and wrappers. */
function schemaAt(schema: z.ZodType, path: PathSegments): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let x = s;
    for (let i = 0; i < 20; i++) {
      if (x instanceof z.ZodDefault || x instanceof z.ZodPrefault || x instanceof z.ZodOptional || x instanceof z.ZodNullable) {
        x = x.unwrap() as z.ZodType;
      } else if (x instanceof z.ZodPipe) x = x.in as z.ZodType;
      else break;
    }
    return x;
  };
  for (const segment of path) {
    if (current === undefined) return undefined;
    current = unwrap(current);
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(segment)];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return undefined;
  }
  return current === undefined ? undefined : unwrap(current);
}

/** The value at `path` inside `data`, and whether the last key is present in its parent. */
function valueAt(data: unknown, path: PathSegments): { found: boolean; value: unknown } {
  let current: unknown = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) {
      return { found: false, value: undefined };
    }
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return { found: true, value: current };
}

/**
 * Turns zod issues into paths and messages a flow author understands: one issue per unknown key (`unknown field "x";
 * did you mean "y"?`), `required field is missing` for absent fields, and the key's own message for bad record keys.
 * @param issues `error.issues` of a failed `safeParse`
 * @param schema the schema that was parsed (for field-name suggestions)
 * @param data the value that was parsed (to tell missing fields from wrong ones)
 */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, data: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const target = schemaAt(schema, path);
      const known = target instanceof z.ZodObject ? Object.keys(target.shape as object) : [];
      for (const key of issue.keys) {
        out.push({ path: [...path, key], message: `unknown field "${key}"${didYouMean(key, known)}`, atKey: true });
      }
    } else if (issue.code === 'invalid_type' && path.length > 0 && !valueAt(data, path).found) {
      out.push({ path, message: `required field "${String(path[path.length - 1])}" is missing` });
    } else if (issue.code === 'invalid_key') {
      const key = String(path[path.length - 1]);
      const inner = issue.issues[0]?.message ?? issue.message;
      out.push({ path, message: `invalid key "${key}": ${inner}` });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Environment substitution

const ENV_REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Substitutes `${VAR}` and `${VAR:-default}` in a string from `env`. `$${` stands for a literal `${`. As in the shell,
 * the default is used when the variable is unset or empty. Text that is not such a reference (e.g. `${value.id}` in a
 * JavaScript template literal) is left as it is.
 * @param value the string to substitute into
 * @param env the environment, e.g. `process.env`
 * @returns the substituted string; each missing variable (unset, no default) is replaced by `''` and listed in `missing`
 */
export function substituteEnv(value: string, env: Record<string, string | undefined>): SubstituteResult {
  const missing: string[] = [];
  const out = value.replace(ENV_REFERENCE, (match: string, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '${';
    const set = Object.hasOwn(env, name) ? env[name] : undefined;
    if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
    if (set === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return '';
    }
    return set;
  });
  return { value: out, missing };
}

// ---------------------------------------------------------------------------------------------------------------------
// Positions in the YAML document

/** A 1-based line and column in the flow file. */
export interface TextPosition {
  line: number;
  column: number;
}

type YamlNode = unknown;

/** Finds positions of paths in a parsed YAML document. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  private at(offset: number): TextPosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private resolve(node: YamlNode): YamlNode {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  /**
   * The position of `path` in the document: the value when the whole path is found and leads to a scalar (unless
   * `atKey`), otherwise the deepest part found (a map entry's key, a sequence item, or the document itself).
   */
  locate(path: PathSegments, atKey = false): TextPosition {
    let node: YamlNode = this.doc.contents;
    let offset = (this.doc.contents?.range?.[0] ?? 0) as number;
    let complete = true;
    for (const segment of path) {
      node = this.resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) {
          complete = false;
          break;
        }
        offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: YamlNode = node.items[segment];
        if (item === undefined) {
          complete = false;
          break;
        }
        const range = (item as { range?: [number, number, number] | null }).range;
        offset = range?.[0] ?? offset;
        node = item;
      } else {
        complete = false;
        break;
      }
    }
    node = this.resolve(node);
    if (complete && !atKey && path.length > 0 && isScalar(node) && node.range != null) offset = node.range[0];
    return this.at(offset);
  }

  /** Every key named in {@link FORBIDDEN_KEYS}, with its path and position. */
  forbiddenKeys(): { path: (string | number)[]; key: string; position: TextPosition }[] {
    const found: { path: (string | number)[]; key: string; position: TextPosition }[] = [];
    const walk = (node: YamlNode, path: (string | number)[]): void => {
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
          if (key !== undefined && FORBIDDEN_KEYS.has(key)) {
            found.push({ path: [...path, key], key, position: this.at(isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0) });
          }
          walk(pair.key, path);
          walk(pair.value, [...path, key ?? '?']);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => walk(item, [...path, i]));
      }
    };
    walk(this.doc.contents, []);
    return found;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Loading

/** Guesses the format from a file name: `.json` -> JSON, anything else -> YAML. */
function guessFormat(fileName: string | undefined): 'yaml' | 'json' {
  return fileName !== undefined && /\.json$/i.test(fileName) ? 'json' : 'yaml';
}

/** First line of a yaml error message, without the ` at line N, column M:` suffix. */
function yamlMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** The JSON.parse error position (from `at position N` or `(line L column C)`), for JSON files YAML accepted. */
function jsonErrorPosition(message: string, lines: LineCounter, text: string): TextPosition | undefined {
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn !== null) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /at position (\d+)/.exec(message);
  if (position !== null) {
    const { line, col } = lines.linePos(Math.min(Number(position[1]), text.length));
    return { line, column: col };
  }
  return undefined;
}

/** Where a path falls relative to the flow's nodes: the node id and the path inside the node, when inside one. */
function nodeScope(data: unknown, path: PathSegments): { nodeId?: string; inner: PathSegments } {
  if (path[0] !== 'nodes' || typeof path[1] !== 'number') return { inner: path };
  const node = valueAt(data, path.slice(0, 2)).value;
  const id = node !== null && typeof node === 'object' ? (node as Record<string, unknown>).id : undefined;
  return typeof id === 'string' ? { nodeId: id, inner: path.slice(2) } : { inner: path.slice(2) };
}

/**
 * Deep-copies plain data, leaving out {@link FORBIDDEN_KEYS} (reported separately) and, when `env` is given,
 * substituting environment references in every string value (never in keys), reporting each missing variable. Keys
 * are copied with `Object.fromEntries`, so no key can reach a prototype.
 */
function copyData(
  value: unknown,
  path: (string | number)[],
  env: Record<string, string | undefined> | undefined,
  onMissing: (path: (string | number)[], names: string[]) => void,
): unknown {
  if (typeof value === 'string') {
    if (env === undefined) return value;
    const result = substituteEnv(value, env);
    if (result.missing.length > 0) onMissing(path, result.missing);
    return result.value;
  }
  if (Array.isArray(value)) return value.map((item, i) => copyData(item, [...path, i], env, onMissing));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !FORBIDDEN_KEYS.has(k))
        .map(([k, v]) => [k, copyData(v, [...path, k], env, onMissing)]),
    );
  }
  return value;
}

/** Sorts problems by line then column (problems without a line last), keeping the order of equal ones. */
function byPosition(problems: Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}

/**
 * Parses and validates a flow file. Never throws for a bad file: every problem is returned at once, sorted by line.
 *
 * - `E_FLOW_LIMIT`: the text is over {@link MAX_FLOW_BYTES} UTF-8 bytes (nothing else is checked), or it uses too many
 *   YAML aliases;
 * - `E_FLOW_PARSE`: YAML (or, for the JSON format, JSON) syntax errors, with line and column;
 * - `E_FLOW_SCHEMA`: keys `__proto__`, `constructor` or `prototype` anywhere; {@link FlowSchema} violations (unknown
 *   fields, bad ids, more than 2,000 nodes, ...) with the full path (`nodes[2].id`) and `nodeId` when inside a node;
 *   duplicate node ids, naming both lines;
 * - `E_ENV`: a `${VAR}` whose variable is not set and has no default, with `nodeId` and the path inside the node
 *   (`config.brokers[0]`), or the flow path (`name`) outside nodes.
 *
 * Node configs are not checked here (their shape belongs to the node types): see `compileFlow`.
 * @param text the file's text
 * @param options file name / format, the environment for substitution
 * @returns `{ ok: true, flow }` with defaults applied, or `{ ok: false, problems }`
 */
export function parseFlowText(text: string, options: ParseFlowOptions): ParseFlowResult {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_FLOW_BYTES) {
    return {
      ok: false,
      problems: [
        {
          code: 'E_FLOW_LIMIT',
          path: '',
          message: `flow file is ${bytes} bytes; the limit is ${MAX_FLOW_BYTES} bytes (5 MB)`,
        },
      ],
    };
  }
  const format = options.format ?? guessFormat(options.fileName);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const problems: Problem[] = [];
  for (const error of doc.errors) {
    const pos = error.linePos?.[0];
    problems.push({
      code: 'E_FLOW_PARSE',
      path: '',
      message: yamlMessage(error.message),
      ...(pos === undefined ? {} : { line: pos.line, column: pos.col }),
    });
  }
  if (problems.length === 0 && format === 'json') {
    try {
      JSON.parse(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const pos = jsonErrorPosition(message, lines, text);
      problems.push({
        code: 'E_FLOW_PARSE',
        path: '',
        message: `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '')}`,
        ...(pos === undefined ? {} : { line: pos.line, column: pos.column }),
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems: byPosition(problems) };

  const locator = new Locator(doc, lines);
  const located = (path: PathSegments, atKey = false): TextPosition => locator.locate(path, atKey);

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return {
      ok: false,
      problems: [
        { code: 'E_FLOW_LIMIT', path: '', message: `flow file uses too many YAML aliases: ${(error as Error).message}` },
      ],
    };
  }

  const forbidden = locator.forbiddenKeys();
  for (const f of forbidden) {
    const scope = nodeScope(raw, f.path);
    problems.push({
      code: 'E_FLOW_SCHEMA',
      ...(scope.nodeId === undefined ? {} : { nodeId: scope.nodeId }),
      path: formatPath(f.path),
      message: `the key "${f.key}" is not allowed in a flow file`,
      ...f.position,
    });
  }

  const substitute = options.substitute ?? true;
  const envPaths = new Set<string>();
  const data = copyData(raw, [], substitute ? options.env : undefined, (path, names) => {
    envPaths.add(formatPath(path));
    const scope = nodeScope(raw, path);
    const where = formatPath(scope.inner);
    for (const name of names) {
      problems.push({
        code: 'E_ENV',
        ...(scope.nodeId === undefined ? {} : { nodeId: scope.nodeId }),
        path: where,
        message: `environment variable ${name} is not set and has no default`,
        ...located(path),
      });
    }
  });

  // Duplicate node ids, checked before the schema so that they are reported together with schema problems.
  const nodes = valueAt(data, ['nodes']).value;
  if (Array.isArray(nodes)) {
    const firstIndex = new Map<string, number>();
    nodes.forEach((node: unknown, i) => {
      const id = node !== null && typeof node === 'object' ? (node as Record<string, unknown>).id : undefined;
      if (typeof id !== 'string') return;
      const first = firstIndex.get(id);
      if (first === undefined) {
        firstIndex.set(id, i);
        return;
      }
      const firstLine = located(['nodes', first, 'id']).line;
      const here = located(['nodes', i, 'id']);
      problems.push({
        code: 'E_FLOW_SCHEMA',
        nodeId: id,
        path: formatPath(['nodes', i, 'id']),
        message: `duplicate node id "${id}": used at line ${firstLine} and line ${here.line}; node ids must be unique`,
        ...here,
      });
    });
  }

  // Forbidden keys are left out of `data`, so the schema checks the rest of the document.
  let flow: Flow | undefined;
  const parsed = FlowSchema.safeParse(data);
  if (parsed.success) flow = parsed.data;
  else {
    for (const issue of describeZodIssues(parsed.error.issues, FlowSchema, data)) {
      // A value left empty by a missing variable is already reported as E_ENV.
      if (envPaths.has(formatPath(issue.path))) continue;
      const scope = nodeScope(data, issue.path);
      problems.push({
        code: 'E_FLOW_SCHEMA',
        ...(scope.nodeId === undefined ? {} : { nodeId: scope.nodeId }),
        path: formatPath(issue.path),
        message: issue.message,
        ...located(issue.path, issue.atKey),
      });
    }
  }

  if (problems.length > 0 || flow === undefined) return { ok: false, problems: byPosition(problems) };
  return { ok: true, flow };
}

/**
 * Fills in `line` (and `column`, unless already set) of problems that lack a line, e.g. the compiler's, by finding
 * their field in the flow file text: `nodeId` + node-relative path (`config.routes[1].expression`) inside that node, or
 * a flow path (`edges[2].to`). Problems whose place cannot be found get the line of the deepest part found.
 * @param text the flow file text the problems are about (must parse as YAML; otherwise problems are returned as given)
 * @param problems problems from `compileFlow` or elsewhere
 * @returns new problem objects; the input is not modified
 */
export function locateProblems(text: string, problems: readonly Problem[]): Problem[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) return problems.map((p) => ({ ...p }));
  const locator = new Locator(doc, lines);
  let nodes: unknown;
  try {
    nodes = (doc.toJS({ maxAliasCount: 100 }) as { nodes?: unknown } | null)?.nodes;
  } catch {
    return problems.map((p) => ({ ...p }));
  }
  return problems.map((problem) => {
    if (problem.line !== undefined) return { ...problem };
    const inner = parsePath(problem.path) ?? [];
    let path: (string | number)[] = inner;
    if (problem.nodeId !== undefined) {
      const index = Array.isArray(nodes)
        ? nodes.findIndex((n: unknown) => n !== null && typeof n === 'object' && (n as { id?: unknown }).id === problem.nodeId)
        : -1;
      if (index < 0) return { ...problem };
      path = ['nodes', index, ...inner];
    }
    const position = locator.locate(path);
    return { ...problem, line: position.line, column: problem.column ?? position.column };
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Serialization

const SETTINGS_DEFAULTS: FlowSettings = FlowSchema.shape.settings.parse(undefined);

/**
 * Serializes a flow with a stable key order: `version, name, description, settings, nodes, edges, layout`; in each node
 * `id, type, title, config, onError`. Settings equal to their defaults and `onError: stop` are left out, so a loaded
 * and saved flow stays as short as written. Strings are written as they are: a flow loaded with `substitute: false`
 * keeps its `${VAR}` references.
 * @param flow the flow (parsed or as written)
 * @param format `yaml` (block style, no line folding) or `json` (2-space indent); both end with a newline
 */
export function serializeFlow(flow: Flow, format: 'yaml' | 'json'): string {
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flow.settings ?? {})) {
    if (SETTINGS_DEFAULTS[key as keyof FlowSettings] !== value) settings[key] = value;
  }
  const ordered: Record<string, unknown> = { version: flow.version, name: flow.name };
  if (flow.description !== undefined) ordered.description = flow.description;
  if (Object.keys(settings).length > 0) ordered.settings = settings;
  ordered.nodes = flow.nodes.map((node) => {
    const out: Record<string, unknown> = { id: node.id, type: node.type };
    if (node.title !== undefined) out.title = node.title;
    out.config = node.config ?? {};
    if (node.onError !== undefined && node.onError !== 'stop') out.onError = node.onError;
    return out;
  });
  ordered.edges = (flow.edges ?? []).map((edge) => ({ from: edge.from, to: edge.to }));
  if (flow.layout !== undefined) {
    ordered.layout = Object.fromEntries(Object.entries(flow.layout).map(([id, p]) => [id, { x: p.x, y: p.y }]));
  }
  if (format === 'json') return `${JSON.stringify(ordered, null, 2)}\n`;
  return stringify(ordered, { lineWidth: 0, aliasDuplicateObjects: false });
}
