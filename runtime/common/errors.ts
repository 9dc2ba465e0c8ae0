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
  | 'E_LITERAL_SECRET'
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
  /**
   * 1-based column in the flow file, when known. The compiler gives an expression's problem the column inside the
   * expression; loading a file (`checkFlowText`) moves it into the file.
   */
  column?: number;
  /**
   * `error` (the default when absent): the flow does not load, `validate` exits 1. `warning`: reported, but the flow
   * still loads and runs, and `validate` exits 0 when a file has only warnings.
   */
  severity?: 'error' | 'warning';
}

/** True when a problem is a warning (`severity: 'warning'`); a problem without a severity is an error. */
export function isWarning(problem: Problem): boolean {
  return problem.severity === 'warning';
}

/** Thrown by loaders when a flow has problems; carries all of them (its warnings too, when it has any). */
export class FlowProblemsError extends TributaryError {
  readonly problems: Problem[];
  /**
   * @param problems every problem found, at least one of them an error
   * @param file the flow file, for the message (default `flow`)
   */
  constructor(problems: Problem[], file?: string) {
    super((problems.find((p) => !isWarning(p)) ?? problems[0])?.code ?? 'E_FLOW_SCHEMA', formatProblems(problems, file).join('\n'));
    this.name = 'FlowProblemsError';
    this.problems = problems;
  }
}

/**
 * Formats problems as the lines of `tributary validate`, the form editors and CI annotate:
 * `file:line:col: node <id>: <field>: <message> [E_CODE]`, `flow` instead of `node <id>` for problems outside nodes,
 * `warning: ` after the position for warnings. Parts that are unknown are left out with their separator: `file:line:`
 * without a column, `file:` without a line, no `<field>: ` for a problem about the whole node or file.
 * @param problems the problems, in the order to print
 * @param file the flow file's name (default `flow`)
 * @returns one line per problem
 */
export function formatProblems(problems: Problem[], file = 'flow'): string[] {
  return problems.map((p) => {
    const position = p.line === undefined ? '' : `${p.line}:${p.column === undefined ? '' : `${p.column}:`}`;
    const severity = isWarning(p) ? 'warning: ' : '';
    const where = p.nodeId === undefined ? 'flow' : `node ${p.nodeId}`;
    const field = p.path === '' ? '' : `${p.path}: `;
    return `${file}:${position} ${severity}${where}: ${field}${p.message} [${p.code}]`;
  });
}

/**
 * One problem as `tributary validate --format json` prints it: every key present, `null` where a part is unknown
 * (`line`/`column` when the place was not found, `node` outside nodes, `field` for the whole node or file).
 */
export interface ProblemReport {
  /** The flow file, as named on the command line. */
  file: string;
  /** 1-based line in the file. */
  line: number | null;
  /** 1-based column in the file. */
  column: number | null;
  /** Node id. */
  node: string | null;
  /** Field path inside the node (`config.url`) or the flow (`edges[2].to`). */
  field: string | null;
  /** Stable code, see docs/errors.md. */
  code: ErrorCode;
  message: string;
  severity: 'error' | 'warning';
}

/**
 * Turns problems into the records of `tributary validate --format json`.
 * @param problems the problems of one file
 * @param file the flow file, as named on the command line
 */
export function problemReports(problems: Problem[], file: string): ProblemReport[] {
  return problems.map((p) => ({
    file,
    line: p.line ?? null,
    column: p.line === undefined ? null : (p.column ?? null),
    node: p.nodeId ?? null,
    field: p.path === '' ? null : p.path,
    code: p.code,
    message: p.message,
    severity: isWarning(p) ? 'warning' : 'error',
  }));
}
