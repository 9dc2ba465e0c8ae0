/**
 * Errors and problems shared by the studio and the runtime. Browser-safe: no Node imports.
 *
 * Codes are stable and documented in docs/errors.md; messages say what was wrong, where, and what to do.
 */

/** Stable error codes. `E_CONFIG` etc. are user errors; `E_SINK`/`E_SOURCE` may be retriable. */
export type ErrorCode =
  | 'E_FLOW_PARSE'
  | 'E_FLOW_SCHEMA'
  | 'E_FLOW_LIMIT'
  | 'E_ENV'
  | 'E_CONFIG'
  | 'E_GRAPH'
  | 'E_EXPRESSION'
  | 'E_EXPRESSION_RUNTIME'
  | 'E_DECODE'
  | 'E_SOURCE'
  | 'E_SINK'
  | 'E_TIMEOUT'
  | 'E_INTERNAL';

/** Base class of every error Tributary raises on purpose. */
export class TributaryError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** The node the error belongs to, when there is one. */
  readonly nodeId: string | undefined;
  /** True when trying the same operation again may succeed (network, broker or sink unavailable). */
  readonly retriable: boolean;

  /**
   * @param code stable code, see {@link ErrorCode}
   * @param message what was wrong, where, and what to do
   * @param options node id, retriable flag (default false) and the underlying cause
   */
  constructor(
    code: ErrorCode,
    message: string,
    options: { nodeId?: string | undefined; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TributaryError';
    this.code = code;
    this.nodeId = options.nodeId;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * One problem found in a flow file by the loader or the compiler. Problems are collected, never thrown one by one,
 * so that a user sees every problem at once (a linter, not a first-error crash).
 */
export interface Problem {
  /** Stable code, as for {@link TributaryError}. */
  code: ErrorCode;
  /** Node id the problem belongs to, absent for flow-level problems. */
  nodeId?: string;
  /** Field path inside the node config (e.g. `config.routes[1].expression`) or the flow (e.g. `edges[2].to`). */
  path: string;
  /** Human-readable message. */
  message: string;
  /** 1-based line in the flow file, when known. */
  line?: number;
  /** 1-based column in the flow file (or in the expression, for expression syntax errors), when known. */
  column?: number;
}

/** Thrown by loaders when a flow has problems; carries all of them. */
export class FlowProblemsError extends TributaryError {
  readonly problems: Problem[];
  constructor(problems: Problem[], file?: string) {
    super(problems[0]?.code ?? 'E_FLOW_SCHEMA', formatProblems(problems, file).join('\n'));
    this.name = 'FlowProblemsError';
    this.problems = problems;
  }
}

/**
 * Formats problems as `file: node <id>: <field>: <message>` lines (the output of `tributary validate`).
 * `file` defaults to `flow`. Line numbers are appended as `(line N)` when known.
 */
export function formatProblems(problems: Problem[], file = 'flow'): string[] {
  return problems.map((p) => {
    const where = p.nodeId === undefined ? 'flow' : `node ${p.nodeId}`;
    const field = p.path === '' ? '' : `${p.path}: `;
    const line = p.line === undefined ? '' : ` (line ${p.line}${p.column === undefined ? '' : `, column ${p.column}`})`;
    return `${file}: ${where}: ${field}${p.message}${line}`;
  });
}
