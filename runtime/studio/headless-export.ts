/**
 * "Export headless config" (Node-only): a flow text made ready for `tributary run` on a server. Secrets written
 * literally become `${VAR}` references (YAML keeps its comments and layout), and the exact run command lists the
 * variables the flow needs.
 */
import { basename } from 'node:path';
import { specRegistry } from '../../nodes/specs';
import { formatProblems } from '../common/errors';
import { parseFlowText } from '../common/flow-loader';
import { referencedVariables, shellQuote, withSecretReferences } from '../common/secrets';
import { flowFormat } from './flow-files';

export { secretVariableName, shellQuote } from '../common/secrets';

/** The result of {@link exportHeadlessFlow}. */
export interface HeadlessExport {
  /** The flow text to write, secrets replaced by references. */
  text: string;
  /** The run command, `VAR=... tributary run <file>` with every variable that has no default. */
  command: string;
  /** Every variable the flow references, in order of appearance. */
  variables: string[];
}

/**
 * The headless export of a flow: every literal secret (`runtime/common/secrets.ts`: fields the spec marks secret,
 * fields named like password / secret / token / apiKey, the password of a `scheme://user:password@host` URL) becomes
 * its proposed `${<NODEID>_<FIELD>}` reference.
 * @param text flow text (YAML or JSON), `${VAR}` references kept
 * @param path the flow's file (its name is used in the command), or null
 * @returns the text to write, the run command (`VAR=... tributary run <file>`) and every variable the flow references
 * @throws Error when the text does not parse as a flow
 */
export function exportHeadlessFlow(text: string, path: string | null): HeadlessExport {
  const parsed = parseFlowText(text, { env: {}, substitute: false, ...(path === null ? {} : { fileName: path }) });
  if (!parsed.ok) throw new Error(`cannot export: the flow does not parse:\n${formatProblems(parsed.problems, path ?? 'flow').join('\n')}`);
  const format = flowFormat(text, path);
  const out = withSecretReferences(text, specRegistry);
  const references = referencedVariables(out);
  const variables = references.map((v) => v.name);
  const required = references.filter((v) => !v.hasDefault).map((v) => v.name);
  const flow = parsed.flow;
  const file = path === null ? `${flow.name.replace(/[^A-Za-z0-9_-]+/g, '-')}.flow.${format}` : basename(path);
  const command = [...required.map((v) => `${v}=...`), 'tributary', 'run', shellQuote(file)].join(' ');
  return { text: out, command, variables };
}
