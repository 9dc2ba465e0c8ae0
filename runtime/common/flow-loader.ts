/**
 * The flow loader: flow file text (YAML or JSON) -> a validated {@link Flow}, or every problem found, each with the line
 * (and column) of the offending field in the file. Browser-safe: no Node imports. Saving is `flow-serializer.ts`.
 *
 * Loading runs these steps and reports all problems of every step that could run:
 * 1. size limit ({@link MAX_FLOW_BYTES}, `E_FLOW_LIMIT`), then YAML syntax (`E_FLOW_PARSE`), then the aliases
 *    (`yaml-aliases.ts`: a recursive alias is `E_FLOW_PARSE`, an alias bomb `E_FLOW_LIMIT`); each stops the load;
 * 2. forbidden keys `__proto__`, `constructor` and `prototype` anywhere (`E_FLOW_SCHEMA`);
 * 3. `${VAR}` / `${VAR:-default}` substitution in every string value (`E_ENV` for a variable that is not set, and for
 *    the refused Redpanda Connect spelling `${VAR:default}`);
 * 4. the {@link FlowSchema} (`E_FLOW_SCHEMA`) and unique node ids (`E_FLOW_SCHEMA`).
 *
 * Problems of step 3 do not stop the load: the flow is still returned with the values left empty, so that the caller
 * compiles it and reports the missing variables together with every other problem of the file.
 */
import { LineCounter, parseDocument } from 'yaml';
import { substituteEnv, type SubstituteResult } from './env-substitution';
import type { Problem } from './errors';
import { FlowSchema, MAX_FLOW_BYTES, type Flow } from './flow';
import { formatPath, valueAt, type PathSegments } from './flow-path';
import { aliasProblems, MAX_ALIAS_COUNT } from './yaml-aliases';
import { YamlLocator, type TextPosition } from './yaml-locator';
import { describeZodIssues } from './zod-issues';

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
   * references kept, so that `serializeFlow` (flow-serializer.ts) writes them back unchanged.
   */
  substitute?: boolean;
}

/**
 * The result of {@link parseFlowText}: the flow, or every problem found. A failed result still carries the flow when
 * every problem is an `E_ENV` reference that could not be substituted (its value left empty), so that the flow can be
 * compiled and its other problems reported with them.
 */
export type ParseFlowResult = { ok: true; flow: Flow } | { ok: false; problems: Problem[]; flow?: Flow };

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
  onUnsubstituted: (path: (string | number)[], result: SubstituteResult) => void,
): unknown {
  if (typeof value === 'string') {
    if (env === undefined) return value;
    const result = substituteEnv(value, env);
    if (result.missing.length > 0 || result.refused.length > 0) onUnsubstituted(path, result);
    return result.value;
  }
  if (Array.isArray(value)) return value.map((item, i) => copyData(item, [...path, i], env, onUnsubstituted));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !FORBIDDEN_KEYS.has(k))
        .map(([k, v]) => [k, copyData(v, [...path, k], env, onUnsubstituted)]),
    );
  }
  return value;
}

/**
 * Sorts problems by line then column (problems without a line last), keeping the order of equal ones.
 * @returns a new array; the problems themselves are not copied
 */
export function byPosition(problems: readonly Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}

/**
 * Parses and validates a flow file. Never throws for a bad file: every problem is returned at once, sorted by line.
 *
 * - `E_FLOW_LIMIT`: the text is over {@link MAX_FLOW_BYTES} UTF-8 bytes (nothing else is checked), or it uses too many
 *   YAML aliases (an alias bomb), with the alias's line and column;
 * - `E_FLOW_PARSE`: YAML (or, for the JSON format, JSON) syntax errors, and a recursive alias (an alias inside the node
 *   its anchor names), with line and column;
 * - `E_FLOW_SCHEMA`: keys `__proto__`, `constructor` or `prototype` anywhere; {@link FlowSchema} violations (unknown
 *   fields, bad ids, more than 2,000 nodes, ...) with the full path (`nodes[2].id`) and `nodeId` when inside a node;
 *   duplicate node ids, naming both lines;
 * - `E_ENV`: a `${VAR}` whose variable is not set and has no default, or a `${VAR:default}` (refused, with the
 *   `${VAR:-default}` spelling in the message), with `nodeId` and the path inside the node (`config.brokers[0]`), or
 *   the flow path (`name`) outside nodes. These alone still return the flow (see {@link ParseFlowResult}).
 *
 * Node configs are not checked here (their shape belongs to the node types): see `compileFlow`.
 * @param text the file's text
 * @param options file name / format, the environment for substitution
 * @returns `{ ok: true, flow }` with defaults applied, or `{ ok: false, problems }` (with `flow` when every problem is
 *   `E_ENV`)
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

  // Aliases are checked on the document, before `toJS` and every recursive walk of the data.
  const aliasProblemsFound = aliasProblems(doc, lines);
  if (aliasProblemsFound.length > 0) return { ok: false, problems: aliasProblemsFound };

  const locator = new YamlLocator(doc, lines);
  const located = (path: PathSegments, atKey = false): TextPosition => locator.locate(path, atKey);

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return {
      ok: false,
      problems: [
        { code: 'E_FLOW_LIMIT', path: '', message: `flow file uses too many YAML aliases: ${(error as Error).message}` },
      ],
    };
  }

  const forbidden = locator.keysNamed(FORBIDDEN_KEYS);
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
  const data = copyData(raw, [], substitute ? options.env : undefined, (path, result) => {
    envPaths.add(formatPath(path));
    const scope = nodeScope(raw, path);
    const where = { ...(scope.nodeId === undefined ? {} : { nodeId: scope.nodeId }), path: formatPath(scope.inner), ...located(path) };
    for (const name of result.missing) {
      problems.push({ code: 'E_ENV', ...where, message: `environment variable ${name} is not set and has no default` });
    }
    for (const { reference, replacement } of result.refused) {
      problems.push({
        code: 'E_ENV',
        ...where,
        message: `${reference} is not a supported reference (the Redpanda Connect default form); write ${replacement} for a default`,
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

  if (problems.length === 0 && flow !== undefined) return { ok: true, flow };
  const onlyEnv = flow !== undefined && problems.every((p) => p.code === 'E_ENV');
  return { ok: false, problems: byPosition(problems), ...(onlyEnv ? { flow } : {}) };
}
