/**
 * "Export headless config" (Node-only): a flow text made ready for `tributary run` on a server. Secrets written
 * literally become `${VAR}` references (YAML keeps its comments and layout), and the exact run command lists the
 * variables the flow needs.
 */
import { basename } from 'node:path';
import { parseDocument } from 'yaml';
import { formatProblems } from '../common/errors';
import { parseFlowText } from '../common/flow-loader';
import { serializeFlow } from '../common/flow-serializer';
import { flowFormat } from './flow-files';

/** Field names whose literal string values {@link exportHeadlessFlow} turns into `${VAR}` references. */
export const SECRET_FIELD = /password|passwd|secret|token|api[-_]?key|credentials?$/i;

/** The result of {@link exportHeadlessFlow}. */
export interface HeadlessExport {
  /** The flow text to write, secrets replaced by references. */
  text: string;
  /** The run command, `VAR=... tributary run <file>` with every variable that has no default. */
  command: string;
  /** Every variable the flow references, in order of appearance. */
  variables: string[];
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `orders` + `sasl.password` -> `ORDERS_SASL_PASSWORD` (camelCase split, non-alphanumerics to `_`). */
export function secretVariableName(nodeId: string, fieldPath: readonly (string | number)[]): string {
  const words = [nodeId, ...fieldPath.map(String)]
    .join('_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return /^[0-9]/.test(words) ? `_${words}` : words;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g;

/**
 * The headless export of a flow: secrets (string fields named like password / secret / token / apiKey, and the password
 * of a `scheme://user:password@host` URL) that are written literally become `${<NODEID>_<FIELD>}` references.
 * @param text flow text (YAML or JSON), `${VAR}` references kept
 * @param path the flow's file (its name is used in the command), or null
 * @returns the text to write, the run command (`VAR=... tributary run <file>`) and every variable the flow references
 * @throws Error when the text does not parse as a flow
 */
export function exportHeadlessFlow(text: string, path: string | null): HeadlessExport {
  const parsed = parseFlowText(text, { env: {}, substitute: false, ...(path === null ? {} : { fileName: path }) });
  if (!parsed.ok) throw new Error(`cannot export: the flow does not parse:\n${formatProblems(parsed.problems, path ?? 'flow').join('\n')}`);
  const format = flowFormat(text, path);
  const doc = format === 'yaml' ? parseDocument(text) : undefined;
  const flow = parsed.flow;
  const replace = (nodeIndex: number, fieldPath: (string | number)[], value: string): void => {
    let target = flow.nodes[nodeIndex]!.config as Record<string | number, unknown>;
    for (const key of fieldPath.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    target[fieldPath[fieldPath.length - 1]!] = value;
    doc?.setIn(['nodes', nodeIndex, 'config', ...fieldPath], value);
  };
  flow.nodes.forEach((node, nodeIndex) => {
    const visit = (value: unknown, fieldPath: (string | number)[]): void => {
      if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...fieldPath, i]));
      else if (value !== null && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) visit(inner, [...fieldPath, key]);
      } else if (typeof value === 'string' && value !== '' && fieldPath.length > 0) {
        const key = String(fieldPath.findLast((p) => typeof p === 'string') ?? '');
        const variable = secretVariableName(node.id, fieldPath.filter((p) => typeof p === 'string'));
        if (SECRET_FIELD.test(key) && !/^\$\{[^}]+\}$/.test(value)) {
          replace(nodeIndex, fieldPath, `\${${variable}}`);
          return;
        }
        const url = /^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s]+)(@.*)$/i.exec(value);
        if (url !== null && !/^\$\{[^}]+\}$/.test(url[2]!)) replace(nodeIndex, fieldPath, `${url[1]}\${${variable}_PASSWORD}${url[3]}`);
      }
    };
    visit(node.config ?? {}, []);
  });
  const out = doc !== undefined ? doc.toString({ lineWidth: 0 }) : serializeFlow(flow, 'json');
  const variables: string[] = [];
  const required: string[] = [];
  for (const m of out.matchAll(REFERENCE)) {
    if (out[m.index - 1] === '$') continue; // `$${` is a literal
    if (!variables.includes(m[1]!)) variables.push(m[1]!);
    if (m[2] === undefined && !required.includes(m[1]!)) required.push(m[1]!);
  }
  const file = path === null ? `${flow.name.replace(/[^A-Za-z0-9_-]+/g, '-')}.flow.${format}` : basename(path);
  const command = [...required.map((v) => `${v}=...`), 'tributary', 'run', shellQuote(file)].join(' ');
  return { text: out, command, variables };
}
